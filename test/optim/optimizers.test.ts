// adam, adamw, adabelief and sgd: the first three steps on a two-leaf tree against the formulas written
// out in plain JS numbers, element by element; masks, float32 trees and state purity; adam's fused kernel
// against its op-by-op twin on every backend.
// Not here: clipping (clip.test.ts), the plateau schedule (plateau.test.ts), chains (chain.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AdamState,
  adabelief,
  adam,
  adamw,
  applyUpdates,
  type DType,
  foldIn,
  type GradientTransformation,
  type Key,
  randomKey,
  sgd,
  splitKey,
  type Tree,
  treeLeaves,
  uniform,
} from "../../src/index.js";
import { adamDirectionRef } from "../../src/optim/optimizers.js";
import { assertAllClose, describeEachBackend } from "../helpers/index.js";
import { flat, GRADS, PARAMS, tree } from "./fixtures.js";

const TOL = { atol: 1e-13, rtol: 1e-11 };

/** Runs three steps (params updated between steps); returns each step's updates and the states. */
function run<S>(opt: GradientTransformation<S>, dtype: DType = "float64") {
  let params: Tree = tree(PARAMS, dtype);
  let state = opt.init(params);
  const updates: number[][] = [];
  const states: S[] = [];
  for (const g of GRADS) {
    const [u, s] = opt.update(tree(g, dtype), state, params);
    updates.push(flat(u));
    states.push(s);
    params = applyUpdates(params, u);
    state = s;
  }
  return { updates, states };
}

describe("adam", () => {
  it("matches μ̂/(√(ν̂+epsRoot)+eps) for three steps", () => {
    const [lr, b1, b2, eps, epsRoot] = [0.1, 0.8, 0.9, 1e-3, 0.04];
    const m = PARAMS.map(() => 0);
    const v = PARAMS.map(() => 0);
    const ref = GRADS.map((g, k) => {
      const t = k + 1;
      return g.map((gi, i) => {
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        return (-lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t) + epsRoot) + eps);
      });
    });
    const { updates } = run(adam(lr, { b1, b2, eps, epsRoot }));
    for (let t = 0; t < 3; t++) assertAllClose(updates[t]!, ref[t]!, TOL, `step ${t + 1}`);
  });

  it("first step with defaults is −lr·sign(g) up to eps", () => {
    const { updates } = run(adam(0.01));
    // m̂ = g, v̂ = g², so −lr·g/(|g| + 1e-8); the zero gradient gives 0.
    assertAllClose(
      updates[0]!,
      GRADS[0]!.map((g) => (-0.01 * g) / (Math.abs(g) + 1e-8)),
      TOL,
    );
  });
});

describe("adamw", () => {
  const [lr, wd] = [0.1, 0.5];

  /** Per element: −lr·(m̂/(√v̂ + eps) + wd·p) with p the current parameter (decay optional per element). */
  function adamwRef(decay: boolean[]): number[][] {
    const p = [...PARAMS];
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    const out: number[][] = [];
    GRADS.forEach((g, k) => {
      const t = k + 1;
      const u = g.map((gi, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * gi;
        v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
        const dir = m[i]! / (1 - 0.9 ** t) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8);
        return -lr * (dir + (decay[i] ? wd * p[i]! : 0));
      });
      u.forEach((ui, i) => {
        p[i]! += ui;
      });
      out.push(u);
    });
    return out;
  }

  it("adds wd·param before the −lr scaling, with the params of each step", () => {
    const { updates } = run(adamw(lr, { weightDecay: wd }));
    const ref = adamwRef([true, true, true, true, true, true]);
    for (let t = 0; t < 3; t++) assertAllClose(updates[t]!, ref[t]!, TOL, `step ${t + 1}`);
  });

  it("a mask tree or mask function skips the decay on masked-out leaves", () => {
    const ref = adamwRef([false, false, true, true, true, true]);
    const byTree = run(adamw(lr, { weightDecay: wd, mask: { a: false, b: true } }));
    const byFn = run(adamw(lr, { weightDecay: wd, mask: () => ({ a: false, b: true }) }));
    for (let t = 0; t < 3; t++) {
      assertAllClose(byTree.updates[t]!, ref[t]!, TOL, `tree mask, step ${t + 1}`);
      assertAllClose(byFn.updates[t]!, ref[t]!, TOL, `function mask, step ${t + 1}`);
    }
  });

  it("rejects a mask that does not match the params and an update without params", () => {
    const opt = adamw(lr, { mask: { a: true } });
    const p = tree(PARAMS);
    assert.throws(() => opt.update(tree(GRADS[0]!), opt.init(p), p), /mask has no entry for \.b/);
    const plain = adamw(lr);
    assert.throws(() => plain.update(tree(GRADS[0]!), plain.init(p), undefined), /needs the params/);
  });
});

/**
 * AdaBelief per element, as optax: s ← b2·s + (1−b2)·(g − m)² + epsRoot with m the previous first moment
 * (optax 0.2.3) or the new one (0.2.4).
 */
function adabeliefRef(lr: number, b1: number, b2: number, eps: number, epsRoot: number, newer = false) {
  const m = PARAMS.map(() => 0);
  const s = PARAMS.map(() => 0);
  const updates = GRADS.map((g, k) => {
    const t = k + 1;
    return g.map((gi, i) => {
      const prev = m[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      s[i] = b2 * s[i]! + (1 - b2) * (gi - (newer ? m[i]! : prev)) ** 2 + epsRoot;
      return (-lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(s[i]! / (1 - b2 ** t)) + eps);
    });
  });
  return { updates, m, s };
}

describe("adabelief", () => {
  for (const rule of ["optax-0.2.3", "optax-0.2.4"] as const) {
    it(`matches ${rule}'s scale_by_belief for three steps (defaults: eps = epsRoot = 1e-16)`, () => {
      const { updates, states } = run(rule === "optax-0.2.3" ? adabelief(0.01) : adabelief(0.01, { rule }));
      const ref = adabeliefRef(0.01, 0.9, 0.999, 1e-16, 1e-16, rule === "optax-0.2.4");
      for (let t = 0; t < 3; t++) assertAllClose(updates[t]!, ref.updates[t]!, TOL, `step ${t + 1}`);
      assertAllClose(flat(states[2]!.mu), ref.m, TOL, "mu");
      assertAllClose(flat(states[2]!.nu), ref.s, TOL, "nu");
      assert.equal(states[2]!.count, 3);
    });
  }

  it("adds epsRoot to the stored s, before bias correction and outside the square", () => {
    // g = 0.5, b1 .9, b2 .999, eps 0, epsRoot .01, the newer rule: m = .05, g − m = .45,
    // s = .001·.2025 + .01 = .0102025, m̂ = .5, ŝ = 10.2025, update = −lr·.5/√10.2025. (Adam-style
    // √(ŝ + epsRoot) would give −lr·.5/√.2125.)
    const opt = adabelief(1, { eps: 0, epsRoot: 0.01, rule: "optax-0.2.4" });
    const p = tree(PARAMS);
    const [u1, s1] = opt.update(tree([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), opt.init(p), p);
    assertAllClose(flat(u1), Array(6).fill(-0.5 / Math.sqrt(10.2025)), TOL, "step 1");
    assertAllClose(flat(s1.nu), Array(6).fill(0.0102025), TOL, "s after step 1");
    // Step 2, same g: m = .095, g − m = .405, s = .999·.0102025 + .001·.164025 + .01 = .0203567…;
    // m̂ = .095/.19 = .5, ŝ = s/(1 − .999²) = s/.001999.
    const [u2, s2] = opt.update(tree([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), s1, p);
    const s = 0.999 * 0.0102025 + 0.001 * 0.405 ** 2 + 0.01;
    assertAllClose(flat(s2.nu), Array(6).fill(s), TOL, "s after step 2");
    assertAllClose(flat(u2), Array(6).fill(-0.5 / Math.sqrt(s / 0.001999)), TOL, "step 2");
  });

  it("works on a float32 tree (float32 state and updates, close to the float64 values)", () => {
    const { updates, states } = run(adabelief(0.01), "float32");
    const ref = adabeliefRef(0.01, 0.9, 0.999, 1e-16, 1e-16);
    for (let t = 0; t < 3; t++) {
      assertAllClose(updates[t]!, ref.updates[t]!, { atol: 1e-7, rtol: 1e-4 }, `step ${t + 1}`);
    }
    const s = states[2] as AdamState;
    for (const leaf of [...treeLeaves(s.mu), ...treeLeaves(s.nu)]) assert.equal(leaf.dtype, "float32");
  });
});

describe("sgd", () => {
  it("without momentum: update = −lr·g", () => {
    const { updates, states } = run(sgd(0.3));
    for (let t = 0; t < 3; t++)
      assertAllClose(
        updates[t]!,
        GRADS[t]!.map((g) => -0.3 * g),
        TOL,
      );
    assert.deepEqual(states[2], {});
  });

  it("with momentum: trace = g + β·trace, update = −lr·trace", () => {
    const { updates } = run(sgd(0.3, { momentum: 0.9 }));
    // Element 0 by hand: traces .1, .2 + .09 = .29, −.05 + .261 = .211.
    assertAllClose([updates[0]![0]!, updates[1]![0]!, updates[2]![0]!], [-0.03, -0.087, -0.0633], TOL);
    const tr = PARAMS.map(() => 0);
    GRADS.forEach((g, t) => {
      g.forEach((gi, i) => {
        tr[i] = gi + 0.9 * tr[i]!;
      });
      assertAllClose(
        updates[t]!,
        tr.map((x) => -0.3 * x),
        TOL,
        `step ${t + 1}`,
      );
    });
  });

  it("nesterov: update = −lr·(g + β·trace) with the new trace", () => {
    const { updates } = run(sgd(0.3, { momentum: 0.9, nesterov: true }));
    const tr = PARAMS.map(() => 0);
    GRADS.forEach((g, t) => {
      const expected = g.map((gi, i) => {
        tr[i] = gi + 0.9 * tr[i]!;
        return -0.3 * (gi + 0.9 * tr[i]!);
      });
      assertAllClose(updates[t]!, expected, TOL, `step ${t + 1}`);
    });
  });
});

describe("optimiser state purity", () => {
  const opts: [string, GradientTransformation][] = [
    ["adam", adam(0.1) as GradientTransformation],
    ["adamw", adamw(0.1) as GradientTransformation],
    ["adabelief", adabelief(0.1) as GradientTransformation],
    ["sgd", sgd(0.1, { momentum: 0.5 }) as GradientTransformation],
  ];
  for (const [name, opt] of opts) {
    it(`${name}: the same (grads, state, params) twice gives identical results; inputs untouched`, () => {
      const p = tree(PARAMS);
      const g = tree(GRADS[0]!);
      const [, s1] = opt.update(g, opt.init(p), p);
      const stateBefore = flat(s1);
      const [ua, sa] = opt.update(tree(GRADS[1]!), s1, p);
      const [ub, sb] = opt.update(tree(GRADS[1]!), s1, p);
      assert.deepEqual(flat(ua), flat(ub));
      assert.deepEqual(flat(sa), flat(sb));
      assert.deepEqual(flat(s1), stateBefore, "incoming state changed");
      assert.deepEqual(flat(p), PARAMS, "params changed");
      assert.deepEqual(flat(g), GRADS[0], "grads changed");
      assert.ok(!treeLeaves(s1).some((t) => t.isDisposed), "incoming state disposed");
      const inputs = new Set([...treeLeaves(s1), ...treeLeaves(p)]);
      assert.ok(!treeLeaves(ua).some((t) => inputs.has(t)), "updates alias an input tensor");
    });
  }
});

describeEachBackend("adam's fused step (Kernels.adamStep)", (it) => {
  it("matches its op-by-op twin adamDirectionRef over three float32 steps, moments included", () => {
    const [k1, k2] = splitKey(randomKey(21), 2) as [Key, Key];
    const leaves = (k: Key, s: number) => ({
      A: uniform(k, [37, 41], -s, s),
      b: [uniform(foldIn(k, 1), [5], -s, s), uniform(foldIn(k, 2), [1], -s, s)],
    });
    const opt = adam(1e-3, { epsRoot: 1e-12 });
    let fused = opt.init(leaves(k1, 1));
    let ref = fused;
    for (let i = 0; i < 3; i++) {
      const g = leaves(foldIn(k2, i), 10 ** (i - 1));
      const [u, s] = opt.update(g, fused, null);
      const [uRef, sRef] = adamDirectionRef(g, ref, { epsRoot: 1e-12 }, -1e-3);
      // float32 rounding of the terms (|g| ≤ 10^(i−1)), which may cancel in μ
      const gs = 10 ** (i - 1);
      for (const [got, want, what, atol] of [
        [u, uRef, "update", 1e-8],
        [s.mu, sRef.mu, "mu", 1e-6 * gs],
        [s.nu, sRef.nu, "nu", 1e-6 * gs * gs],
      ] as const)
        assertAllClose(flat(got), flat(want), { atol, rtol: 2e-6 }, `step ${i} ${what}`);
      [fused, ref] = [s, sRef];
    }
  });
});
