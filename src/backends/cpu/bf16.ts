// The bf16 transition product on the cpu backend (and wherever native lacks it): the operands rounded
// to bfloat16 exactly as the native AVX512-BF16 path rounds them, then the ordinary GEMM, so both give
// the same products (exact in float32) and differ only in the order and precision of the sums.
// Not here: the native kernel (native/src/kernels/bf16.cc).

import type { FloatArray } from "../kernels.js";
import { gemm } from "./gemm.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The bfloat16 value nearest x (ties to even), as AVX512-BF16's conversion gives it: through float32,
 * subnormals flushed to ±0, NaN stays NaN, overflow rounds to ±Infinity.
 */
export function roundBf16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  if ((b & 0x7f800000) === 0) u32[0] = b & 0x80000000;
  else if ((b & 0x7fffffff) > 0x7f800000) return Number.NaN;
  else u32[0] = (b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000;
  return f32[0]!;
}

/** dst[i] = roundBf16(src[i]), i < n (on the bits directly for float32 arrays; src may be dst). */
export function roundBf16Into(src: FloatArray, dst: FloatArray, n: number): void {
  if (!(src instanceof Float32Array) || !(dst instanceof Float32Array)) {
    for (let i = 0; i < n; i++) dst[i] = roundBf16(src[i]!);
    return;
  }
  const s = new Uint32Array(src.buffer, src.byteOffset, n);
  const d = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const b = s[i]!;
    if ((b & 0x7f800000) === 0) d[i] = b & 0x80000000;
    else if ((b & 0x7fffffff) > 0x7f800000) d[i] = (b | 0x00400000) & 0xffff0000;
    else d[i] = (b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000;
  }
}

/** Rounded operands, reused across calls (grown when needed). */
let scratch64 = new Float64Array(0);
let scratchB64 = new Float64Array(0);
/** Rows of K per block of matmulBf16TNCpu (its rounded copies stay small when K = T·N is large). */
const TN_ROWS = 256;

export function bf16PackedLengthCpu(N: number, K: number): number {
  return N * K;
}

/** packed = bf16(w), same (N, K) layout. */
export function packBf16Cpu(w: FloatArray, N: number, K: number, packed: FloatArray): void {
  roundBf16Into(w, packed, N * K);
}

/** out (M, N) += bf16(x) (M, K) · packedᵀ. */
export function matmulBf16Cpu(
  x: FloatArray,
  packed: FloatArray,
  out: FloatArray,
  M: number,
  N: number,
  K: number,
): void {
  if (scratch64.length < M * K) scratch64 = new Float64Array(M * K);
  for (let i = 0; i < M * K; i++) scratch64[i] = roundBf16(x[i]!);
  gemm(false, true, M, N, K, 1, scratch64, 0, K, packed, 0, K, 1, out, 0, N);
}

/** out (M, N) (+)= bf16(a)ᵀ (a: K, M) · bf16(b) (K, N), over blocks of TN_ROWS rows of K. */
export function matmulBf16TNCpu(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
): void {
  if (K === 0 && !accumulate) out.fill(0, 0, M * N);
  const rows = Math.min(K, TN_ROWS);
  if (scratch64.length < rows * M) scratch64 = new Float64Array(rows * M);
  if (scratchB64.length < rows * N) scratchB64 = new Float64Array(rows * N);
  for (let k0 = 0; k0 < K; k0 += TN_ROWS) {
    const kk = Math.min(TN_ROWS, K - k0);
    for (let i = 0; i < kk * M; i++) scratch64[i] = roundBf16(a[k0 * M + i]!);
    for (let i = 0; i < kk * N; i++) scratchB64[i] = roundBf16(b[k0 * N + i]!);
    gemm(
      true,
      false,
      M,
      N,
      kk,
      1,
      scratch64,
      0,
      M,
      scratchB64,
      0,
      N,
      accumulate || k0 > 0 ? 1 : 0,
      out,
      0,
      N,
    );
  }
}
