// AssemblyScript source: the pieces of a matmul that threads run side by side on one shared memory, each
// instance with its own GEMM scratch (setScratch): a column range of C. Splitting C by columns leaves every
// element's sum in the same order as one thread's, so threaded results are bitwise the single-threaded ones.
// The recurrences split by sequences through their own exports (index.ts). Not here: the workers, the job
// hand-off and the split itself (src/backends/wasm/threads.ts, index.ts).

import { gemm, gemmPrepackedColumns } from "./gemm";

/**
 * Columns [j0, j1) of out (M×N) (+)= op(A)·op(B), as matmul lays out one product (lda = transA ? M : K,
 * ldb = transB ? K : N).
 */
export function gemmColumns(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  b: usize,
  out: usize,
  accumulate: bool,
  j0: i32,
  j1: i32,
): void {
  const ldb = transB ? K : N;
  const bj = b + (<usize>(transB ? j0 * ldb : j0) << 2);
  gemm(transA, transB, M, j1 - j0, K, 1, a, transA ? M : K, bj, ldb, accumulate ? 1 : 0, out + (<usize>j0 << 2), N);
}

/** Columns [j0, j1) of matmulPrepacked (j0 a multiple of panelWidth()). */
export function matmulPrepackedColumns(
  a: usize,
  pb: usize,
  out: usize,
  M: i32,
  N: i32,
  K: i32,
  accumulate: bool,
  j0: i32,
  j1: i32,
): void {
  if (!accumulate) {
    for (let i = 0; i < M; i++) memory.fill(out + (<usize>(i * N + j0) << 2), 0, <usize>(j1 - j0) << 2);
  }
  gemmPrepackedColumns(M, N, K, a, K, pb, out, N, j0, j1);
}
