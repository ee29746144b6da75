// Sums and broadcasting, the base every broadcasting op builds on: sum over axes, broadcastTo, and
// sumTo (the reduction every broadcasting VJP needs). It imports no other op module but shape.ts, so
// element-wise ops (elementwise.ts) and reductions (reduce.ts) can both use it without a cycle.

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import {
  broadcastShapes,
  broadcastStrides,
  normAxis,
  sameShape,
  sizeOf,
  stridesOf,
} from "../tensor/shape.js";
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { reshape } from "./shape.js";

export function normAxes(op: string, axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  const norm = list.map((a) => normAxis(op, a, ndim)).sort((a, b) => a - b);
  for (let i = 1; i < norm.length; i++) {
    assert(norm[i] !== norm[i - 1], () => `${op}: axis ${norm[i]} given twice in [${list.join(",")}]`);
  }
  return norm;
}

/** Σ over `axes` (all when omitted); reduced axes are dropped unless keepDims. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  assert(x.dtype !== "int32", () => `sum: expected a float tensor, got int32 ${fmtShape(x.shape)}`);
  const ax = normAxes("sum", axes, x.ndim);
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const outShape = keepDims ? kept : x.shape.filter((_, i) => !ax.includes(i));
  const k = kernelsFor(x.dtype);
  // Reduce runs of consecutive axes, last run first, each as one (outer, reduce, inner) kernel call;
  // the final run writes straight into the output.
  const out = empty(outShape, x.dtype);
  const outData = out.data as FloatArray;
  let cur = x.data as FloatArray;
  const shape = [...x.shape];
  let i = ax.length - 1;
  if (ax.length === 0) outData.set(cur);
  while (i >= 0) {
    let j = i;
    while (j > 0 && ax[j - 1] === ax[j]! - 1) j--;
    const first = ax[j]!;
    const last = ax[i]!;
    const outer = sizeOf(shape.slice(0, first));
    const reduce = sizeOf(shape.slice(first, last + 1));
    const inner = sizeOf(shape.slice(last + 1));
    const next = j === 0 ? outData : new (cur.constructor as { new (n: number): FloatArray })(outer * inner);
    k.reduceSum(cur, outer, reduce, inner, next);
    cur = next;
    for (let a = first; a <= last; a++) shape[a] = 1;
    i = j - 1;
  }
  return record(out, "sum", [x], { axes: ax, keepDims });
}
// d Σ = dy broadcast back over the reduced axes.
export const sumVjp: Vjp<"sum"> = (dy, { inputs: [x], attrs: { axes } }) => {
  const kept = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return [broadcastTo(reshape(dy, kept), x!.shape)];
};

/** Broadcasts x to `shape` (NumPy rules), materialising the copy. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = broadcastShapes("broadcastTo", x.shape, shape);
  assert(
    sameShape(target, shape),
    () => `broadcastTo: shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`,
  );
  const out = empty(shape, x.dtype);
  kernelsFor(x.dtype).copyStrided(
    x.data,
    0,
    broadcastStrides(x.shape, shape),
    out.data,
    0,
    stridesOf(shape),
    shape,
    false,
  );
  return record(out, "broadcastTo", [x], { shape: [...shape] });
}
export const broadcastToVjp: Vjp<"broadcastTo"> = (dy, { inputs: [x] }) => [sumTo(dy, x!.shape)];

/** Sums a broadcast result back to `shape`: over leading extra axes and axes where shape has 1. */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.ndim - shape.length;
  assert(
    lead >= 0 && shape.every((d, i) => d === 1 || d === x.shape[lead + i]),
    () => `sumTo: cannot reduce ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
  );
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(x, axes, false), shape);
}
