// AssemblyScript source: a matmul whose right operand stays packed across calls (the autoregressive step
// multiplies by the same transition A at every one of T steps; the host keeps A packed between calls and
// checks bit for bit that the caller's operand is unchanged before reusing the packing).
// Not here: the packing and the micro-kernel (gemm.ts), the cache's bookkeeping (src/backends/wasm/index.ts).

import { gemmPrepacked, prepackB } from "./gemm";

/** True when the n float32 values at x and y are bitwise equal (so NaN payloads and signed zeros count). */
export function sameBits(x: usize, y: usize, n: i32): bool {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    if (!i32x4.all_true(i32x4.eq(v128.load(x + o), v128.load(y + o)))) return false;
  }
  for (; k < n; k++) if (load<i32>(x + (<usize>k << 2)) != load<i32>(y + (<usize>k << 2))) return false;
  return true;
}

/** Packs op(B) (K×N; B stored N×K when transB) at dst: prepackedSize(K, N) floats. */
export function prepackRight(dst: usize, b: usize, transB: bool, K: i32, N: i32): void {
  prepackB(dst, transB, b, transB ? K : N, K, N);
}

/** out (M×N) (+)= A·op(B) for A (M×K, row-major) and op(B) packed by prepackRight. */
export function matmulPrepacked(a: usize, pb: usize, out: usize, M: i32, N: i32, K: i32, accumulate: bool): void {
  if (!accumulate) memory.fill(out, 0, <usize>(M * N) << 2);
  gemmPrepacked(M, N, K, a, K, pb, out, N);
}
