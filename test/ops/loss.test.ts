// softmaxCrossEntropy: value against a log-sum-exp computed here, stability for huge logits, the gradient
// (softmax − onehot)/B by hand, by central differences and against float64, and argument errors.

import assert from "node:assert/strict";
import { grad, mul, softmaxCrossEntropy, type Tensor, tensor } from "../../src/index.js";
import {
  assertAllClose,
  assertGradcheck,
  assertMatchesFloat64,
  describeEachBackend,
  rand,
  throwsWith,
} from "../helpers/index.js";

const int32 = (v: readonly number[]): Tensor => tensor(Int32Array.from(v), [v.length]);

/** Softmax of each row of a (B, C) array, in float64, shifted by the row max. */
function refSoftmax(x: ArrayLike<number>, B: number, C: number): Float64Array {
  const p = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) m = Math.max(m, x[b * C + c]!);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[b * C + c]! - m);
    for (let c = 0; c < C; c++) p[b * C + c] = Math.exp(x[b * C + c]! - m) / s;
  }
  return p;
}

/** mean_b [logsumexp(x_b) − x_b[label_b]] in float64. */
function refLoss(x: ArrayLike<number>, labels: readonly number[], C: number): number {
  const B = labels.length;
  let total = 0;
  for (let b = 0; b < B; b++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) m = Math.max(m, x[b * C + c]!);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[b * C + c]! - m);
    total += m + Math.log(s) - x[b * C + labels[b]!]!;
  }
  return total / B;
}

/** (softmax − onehot(labels)) / B in float64. */
function refGrad(x: ArrayLike<number>, labels: readonly number[], C: number): Float64Array {
  const B = labels.length;
  const g = refSoftmax(x, B, C);
  for (let b = 0; b < B; b++) g[b * C + labels[b]!]! -= 1;
  return g.map((v) => v / B);
}

describeEachBackend("softmaxCrossEntropy", (it) => {
  it("gives log 2 for two equal logits and log(e+e²+e³)−3 for (1,2,3) with label 2 (hand-computed)", () => {
    const a = softmaxCrossEntropy(tensor([[0, 0]]), int32([0]));
    assert.deepEqual([...a.shape], []);
    assertAllClose([a.item()], [Math.LN2], { atol: 1e-7, rtol: 1e-6 });
    const b = softmaxCrossEntropy(tensor([[1, 2, 3]], undefined, "float64"), int32([2]));
    assertAllClose([b.item()], [0.40760596444438], { atol: 1e-13, rtol: 1e-12 });
  });

  it("matches a JS log-sum-exp reference averaged over the batch, in float32 and float64", () => {
    const labels = [0, 6, 3, 3, 1];
    for (const dtype of ["float32", "float64"] as const) {
      const x = rand([5, 7], { lo: -4, hi: 4, dtype });
      const y = softmaxCrossEntropy(x, int32(labels));
      assert.equal(y.dtype, dtype);
      const tol = dtype === "float32" ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-14, rtol: 1e-12 };
      assertAllClose([y.item()], [refLoss(x.data, labels, 7)], tol, dtype);
    }
    const one = rand([1, 1]);
    assertAllClose([softmaxCrossEntropy(one, int32([0])).item()], [0], { atol: 1e-7, rtol: 0 }, "one class");
  });

  it("is finite and correct for logits of ±1000", () => {
    const x = tensor([
      [1000, -1000, 0],
      [-1000, 1000, 999],
      [1000, -1000, -1000],
    ]);
    const y = softmaxCrossEntropy(x, int32([0, 2, 1]));
    assert.ok(Number.isFinite(y.item()), `loss is ${y.item()}`);
    // Row 0: 0; row 1: 1 + log(1 + e⁻¹); row 2: 2000.
    const expected = (0 + (1 + Math.log1p(Math.exp(-1))) + 2000) / 3;
    assertAllClose([y.item()], [expected], { atol: 1e-4, rtol: 1e-6 });
    const g = grad((l: Tensor) => softmaxCrossEntropy(l, int32([0, 2, 1])))(x);
    for (const v of g.data) assert.ok(Number.isFinite(v), `gradient contains ${v}`);
    const e1 = Math.exp(-1);
    const expectedGrad = [0, 0, 0, 0, 1 / (1 + e1), e1 / (1 + e1) - 1, 1, -1, 0].map((v) => v / 3);
    assertAllClose(g, expectedGrad, { atol: 1e-6, rtol: 1e-5 });
  });

  it("has the gradient (softmax − onehot)/B", () => {
    const labels = [2, 0, 4, 4];
    for (const dtype of ["float32", "float64"] as const) {
      const x = rand([4, 5], { lo: -3, hi: 3, dtype });
      const g = grad((l: Tensor) => softmaxCrossEntropy(l, int32(labels)))(x);
      const tol = dtype === "float32" ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-15, rtol: 1e-12 };
      assertAllClose(g, refGrad(x.data, labels, 5), tol, dtype);
    }
  });

  it("scales the gradient by the upstream cotangent", () => {
    const x = rand([3, 4], { dtype: "float64" });
    const g = grad((l: Tensor) => mul(softmaxCrossEntropy(l, int32([1, 3, 0])), -2.5))(x);
    assertAllClose(
      g,
      refGrad(x.data, [1, 3, 0], 4).map((v) => -2.5 * v),
      { atol: 1e-15, rtol: 1e-12 },
    );
  });

  it("has gradients that match central differences and float64", () => {
    const labels = int32([2, 0, 4, 4, 1, 3]);
    assertGradcheck((l) => softmaxCrossEntropy(l, labels), [rand([6, 5], { lo: -3, hi: 3 })]);
    assertGradcheck((l) => softmaxCrossEntropy(l, int32([0])), [rand([1, 3])]);
    assertMatchesFloat64((l) => softmaxCrossEntropy(l, labels), [rand([6, 5], { lo: -3, hi: 3 })]);
  });

  it("rejects labels that are not int32", () => {
    throwsWith(
      () => softmaxCrossEntropy(rand([2, 3]), tensor([0, 1])),
      "softmaxCrossEntropy",
      "int32",
      "float32",
    );
    throwsWith(
      () => softmaxCrossEntropy(rand([2, 3]), tensor([0, 1], undefined, "float64")),
      "softmaxCrossEntropy",
      "int32",
    );
  });

  it("rejects labels outside [0, C)", () => {
    throwsWith(() => softmaxCrossEntropy(rand([2, 3]), int32([0, 3])), "softmaxCrossEntropy", "3");
    throwsWith(() => softmaxCrossEntropy(rand([2, 3]), int32([-1, 0])), "softmaxCrossEntropy", "-1");
  });

  it("rejects mismatched shapes, naming both", () => {
    throwsWith(
      () => softmaxCrossEntropy(rand([2, 3]), int32([0, 1, 2])),
      "softmaxCrossEntropy",
      "(2,3)",
      "(3)",
    );
    throwsWith(() => softmaxCrossEntropy(rand([6]), int32([0])), "softmaxCrossEntropy", "(6)", "(1)");
    throwsWith(
      () => softmaxCrossEntropy(rand([2, 3]), tensor(Int32Array.of(0, 1), [2, 1])),
      "softmaxCrossEntropy",
      "(2,3)",
      "(2,1)",
    );
    throwsWith(() => softmaxCrossEntropy(rand([2, 3, 4]), int32([0, 1])), "softmaxCrossEntropy", "(2,3,4)");
  });

  it("rejects int32 logits", () => {
    throwsWith(
      () => softmaxCrossEntropy(tensor(Int32Array.of(1, 2, 3, 4), [2, 2]), int32([0, 1])),
      "softmaxCrossEntropy",
      "int32",
    );
  });
});
