// Plain-TS data movement: the general strided copy behind broadcast, transpose, slice, concat and pad,
// and gather / scatter-add along an axis. Not here: shape logic (the ops compute offsets and strides).

import type { FloatArray, TypedArray } from "../kernels.js";
import { coalesce } from "./elementwise.js";

/** dst[dstOffset + idx·dstStrides] (+)= src[srcOffset + idx·srcStrides] for every idx in `shape`. */
export function copyStridedCpu(
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: readonly number[],
  accumulate: boolean,
): void {
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const c = coalesce(shape, [srcStrides, dstStrides]);
  const nd = c.shape.length;
  const [ss, ds] = c.strides as [number[], number[]];
  const inner = c.shape[nd - 1]!;
  const is = ss[nd - 1]!;
  const id = ds[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let so = srcOffset;
  let doff = dstOffset;
  for (let r = total / inner; r > 0; r--) {
    if (accumulate) {
      for (let i = 0; i < inner; i++) dst[doff + i * id]! += src[so + i * is]!;
    } else if (is === 1 && id === 1) {
      dst.set(src.subarray(so, so + inner), doff);
    } else {
      for (let i = 0; i < inner; i++) dst[doff + i * id] = src[so + i * is]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < c.shape[d]!) {
        so += ss[d]!;
        doff += ds[d]!;
        break;
      }
      idx[d] = 0;
      so -= ss[d]! * (c.shape[d]! - 1);
      doff -= ds[d]! * (c.shape[d]! - 1);
    }
  }
}

/** out[o, k, :] = x[o, idx[(o,) k], :] with x (outer, axisLen, inner). */
export function gatherCpu(
  x: TypedArray,
  outer: number,
  axisLen: number,
  inner: number,
  idx: Int32Array,
  K: number,
  perOuter: boolean,
  out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    const ib = perOuter ? o * K : 0;
    for (let k = 0; k < K; k++) {
      const j = idx[ib + k]!;
      const from = (o * axisLen + j) * inner;
      out.set(x.subarray(from, from + inner), (o * K + k) * inner);
    }
  }
}

/** dx[o, idx[(o,) k], :] += dy[o, k, :]. */
export function scatterAddCpu(
  dy: FloatArray,
  outer: number,
  axisLen: number,
  inner: number,
  idx: Int32Array,
  K: number,
  perOuter: boolean,
  dx: FloatArray,
): void {
  for (let o = 0; o < outer; o++) {
    const ib = perOuter ? o * K : 0;
    for (let k = 0; k < K; k++) {
      const to = (o * axisLen + idx[ib + k]!) * inner;
      const from = (o * K + k) * inner;
      for (let i = 0; i < inner; i++) dx[to + i]! += dy[from + i]!;
    }
  }
}
