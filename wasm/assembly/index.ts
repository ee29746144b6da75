// AssemblyScript source of the wasm backend (float32, SIMD128): batched matmul, the fused linear
// recurrence and its backward, the per-sample root MLP and its backward, and element-wise kernels; the
// diagonal scan and its backward are in scan.ts.
// Compiled by scripts/build-wasm.mjs into src/backends/wasm/module.ts. Every pointer is a byte address in
// this module's memory, filled and read back by the host (src/backends/wasm/index.ts), which also lays
// out each call's scratch. Semantics follow src/backends/kernels.ts; the cpu backend is the reference.

import { axpy, dot, gemm, gemmPrepacked, prepackB } from "./gemm";
import { ld, st } from "./mem";

export { panelWidth, prepackedSize, scratchEnd, scratchSize, setScratch } from "./gemm";
export { matmulPrepacked, prepackRight, sameBits } from "./prepacked";
export { reduceSum } from "./reduce";
export { diagonalScan, diagonalScanVjp, scanWorkSize } from "./scan";
export { gemmColumns, matmulPrepackedColumns } from "./threads";
export { clipSimd, clipVjpSimd, unarySimd, unaryVjpSimd } from "./unary";

// ---- matmul ------------------------------------------------------------------------------------

/** out[i] (+)= op(A_i)·op(B_i) for i < batch; A_i at a + i·strideA floats, out dense. */
export function matmul(
  a: usize,
  b: usize,
  out: usize,
  batch: i32,
  M: i32,
  N: i32,
  K: i32,
  transA: bool,
  transB: bool,
  strideA: i32,
  strideB: i32,
  accumulate: bool,
): void {
  const beta: f32 = accumulate ? 1 : 0;
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  if (batch > 1 && strideB == 0 && !transA && strideA == M * K) {
    gemm(false, transB, batch * M, N, K, 1, a, lda, b, ldb, beta, out, N);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(
      transA,
      transB,
      M,
      N,
      K,
      1,
      a + (<usize>(i * strideA) << 2),
      lda,
      b + (<usize>(i * strideB) << 2),
      ldb,
      beta,
      out + (<usize>(i * M * N) << 2),
      N,
    );
  }
}

// ---- linear recurrence -------------------------------------------------------------------------

function clipping(c: f32): bool {
  return c > 0 && c < Infinity;
}

/**
 * θ_t = clip(A θ_{t−1} + U_t): out (N, T, P) from A (P, P), U (N, T, P), theta0 (N, P); `packed` holds
 * prepackedSize(P, P) floats of scratch for Aᵀ.
 */
export function linearRecurrence(
  A: usize,
  U: usize,
  theta0: usize,
  out: usize,
  packed: usize,
  N: i32,
  T: i32,
  P: i32,
  clip: f32,
): void {
  const ld_ = T * P;
  memory.copy(out, U, <usize>(N * T * P) << 2);
  prepackB(packed, true, A, P, P, P);
  const doClip = clipping(clip);
  const hi = f32x4.splat(clip);
  const lo = f32x4.splat(-clip);
  for (let t = 0; t < T; t++) {
    const cur = out + (<usize>(t * P) << 2);
    if (t == 0) gemmPrepacked(N, P, P, theta0, P, packed, out, ld_);
    else gemmPrepacked(N, P, P, cur - (<usize>P << 2), ld_, packed, cur, ld_);
    if (!doClip) continue;
    for (let n = 0; n < N; n++) {
      const row = cur + (<usize>(n * ld_) << 2);
      let p = 0;
      for (; p + 4 <= P; p += 4) {
        const q = row + (<usize>p << 2);
        v128.store(q, f32x4.min(f32x4.max(v128.load(q), lo), hi));
      }
      for (; p < P; p++) {
        const v = ld(row, p);
        st(row, p, v > clip ? clip : max(v, -clip));
      }
    }
  }
}

/**
 * Backward of linearRecurrence: g_t = (dOut_t + g_{t+1} A) ⊙ [θ_t not clipped], dU = g, dθ_0 = g_1 A,
 * dA = Σ_t g_tᵀ θ_{t−1} (one GEMM over the N·T rows shifted by one, plus a rank-N correction that needs
 * `diff`, N·P floats of scratch); `packed` holds prepackedSize(P, P) floats of scratch for A.
 */
export function linearRecurrenceVjp(
  A: usize,
  theta0: usize,
  out: usize,
  dOut: usize,
  dA: usize,
  dU: usize,
  dTheta0: usize,
  diff: usize,
  packed: usize,
  N: i32,
  T: i32,
  P: i32,
  clip: f32,
): void {
  if (T == 0) memory.fill(dTheta0, 0, <usize>(N * P) << 2);
  recurrenceGradRows(A, out, dOut, dU, dTheta0, packed, N, T, P, clip, true);
  const R = N * T;
  if (R > 1) gemm(true, false, P, P, R - 1, 1, dU + (<usize>P << 2), P, out, P, 0, dA, P);
  else memory.fill(dA, 0, <usize>(P * P) << 2);
  recurrenceDACorrection(theta0, out, dU, dA, diff, N, T, P);
}

/**
 * The first half of linearRecurrenceVjp on its own (threads run it on disjoint sequences): dU = g and
 * dθ_0 = g_1 A, with `packed` A as that function packs it.
 */
export function recurrenceGradRows(
  A: usize,
  out: usize,
  dOut: usize,
  dU: usize,
  dTheta0: usize,
  packed: usize,
  N: i32,
  T: i32,
  P: i32,
  clip: f32,
  pack: bool,
): void {
  const ld_ = T * P;
  const doClip = clipping(clip);
  memory.copy(dU, dOut, <usize>(N * T * P) << 2);
  if (pack) prepackB(packed, false, A, P, P, P);
  for (let t = T - 1; t >= 0; t--) {
    if (doClip) {
      for (let n = 0; n < N; n++) {
        const row = (n * ld_ + t * P);
        for (let p = 0; p < P; p++) {
          const v = ld(out, row + p);
          if (!(v < clip && v > -clip)) st(dU, row + p, 0);
        }
      }
    }
    const g = dU + (<usize>(t * P) << 2);
    if (t > 0) gemmPrepacked(N, P, P, g, ld_, packed, g - (<usize>P << 2), ld_);
    else {
      memory.fill(dTheta0, 0, <usize>(N * P) << 2);
      gemmPrepacked(N, P, P, dU, ld_, packed, dTheta0, P);
    }
  }
}

/**
 * The last part of linearRecurrenceVjp: dA += Σ_n g_{n,1}ᵀ (θ0_n − θ_{n−1,T}) (the rows the one big GEMM over
 * the N·T rows shifted by one paired wrongly at sequence starts), with `diff` N·P floats of scratch.
 */
export function recurrenceDACorrection(
  theta0: usize,
  out: usize,
  dU: usize,
  dA: usize,
  diff: usize,
  N: i32,
  T: i32,
  P: i32,
): void {
  const ld_ = T * P;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const prev: f32 = n > 0 ? ld(out, (n * T - 1) * P + p) : 0;
      st(diff, n * P + p, ld(theta0, n * P + p) - prev);
    }
  }
  if (T > 0) gemm(true, false, P, P, N, 1, dU, ld_, diff, P, 1, dA, P);
}

// ---- root MLP ----------------------------------------------------------------------------------

/** Activation codes: the order of ROOT_ACTIVATIONS in src/backends/kernels.ts. */
const RELU = 0;
const TANH = 1;
const SOFTPLUS = 2;
const SWISH = 3;
const SIN = 5;
const COS = 6;

function act(a: i32, z: f32): f32 {
  switch (a) {
    case RELU:
      return max(z, 0);
    case TANH:
      return Mathf.tanh(z);
    case SOFTPLUS:
      return max(z, 0) + Mathf.log1p(Mathf.exp(-abs(z)));
    case SWISH:
      return z / (1 + Mathf.exp(-z));
    case SIN:
      return Mathf.sin(z);
    case COS:
      return Mathf.cos(z);
    default:
      return z;
  }
}

function actDeriv(a: i32, z: f32): f32 {
  switch (a) {
    case RELU:
      return z > 0 ? 1 : 0;
    case TANH: {
      const t = Mathf.tanh(z);
      return 1 - t * t;
    }
    case SOFTPLUS:
      return 1 / (1 + Mathf.exp(-z));
    case SWISH: {
      const s: f32 = 1 / (1 + Mathf.exp(-z));
      return s + z * s * (1 - s);
    }
    case SIN:
      return Mathf.cos(z);
    case COS:
      return -Mathf.sin(z);
    default:
      return 1;
  }
}

function dimAt(dims: usize, l: i32): i32 {
  return load<i32>(dims + (<usize>l << 2));
}

/**
 * out_m = MLP_{θ_m}(x_m) for m < M; dims (L+1 int32s); `hidden` (0 for none) receives the hidden
 * pre-activations; work holds 2·max(dims) floats.
 */
export function rootMlp(theta: usize, x: usize, out: usize, hidden: usize, M: i32, dims: usize, L: i32, a: i32, work: usize): void {
  let P = 0;
  let H = 0;
  let width = 0;
  for (let l = 0; l < L; l++) P += dimAt(dims, l + 1) * (dimAt(dims, l) + 1);
  for (let l = 1; l < L; l++) H += dimAt(dims, l);
  for (let l = 0; l <= L; l++) width = max(width, dimAt(dims, l));
  const dIn = dimAt(dims, 0);
  const dOut = dimAt(dims, L);
  let h = work;
  let z = work + (<usize>width << 2);
  for (let m = 0; m < M; m++) {
    memory.copy(h, x + (<usize>(m * dIn) << 2), <usize>dIn << 2);
    let off = theta + (<usize>(m * P) << 2);
    let hOff = m * H;
    for (let l = 0; l < L; l++) {
      const nIn = dimAt(dims, l);
      const nOut = dimAt(dims, l + 1);
      const bias = off + (<usize>(nOut * nIn) << 2);
      for (let i = 0; i < nOut; i++) st(z, i, ld(bias, i) + dot(off + (<usize>(i * nIn) << 2), h, nIn));
      off = bias + (<usize>nOut << 2);
      if (l < L - 1) {
        for (let i = 0; i < nOut; i++) {
          const v = ld(z, i);
          if (hidden) st(hidden, hOff + i, v);
          st(z, i, act(a, v));
        }
        hOff += nOut;
        const t = h;
        h = z;
        z = t;
      } else {
        memory.copy(out + (<usize>(m * dOut) << 2), z, <usize>dOut << 2);
      }
    }
  }
}

/**
 * Backward of rootMlp from dOut and the stored pre-activations: dTheta (M, P) and, when dX ≠ 0, dX (M, d_0).
 * work holds 3·max(dims) + 2·L floats.
 */
export function rootMlpVjp(
  theta: usize,
  x: usize,
  hidden: usize,
  dOut: usize,
  dTheta: usize,
  dX: usize,
  M: i32,
  dims: usize,
  L: i32,
  a: i32,
  work: usize,
): void {
  let P = 0;
  let H = 0;
  let width = 0;
  for (let l = 0; l < L; l++) P += dimAt(dims, l + 1) * (dimAt(dims, l) + 1);
  for (let l = 1; l < L; l++) H += dimAt(dims, l);
  for (let l = 0; l <= L; l++) width = max(width, dimAt(dims, l));
  const dIn = dimAt(dims, 0);
  const dLast = dimAt(dims, L);
  let g = work;
  let gh = g + (<usize>width << 2);
  const hIn = gh + (<usize>width << 2);
  const layerOff = hIn + (<usize>width << 2); // int32 per layer
  const hidOff = layerOff + (<usize>L << 2);
  for (let l = 0, off = 0, ho = 0; l < L; l++) {
    store<i32>(layerOff + (<usize>l << 2), off);
    store<i32>(hidOff + (<usize>l << 2), ho);
    off += dimAt(dims, l + 1) * (dimAt(dims, l) + 1);
    if (l < L - 1) ho += dimAt(dims, l + 1);
  }
  for (let m = 0; m < M; m++) {
    memory.copy(g, dOut + (<usize>(m * dLast) << 2), <usize>dLast << 2);
    for (let l = L - 1; l >= 0; l--) {
      const nIn = dimAt(dims, l);
      const nOut = dimAt(dims, l + 1);
      const w = m * P + load<i32>(layerOff + (<usize>l << 2));
      const bOff = w + nOut * nIn;
      const zo = m * H + load<i32>(hidOff + (<usize>l << 2)) - nIn;
      if (l == 0) memory.copy(hIn, x + (<usize>(m * dIn) << 2), <usize>nIn << 2);
      else for (let j = 0; j < nIn; j++) st(hIn, j, act(a, ld(hidden, zo + j)));
      memory.fill(gh, 0, <usize>nIn << 2);
      for (let i = 0; i < nOut; i++) {
        const gi = ld(g, i);
        st(dTheta, bOff + i, gi);
        const row = <usize>(w + i * nIn) << 2;
        scaleInto(gi, hIn, dTheta + row, nIn);
        axpy(gi, theta + row, gh, nIn);
      }
      if (l > 0) {
        for (let j = 0; j < nIn; j++) st(gh, j, ld(gh, j) * actDeriv(a, ld(hidden, zo + j)));
        const t = g;
        g = gh;
        gh = t;
      } else if (dX) {
        memory.copy(dX + (<usize>(m * dIn) << 2), gh, <usize>nIn << 2);
      }
    }
  }
}

/** y[k] = a·x[k]. */
function scaleInto(a: f32, x: usize, y: usize, n: i32): void {
  const av = f32x4.splat(a);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(y + o, f32x4.mul(av, v128.load(x + o)));
  }
  for (; k < n; k++) st(y, k, a * ld(x, k));
}

// ---- element-wise binary ops -------------------------------------------------------------------

/** Binary op codes: the order of BINARY_OPS in src/backends/kernels.ts (pow, code 4, stays on the host). */
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAXIMUM = 5;
const MINIMUM = 6;
const GREATER = 7;
const LESS = 8;

// @ts-ignore: decorator
@inline
function applyV(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case ADD:
      return f32x4.add(x, y);
    case SUB:
      return f32x4.sub(x, y);
    case MUL:
      return f32x4.mul(x, y);
    case DIV:
      return f32x4.div(x, y);
    case MAXIMUM:
      return f32x4.max(x, y);
    case MINIMUM:
      return f32x4.min(x, y);
    case GREATER:
      return v128.and(f32x4.gt(x, y), f32x4.splat(1));
    case LESS:
      return v128.and(f32x4.lt(x, y), f32x4.splat(1));
    default:
      return v128.and(f32x4.eq(x, y), f32x4.splat(1));
  }
}

// @ts-ignore: decorator
@inline
function applyS(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case ADD:
      return x + y;
    case SUB:
      return x - y;
    case MUL:
      return x * y;
    case DIV:
      return x / y;
    case MAXIMUM:
      return max(x, y);
    case MINIMUM:
      return min(x, y);
    case GREATER:
      return x > y ? 1 : 0;
    case LESS:
      return x < y ? 1 : 0;
    default:
      return x == y ? 1 : 0;
  }
}

/**
 * out (outer × inner, dense) = a ∘ b, row r of a starting at a + r·sa0 floats and read with step ia ∈ {0, 1}
 * along the row (0 broadcasts one value), likewise b.
 */
export function binary(op: i32, a: usize, sa0: i32, ia: i32, b: usize, sb0: i32, ib: i32, out: usize, outer: i32, inner: i32): void {
  for (let r = 0; r < outer; r++) {
    const pa = a + (<usize>(r * sa0) << 2);
    const pb = b + (<usize>(r * sb0) << 2);
    const po = out + (<usize>(r * inner) << 2);
    const av = v128.load32_splat(pa);
    const bv = v128.load32_splat(pb);
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const o = <usize>j << 2;
      const x = ia ? v128.load(pa + o) : av;
      const y = ib ? v128.load(pb + o) : bv;
      v128.store(po + o, applyV(op, x, y));
    }
    for (; j < inner; j++) st(po, j, applyS(op, ld(pa, j * ia), ld(pb, j * ib)));
  }
}
