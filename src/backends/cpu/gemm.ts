// Pure-TS single-threaded GEMM for the cpu backend (must run in browsers: typed arrays only, no Node
// APIs, no WebAssembly), plus the batched `matmul` kernel built on it. Products use a packed,
// cache-blocked scheme with a 4×4 register-blocked micro-kernel; tiny and vector shapes plain loops.
// Not here: threading, SIMD, shape checks or autograd (src/ops does those).

import type { FloatArray, MatmulArgs } from "../kernels.js";

// ---- blocking scheme ----------------------------------------------------------------------------
//
// Goto/BLIS loop nest over C (M×N) += op(A) (M×K) · op(B) (K×N):
//
//   for j0 in N by nc:                   B block  kc×nc  packed → L3/L2
//     for k0 in K by kc:
//       pack op(B)[k0:k0+kc, j0:j0+nc] into NR-wide column panels (k-major inside a panel)
//       for i0 in M by mc:               A block  mc×kc  packed → L2
//         pack op(A)[i0:i0+mc, k0:k0+kc] into MR-tall row panels (k-major inside a panel)
//         for jr in nc by NR:            B micro-panel kc×NR (8 KB) stays in L1
//           for ir in mc by MR:          micro-kernel: one MR×NR tile of C, kc rank-1 updates
//
// Packing turns every transpose combination into the same unit-stride float64 streams, so one
// micro-kernel serves NN/NT/TN/TT and float32 inputs are widened once instead of once per use.
// Edge panels are zero-padded to full MR/NR so the micro-kernel never branches inside its k loop.
// Blocks are split evenly (e.g. K = 1298 → 6 × ~217) so no block is a tiny remainder.
//
// Measured on Node 20 (V8 TurboFan emits scalar SSE2; JS has no fused multiply-add): 4×4, 3×4 and
// 2×6 tiles tied (~5.3 GFLOP/s kernel-only) ahead of 2×4, 2×8, 4×3, 4×6, 4×8, 6×4 and 8×4 (smaller
// tiles load more per flop, larger ones spill more accumulators); 4×4 keeps the edges simplest.
// Unrolling k by 2 slowed every tile, and float32 scratch buffers were ~15% slower than float64 ones
// (each load then pays a conversion). Cache-block sizes barely mattered (within ±5% noise): the
// micro-kernel, not memory traffic, is the bottleneck in scalar JS.

/** Micro-tile rows (of op(A)) and columns (of op(B)); the micro-kernel is written out for 4×4. */
const MR = 4;
const NR = 4;
/** Upper bounds of the cache blocks: A block 128×256 doubles = 256 KB, B block 256×1024 = 2 MB. */
const KC = 256;
const MC = 128;
const NC = 1024;
/**
 * Path choice, from timing every path on tiny, skinny and square shapes: the micro-kernel does ~3×
 * the flops per second of a dot-product or axpy loop, so packing pays for itself as soon as C holds
 * a tile's worth of elements (M·N ≥ 16), even for K = 1, unless C is only 1 or 2 wide in either
 * direction, which wastes half or more of every 4×4 tile.
 */
const PACKED_MIN_SIDE = 3;
const PACKED_MIN_AREA = MR * NR;
/** Unpacked and B untransposed: from this width on, accumulating rows of C beats dot products. */
const ROWS_MIN_N = 32;

/** Packed panels, reused across calls and grown on demand (never shrunk). */
let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** Receives a full MR×NR tile when the real tile is clipped by the edge of C. */
const edgeTile = new Float64Array(MR * NR);
/** One row of float64 accumulators for gemmRows. */
let rowAcc = new Float64Array(0);

/**
 * Row-major BLAS GEMM: C = alpha · op(A) · op(B) + beta · C, where op(A) is M×K and op(B) is K×N.
 *
 * A is stored M×K (`transA` false) or K×M (`transA` true) at `a[aOff + row·lda + col]`; likewise B is
 * K×N or N×K (`transB`) with leading dimension `ldb`; C is M×N at `c[cOff + i·ldc + j]`. Elements of
 * C outside the M×N window (padding up to `ldc`) are never touched. `beta = 0` overwrites C without
 * reading it (NaN/Infinity in C do not propagate); `alpha = 0` or K = 0 only scales C. Sums run in
 * float64 whatever the array type (for K > 256 the packed path carries partial sums in C between
 * K blocks); A, B and C may be Float32Array or Float64Array.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: FloatArray,
  aOff: number,
  lda: number,
  b: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  c: FloatArray,
  cOff: number,
  ldc: number,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha === 0) {
    scaleC(M, N, beta, c, cOff, ldc);
  } else if (M >= PACKED_MIN_SIDE && N >= PACKED_MIN_SIDE && M * N >= PACKED_MIN_AREA) {
    gemmPacked(transA, transB, M, N, K, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  } else if (!transB && N >= ROWS_MIN_N) {
    gemmRows(transA, M, N, K, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  } else {
    gemmDots(transA, transB, M, N, K, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }
}

/**
 * Batched matmul (the `matmul` entry of Kernels): for i in [0, batch),
 * out[i·M·N : (i+1)·M·N] (+)= op(A_i) · op(B_i) with A_i = a[i·strideA ..] (M×K, or K×M when
 * transA), B_i = b[i·strideB ..] (K×N, or N×K when transB), all dense row-major; stride 0
 * broadcasts one matrix over the batch. `accumulate` adds into `out` (beta 1) instead of
 * overwriting it (beta 0).
 *
 * When B is broadcast and the A matrices are contiguous untransposed rows (strideA = M·K), the
 * batch is one (batch·M)×K by K×N product and runs as a single gemm, packing B once.
 */
export function matmulCpu(a: FloatArray, b: FloatArray, out: FloatArray, args: MatmulArgs): void {
  const { batch, M, N, K, transA, transB, strideA, strideB } = args;
  const beta = args.accumulate ? 1 : 0;
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  if (batch > 1 && strideB === 0 && !transA && strideA === M * K) {
    gemm(false, transB, batch * M, N, K, 1, a, 0, lda, b, 0, ldb, beta, out, 0, N);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(transA, transB, M, N, K, 1, a, i * strideA, lda, b, i * strideB, ldb, beta, out, i * M * N, N);
  }
}

/** C = beta · C over the M×N window (beta 0 writes zeros without reading). */
function scaleC(M: number, N: number, beta: number, c: FloatArray, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const row = cOff + i * ldc;
    if (beta === 0) c.fill(0, row, row + N);
    else for (let j = 0; j < N; j++) c[row + j] = beta * c[row + j];
  }
}

// ---- unpacked paths ------------------------------------------------------------------------------

/**
 * C[i,j] = alpha · Σ_k op(A)[i,k] · op(B)[k,j] + beta · C[i,j] as one strided dot product per
 * element: no scratch and no setup, for tiny products and C of width 1 or 2 (matrix-vector).
 */
function gemmDots(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: FloatArray,
  aOff: number,
  lda: number,
  b: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  c: FloatArray,
  cOff: number,
  ldc: number,
): void {
  // Strides of op(A) along i and k, and of op(B) along j and k.
  const aRow = transA ? 1 : lda;
  const aK = transA ? lda : 1;
  const bCol = transB ? ldb : 1;
  const bK = transB ? 1 : ldb;
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * aRow;
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0, pa = ai, pb = bOff + j * bCol; k < K; k++, pa += aK, pb += bK) s += a[pa] * b[pb];
      c[ci + j] = beta === 0 ? alpha * s : alpha * s + beta * c[ci + j];
    }
  }
}

/**
 * Same product with B untransposed, built row by row as C[i,:] = Σ_k op(A)[i,k] · B[k,:] in a
 * float64 row buffer: contiguous streams over rows of B, for 1 or 2 wide rows of C.
 */
function gemmRows(
  transA: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: FloatArray,
  aOff: number,
  lda: number,
  b: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  c: FloatArray,
  cOff: number,
  ldc: number,
): void {
  const aRow = transA ? 1 : lda;
  const aK = transA ? lda : 1;
  if (rowAcc.length < N) rowAcc = new Float64Array(N);
  const acc = rowAcc;
  for (let i = 0; i < M; i++) {
    acc.fill(0, 0, N);
    for (let k = 0, pa = aOff + i * aRow; k < K; k++, pa += aK) {
      const av = a[pa];
      const bk = bOff + k * ldb;
      for (let j = 0; j < N; j++) acc[j] += av * b[bk + j];
    }
    const ci = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) c[ci + j] = alpha * acc[j];
    else for (let j = 0; j < N; j++) c[ci + j] = alpha * acc[j] + beta * c[ci + j];
  }
}

// ---- packed path --------------------------------------------------------------------------------

/** Size of each of `parts` near-equal blocks covering n, rounded up to a multiple of `unit`. */
function evenBlock(n: number, max: number, unit: number): number {
  const parts = Math.ceil(n / max);
  return Math.ceil(Math.ceil(n / parts) / unit) * unit;
}

/** The blocked loop nest described at the top of the file. */
function gemmPacked(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: FloatArray,
  aOff: number,
  lda: number,
  b: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  c: FloatArray,
  cOff: number,
  ldc: number,
): void {
  const kcMax = evenBlock(K, KC, 1);
  const mcMax = evenBlock(M, MC, MR);
  const ncMax = evenBlock(N, NC, NR);
  if (packedA.length < mcMax * kcMax) packedA = new Float64Array(mcMax * kcMax);
  if (packedB.length < kcMax * ncMax) packedB = new Float64Array(kcMax * ncMax);
  const pA = packedA;
  const pB = packedB;
  for (let j0 = 0; j0 < N; j0 += ncMax) {
    const nc = Math.min(ncMax, N - j0);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = Math.min(kcMax, K - k0);
      // The first K block applies the caller's beta; later ones add onto what it wrote.
      const betaK = k0 === 0 ? beta : 1;
      packB(transB, b, bOff, ldb, k0, kc, j0, nc, pB);
      for (let i0 = 0; i0 < M; i0 += mcMax) {
        const mc = Math.min(mcMax, M - i0);
        packA(transA, a, aOff, lda, i0, mc, k0, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bp = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const co = cOff + (i0 + ir) * ldc + j0 + jr;
            if (mr === MR && nr === NR) {
              micro4x4(kc, pA, ir * kc, pB, bp, alpha, betaK, c, co, ldc);
            } else {
              micro4x4(kc, pA, ir * kc, pB, bp, 1, 0, edgeTile, 0, NR);
              storeEdge(mr, nr, alpha, betaK, c, co, ldc);
            }
          }
        }
      }
    }
  }
}

/**
 * Packs op(A)[i0:i0+mc, k0:k0+kc] as ⌈mc/MR⌉ panels; panel p holds, for k = 0..kc-1, the MR values
 * op(A)[i0+p·MR+r, k0+k] at dst[p·MR·kc + k·MR + r], rows past mc filled with 0.
 */
function packA(
  transA: boolean,
  a: FloatArray,
  aOff: number,
  lda: number,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
  dst: Float64Array,
): void {
  let p = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    const i = i0 + ir;
    if (mr === MR && transA) {
      // Stored K×M: the MR values of one k are adjacent.
      for (let k = 0, s = aOff + k0 * lda + i; k < kc; k++, s += lda, p += MR) {
        dst[p] = a[s];
        dst[p + 1] = a[s + 1];
        dst[p + 2] = a[s + 2];
        dst[p + 3] = a[s + 3];
      }
    } else if (mr === MR) {
      // Stored M×K: MR contiguous row streams.
      const s0 = aOff + i * lda + k0;
      const s1 = s0 + lda;
      const s2 = s1 + lda;
      const s3 = s2 + lda;
      for (let k = 0; k < kc; k++, p += MR) {
        dst[p] = a[s0 + k];
        dst[p + 1] = a[s1 + k];
        dst[p + 2] = a[s2 + k];
        dst[p + 3] = a[s3 + k];
      }
    } else {
      const rowStride = transA ? 1 : lda;
      const kStride = transA ? lda : 1;
      for (let k = 0; k < kc; k++, p += MR) {
        const s = aOff + i * rowStride + (k0 + k) * kStride;
        for (let r = 0; r < MR; r++) dst[p + r] = r < mr ? a[s + r * rowStride] : 0;
      }
    }
  }
}

/**
 * Packs op(B)[k0:k0+kc, j0:j0+nc] as ⌈nc/NR⌉ panels; panel q holds, for k = 0..kc-1, the NR values
 * op(B)[k0+k, j0+q·NR+s] at dst[q·NR·kc + k·NR + s], columns past nc filled with 0.
 */
function packB(
  transB: boolean,
  b: FloatArray,
  bOff: number,
  ldb: number,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: Float64Array,
): void {
  let p = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const j = j0 + jr;
    if (nr === NR && transB) {
      // Stored N×K: NR contiguous row streams.
      const s0 = bOff + j * ldb + k0;
      const s1 = s0 + ldb;
      const s2 = s1 + ldb;
      const s3 = s2 + ldb;
      for (let k = 0; k < kc; k++, p += NR) {
        dst[p] = b[s0 + k];
        dst[p + 1] = b[s1 + k];
        dst[p + 2] = b[s2 + k];
        dst[p + 3] = b[s3 + k];
      }
    } else if (nr === NR) {
      // Stored K×N: the NR values of one k are adjacent.
      for (let k = 0, s = bOff + k0 * ldb + j; k < kc; k++, s += ldb, p += NR) {
        dst[p] = b[s];
        dst[p + 1] = b[s + 1];
        dst[p + 2] = b[s + 2];
        dst[p + 3] = b[s + 3];
      }
    } else {
      const colStride = transB ? ldb : 1;
      const kStride = transB ? 1 : ldb;
      for (let k = 0; k < kc; k++, p += NR) {
        const s = bOff + j * colStride + (k0 + k) * kStride;
        for (let q = 0; q < NR; q++) dst[p + q] = q < nr ? b[s + q * colStride] : 0;
      }
    }
  }
}

/**
 * C[co + r·ldc + s] = alpha · Σ_k A[ap + 4k + r] · B[bp + 4k + s] + beta · C[..] for r, s < 4
 * (beta 0: C not read). A and B are packed panels; the 16 sums live in locals for the whole k loop.
 */
// biome-ignore format: the 4×4 tile of accumulators reads best laid out as a grid
function micro4x4(
  kc: number,
  A: Float64Array,
  ap: number,
  B: Float64Array,
  bp: number,
  alpha: number,
  beta: number,
  c: FloatArray,
  co: number,
  ldc: number,
): void {
  // Masking bounds kc ≤ 65535 and the panel offsets below 2^30 (both always true here), which lets
  // TurboFan prove `ap + 4k + 3` fits in int32 and drop the overflow checks from the index math.
  kc &= 0xffff;
  ap &= 0x3fffffff;
  bp &= 0x3fffffff;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++) {
    const ia = ap + k * 4;
    const ib = bp + k * 4;
    const a0 = A[ia], a1 = A[ia + 1], a2 = A[ia + 2], a3 = A[ia + 3];
    const b0 = B[ib], b1 = B[ib + 1], b2 = B[ib + 2], b3 = B[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  const o0 = co, o1 = co + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
  if (beta === 0) {
    c[o0] = alpha * c00; c[o0 + 1] = alpha * c01; c[o0 + 2] = alpha * c02; c[o0 + 3] = alpha * c03;
    c[o1] = alpha * c10; c[o1 + 1] = alpha * c11; c[o1 + 2] = alpha * c12; c[o1 + 3] = alpha * c13;
    c[o2] = alpha * c20; c[o2 + 1] = alpha * c21; c[o2 + 2] = alpha * c22; c[o2 + 3] = alpha * c23;
    c[o3] = alpha * c30; c[o3 + 1] = alpha * c31; c[o3 + 2] = alpha * c32; c[o3 + 3] = alpha * c33;
  } else {
    c[o0] = alpha * c00 + beta * c[o0];
    c[o0 + 1] = alpha * c01 + beta * c[o0 + 1];
    c[o0 + 2] = alpha * c02 + beta * c[o0 + 2];
    c[o0 + 3] = alpha * c03 + beta * c[o0 + 3];
    c[o1] = alpha * c10 + beta * c[o1];
    c[o1 + 1] = alpha * c11 + beta * c[o1 + 1];
    c[o1 + 2] = alpha * c12 + beta * c[o1 + 2];
    c[o1 + 3] = alpha * c13 + beta * c[o1 + 3];
    c[o2] = alpha * c20 + beta * c[o2];
    c[o2 + 1] = alpha * c21 + beta * c[o2 + 1];
    c[o2 + 2] = alpha * c22 + beta * c[o2 + 2];
    c[o2 + 3] = alpha * c23 + beta * c[o2 + 3];
    c[o3] = alpha * c30 + beta * c[o3];
    c[o3 + 1] = alpha * c31 + beta * c[o3 + 1];
    c[o3 + 2] = alpha * c32 + beta * c[o3 + 2];
    c[o3 + 3] = alpha * c33 + beta * c[o3 + 3];
  }
}

/** Writes the top-left mr×nr corner of `edgeTile` (raw sums) into C with alpha and beta. */
function storeEdge(
  mr: number,
  nr: number,
  alpha: number,
  beta: number,
  c: FloatArray,
  co: number,
  ldc: number,
): void {
  for (let r = 0; r < mr; r++) {
    const row = co + r * ldc;
    for (let s = 0; s < nr; s++) {
      const v = alpha * edgeTile[r * NR + s];
      c[row + s] = beta === 0 ? v : v + beta * c[row + s];
    }
  }
}

/** The cpu backend's packed operand is op(B) itself, K×N row-major. */
export const packedLengthCpu = (K: number, N: number): number => K * N;

export function packMatrixCpu(
  b: FloatArray,
  K: number,
  N: number,
  transB: boolean,
  packed: FloatArray,
): void {
  if (!transB) packed.set(b.subarray(0, K * N));
  else for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) packed[k * N + n] = b[n * K + k]!;
}

export function matmulPackedCpu(
  a: FloatArray,
  packed: FloatArray,
  out: FloatArray,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  accumulate: boolean,
): void {
  matmulCpu(a, packed, out, { batch: 1, M, N, K, transA, transB: false, strideA: 0, strideB: 0, accumulate });
}
