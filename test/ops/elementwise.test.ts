// Element-wise ops on every backend: values against float64 JS references on odd shapes, gradients
// against central differences (float64) and float32-vs-float64 agreement of the backend's VJP kernels.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as w from "../../src/index.js";
import { type Tensor, tensor } from "../../src/index.js";
import {
  assertAllClose,
  assertGradcheck,
  assertMatchesFloat64,
  describeEachBackend,
  rand,
  refBroadcast,
} from "../helpers/index.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log(1 + Math.exp(x));

/** name, op, float64 reference, input range (away from kinks and outside domains). */
const UNARY: [string, (x: Tensor) => Tensor, (x: number) => number, [number, number]][] = [
  ["neg", w.neg, (x) => -x, [-3, 3]],
  ["exp", w.exp, Math.exp, [-3, 3]],
  ["log", w.log, Math.log, [0.2, 4]],
  ["sqrt", w.sqrt, Math.sqrt, [0.2, 4]],
  ["abs", w.abs, Math.abs, [-3, 3]],
  ["relu", w.relu, (x) => Math.max(x, 0), [-3, 3]],
  ["tanh", w.tanh, Math.tanh, [-3, 3]],
  ["sigmoid", w.sigmoid, sigmoid, [-6, 6]],
  ["softplus", w.softplus, softplus, [-6, 6]],
  ["swish", w.swish, (x) => x * sigmoid(x), [-6, 6]],
  ["sin", w.sin, Math.sin, [-4, 4]],
  ["cos", w.cos, Math.cos, [-4, 4]],
  ["square", w.square, (x) => x * x, [-3, 3]],
];

const BINARY: [
  string,
  (a: Tensor, b: Tensor) => Tensor,
  (a: number, b: number) => number,
  [number, number],
][] = [
  ["add", w.add, (a, b) => a + b, [-2, 2]],
  ["sub", w.sub, (a, b) => a - b, [-2, 2]],
  ["mul", w.mul, (a, b) => a * b, [-2, 2]],
  ["div", w.div, (a, b) => a / b, [0.5, 2]],
  ["pow", w.pow, (a, b) => a ** b, [0.5, 2]],
  ["maximum", w.maximum, Math.max, [-2, 2]],
  ["minimum", w.minimum, Math.min, [-2, 2]],
];

/** Shape pairs covering same shape, scalar, row/column broadcast, rank promotion and size-1 axes. */
const PAIRS: [number[], number[]][] = [
  [[1], [1]],
  [
    [3, 5],
    [3, 5],
  ],
  [[3, 5], []],
  [[], [4]],
  [[3, 5], [5]],
  [
    [3, 1],
    [1, 5],
  ],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [
    [7, 13, 5],
    [7, 1, 5],
  ],
];

describeEachBackend("unary ops", (it) => {
  for (const [name, f, ref, [lo, hi]] of UNARY) {
    it(`${name} matches its float64 reference on odd shapes`, () => {
      for (const shape of [[1], [3, 5], [7, 13, 5], [70000]]) {
        const x = rand(shape, { lo, hi });
        const y = f(x);
        assert.deepEqual(y.shape, shape);
        assert.equal(y.dtype, "float32");
        assertAllClose(
          y,
          Array.from(x.data, ref),
          { atol: 1e-6, rtol: 2e-6 },
          `${name}${JSON.stringify(shape)}`,
        );
      }
    });
    it(`${name} has gradients that match central differences and float64`, () => {
      assertGradcheck(f, [rand([3, 5], { lo, hi })]);
      assertMatchesFloat64(f, [rand([7, 13], { lo, hi })]);
      assertMatchesFloat64(f, [rand([70000], { lo, hi })]);
    });
  }
  it("relu and abs have zero gradient at zero and keep NaN", () => {
    const x = tensor([0, Number.NaN, -0.5, 0.5]);
    for (const f of [w.relu, w.abs]) {
      const g = w.grad((ps: Tensor[]) => w.sum(f(ps[0]!)))([x])[0]!;
      assert.equal(g.data[0], 0);
    }
    assert.ok(Number.isNaN(w.relu(x).data[1]!));
  });
  it("softplus and sigmoid are finite for large inputs", () => {
    const x = tensor([-1000, -50, 50, 1000]);
    assertAllClose(w.softplus(x), [0, 1.9287498479639178e-22, 50, 1000], { atol: 1e-30, rtol: 1e-6 });
    assertAllClose(w.sigmoid(x), [0, 1.9287498479639178e-22, 1, 1], { atol: 1e-30, rtol: 1e-6 });
  });
});

describeEachBackend("binary ops", (it) => {
  for (const [name, f, ref, [lo, hi]] of BINARY) {
    it(`${name} broadcasts like NumPy and matches its float64 reference`, () => {
      for (const [sa, sb] of PAIRS) {
        const a = rand(sa, { lo, hi });
        const b = rand(sb, { lo, hi });
        const y = f(a, b);
        const r = refBroadcast(a, b, ref);
        assert.deepEqual(y.shape, r.shape, `${name} ${JSON.stringify([sa, sb])}`);
        assertAllClose(y, r.values, { atol: 1e-6, rtol: 2e-6 }, `${name} ${JSON.stringify([sa, sb])}`);
      }
    });
    it(`${name} has gradients, reduced over broadcast axes, that match central differences`, () => {
      for (const [sa, sb] of PAIRS) {
        assertGradcheck(f, [rand(sa, { lo, hi }), rand(sb, { lo, hi })]);
        assertMatchesFloat64(f, [rand(sa, { lo, hi }), rand(sb, { lo, hi })]);
      }
    });
  }
  it("accepts JS numbers as scalars of the tensor's dtype", () => {
    const x = tensor([1, 2, 3], [3], "float64");
    const y = w.sub(10, w.mul(x, 2));
    assert.equal(y.dtype, "float64");
    assert.deepEqual(y.toArray(), [8, 6, 4]);
  });
  it("comparisons give 1 and 0 and pass no gradient", () => {
    const a = tensor([1, 2, 3, Number.NaN]);
    const b = tensor([2, 2, 2, 2]);
    assert.deepEqual(w.greater(a, b).toArray(), [0, 0, 1, 0]);
    assert.deepEqual(w.less(a, b).toArray(), [1, 0, 0, 0]);
    assert.deepEqual(w.equal(a, b).toArray(), [0, 1, 0, 0]);
    const g = w.grad((ps: Tensor[]) => w.sum(w.mul(w.greater(ps[0]!, 0), ps[0]!)))([tensor([-1, 2])])[0]!;
    assert.deepEqual(g.toArray(), [0, 1]);
  });
  it("maximum and minimum send the gradient of ties to the first operand", () => {
    const [ga, gb] = w.grad((ps: Tensor[]) => w.sum(w.maximum(ps[0]!, ps[1]!)))([
      tensor([1, 2]),
      tensor([1, 3]),
    ]);
    assert.deepEqual(ga!.toArray(), [1, 0]);
    assert.deepEqual(gb!.toArray(), [0, 1]);
  });
  it("pow has no gradient into the exponent where the base is not positive", () => {
    const [ga, gb] = w.grad((ps: Tensor[]) => w.sum(w.pow(ps[0]!, ps[1]!)))([
      tensor([-2, 0, 3], [3], "float64"),
      tensor([2, 2, 2], [3], "float64"),
    ]);
    assertAllClose(ga!, [-4, 0, 6]);
    assertAllClose(gb!, [0, 0, 9 * Math.log(3)]);
  });
});

describeEachBackend("clip, where, cast and stopGradient", (it) => {
  it("clip clamps values and passes gradient only strictly inside the bounds", () => {
    const x = rand([7, 13], { lo: -2, hi: 2 });
    assertAllClose(
      w.clip(x, -0.5, 0.7),
      Array.from(x.data, (v) => Math.min(0.7, Math.max(-0.5, v))),
      { atol: 0 },
    );
    assertGradcheck((t) => w.clip(t, -0.5, 0.7), [rand([4, 6], { lo: -2, hi: 2 })]);
    assertMatchesFloat64((t) => w.clip(t, -0.5, 0.7), [rand([70000], { lo: -2, hi: 2 })]);
    assert.throws(() => w.clip(x, 1, 0), /clip: lower bound 1 exceeds upper bound 0/);
  });
  it("where selects by mask with broadcasting and routes gradients to the chosen branch", () => {
    const cond = w.greater(rand([3, 1]), 0);
    const a = rand([3, 5]);
    const b = rand([5]);
    const y = w.where(cond, a, b);
    const expected = Array.from({ length: 15 }, (_, i) =>
      cond.data[Math.floor(i / 5)] ? a.data[i]! : b.data[i % 5]!,
    );
    assertAllClose(y, expected, { atol: 0 });
    assertGradcheck((p, q) => w.where(cond, p, q), [rand([3, 5]), rand([5])]);
    assertMatchesFloat64((p, q) => w.where(cond, p, q), [rand([3, 5]), rand([5])]);
  });
  it("cast converts between float32 and float64 and is differentiable", () => {
    const x = tensor([0.1, 0.2], [2], "float64");
    const y = w.cast(x, "float32");
    assert.equal(y.dtype, "float32");
    assertAllClose(y, [Math.fround(0.1), Math.fround(0.2)], { atol: 0 });
    const g = w.grad((ps: Tensor[]) => w.sum(w.square(w.cast(ps[0]!, "float32"))))([x])[0]!;
    assert.equal(g.dtype, "float64");
    assertAllClose(g, [0.2, 0.4], { atol: 1e-7 });
  });
  it("stopGradient keeps values and blocks gradients", () => {
    const x = tensor([3]);
    const g = w.grad((ps: Tensor[]) => w.sum(w.mul(ps[0]!, w.stopGradient(ps[0]!))))([x])[0]!;
    assert.deepEqual(g.toArray(), [3]);
  });
});

describe("element-wise argument checks", () => {
  it("reject int32 tensors in float math with an error naming the op", () => {
    assert.throws(
      () => w.exp(tensor([1], [1], "int32")),
      /exp: expected a float32 or float64 tensor, got int32 \(1\)/,
    );
  });
});
