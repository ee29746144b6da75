// Shape arithmetic shared by ops: sizes, strides, broadcasting, axis normalisation.
// Pure functions over number arrays; no tensors, no kernels.

import { assert, fmtShape } from "../util/assert.js";

/** Product of the dimensions (1 for a scalar shape []). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides of a dense shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Checks that every dimension is a non-negative integer. */
export function checkShape(op: string, shape: readonly number[]): void {
  for (const d of shape) {
    assert(Number.isInteger(d) && d >= 0, () => `${op}: invalid shape ${fmtShape(shape)}`);
  }
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    assert(
      da === db || da === 1 || db === 1,
      () => `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`,
    );
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a dense `shape` as if it were broadcast to `target` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]!));
}

/** Normalises a possibly negative axis for a tensor of rank `ndim`. */
export function normAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  assert(
    Number.isInteger(a) && a >= 0 && a < ndim,
    () => `${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`,
  );
  return a;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
