// Reductions and broadcasting (sum, mean, broadcastTo, sumTo): values against plain-JS loops on odd
// shapes on every backend, gradients against central differences and float64, error messages, and the
// accuracy of long float32 sums.

import assert from "node:assert/strict";
import { broadcastTo, full, grad, mean, sum, sumTo, type Tensor, tensor } from "../../src/index.js";
import {
  assertAllClose,
  assertGradcheck,
  assertMatchesFloat64,
  describeEachBackend,
  rand,
  ravel,
  sizeRef,
  throwsWith,
  unravel,
} from "../helpers/index.js";

// ---------------------------------------------------------------------------------------------
// Plain-JS references.

/** Σ of x over `axes` (non-negative, any order) in float64, by visiting every input element once. */
function refSum(
  x: Tensor,
  axes: readonly number[],
  keepDims: boolean,
): { shape: number[]; values: Float64Array } {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const values = new Float64Array(sizeRef(kept));
  for (let k = 0; k < x.size; k++) {
    const idx = unravel(k, x.shape).map((v, i) => (axes.includes(i) ? 0 : v));
    values[ravel(idx, kept)]! += x.data[k]!;
  }
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, values };
}

function refMean(
  x: Tensor,
  axes: readonly number[],
  keepDims: boolean,
): { shape: number[]; values: Float64Array } {
  const r = refSum(x, axes, keepDims);
  const n = axes.reduce((c, a) => c * x.shape[a]!, 1);
  return { shape: r.shape, values: r.values.map((v) => v / n) };
}

/** x broadcast to `shape` by NumPy rules (assumed valid), in float64. */
function refBroadcastTo(x: Tensor, shape: readonly number[]): Float64Array {
  const lead = shape.length - x.ndim;
  const out = new Float64Array(sizeRef(shape));
  for (let k = 0; k < out.length; k++) {
    const o = unravel(k, shape);
    const i = x.shape.map((d, j) => (d === 1 ? 0 : o[j + lead]!));
    out[k] = x.data[ravel(i, x.shape)]!;
  }
  return out;
}

const TOL32 = { atol: 1e-5, rtol: 1e-5 };

// Cases: [shape, axes as passed to the op (may be negative / unsorted), the same axes normalised].
const CASES: [number[], number | number[] | undefined, number[]][] = [
  [[3, 5], undefined, [0, 1]],
  [[2, 3, 4], undefined, [0, 1, 2]],
  [[1, 1], undefined, [0, 1]],
  [[3, 5], 0, [0]],
  [[3, 5], 1, [1]],
  [[2, 3, 4], 1, [1]],
  [[1, 1], 0, [0]],
  [[3, 5], -1, [1]],
  [[2, 3, 4], -2, [1]],
  [[2, 3, 4], -3, [0]],
  [
    [2, 3, 4],
    [0, 2],
    [0, 2],
  ],
  [
    [2, 3, 4],
    [2, 0],
    [0, 2],
  ],
  [
    [2, 3, 4, 5],
    [1, 3],
    [1, 3],
  ],
  [
    [2, 3, 4, 5],
    [0, 1, 3],
    [0, 1, 3],
  ],
  [
    [2, 3, 4, 5],
    [-1, 0, 2],
    [0, 2, 3],
  ],
  [
    [2, 3, 4],
    [0, 1],
    [0, 1],
  ],
  [[3, 5], [], []],
];

describeEachBackend("sum", (it) => {
  it("sums a hand-written matrix over all axes, each axis and both axes", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const all = sum(x);
    assert.deepEqual([...all.shape], []);
    assert.equal(all.item(), 21);
    assert.deepEqual(sum(x, 0).toArray(), [5, 7, 9]);
    assert.deepEqual(sum(x, 1).toArray(), [6, 15]);
    assert.deepEqual(sum(x, -1).toArray(), [6, 15]);
    assert.deepEqual(sum(x, [0, 1]).toArray(), [21]);
  });

  it("matches JS loops over all, one, negative and several non-adjacent axes", () => {
    for (const [shape, axes, norm] of CASES) {
      const x = rand(shape);
      const y = sum(x, axes);
      const r = refSum(x, norm, false);
      const what = `sum of ${shape} over ${JSON.stringify(axes)}`;
      assert.deepEqual([...y.shape], r.shape, `${what}: shape`);
      assertAllClose(y, r.values, TOL32, what);
    }
  });

  it("keeps reduced axes as size 1 with keepDims", () => {
    for (const [shape, axes, norm] of CASES) {
      const x = rand(shape);
      const y = sum(x, axes, true);
      const r = refSum(x, norm, true);
      const what = `sum of ${shape} over ${JSON.stringify(axes)} keepDims`;
      assert.deepEqual([...y.shape], r.shape, `${what}: shape`);
      assertAllClose(y, r.values, TOL32, what);
    }
  });

  it("works in float64 to double precision", () => {
    const x = rand([2, 3, 4, 5], { dtype: "float64" });
    const y = sum(x, [0, 2]);
    assert.equal(y.dtype, "float64");
    assertAllClose(y, refSum(x, [0, 2], false).values, { atol: 1e-13, rtol: 1e-13 });
  });

  it("rejects an axis given twice and an axis out of range", () => {
    const x = rand([2, 3, 4]);
    throwsWith(() => sum(x, [0, -3]), "sum", "axis");
    throwsWith(() => sum(x, 3), "sum", "axis");
    throwsWith(() => sum(x, [-4]), "sum", "axis");
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => sum(x), [rand([3, 5])]);
    assertGradcheck((x) => sum(x, -1), [rand([3, 5])]);
    assertGradcheck((x) => sum(x, [0, 2]), [rand([2, 3, 4])]);
    assertGradcheck((x) => sum(x, [1, 3], true), [rand([2, 3, 4, 5])]);
    assertMatchesFloat64((x) => sum(x, [0, 2], true), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => sum(x, 1), [rand([3, 5])]);
  });

  it("has a gradient of ones broadcast over the reduced axes (hand-computed)", () => {
    const g = grad((x: Tensor) => sum(sum(x, 1)))(rand([2, 3]));
    assert.deepEqual(g.toArray(), [1, 1, 1, 1, 1, 1]);
  });

  it("sums 100000 float32 values of 0.1 to within 1e-6 relative (double accumulation)", () => {
    const n = 100_000;
    const exact = n * Math.fround(0.1);
    const s = sum(full([n], 0.1));
    assert.equal(s.dtype, "float32");
    assertAllClose([s.item()], [exact], { atol: 0, rtol: 1e-6 }, "sum of a vector");
    const m = mean(full([n], 0.1));
    assertAllClose([m.item()], [Math.fround(0.1)], { atol: 0, rtol: 1e-6 }, "mean of a vector");
    // Reduction over a leading axis (the inner>1 kernel path).
    const cols = sum(full([n, 3], 0.1), 0);
    assertAllClose(cols, [exact, exact, exact], { atol: 0, rtol: 1e-6 }, "sum over axis 0 of (n,3)");
  });
});

describeEachBackend("mean", (it) => {
  it("averages a hand-written matrix", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assertAllClose([mean(x).item()], [3.5]);
    assertAllClose(mean(x, 0), [2.5, 3.5, 4.5]);
    assertAllClose(mean(x, 1), [2, 5]);
    assertAllClose(mean(x, -1, true), [2, 5]);
    assert.deepEqual([...mean(x, -1, true).shape], [2, 1]);
  });

  it("matches JS loops over all, one, negative and several non-adjacent axes, with and without keepDims", () => {
    for (const [shape, axes, norm] of CASES) {
      for (const keep of [false, true]) {
        const x = rand(shape);
        const y = mean(x, axes, keep);
        const r = refMean(x, norm, keep);
        const what = `mean of ${shape} over ${JSON.stringify(axes)} keepDims=${keep}`;
        assert.deepEqual([...y.shape], r.shape, `${what}: shape`);
        assertAllClose(y, r.values, TOL32, what);
      }
    }
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => mean(x), [rand([3, 5])]);
    assertGradcheck((x) => mean(x, [0, 2], true), [rand([2, 3, 4])]);
    assertGradcheck((x) => mean(x, -1), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => mean(x, [1, 3]), [rand([2, 3, 4, 5])]);
  });

  it("has a gradient of 1/count on every element (hand-computed)", () => {
    const g = grad((x: Tensor) => mean(x))(rand([3, 5], { dtype: "float64" }));
    assertAllClose(g, new Array(15).fill(1 / 15), { atol: 1e-15, rtol: 1e-12 });
  });
});

describeEachBackend("broadcastTo", (it) => {
  it("repeats a vector along new leading axes (hand-computed)", () => {
    const y = broadcastTo(tensor([1, 2, 3]), [2, 3]);
    assert.deepEqual([...y.shape], [2, 3]);
    assert.deepEqual(y.toArray(), [1, 2, 3, 1, 2, 3]);
    const z = broadcastTo(tensor([[1], [2]]), [2, 3]);
    assert.deepEqual(z.toArray(), [1, 1, 1, 2, 2, 2]);
  });

  it("matches index arithmetic for leading axes, size-1 axes and both", () => {
    const cases: [number[], number[]][] = [
      [[5], [3, 5]],
      [
        [3, 5],
        [2, 3, 5],
      ],
      [
        [3, 1],
        [3, 5],
      ],
      [
        [1, 5],
        [2, 3, 5],
      ],
      [
        [1, 1],
        [3, 5],
      ],
      [
        [3, 1, 4],
        [2, 3, 5, 4],
      ],
      [[], [2, 3]],
      [
        [3, 5],
        [3, 5],
      ],
    ];
    for (const [from, to] of cases) {
      const x = rand(from);
      const y = broadcastTo(x, to);
      assert.deepEqual([...y.shape], to);
      assertAllClose(y, refBroadcastTo(x, to), { atol: 0, rtol: 0 }, `${from} -> ${to}`);
    }
  });

  it("rejects incompatible shapes, naming both", () => {
    throwsWith(() => broadcastTo(rand([3]), [4]), "broadcastTo", "(3)", "(4)");
    throwsWith(() => broadcastTo(rand([2, 3]), [3]), "broadcastTo", "(2,3)", "(3)");
    throwsWith(() => broadcastTo(rand([3, 1]), [2, 1]), "broadcastTo", "(3,1)", "(2,1)");
    throwsWith(() => broadcastTo(rand([3, 2]), [3, 1]), "broadcastTo", "(3,2)", "(3,1)");
  });

  it("has a gradient that sums over the broadcast axes (hand-computed)", () => {
    const g = grad((x: Tensor) => sum(broadcastTo(x, [2, 3, 4])))(rand([3, 1]));
    assert.deepEqual(g.toArray(), [8, 8, 8]);
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => broadcastTo(x, [2, 3, 5]), [rand([3, 1])]);
    assertGradcheck((x) => broadcastTo(x, [3, 5]), [rand([5])]);
    assertMatchesFloat64((x) => broadcastTo(x, [2, 3, 5, 4]), [rand([3, 1, 4])]);
  });
});

describeEachBackend("sumTo", (it) => {
  it("sums leading axes and size-1 axes back to the target shape", () => {
    const cases: [number[], number[], number[]][] = [
      // [from, to, axes summed]
      [
        [2, 3, 4],
        [3, 1],
        [0, 2],
      ],
      [[2, 3, 4], [4], [0, 1]],
      [
        [2, 3, 4],
        [1, 1, 4],
        [0, 1],
      ],
      [[2, 3, 4], [2, 1, 4], [1]],
      [[3, 5], [], [0, 1]],
      [[3, 5], [1, 5], [0]],
      [[3, 1], [1], [0]],
    ];
    for (const [from, to, axes] of cases) {
      const x = rand(from);
      const y = sumTo(x, to);
      assert.deepEqual([...y.shape], to, `${from} -> ${to}: shape`);
      assertAllClose(y, refSum(x, axes, false).values, TOL32, `${from} -> ${to}`);
    }
  });

  it("leaves a tensor that already has the target shape unchanged", () => {
    const x = rand([3, 5]);
    assertAllClose(sumTo(x, [3, 5]), x.data, { atol: 0, rtol: 0 });
  });

  it("rejects a target shape that x was not broadcast from, naming sumTo and both shapes", () => {
    throwsWith(() => sumTo(rand([2, 3]), [2, 3, 1]), "sumTo", "(2,3)", "(2,3,1)");
    throwsWith(() => sumTo(rand([2, 3]), [4]), "sumTo", "(2,3)", "(4)");
    throwsWith(() => sumTo(rand([2, 3]), [5, 3]), "sumTo", "(2,3)", "(5,3)");
    throwsWith(() => sumTo(rand([2, 3]), [3, 2]), "sumTo", "(2,3)", "(3,2)");
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => sumTo(x, [3, 1]), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => sumTo(x, [1, 4]), [rand([2, 3, 4])]);
  });
});
