// clipElementwise and clipByGlobalNorm against hand-computed values: clamping at the bounds, the global
// norm over both leaves, the below-limit and zero-gradient cases, float32 trees and fresh outputs.
// Not here: clipping inside the reference chain (chain.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clipByGlobalNorm, clipElementwise, globalNorm, treeLeaves } from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";
import { flat, GRADS, PARAMS, tree } from "./fixtures.js";

const TOL = { atol: 1e-14, rtol: 1e-12 };

describe("clipElementwise", () => {
  it("clamps every element of every leaf to [−maxDelta, maxDelta]", () => {
    const clip = clipElementwise(0.5);
    const p = tree(PARAMS);
    // GRADS[0] = [.1, −.3, 1, −2, .5, 0]
    const [u, s] = clip.update(tree(GRADS[0]!), clip.init(p), p);
    assert.deepEqual(flat(u), [0.1, -0.3, 0.5, -0.5, 0.5, 0]);
    assert.deepEqual(s, {});
  });

  it("with the reference limit 1e-7 every non-zero gradient becomes ±1e-7", () => {
    const clip = clipElementwise(1e-7);
    const p = tree(PARAMS);
    const [u] = clip.update(tree(GRADS[0]!), clip.init(p), p);
    assert.deepEqual(flat(u), [1e-7, -1e-7, 1e-7, -1e-7, 1e-7, 0]);
  });

  it("works on float32 and returns fresh tensors, leaving the grads unchanged", () => {
    const clip = clipElementwise(0.25);
    const p = tree(PARAMS, "float32");
    const g = tree(GRADS[1]!, "float32");
    const [u] = clip.update(g, clip.init(p), p);
    assert.ok(treeLeaves(u).every((t) => t.dtype === "float32"));
    assertAllClose(flat(u), [0.2, 0.1, -0.25, -0.25, 0.25, 0.25], { atol: 1e-7, rtol: 1e-6 });
    assertAllClose(flat(g), GRADS[1]!, { atol: 1e-7, rtol: 1e-6 });
    assert.ok(treeLeaves(u).every((t, i) => t !== treeLeaves(g)[i]));
  });

  it("rejects a negative limit", () => {
    assert.throws(() => clipElementwise(-1), /maxDelta must be ≥ 0/);
  });
});

describe("clipByGlobalNorm", () => {
  // ‖GRADS[0]‖² = .01 + .09 + 1 + 4 + .25 + 0 = 5.35
  const norm0 = Math.sqrt(5.35);

  it("globalNorm is √Σx² over all leaves", () => {
    assertAllClose([globalNorm(tree(GRADS[0]!))], [norm0], TOL);
    assert.equal(globalNorm(tree([0, 0, 0, 0, 0, 0])), 0);
  });

  it("above the limit scales every leaf by maxNorm/‖g‖", () => {
    const clip = clipByGlobalNorm(1);
    const p = tree(PARAMS);
    const [u] = clip.update(tree(GRADS[0]!), clip.init(p), p);
    assertAllClose(
      flat(u),
      GRADS[0]!.map((g) => g / norm0),
      TOL,
    );
    assertAllClose([globalNorm(u)], [1], TOL, "clipped norm");
  });

  it("below the limit leaves the values unchanged (as fresh tensors)", () => {
    const clip = clipByGlobalNorm(3);
    const p = tree(PARAMS);
    const g = tree(GRADS[0]!);
    const [u] = clip.update(g, clip.init(p), p);
    assert.deepEqual(flat(u), GRADS[0]);
    assert.ok(treeLeaves(u).every((t, i) => t !== treeLeaves(g)[i]));
  });

  it("zero gradients stay zero (no 0/0)", () => {
    const clip = clipByGlobalNorm(1);
    const p = tree(PARAMS);
    const [u] = clip.update(tree([0, 0, 0, 0, 0, 0]), clip.init(p), p);
    assert.deepEqual(flat(u), [0, 0, 0, 0, 0, 0]);
  });

  it("works on float32 trees", () => {
    const clip = clipByGlobalNorm(0.5);
    const p = tree(PARAMS, "float32");
    const [u] = clip.update(tree(GRADS[0]!, "float32"), clip.init(p), p);
    assert.ok(treeLeaves(u).every((t) => t.dtype === "float32"));
    assertAllClose(
      flat(u),
      GRADS[0]!.map((g) => (0.5 * g) / norm0),
      { atol: 1e-7, rtol: 1e-6 },
    );
  });

  it("rejects a non-positive limit", () => {
    assert.throws(() => clipByGlobalNorm(0), /maxNorm must be > 0/);
  });
});
