// reduceOnPlateau on scripted loss sequences: the call at which the scale halves, the floor at minScale,
// cooldown, averaging over the accumulation window, the rtol/atol comparison, updates = grads·scale,
// option checks and state purity. Not here: the plateau inside the reference chain (chain.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type PlateauOptions, type PlateauState, reduceOnPlateau } from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";
import { flat, GRADS, PARAMS, tree } from "./fixtures.js";

/** Feeds the losses one call each; returns the state after every call. */
function drive(options: PlateauOptions, losses: readonly number[]): PlateauState[] {
  const opt = reduceOnPlateau(options);
  const p = tree(PARAMS);
  let s = opt.init(p);
  return losses.map((value) => {
    [, s] = opt.update(tree(GRADS[0]!), s, p, { value });
    return s;
  });
}

const scales = (states: PlateauState[]): number[] => states.map((s) => s.scale);

describe("reduceOnPlateau", () => {
  it("starts at scale 1 with best = +∞ and zero counters", () => {
    assert.deepEqual(reduceOnPlateau().init(tree(PARAMS)), {
      scale: 1,
      bestValue: Number.POSITIVE_INFINITY,
      plateauCount: 0,
      cooldownCount: 0,
      count: 0,
      avgValue: 0,
    });
  });

  it("halves the scale every `patience` non-improving windows and stops at minScale", () => {
    // Window 1 sets best = 10; then each pair of flat windows is a plateau of patience 2:
    // calls 3, 5 halve (.5, .25), call 7 would give .125 but is floored at .2; later plateaus stay at .2.
    const states = drive(
      { accumulationSize: 1, patience: 2, factor: 0.5, minScale: 0.2 },
      [10, 10, 10, 10, 10, 10, 10, 10, 10],
    );
    assert.deepEqual(scales(states), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]);
    assert.deepEqual(
      states.map((s) => s.plateauCount),
      [0, 1, 0, 1, 0, 1, 0, 1, 0],
    );
    assert.equal(states[8]!.bestValue, 10);
  });

  it("the reference defaults halve after 1 + 20 windows of 50 calls", () => {
    const states = drive({}, Array(50 * 21 + 49).fill(1));
    const firstHalf = states.findIndex((s) => s.scale < 1);
    assert.equal(firstHalf, 50 * 21 - 1);
    assert.equal(states[firstHalf]!.scale, 0.5);
    assert.equal(states.at(-1)!.scale, 0.5);
  });

  it("averages over the accumulation window and compares only the average", () => {
    // size 3, patience 1: window [3, 6, 9] → avg 6 = best; window [1, 20, 1] → avg 22/3 > 6: plateau → .5;
    // window [5, 5, 5] → avg 5 < 6·(1 − 1e-4): best = 5, no change.
    const states = drive({ accumulationSize: 3, patience: 1 }, [3, 6, 9, 1, 20, 1, 5, 5, 5]);
    assert.deepEqual(
      states.map((s) => s.avgValue),
      [3, 4.5, 0, 1, 10.5, 0, 5, 5, 0],
    );
    assert.deepEqual(
      states.map((s) => s.count),
      [1, 2, 0, 1, 2, 0, 1, 2, 0],
    );
    assert.deepEqual(scales(states), [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(
      states.map((s) => s.bestValue),
      [Infinity, Infinity, 6, 6, 6, 6, 6, 6, 5],
    );
  });

  it("needs avg < (1 − rtol)·best − atol to count as an improvement", () => {
    // rtol .1: from best 10, 9.5 and 9 are not improvements (9 < 9 is false), 8.9 is.
    const r = drive({ accumulationSize: 1, patience: 5, rtol: 0.1 }, [10, 9.5, 9, 8.9]);
    assert.deepEqual(
      r.map((s) => s.bestValue),
      [10, 10, 10, 8.9],
    );
    assert.deepEqual(
      r.map((s) => s.plateauCount),
      [0, 1, 2, 0],
    );
    // atol .5, rtol 0: from best 10, 9.6 is not (< 9.5 needed), 9.4 is.
    const a = drive({ accumulationSize: 1, patience: 5, rtol: 0, atol: 0.5 }, [10, 9.6, 9.4]);
    assert.deepEqual(
      a.map((s) => s.bestValue),
      [10, 10, 9.4],
    );
  });

  it("cooldown: windows after a reduction reset the count and cannot reduce", () => {
    // patience 1, cooldown 2: call 2 halves and starts a cooldown of 2 windows (calls 3, 4); call 5 is the
    // first counted plateau again and halves; calls 6, 7 cool down; call 8 halves.
    const states = drive({ accumulationSize: 1, patience: 1, cooldown: 2, minScale: 0 }, Array(8).fill(5));
    assert.deepEqual(scales(states), [1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]);
    assert.deepEqual(
      states.map((s) => s.cooldownCount),
      [0, 2, 1, 0, 2, 1, 0, 2],
    );
    // Improvements during cooldown still move best.
    const b = drive({ accumulationSize: 1, patience: 1, cooldown: 2 }, [5, 5, 4]);
    assert.equal(b[2]!.bestValue, 4);
    assert.equal(b[2]!.cooldownCount, 1);
  });

  it("multiplies the updates by the scale after this call's evaluation", () => {
    const opt = reduceOnPlateau({ accumulationSize: 1, patience: 1 });
    const p = tree(PARAMS);
    const g = tree(GRADS[1]!);
    const [u1, s1] = opt.update(g, opt.init(p), p, { value: 2 });
    assert.deepEqual(flat(u1), GRADS[1]);
    const [u2, s2] = opt.update(g, s1, p, { value: 2 });
    assert.equal(s2.scale, 0.5);
    assertAllClose(
      flat(u2),
      GRADS[1]!.map((x) => 0.5 * x),
      { atol: 0, rtol: 0 },
    );
    assert.deepEqual(flat(g), GRADS[1], "grads changed");
  });

  it("requires extra.value and validates its options", () => {
    const opt = reduceOnPlateau();
    const p = tree(PARAMS);
    assert.throws(() => opt.update(tree(GRADS[0]!), opt.init(p), p), /needs the loss as extra\.value/);
    assert.throws(() => reduceOnPlateau({ factor: 1 }), /factor must be in \(0, 1\)/);
    assert.throws(() => reduceOnPlateau({ rtol: 0, atol: 0 }), /at least one of rtol and atol/);
    assert.throws(() => reduceOnPlateau({ rtol: 2 }), /rtol must be ≤ 1/);
    assert.throws(() => reduceOnPlateau({ accumulationSize: 0 }), /accumulationSize/);
  });

  it("never mutates the incoming state", () => {
    const opt = reduceOnPlateau({ accumulationSize: 2, patience: 1 });
    const p = tree(PARAMS);
    let s = opt.init(p);
    for (const v of [3, 3, 3, 3]) {
      const frozen = Object.freeze({ ...s });
      const [, a] = opt.update(tree(GRADS[0]!), frozen, p, { value: v });
      const [, b] = opt.update(tree(GRADS[0]!), frozen, p, { value: v });
      assert.deepEqual(a, b);
      s = a;
    }
    assert.equal(s.scale, 0.5);
  });
});
