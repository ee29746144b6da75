// Reduce-on-plateau (optax.contrib.reduce_on_plateau): scales updates by a factor that shrinks when the
// loss, averaged over accumulation windows, stops improving. The loss arrives as `extra.value`.
// State is plain numbers (bestValue starts at +Infinity). Not here: the choice of which loss to feed.

import { noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { assert } from "../util/assert.js";
import type { GradientTransformation } from "./transform.js";
import { treeMap } from "./transform.js";

/** Current scale, best window average, counters and the running average of the open window. */
export interface PlateauState {
  scale: number;
  bestValue: number;
  plateauCount: number;
  cooldownCount: number;
  count: number;
  avgValue: number;
}

export interface PlateauOptions {
  factor?: number;
  patience?: number;
  cooldown?: number;
  rtol?: number;
  atol?: number;
  accumulationSize?: number;
  minScale?: number;
}

/**
 * Reduce-on-plateau: after each `accumulationSize` values, avg < (1−rtol)·best − atol sets best = avg and
 * plateauCount = 0, else plateauCount += 1; outside cooldown, plateauCount == patience sets
 * scale = max(scale·factor, minScale), plateauCount = 0, cooldownCount = cooldown (in cooldown: plateauCount
 * = 0, cooldownCount −= 1). Updates are grads·scale, with the scale after this step's evaluation.
 */
export function reduceOnPlateau({
  factor = 0.5,
  patience = 20,
  cooldown = 0,
  rtol = 1e-4,
  atol = 0,
  accumulationSize = 50,
  minScale = 1e-2,
}: PlateauOptions = {}): GradientTransformation<PlateauState> {
  assert(factor > 0 && factor < 1, () => `reduceOnPlateau: factor must be in (0, 1), got ${factor}`);
  assert(rtol >= 0 && atol >= 0, () => `reduceOnPlateau: rtol ${rtol} and atol ${atol} must be ≥ 0`);
  assert(rtol > 0 || atol > 0, () => "reduceOnPlateau: at least one of rtol and atol must be positive");
  assert(rtol <= 1, () => `reduceOnPlateau: rtol must be ≤ 1, got ${rtol}`);
  assert(
    Number.isInteger(accumulationSize) && accumulationSize >= 1,
    () => `reduceOnPlateau: accumulationSize must be an integer ≥ 1, got ${accumulationSize}`,
  );
  assert(
    Number.isInteger(patience) && patience >= 0 && Number.isInteger(cooldown) && cooldown >= 0,
    () => `reduceOnPlateau: patience ${patience} and cooldown ${cooldown} must be integers ≥ 0`,
  );
  assert(minScale >= 0, () => `reduceOnPlateau: minScale must be ≥ 0, got ${minScale}`);

  const evaluate = (s: PlateauState): PlateauState => {
    const improved = s.avgValue < (1 - rtol) * s.bestValue - atol;
    const bestValue = improved ? s.avgValue : s.bestValue;
    const current = improved ? 0 : s.plateauCount + 1;
    const reset = { bestValue, count: 0, avgValue: 0 };
    if (s.cooldownCount > 0) {
      return { ...reset, scale: s.scale, plateauCount: 0, cooldownCount: s.cooldownCount - 1 };
    }
    const hit = current === patience;
    return {
      ...reset,
      scale: Math.max(hit ? s.scale * factor : s.scale, minScale),
      plateauCount: hit ? 0 : current,
      cooldownCount: hit ? cooldown : 0,
    };
  };

  return {
    init: () => ({
      scale: 1,
      bestValue: Number.POSITIVE_INFINITY,
      plateauCount: 0,
      cooldownCount: 0,
      count: 0,
      avgValue: 0,
    }),
    update: (grads, s, _params, extra) => {
      const value = extra?.value;
      assert(
        typeof value === "number",
        () => `reduceOnPlateau: update needs the loss as extra.value, got ${String(value)}`,
      );
      const count = s.count + 1;
      const avgValue = (s.count * s.avgValue + value) / count;
      let next: PlateauState = { ...s, count, avgValue };
      if (count === accumulationSize) next = evaluate(next);
      const scale = next.scale;
      return [noGrad(() => treeMap((g) => ops.mul(g, scale), grads)), next];
    },
  };
}
