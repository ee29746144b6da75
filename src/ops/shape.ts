// Shape and indexing ops: reshape (a free view), transpose, slice, concat, split, stack, gather along an
// axis — each beside its VJP. Every copy goes through the backend's strided-copy kernel.
// Not here: broadcasting (reduce.ts).

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { normAxis, sameShape, sizeOf, stridesOf } from "../tensor/shape.js";
import { empty, type Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";

/** The same data under a new shape (one dimension may be −1); no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const hole = s.indexOf(-1);
  if (hole >= 0) {
    const known = sizeOf(s.filter((_, i) => i !== hole));
    assert(
      known > 0 && x.size % known === 0 && s.lastIndexOf(-1) === hole,
      () => `reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
    );
    s[hole] = x.size / known;
  }
  assert(
    sizeOf(s) === x.size && s.every((d) => Number.isInteger(d) && d >= 0),
    () => `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`,
  );
  return record(x.view(s), "reshape", [x], { shape: s });
}
export const reshapeVjp: Vjp<"reshape"> = (dy, { inputs: [x] }) => [reshape(dy, x!.shape)];

/** Permutes axes (reverses them when `perm` is omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normAxis("transpose", a, x.ndim)) : x.shape.map((_, i) => x.ndim - 1 - i);
  assert(
    p.length === x.ndim && new Set(p).size === x.ndim,
    () => `transpose: [${perm?.join(",")}] is not a permutation of the axes of ${fmtShape(x.shape)}`,
  );
  const shape = p.map((a) => x.shape[a]!);
  const xs = stridesOf(x.shape);
  const out = empty(shape, x.dtype);
  kernelsFor(x.dtype).copyStrided(
    x.data,
    0,
    p.map((a) => xs[a]!),
    out.data,
    0,
    stridesOf(shape),
    shape,
    false,
  );
  return record(out, "transpose", [x], { perm: p });
}
export const transposeVjp: Vjp<"transpose"> = (dy, { attrs: { perm } }) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => {
    inv[a] = i;
  });
  return [transpose(dy, inv)];
};

/** x[begin_i : begin_i + size_i] on every axis (size −1 = to the end; missing axes are taken whole). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assert(
    begin.length <= x.ndim && (!size || size.length === begin.length),
    () => `slice: begin [${begin.join(",")}] / size [${size?.join(",")}] do not fit ${fmtShape(x.shape)}`,
  );
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => {
    const want = size?.[i] ?? -1;
    return want === -1 || i >= begin.length ? d - b[i]! : want;
  });
  for (let i = 0; i < x.ndim; i++) {
    assert(
      Number.isInteger(b[i]) &&
        Number.isInteger(s[i]) &&
        b[i]! >= 0 &&
        s[i]! >= 0 &&
        b[i]! + s[i]! <= x.shape[i]!,
      () => `slice: begin [${b.join(",")}] size [${s.join(",")}] is out of bounds for ${fmtShape(x.shape)}`,
    );
  }
  const xs = stridesOf(x.shape);
  const offset = b.reduce((o, bi, i) => o + bi * xs[i]!, 0);
  const out = empty(s, x.dtype);
  kernelsFor(x.dtype).copyStrided(x.data, offset, xs, out.data, 0, stridesOf(s), s, false);
  return record(out, "slice", [x], { begin: b, size: s });
}
// The transpose of a slice: dy placed into zeros of x's shape. (backward() adds the slices of one
// tensor into a single buffer with sliceVjpInto instead.)
export const sliceVjp: Vjp<"slice"> = (dy, { inputs: [x], attrs: { begin } }) => {
  const dx = zeros(x!.shape, x!.dtype);
  sliceVjpInto(dy, begin, dx);
  return [dx];
};

/** Adds dy, the cotangent of the slice of x starting at `begin`, into dx (x's shape) in place. */
export function sliceVjpInto(dy: Tensor, begin: readonly number[], dx: Tensor): void {
  const xs = stridesOf(dx.shape);
  const offset = begin.reduce((o, bi, i) => o + bi * xs[i]!, 0);
  kernelsFor(dy.dtype).copyStrided(dy.data, 0, stridesOf(dy.shape), dx.data, offset, xs, dy.shape, true);
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  assert(xs.length > 0, () => "concat: needs at least one tensor");
  const first = xs[0]!;
  const ax = normAxis("concat", axis, first.ndim);
  for (const t of xs) {
    assert(
      t.ndim === first.ndim &&
        t.dtype === first.dtype &&
        t.shape.every((d, i) => i === ax || d === first.shape[i]),
      () =>
        `concat: cannot join ${first.dtype} ${fmtShape(first.shape)} and ${t.dtype} ${fmtShape(t.shape)} along axis ${ax}`,
    );
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, t) => n + t.shape[ax]!, 0);
  const out = empty(shape, first.dtype);
  const os = stridesOf(shape);
  const k = kernelsFor(first.dtype);
  let at = 0;
  for (const t of xs) {
    k.copyStrided(t.data, 0, stridesOf(t.shape), out.data, at * os[ax]!, os, t.shape, false);
    at += t.shape[ax]!;
  }
  return record(out, "concat", xs, { axis: ax });
}
export const concatVjp: Vjp<"concat"> = (dy, { inputs, attrs: { axis } }) => {
  let at = 0;
  return inputs.map((t) => {
    const begin = dy.shape.map((_, i) => (i === axis ? at : 0));
    at += t.shape[axis]!;
    return slice(dy, begin, t.shape);
  });
};

/** Splits along `axis` into pieces of the given sizes, or into `sections` equal pieces. */
export function split(x: Tensor, sizesOrSections: number | readonly number[], axis = 0): Tensor[] {
  const ax = normAxis("split", axis, x.ndim);
  const len = x.shape[ax]!;
  let sizes: number[];
  if (typeof sizesOrSections === "number") {
    assert(
      Number.isInteger(sizesOrSections) && sizesOrSections > 0 && len % sizesOrSections === 0,
      () => `split: axis ${ax} of ${fmtShape(x.shape)} does not divide into ${sizesOrSections} equal parts`,
    );
    sizes = new Array<number>(sizesOrSections).fill(len / sizesOrSections);
  } else {
    sizes = [...sizesOrSections];
    assert(
      sizes.reduce((a, b) => a + b, 0) === len,
      () => `split: sizes [${sizes.join(",")}] do not add up to axis ${ax} of ${fmtShape(x.shape)}`,
    );
  }
  let at = 0;
  return sizes.map((n) => {
    const begin = x.shape.map((_, i) => (i === ax ? at : 0));
    const size = x.shape.map((d, i) => (i === ax ? n : d));
    at += n;
    return slice(x, begin, size);
  });
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  assert(xs.length > 0, () => "stack: needs at least one tensor");
  const first = xs[0]!;
  for (const t of xs) {
    assert(
      sameShape(t.shape, first.shape) && t.dtype === first.dtype,
      () => `stack: cannot stack ${first.dtype} ${fmtShape(first.shape)} and ${t.dtype} ${fmtShape(t.shape)}`,
    );
  }
  const ax = normAxis("stack", axis, first.ndim + 1);
  return concat(
    xs.map((t) => {
      const s = [...t.shape];
      s.splice(ax, 0, 1);
      return reshape(t, s);
    }),
    ax,
  );
}

/**
 * Gathers along `axis`: with indices of shape (K), out has x's shape with that axis replaced by K;
 * with indices of shape x.shape[:axis] + (K) (one list per leading position, like take_along_axis for
 * e.g. per-sequence sampled time steps), the same out shape with a different list per position.
 */
export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  const ax = normAxis("gather", axis, x.ndim);
  assert(indices.dtype === "int32", () => `gather: indices must be int32, got ${indices.dtype}`);
  const perOuter = indices.ndim > 1;
  assert(
    indices.ndim === 1 ||
      (indices.ndim === ax + 1 && x.shape.slice(0, ax).every((d, i) => d === indices.shape[i])),
    () =>
      `gather: indices ${fmtShape(indices.shape)} must be (K) or x.shape[:${ax}] + (K) for x ${fmtShape(x.shape)}`,
  );
  const K = indices.shape[indices.ndim - 1]!;
  const axisLen = x.shape[ax]!;
  const idx = indices.data as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    assert(j >= 0 && j < axisLen, () => `gather: index ${j} is out of range [0, ${axisLen}) on axis ${ax}`);
  }
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const shape = [...x.shape];
  shape[ax] = K;
  const out = empty(shape, x.dtype);
  kernelsFor(x.dtype).gather(x.data, outer, axisLen, inner, idx, K, perOuter, out.data);
  return record(out, "gather", [x], { axis: ax, indices, perOuter });
}
// The transpose of gather: scatter-add dy into zeros of x's shape (repeated indices accumulate).
export const gatherVjp: Vjp<"gather"> = (dy, { inputs: [x], attrs: { axis, indices, perOuter } }) => {
  const dx = zeros(x!.shape, x!.dtype);
  const outer = sizeOf(x!.shape.slice(0, axis));
  const inner = sizeOf(x!.shape.slice(axis + 1));
  const K = indices.shape[indices.ndim - 1]!;
  kernelsFor(dy.dtype).scatterAdd(
    dy.data as FloatArray,
    outer,
    x!.shape[axis]!,
    inner,
    indices.data as Int32Array,
    K,
    perOuter,
    dx.data as FloatArray,
  );
  return [dx];
};
