// AssemblyScript source of the wasm backend's float32 GEMM (SIMD128), compiled by scripts/build-wasm.mjs.
// Pointers are byte addresses of float32 data in this module's memory; the host (src/backends/wasm) copies
// operands in and results out. Sums run in float32, as in BLAS sgemm.
// Not here: batching (see kernels.ts), threads, the host-side copies.

// ---- blocking scheme ----------------------------------------------------------------------------
// Goto/BLIS loop nest (as in src/backends/cpu/gemm.ts): op(B) blocks kc×nc packed into NR-wide column
// panels, op(A) blocks mc×kc into MR-tall row panels (alpha folded in), then a 4×8 register-blocked
// micro-kernel: 8 f32x4 accumulators + 2 B vectors + 1 broadcast A value fit V8's 16 xmm registers.

import { ld, st } from "./mem";

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

/** Bytes of one thread's GEMM scratch: packed A block, packed B block, one edge tile. */
const SCRATCH_SIZE: usize = <usize>((MC * KC + KC * NC + MR * NR) * 4);
const SCRATCH_START: usize = (__heap_base + 63) & ~(<usize>63);

/** This instance's scratch (per thread when instances share memory; see setScratch). */
let PACK_A: usize = SCRATCH_START;
let PACK_B: usize = PACK_A + <usize>(MC * KC * 4);
let EDGE: usize = PACK_B + <usize>(KC * NC * 4);

/** First byte the host may use for its operands (after the first instance's scratch). */
export function scratchEnd(): usize {
  return SCRATCH_START + SCRATCH_SIZE;
}

/** Bytes of GEMM scratch each thread needs. */
export function scratchSize(): usize {
  return SCRATCH_SIZE;
}

/** Moves this instance's GEMM scratch to `base` (64-byte aligned, scratchSize() bytes, owned by this thread). */
export function setScratch(base: usize): void {
  PACK_A = base;
  PACK_B = base + <usize>(MC * KC * 4);
  EDGE = PACK_B + <usize>(KC * NC * 4);
}

/** Below this many multiply-adds the plain loops beat packing. */
const SMALL_WORK: i32 = 16384;

/** Σ_k x[k]·y[k] over contiguous float32 vectors. */
export function dot(x: usize, y: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const o = <usize>k << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  s0 = f32x4.add(s0, s1);
  let s =
    f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3));
  for (; k < n; k++) s += ld(x, k) * ld(y, k);
  return s;
}

/** y[k] += a·x[k] over contiguous float32 vectors. */
export function axpy(a: f32, x: usize, y: usize, n: i32): void {
  const av = f32x4.splat(a);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; k < n; k++) st(y, k, ld(y, k) + a * ld(x, k));
}

/** C = beta·C over the M×N window (beta 0 writes zeros without reading). */
function scaleC(M: i32, N: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta == 1) return;
  for (let i = 0; i < M; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    if (beta == 0) memory.fill(row, 0, <usize>N << 2);
    else for (let j = 0; j < N; j++) st(row, j, beta * ld(row, j));
  }
}

/**
 * Row-major GEMM on float32: C = alpha·op(A)·op(B) + beta·C, op(A) M×K (A stored K×M when transA, leading
 * dimension lda), op(B) K×N (N×K when transB). beta = 0 never reads C.
 */
export function gemm(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
): void {
  if (M <= 0 || N <= 0) return;
  scaleC(M, N, beta, c, ldc);
  if (K <= 0 || alpha == 0) return;
  if (<i64>M * N * K <= SMALL_WORK) gemmLoops(transA, transB, M, N, K, alpha, a, lda, b, ldb, c, ldc);
  else if (M < MR) gemmFewRows(transA, transB, M, N, K, alpha, a, lda, b, ldb, c, ldc);
  else if (N < MR && transB && !transA) gemmDots(M, N, K, alpha, a, lda, b, ldb, c, ldc);
  else if (N < MR) gemmLoops(transA, transB, M, N, K, alpha, a, lda, b, ldb, c, ldc);
  else gemmPacked(transA, transB, M, N, K, alpha, a, lda, b, ldb, c, ldc);
}

/** C += alpha·op(A)·op(B) as strided scalar dot products (tiny products, odd layouts). */
function gemmLoops(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
): void {
  const aRow = transA ? 1 : lda;
  const aK = transA ? lda : 1;
  const bCol = transB ? ldb : 1;
  const bK = transB ? 1 : ldb;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0, pa = i * aRow, pb = j * bCol; k < K; k++, pa += aK, pb += bK) s += ld(a, pa) * ld(b, pb);
      const ci = i * ldc + j;
      st(c, ci, ld(c, ci) + alpha * s);
    }
  }
}

/** M < MR rows (matrix-vector-like): rows of C as axpys over rows of B, or dot products with rows of B. */
function gemmFewRows(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
): void {
  if (transB && transA) {
    gemmLoops(transA, transB, M, N, K, alpha, a, lda, b, ldb, c, ldc);
    return;
  }
  const aRow = transA ? 1 : lda;
  const aK = transA ? lda : 1;
  for (let i = 0; i < M; i++) {
    const ci = c + (<usize>(i * ldc) << 2);
    if (transB) {
      const ai = a + (<usize>(i * lda) << 2);
      for (let j = 0; j < N; j++) st(ci, j, ld(ci, j) + alpha * dot(ai, b + (<usize>(j * ldb) << 2), K));
    } else {
      for (let k = 0; k < K; k++) {
        const av = alpha * ld(a, i * aRow + k * aK);
        if (av != 0) axpy(av, b + (<usize>(k * ldb) << 2), ci, N);
      }
    }
  }
}

/** N < MR columns with A rows and B rows contiguous: one SIMD dot product per element. */
function gemmDots(M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>(i * lda) << 2);
    for (let j = 0; j < N; j++) {
      const ci = i * ldc + j;
      st(c, ci, ld(c, ci) + alpha * dot(ai, b + (<usize>(j * ldb) << 2), K));
    }
  }
}

/** Splits n into the fewest blocks of at most `max`, of near-equal size (a multiple of `mult`). */
function blockSize(n: i32, max: i32, mult: i32): i32 {
  const blocks = (n + max - 1) / max;
  const size = (n + blocks - 1) / blocks;
  return ((size + mult - 1) / mult) * mult;
}

function gemmPacked(
  transA: bool,
  transB: bool,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
): void {
  const kcMax = blockSize(K, KC, 1);
  const mcMax = blockSize(M, MC, MR);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      const kc = min(kcMax, K - k0);
      packB(PACK_B, transB, b, ldb, k0, j0, kc, nc);
      for (let i0 = 0; i0 < M; i0 += mcMax) {
        const mc = min(mcMax, M - i0);
        packA(transA, a, lda, i0, k0, mc, kc, alpha);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = PACK_B + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + (<usize>((i0 + ir) * ldc + j0 + jr) << 2);
            kernel(kc, PACK_A + (<usize>(ir * kc) << 2), pb, cp, ldc, mr, nr);
          }
        }
      }
    }
  }
}

// ---- a constant B operand packed once ---------------------------------------------------------
// The recurrences multiply by the same A at every step: packing it once for all T steps removes the
// per-step packing that dominates when the state has few rows (N sequences).

/** Width of the packed column panels: a column split at a multiple of it leaves every panel whole. */
export function panelWidth(): i32 {
  return NR;
}

/** Floats prepackB writes for a K×N op(B): K rows of N rounded up to whole panels. */
export function prepackedSize(K: i32, N: i32): i32 {
  return K * (((N + NR - 1) / NR) * NR);
}

/** Packs all of op(B) (K×N) at dst: k-blocks of blockSize(K, KC) rows, each as NR-wide panels. */
export function prepackB(dst: usize, transB: bool, b: usize, ldb: i32, K: i32, N: i32): void {
  const kcMax = blockSize(K, KC, 1);
  const nPad = ((N + NR - 1) / NR) * NR;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    packB(dst + (<usize>(k0 * nPad) << 2), transB, b, ldb, k0, 0, min(kcMax, K - k0), N);
  }
}

/** C += A·B for A (M×K, row-major, leading dimension lda) and B packed by prepackB(…, K, N). */
export function gemmPrepacked(M: i32, N: i32, K: i32, a: usize, lda: i32, pb: usize, c: usize, ldc: i32): void {
  gemmPrepackedColumns(M, N, K, a, lda, pb, c, ldc, 0, N);
}

/** gemmPrepacked on the columns [j0, j1) of C only (j0 a multiple of the panel width, see panelWidth). */
export function gemmPrepackedColumns(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  lda: i32,
  pb: usize,
  c: usize,
  ldc: i32,
  j0: i32,
  j1: i32,
): void {
  if (M <= 0 || j1 <= j0 || K <= 0) return;
  const kcMax = blockSize(K, KC, 1);
  const mcMax = blockSize(M, MC, MR);
  const nPad = ((N + NR - 1) / NR) * NR;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = min(kcMax, K - k0);
    const block = pb + (<usize>(k0 * nPad) << 2);
    for (let i0 = 0; i0 < M; i0 += mcMax) {
      const mc = min(mcMax, M - i0);
      packA(false, a, lda, i0, k0, mc, kc, 1);
      for (let jr = j0; jr < j1; jr += NR) {
        const nr = min(NR, j1 - jr);
        const panel = block + (<usize>(jr * kc) << 2);
        for (let ir = 0; ir < mc; ir += MR) {
          const cp = c + (<usize>((i0 + ir) * ldc + jr) << 2);
          kernel(kc, PACK_A + (<usize>(ir * kc) << 2), panel, cp, ldc, min(MR, mc - ir), nr);
        }
      }
    }
  }
}

/** op(B)[k0:k0+kc, j0:j0+nc] into NR-wide panels at dst, k-major inside a panel, zero-padded on the right. */
function packB(dst: usize, transB: bool, b: usize, ldb: i32, k0: i32, j0: i32, kc: i32, nc: i32): void {
  let p = dst;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (!transB && nr == NR) {
      for (let k = 0; k < kc; k++) {
        const src = b + (<usize>((k0 + k) * ldb + j0 + jr) << 2);
        v128.store(p, v128.load(src));
        v128.store(p, v128.load(src, 16), 16);
        p += NR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          const col = j0 + jr + j;
          const v: f32 = j < nr ? (transB ? ld(b, col * ldb + k0 + k) : ld(b, (k0 + k) * ldb + col)) : 0;
          st(p, j, v);
        }
        p += NR << 2;
      }
    }
  }
}

/** alpha·op(A)[i0:i0+mc, k0:k0+kc] into MR-tall panels, k-major inside a panel, zero-padded below. */
function packA(transA: bool, a: usize, lda: i32, i0: i32, k0: i32, mc: i32, kc: i32, alpha: f32): void {
  let p = PACK_A;
  const av = f32x4.splat(alpha);
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    if (transA && mr == MR) {
      for (let k = 0; k < kc; k++) {
        v128.store(p, f32x4.mul(av, v128.load(a + (<usize>((k0 + k) * lda + i0 + ir) << 2))));
        p += MR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let i = 0; i < MR; i++) {
          const row = i0 + ir + i;
          const v: f32 = i < mr ? (transA ? ld(a, (k0 + k) * lda + row) : ld(a, row * lda + k0 + k)) : 0;
          st(p, i, alpha * v);
        }
        p += MR << 2;
      }
    }
  }
}

/** C[0:mr, 0:nr] += A panel (kc×MR) · B panel (kc×NR). */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    pa += MR << 2;
    pb += NR << 2;
  }
  const ldcB = <usize>ldc << 2;
  if (mr == MR && nr == NR) {
    let r = c;
    v128.store(r, f32x4.add(v128.load(r), c00));
    v128.store(r, f32x4.add(v128.load(r, 16), c01), 16);
    r += ldcB;
    v128.store(r, f32x4.add(v128.load(r), c10));
    v128.store(r, f32x4.add(v128.load(r, 16), c11), 16);
    r += ldcB;
    v128.store(r, f32x4.add(v128.load(r), c20));
    v128.store(r, f32x4.add(v128.load(r, 16), c21), 16);
    r += ldcB;
    v128.store(r, f32x4.add(v128.load(r), c30));
    v128.store(r, f32x4.add(v128.load(r, 16), c31), 16);
    return;
  }
  v128.store(EDGE, c00);
  v128.store(EDGE, c01, 16);
  v128.store(EDGE, c10, 32);
  v128.store(EDGE, c11, 48);
  v128.store(EDGE, c20, 64);
  v128.store(EDGE, c21, 80);
  v128.store(EDGE, c30, 96);
  v128.store(EDGE, c31, 112);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcB;
    for (let j = 0; j < nr; j++) st(row, j, ld(row, j) + ld(EDGE, i * NR + j));
  }
}
