// Shape and indexing ops (reshape, transpose, slice, concat, split, stack, gather): values against plain-JS
// index arithmetic on odd shapes, on every backend; gradients against central differences (float64) and
// float32-vs-float64 agreement; and the errors for invalid arguments.

import assert from "node:assert/strict";
import {
  concat,
  gather,
  grad,
  mul,
  reshape,
  slice,
  split,
  stack,
  sum,
  type Tensor,
  tensor,
  transpose,
} from "../../src/index.js";
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
// Plain-JS references: row-major index arithmetic written independently of the library.

interface Ref {
  shape: number[];
  values: number[];
}

function refTranspose(x: Tensor, perm: readonly number[]): Ref {
  const shape = perm.map((a) => x.shape[a]!);
  const values: number[] = [];
  for (let k = 0; k < sizeRef(shape); k++) {
    const o = unravel(k, shape);
    const i = new Array<number>(x.ndim);
    perm.forEach((a, d) => {
      i[a] = o[d]!;
    });
    values.push(x.data[ravel(i, x.shape)]!);
  }
  return { shape, values };
}

function refSlice(x: Tensor, begin: readonly number[], size: readonly number[]): Ref {
  const shape = [...size];
  const values: number[] = [];
  for (let k = 0; k < sizeRef(shape); k++) {
    const o = unravel(k, shape);
    values.push(
      x.data[
        ravel(
          o.map((v, d) => v + begin[d]!),
          x.shape,
        )
      ]!,
    );
  }
  return { shape, values };
}

function refConcat(xs: readonly Tensor[], axis: number): Ref {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((n, t) => n + t.shape[axis]!, 0);
  const values: number[] = [];
  for (let k = 0; k < sizeRef(shape); k++) {
    const o = unravel(k, shape);
    let j = o[axis]!;
    let t = 0;
    while (j >= xs[t]!.shape[axis]!) {
      j -= xs[t]!.shape[axis]!;
      t++;
    }
    const i = [...o];
    i[axis] = j;
    values.push(xs[t]!.data[ravel(i, xs[t]!.shape)]!);
  }
  return { shape, values };
}

function refStack(xs: readonly Tensor[], axis: number): Ref {
  const shape = [...xs[0]!.shape];
  shape.splice(axis, 0, xs.length);
  const values: number[] = [];
  for (let k = 0; k < sizeRef(shape); k++) {
    const o = unravel(k, shape);
    const t = o[axis]!;
    const i = o.filter((_, d) => d !== axis);
    values.push(xs[t]!.data[ravel(i, xs[t]!.shape)]!);
  }
  return { shape, values };
}

/** out[..., k, ...] = x[..., idx(k), ...]; idx is a flat list (K) or one list per leading position. */
function refGather(x: Tensor, idx: readonly number[], K: number, axis: number, perOuter: boolean): Ref {
  const shape = [...x.shape];
  shape[axis] = K;
  const values: number[] = [];
  for (let k = 0; k < sizeRef(shape); k++) {
    const o = unravel(k, shape);
    const lead = ravel(o.slice(0, axis), x.shape.slice(0, axis));
    const j = perOuter ? idx[lead * K + o[axis]!]! : idx[o[axis]!]!;
    const i = [...o];
    i[axis] = j;
    values.push(x.data[ravel(i, x.shape)]!);
  }
  return { shape, values };
}

function assertRef(y: Tensor, ref: Ref, what = "values"): void {
  assert.deepEqual([...y.shape], ref.shape, `${what}: shape`);
  assertAllClose(y, ref.values, { atol: 0, rtol: 0 }, what);
}

/** Asserts fn throws a WarpError whose message contains every one of `parts`. */

/** 0, 1, 2, … as a float32 tensor of `shape`. */
function iota(shape: readonly number[]): Tensor {
  return tensor(
    Array.from({ length: sizeRef(shape) }, (_, i) => i),
    shape,
  );
}

const int32 = (v: readonly number[], shape?: readonly number[]): Tensor =>
  tensor(Int32Array.from(v), shape ?? [v.length]);

// ---------------------------------------------------------------------------------------------

describeEachBackend("reshape", (it) => {
  it("keeps the row-major order of the values under the new shape", () => {
    for (const [from, to] of [
      [
        [3, 5],
        [5, 3],
      ],
      [
        [2, 3, 4],
        [4, 6],
      ],
      [
        [1, 1],
        [1, 1, 1],
      ],
      [[1, 1], []],
    ] as [number[], number[]][]) {
      const x = rand(from);
      const y = reshape(x, to);
      assert.deepEqual([...y.shape], to);
      assertAllClose(y, Array.from(x.data), { atol: 0, rtol: 0 });
    }
  });

  it("infers a single -1 dimension from the element count", () => {
    const x = rand([2, 3, 4]);
    assert.deepEqual([...reshape(x, [4, -1, 3]).shape], [4, 2, 3]);
    assert.deepEqual([...reshape(x, [-1]).shape], [24]);
    assert.deepEqual([...reshape(x, [6, -1]).shape], [6, 4]);
    assert.deepEqual([...reshape(rand([3, 5]), [-1, 1, 5]).shape], [3, 1, 5]);
    assert.deepEqual([...reshape(rand([1, 1]), [-1]).shape], [1]);
  });

  it("returns a view sharing the input's buffer, so writes to one are seen by the other", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const y = reshape(x, [3, 2]);
    assert.equal(y.data, x.data);
    x.data[5] = 42;
    assert.equal(y.data[5], 42);
    y.data[0] = -7;
    assert.equal(x.data[0], -7);
  });

  it("rejects a shape of a different size, two -1s, a -1 that does not divide, and negative or fractional sizes", () => {
    const x = rand([3, 5]);
    throwsWith(() => reshape(x, [4, 4]), "reshape", "(3,5)", "(4,4)");
    throwsWith(() => reshape(x, [16]), "reshape", "(3,5)");
    throwsWith(() => reshape(x, [-1, -1]), "reshape", "(3,5)");
    throwsWith(() => reshape(x, [-1, 4]), "reshape", "(3,5)", "(-1,4)");
    throwsWith(() => reshape(x, [-3, -5]), "reshape", "(3,5)");
    throwsWith(() => reshape(x, [2.5, 6]), "reshape", "(3,5)");
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => reshape(x, [5, 3]), [rand([3, 5])]);
    assertGradcheck((x) => reshape(x, [4, -1]), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => reshape(x, [4, -1]), [rand([2, 3, 4])]);
  });
});

describeEachBackend("transpose", (it) => {
  it("transposes a 2-D matrix (hand-computed)", () => {
    const y = transpose(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    assert.deepEqual([...y.shape], [3, 2]);
    assert.deepEqual(y.toArray(), [1, 4, 2, 5, 3, 6]);
  });

  it("matches index arithmetic for a (3,5) matrix and a (1,1) matrix", () => {
    const x = rand([3, 5]);
    assertRef(transpose(x, [1, 0]), refTranspose(x, [1, 0]));
    const one = rand([1, 1]);
    assertRef(transpose(one), refTranspose(one, [1, 0]));
  });

  it("matches index arithmetic for every permutation of a (2,3,4) tensor", () => {
    const x = rand([2, 3, 4]);
    const perms = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const p of perms) assertRef(transpose(x, p), refTranspose(x, p), `perm [${p}]`);
  });

  it("reverses the axes when no permutation is given", () => {
    const x = rand([2, 3, 4]);
    assertRef(transpose(x), refTranspose(x, [2, 1, 0]));
    const y = rand([2, 1, 3, 5]);
    assertRef(transpose(y), refTranspose(y, [3, 2, 1, 0]));
  });

  it("accepts negative axes in the permutation", () => {
    const x = rand([2, 3, 4]);
    assertRef(transpose(x, [-1, 0, -2]), refTranspose(x, [2, 0, 1]));
  });

  it("rejects a permutation with repeated axes, the wrong length, or an out-of-range axis", () => {
    const x = rand([2, 3, 4]);
    throwsWith(() => transpose(x, [0, 0, 1]), "transpose", "(2,3,4)");
    throwsWith(() => transpose(x, [1, 0]), "transpose", "(2,3,4)");
    throwsWith(() => transpose(x, [0, 1, 3]), "transpose");
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => transpose(x), [rand([3, 5])]);
    assertGradcheck((x) => transpose(x, [1, 2, 0]), [rand([2, 3, 4])]);
    assertGradcheck((x) => transpose(x, [2, 0, 1]), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => transpose(x, [1, 2, 0]), [rand([2, 3, 4])]);
  });
});

describeEachBackend("slice", (it) => {
  it("takes a block given begin and size (hand-computed)", () => {
    const y = slice(iota([3, 5]), [1, 2], [2, 3]);
    assert.deepEqual([...y.shape], [2, 3]);
    assert.deepEqual(y.toArray(), [7, 8, 9, 12, 13, 14]);
  });

  it("matches index arithmetic on (3,5), (2,3,4) and (1,1)", () => {
    const a = rand([3, 5]);
    assertRef(slice(a, [1, 2], [2, 3]), refSlice(a, [1, 2], [2, 3]));
    assertRef(slice(a, [0, 0], [3, 5]), refSlice(a, [0, 0], [3, 5]));
    const b = rand([2, 3, 4]);
    assertRef(slice(b, [1, 0, 1], [1, 3, 2]), refSlice(b, [1, 0, 1], [1, 3, 2]));
    const c = rand([1, 1]);
    assertRef(slice(c, [0, 0], [1, 1]), refSlice(c, [0, 0], [1, 1]));
  });

  it("reads a size of -1 as 'to the end' and takes missing trailing axes whole", () => {
    const b = rand([2, 3, 4]);
    assertRef(slice(b, [0, 1, 1], [2, -1, 2]), refSlice(b, [0, 1, 1], [2, 2, 2]));
    assertRef(slice(b, [1, 1, 3], [-1, -1, -1]), refSlice(b, [1, 1, 3], [1, 2, 1]));
    assertRef(slice(b, [1]), refSlice(b, [1, 0, 0], [1, 3, 4]));
    assertRef(slice(b, [0, 2]), refSlice(b, [0, 2, 0], [2, 1, 4]));
  });

  it("allows an empty slice at the end of an axis", () => {
    const a = rand([3, 5]);
    const y = slice(a, [3, 0], [0, 5]);
    assert.deepEqual([...y.shape], [0, 5]);
    assert.equal(y.size, 0);
  });

  it("rejects out-of-bounds begin/size and mismatched argument lengths", () => {
    const a = rand([3, 5]);
    throwsWith(() => slice(a, [2, 0], [2, 5]), "slice", "(3,5)");
    throwsWith(() => slice(a, [0, 4], [1, 2]), "slice", "(3,5)");
    throwsWith(() => slice(a, [-1, 0], [1, 1]), "slice", "(3,5)");
    throwsWith(() => slice(a, [4, 0]), "slice", "(3,5)");
    throwsWith(() => slice(a, [0, 0, 0]), "slice", "(3,5)");
    throwsWith(() => slice(a, [0, 0], [1]), "slice", "(3,5)");
  });

  it("sends the gradient to the sliced block and zero elsewhere (hand-computed)", () => {
    const g = grad((x: Tensor) => sum(slice(x, [1, 2], [2, 3])))(rand([3, 5]));
    assert.deepEqual(g.toArray(), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1]);
  });

  it("has gradients that match central differences and float64", () => {
    assertGradcheck((x) => slice(x, [1, 2], [2, 3]), [rand([3, 5])]);
    assertGradcheck((x) => slice(x, [0, 1, 1], [2, 2, -1]), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => slice(x, [0, 1, 1], [2, 2, -1]), [rand([2, 3, 4])]);
  });
});

describeEachBackend("concat", (it) => {
  it("joins along axis 0 and axis 1 (hand-computed)", () => {
    const a = tensor([[1, 2]]);
    const b = tensor([
      [3, 4],
      [5, 6],
    ]);
    const y0 = concat([a, b], 0);
    assert.deepEqual([...y0.shape], [3, 2]);
    assert.deepEqual(y0.toArray(), [1, 2, 3, 4, 5, 6]);
    const c = tensor([[1], [2]]);
    const y1 = concat([c, b], 1);
    assert.deepEqual([...y1.shape], [2, 3]);
    assert.deepEqual(y1.toArray(), [1, 3, 4, 2, 5, 6]);
  });

  it("matches index arithmetic along axis 0, axis 1 and axis -1", () => {
    const xs0 = [rand([2, 5]), rand([1, 5]), rand([3, 5])];
    assertRef(concat(xs0, 0), refConcat(xs0, 0), "axis 0");
    const xs1 = [rand([2, 3, 4]), rand([2, 1, 4]), rand([2, 2, 4])];
    assertRef(concat(xs1, 1), refConcat(xs1, 1), "axis 1");
    const xsl = [rand([3, 5]), rand([3, 2]), rand([3, 1])];
    assertRef(concat(xsl, -1), refConcat(xsl, 1), "axis -1");
    const xs3 = [rand([2, 3, 1]), rand([2, 3, 4])];
    assertRef(concat(xs3, -1), refConcat(xs3, 2), "axis -1 of 3-D");
    const ones = [rand([1, 1]), rand([1, 1])];
    assertRef(concat(ones, 1), refConcat(ones, 1), "(1,1) pieces");
  });

  it("returns a copy of a single tensor", () => {
    const x = rand([3, 5]);
    const y = concat([x], 0);
    assertRef(y, { shape: [3, 5], values: Array.from(x.data) });
  });

  it("rejects mismatched shapes, ranks and dtypes, naming both shapes", () => {
    throwsWith(() => concat([rand([2, 3]), rand([3, 4])], 0), "concat", "(2,3)", "(3,4)");
    throwsWith(() => concat([rand([2, 3]), rand([2, 4])], 0), "concat", "(2,3)", "(2,4)");
    throwsWith(() => concat([rand([2, 3]), rand([2, 3, 1])], 1), "concat", "(2,3)", "(2,3,1)");
    throwsWith(
      () => concat([rand([2, 3]), rand([2, 3], { dtype: "float64" })], 0),
      "concat",
      "float32",
      "float64",
    );
    throwsWith(() => concat([]), "concat");
    throwsWith(() => concat([rand([2, 3])], 2), "concat", "axis");
  });

  it("has gradients that match central differences and float64", () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) => concat([a, b, c], 1);
    assertGradcheck(f, [rand([2, 3, 4]), rand([2, 1, 4]), rand([2, 2, 4])]);
    assertMatchesFloat64(f, [rand([2, 3, 4]), rand([2, 1, 4]), rand([2, 2, 4])]);
    assertGradcheck((a, b) => concat([a, b], 0), [rand([3, 5]), rand([1, 5])]);
  });

  it("accumulates the gradient of a tensor that appears twice", () => {
    const g = grad((x: Tensor) => sum(mul(concat([x, x], 0), 2)))(rand([2, 3]));
    assert.deepEqual(g.toArray(), [4, 4, 4, 4, 4, 4]);
  });
});

describeEachBackend("split", (it) => {
  it("splits by sizes along an axis, each piece matching index arithmetic", () => {
    const x = rand([3, 5]);
    const parts = split(x, [1, 3, 1], 1);
    assert.equal(parts.length, 3);
    assertRef(parts[0]!, refSlice(x, [0, 0], [3, 1]), "piece 0");
    assertRef(parts[1]!, refSlice(x, [0, 1], [3, 3]), "piece 1");
    assertRef(parts[2]!, refSlice(x, [0, 4], [3, 1]), "piece 2");
  });

  it("splits into equal sections, including along a negative axis", () => {
    const x = rand([3, 5]);
    const rows = split(x, 3, 0);
    assert.equal(rows.length, 3);
    rows.forEach((r, i) => {
      assertRef(r, refSlice(x, [i, 0], [1, 5]), `row ${i}`);
    });
    const y = rand([2, 3, 4]);
    const halves = split(y, 2, -1);
    assert.equal(halves.length, 2);
    assertRef(halves[0]!, refSlice(y, [0, 0, 0], [2, 3, 2]), "first half");
    assertRef(halves[1]!, refSlice(y, [0, 0, 2], [2, 3, 2]), "second half");
    const whole = split(rand([1, 1]), 1, 0);
    assert.equal(whole.length, 1);
    assert.deepEqual([...whole[0]!.shape], [1, 1]);
  });

  it("splits a hand-written vector", () => {
    const parts = split(tensor([1, 2, 3, 4, 5, 6]), [2, 0, 4]);
    assert.deepEqual(
      parts.map((p) => p.toArray()),
      [[1, 2], [], [3, 4, 5, 6]],
    );
  });

  it("rejects sizes that do not add up and sections that do not divide the axis", () => {
    const x = rand([3, 5]);
    throwsWith(() => split(x, [1, 3], 1), "split", "(3,5)");
    throwsWith(() => split(x, [2, 2, 2], 1), "split", "(3,5)");
    throwsWith(() => split(x, 2, 1), "split", "(3,5)");
    throwsWith(() => split(x, 0, 0), "split", "(3,5)");
    throwsWith(() => split(x, 1.5, 0), "split", "(3,5)");
    throwsWith(() => split(x, 1, 2), "split", "axis");
  });

  it("sends each piece's gradient back to its own range (hand-computed)", () => {
    const g = grad((x: Tensor) => sum(split(x, [1, 3, 1], 1)[1]!))(rand([3, 5]));
    assert.deepEqual(g.toArray(), [0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0]);
  });

  it("has gradients that match central differences and float64", () => {
    const f = (x: Tensor) => {
      const [a, b, c] = split(x, [1, 3, 1], 1) as [Tensor, Tensor, Tensor];
      return concat([c, mul(a, 3), b], 1);
    };
    assertGradcheck(f, [rand([3, 5])]);
    assertMatchesFloat64(f, [rand([3, 5])]);
    assertGradcheck((x) => split(x, 2, -1)[1]!, [rand([2, 3, 4])]);
  });
});

describeEachBackend("stack", (it) => {
  it("stacks vectors along a new axis (hand-computed)", () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const s0 = stack([a, b], 0);
    assert.deepEqual([...s0.shape], [2, 2]);
    assert.deepEqual(s0.toArray(), [1, 2, 3, 4]);
    const s1 = stack([a, b], 1);
    assert.deepEqual([...s1.shape], [2, 2]);
    assert.deepEqual(s1.toArray(), [1, 3, 2, 4]);
  });

  it("matches index arithmetic for axes 0, 1, 2 and -1", () => {
    const xs = [rand([3, 5]), rand([3, 5]), rand([3, 5])];
    assertRef(stack(xs, 0), refStack(xs, 0), "axis 0");
    assertRef(stack(xs, 1), refStack(xs, 1), "axis 1");
    assertRef(stack(xs, 2), refStack(xs, 2), "axis 2");
    assertRef(stack(xs, -1), refStack(xs, 2), "axis -1");
    const ys = [rand([2, 3, 4]), rand([2, 3, 4])];
    assertRef(stack(ys, 1), refStack(ys, 1), "3-D axis 1");
    const ones = [rand([1, 1])];
    assertRef(stack(ones, 0), refStack(ones, 0), "single (1,1)");
  });

  it("rejects tensors of different shapes naming stack and both shapes, and an empty list", () => {
    throwsWith(() => stack([rand([3, 5]), rand([5, 3])], 0), "stack", "(3,5)", "(5,3)");
    throwsWith(() => stack([]), "stack");
    throwsWith(() => stack([rand([3, 5])], 3), "stack", "axis");
  });

  it("has gradients that match central differences and float64", () => {
    const f = (a: Tensor, b: Tensor) => stack([a, b], 1);
    assertGradcheck(f, [rand([2, 3, 4]), rand([2, 3, 4])]);
    assertMatchesFloat64(f, [rand([2, 3, 4]), rand([2, 3, 4])]);
  });
});

describeEachBackend("gather", (it) => {
  it("gathers columns with repeated indices (hand-computed)", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const y = gather(x, int32([2, 0, 2, 2]), 1);
    assert.deepEqual([...y.shape], [2, 4]);
    assert.deepEqual(y.toArray(), [3, 1, 3, 3, 6, 4, 6, 6]);
  });

  it("matches index arithmetic with 1-D indices along every axis", () => {
    const a = rand([3, 5]);
    const i0 = [2, 2, 0];
    assertRef(gather(a, int32(i0), 0), refGather(a, i0, 3, 0, false), "(3,5) axis 0");
    const i1 = [4, 0, 4, 1, 3, 0, 2];
    assertRef(gather(a, int32(i1), 1), refGather(a, i1, 7, 1, false), "(3,5) axis 1");
    const b = rand([2, 3, 4]);
    const j = [1, 1, 0];
    assertRef(gather(b, int32(j), 1), refGather(b, j, 3, 1, false), "(2,3,4) axis 1");
    const k = [3, 0];
    assertRef(gather(b, int32(k), -1), refGather(b, k, 2, 2, false), "(2,3,4) axis -1");
    const c = rand([1, 1]);
    assertRef(gather(c, int32([0, 0, 0]), 1), refGather(c, [0, 0, 0], 3, 1, false), "(1,1) axis 1");
  });

  it("uses a different index list per leading position with indices of shape x.shape[:axis]+(K)", () => {
    const x = iota([2, 3, 4]);
    const idx = [2, 0, 1, 1];
    const y = gather(x, int32(idx, [2, 2]), 1);
    assert.deepEqual([...y.shape], [2, 2, 4]);
    // Hand-computed: batch 0 takes rows 2, 0; batch 1 takes rows 1, 1 (x[b, r, c] = 12b + 4r + c).
    assert.deepEqual(y.toArray(), [8, 9, 10, 11, 0, 1, 2, 3, 16, 17, 18, 19, 16, 17, 18, 19]);
    const r = rand([2, 3, 4]);
    assertRef(gather(r, int32(idx, [2, 2]), 1), refGather(r, idx, 2, 1, true), "axis 1");
    const idx2 = [3, 3, 0, 1, 2, 0, 0, 0, 1, 3, 2, 1, 0, 3, 3, 2, 2, 2];
    assertRef(gather(r, int32(idx2, [2, 3, 3]), 2), refGather(r, idx2, 3, 2, true), "axis 2");
    const m = rand([3, 5]);
    const idx3 = [4, 0, 1, 1, 3, 3];
    assertRef(gather(m, int32(idx3, [3, 2]), -1), refGather(m, idx3, 2, 1, true), "(3,5) axis -1");
  });

  it("rejects out-of-range indices, non-int32 indices and indices of the wrong shape", () => {
    const x = rand([3, 5]);
    throwsWith(() => gather(x, int32([0, 5]), 1), "gather", "5");
    throwsWith(() => gather(x, int32([-1]), 0), "gather", "-1");
    throwsWith(() => gather(x, int32([3]), 0), "gather", "3");
    throwsWith(() => gather(x, int32([0, 1, 5, 0, 0, 0], [3, 2]), 1), "gather", "5");
    throwsWith(() => gather(x, tensor([0, 1]), 1), "gather", "int32");
    throwsWith(() => gather(x, int32([0, 1, 0, 1], [2, 2]), 1), "gather", "(2,2)", "(3,5)");
    throwsWith(() => gather(rand([2, 3, 4]), int32([0, 0, 0, 0], [2, 2]), 2), "gather", "(2,2)", "(2,3,4)");
    throwsWith(() => gather(x, int32([0]), 2), "gather", "axis");
  });

  it("accumulates the gradient of repeated indices (hand-computed)", () => {
    const g = grad((x: Tensor) => sum(gather(x, int32([0, 2, 0]), 0)))(rand([3, 2]));
    assert.deepEqual(g.toArray(), [2, 2, 0, 0, 1, 1]);
    const h = grad((x: Tensor) => sum(gather(x, int32([1, 1, 0, 2], [2, 2]), 1)))(rand([2, 3]));
    assert.deepEqual(h.toArray(), [0, 2, 0, 1, 0, 1]);
  });

  it("has gradients that match central differences and float64", () => {
    const shared = int32([4, 0, 4, 1, 0]);
    assertGradcheck((x) => gather(x, shared, 1), [rand([3, 5])]);
    assertMatchesFloat64((x) => gather(x, shared, 1), [rand([3, 5])]);
    const per = int32([2, 2, 0, 1, 0, 0], [2, 3]);
    assertGradcheck((x) => gather(x, per, 1), [rand([2, 3, 4])]);
    assertMatchesFloat64((x) => gather(x, per, 1), [rand([2, 3, 4])]);
  });
});
