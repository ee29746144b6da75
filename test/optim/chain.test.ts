// chain and the reference optimiser: member order (clip before adabelief), `extra` reaching every member,
// the authors' chain against clip → adabelief → plateau spelled out by hand, applyUpdates, and purity.
// Not here: the members' own arithmetic (optimizers/clip/plateau tests).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adabelief,
  applyUpdates,
  chain,
  clipElementwise,
  type GradientTransformation,
  optimizerFromConfig,
  reduceOnPlateau,
  referenceOptimizer,
  resolveRunConfig,
  scaleEntries,
  tensor,
  treeLeaves,
  type UpdateExtra,
} from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";
import { flat, GRADS, PARAMS, tree } from "./fixtures.js";

const TOL = { atol: 1e-13, rtol: 1e-11 };

/**
 * AdaBelief as optax 0.2.3 (b1 .9, b2 .999, eps = epsRoot = 1e-16, the error against the previous first
 * moment) per element over a gradient sequence.
 */
function adabeliefRef(lr: number, grads: number[][]): number[][] {
  const m = grads[0]!.map(() => 0);
  const s = grads[0]!.map(() => 0);
  return grads.map((g, k) => {
    const t = k + 1;
    return g.map((gi, i) => {
      const prev = m[i]!;
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      s[i] = 0.999 * s[i]! + 0.001 * (gi - prev) ** 2 + 1e-16;
      return (-lr * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(s[i]! / (1 - 0.999 ** t)) + 1e-16);
    });
  });
}

const clipRef = (grads: number[][], d: number): number[][] =>
  grads.map((g) => g.map((x) => Math.min(d, Math.max(-d, x))));

function run(opt: GradientTransformation, values: number[] = [0, 0, 0]): number[][] {
  const p = tree(PARAMS);
  let s = opt.init(p);
  return GRADS.map((g, t) => {
    const [u, next] = opt.update(tree(g), s, p, { value: values[t]! });
    s = next;
    return flat(u);
  });
}

describe("chain", () => {
  it("applies members left to right: clip, then adabelief", () => {
    const updates = run(chain(clipElementwise(0.4), adabelief(0.01)));
    const expected = adabeliefRef(0.01, clipRef(GRADS, 0.4));
    for (let t = 0; t < 3; t++) assertAllClose(updates[t]!, expected[t]!, TOL, `step ${t + 1}`);
    // The other order clips the adabelief steps (≈ ±.01/.9 at step 1) to ±.005 instead.
    const reversed = run(chain(adabelief(0.01), clipElementwise(0.005)));
    const unclipped = adabeliefRef(0.01, GRADS);
    assertAllClose(reversed[1]!, clipRef([unclipped[1]!], 0.005)[0]!, TOL);
    assert.notDeepEqual(reversed[1], updates[1]);
  });

  it("passes `extra` to every member", () => {
    const seen: (UpdateExtra | undefined)[] = [];
    const spy: GradientTransformation<number> = {
      init: () => 0,
      update: (g, s, _p, extra) => {
        seen.push(extra);
        return [g, s + 1];
      },
    };
    const opt = chain(spy, reduceOnPlateau({ accumulationSize: 2 }), spy);
    const p = tree(PARAMS);
    const [, s] = opt.update(tree(GRADS[0]!), opt.init(p), p, { value: 7 });
    assert.deepEqual(seen, [{ value: 7 }, { value: 7 }]);
    assert.equal(s[1].avgValue, 7);
    assert.deepEqual([s[0], s[2]], [1, 1]);
  });

  it("applyUpdates adds the updates leaf by leaf", () => {
    const p = tree(PARAMS);
    const q = applyUpdates(p, tree(GRADS[0]!));
    assertAllClose(
      flat(q),
      PARAMS.map((x, i) => x + GRADS[0]![i]!),
      TOL,
    );
    assert.deepEqual(flat(p), PARAMS);
  });
});

describe("referenceOptimizer", () => {
  it("is clip(gradientsLim) → adabelief(initLr) → reduceOnPlateau, the scale in state[2]", () => {
    const opt = referenceOptimizer({
      initLr: 0.01,
      gradientsLim: 0.4,
      onPlateau: { factor: 0.5, minScale: 0.01, patience: 1, cooldown: 0, rtol: 1e-4, accumSize: 1 },
    });
    const p = tree(PARAMS);
    let s = opt.init(p);
    assert.equal(s.length, 3);
    const expected = adabeliefRef(0.01, clipRef(GRADS, 0.4));
    // Losses 1, 1, 0.5: call 2 is a plateau of patience 1 (scale .5), call 3 improves (scale stays .5).
    const scale = [1, 0.5, 0.5];
    [1, 1, 0.5].forEach((value, t) => {
      const [u, next] = opt.update(tree(GRADS[t]!), s, p, { value });
      s = next;
      assert.equal(s[2].scale, scale[t]);
      assertAllClose(
        flat(u),
        expected[t]!.map((x) => scale[t]! * x),
        TOL,
        `step ${t + 1}`,
      );
    });
    assert.equal(s[1].count, 3);
  });

  it("defaults to the reference plateau (accumulation 50, patience 20)", () => {
    const opt = referenceOptimizer({ initLr: 1e-3, gradientsLim: 1e-7 });
    const p = tree(PARAMS);
    let s = opt.init(p);
    for (let i = 0; i < 49; i++) [, s] = opt.update(tree(GRADS[0]!), s, p, { value: 1 });
    assert.equal(s[2].count, 49);
    [, s] = opt.update(tree(GRADS[0]!), s, p, { value: 1 });
    assert.deepEqual([s[2].count, s[2].bestValue, s[2].scale], [0, 1, 1]);
  });

  it("update is pure on the whole chained state", () => {
    const opt = referenceOptimizer({
      initLr: 0.01,
      gradientsLim: 0.4,
      onPlateau: { accumSize: 1, patience: 1 },
    });
    const p = tree(PARAMS);
    const [, s1] = opt.update(tree(GRADS[0]!), opt.init(p), p, { value: 1 });
    const before = { nu: flat(s1[1].nu), plateau: { ...s1[2] } };
    const [ua, sa] = opt.update(tree(GRADS[1]!), s1, p, { value: 2 });
    const [ub, sb] = opt.update(tree(GRADS[1]!), s1, p, { value: 2 });
    assert.deepEqual(flat(ua), flat(ub));
    assert.deepEqual(flat(sa[1].mu), flat(sb[1].mu));
    assert.deepEqual(sa[2], sb[2]);
    assert.deepEqual({ nu: flat(s1[1].nu), plateau: s1[2] }, before);
  });
});

describe("scaleEntries and optimizer.transition_lr_scale", () => {
  it("scales the named top-level entry's updates only", () => {
    const p = tree(PARAMS);
    const g = tree(GRADS[0]!);
    const [u] = scaleEntries({ b: 0.25, missing: 3 }).update(g, {}, p);
    assertAllClose(flat(u), [...GRADS[0]!.slice(0, 2), ...GRADS[0]!.slice(2).map((x) => x * 0.25)], TOL);
    // Unscaled entries are copies: disposing the inputs leaves the outputs intact.
    const outs = treeLeaves(u);
    for (const t of treeLeaves(g)) assert.ok(!outs.includes(t));
    for (const t of treeLeaves(g)) t.dispose();
    assertAllClose(flat(u), [...GRADS[0]!.slice(0, 2), ...GRADS[0]!.slice(2).map((x) => x * 0.25)], TOL);
  });

  it("slows WARP's transition matrix A by the configured factor, after the optimiser", () => {
    const base = { ...resolveRunConfig({ optimizer: { name: "adam", init_lr: 0.1 } }).config.optimizer };
    const grads = { A: tensor([0.5, -1], [2], "float64"), B: tensor([2, 0.25], [2], "float64") };
    const params = { A: tensor([1, 1], [2], "float64"), B: tensor([0, 0], [2], "float64") };
    const step = (scale: number | null) => {
      const { optimizer } = optimizerFromConfig({ ...base, transition_lr_scale: scale });
      return optimizer.update(grads, optimizer.init(params), params)[0] as typeof grads;
    };
    const plain = step(null);
    const slow = step(0.01);
    assertAllClose(
      slow.A,
      plain.A.toArray().map((v) => v * 0.01),
      TOL,
    );
    assertAllClose(slow.B, plain.B, TOL);
    assert.throws(
      () => resolveRunConfig({ optimizer: { transition_lr_scale: -1 } }),
      /optimizer\.transition_lr_scale = -1 is invalid/,
    );
  });
});
