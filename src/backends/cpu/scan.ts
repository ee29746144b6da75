// Plain-TS diagonal linear recurrence θ_t = clip(a ⊙ θ_{t−1} + U_t) and its hand-derived backward, as an
// element-wise sequential scan and as a chunked associative scan over time. The chunked form splits the
// T steps into chunks of length L: (1) every chunk scans its own inputs from a zero state (chunks are
// independent), (2) the chunk-end states are carried across chunks, c_k = h_k + a^{len_k} ⊙ c_{k−1},
// (3) every step adds a^{j+1} ⊙ c_{k−1} (chunks independent again). It costs ~2·N·T·P multiply-adds
// whatever L is, and passes 1 and 3 parallelise over chunks. Clipping makes the step non-linear, so the
// chunked form takes no clip. Layout (N, T, P) row-major. Not here: the tape reference
// (src/ops/scan.ts, `diagonalScanRef`) these kernels are tested against.

import type { DiagonalRootStepArgs, FloatArray, ScanArgs } from "../kernels.js";
import { matmulCpu } from "./gemm.js";
import { rootMlpCpu, rootMlpVjpCpu } from "./root-mlp.js";

/**
 * The scan out_s = src_s + a ⊙ out_{s−1} over the T rows of every sequence, in time order or reversed
 * (s = 0 is the last step then); out_{−1} = init row n (zero when init is null). `chunk` ≥ 1 and < T
 * selects the chunked form.
 */
function scanRows(
  a: FloatArray,
  src: FloatArray,
  init: FloatArray | null,
  out: FloatArray,
  N: number,
  T: number,
  P: number,
  reverse: boolean,
  chunk: number,
): void {
  const step = reverse ? -P : P;
  const chunked = chunk >= 1 && chunk < T;
  const K = chunked ? Math.ceil(T / chunk) : 1;
  const L = chunked ? chunk : T;
  const carry = chunked ? new Float64Array(K * P) : null;
  const pow = chunked ? new Float64Array(P) : null;
  for (let n = 0; n < N; n++) {
    const first = n * T * P + (reverse ? (T - 1) * P : 0);
    // Pass 1: each chunk from a zero state (the whole sequence from init when not chunked).
    for (let k = 0; k < K; k++) {
      const s0 = k * L;
      const len = Math.min(L, T - s0);
      for (let j = 0; j < len; j++) {
        const o = first + (s0 + j) * step;
        if (j > 0) {
          for (let p = 0; p < P; p++) out[o + p] = src[o + p]! + a[p]! * out[o - step + p]!;
        } else if (!chunked && init) {
          for (let p = 0; p < P; p++) out[o + p] = src[o + p]! + a[p]! * init[n * P + p]!;
        } else {
          for (let p = 0; p < P; p++) out[o + p] = src[o + p]!;
        }
      }
    }
    if (!carry || !pow) continue;
    // Pass 2: c_k = h_k(end) + a^{len_k} ⊙ c_{k−1}, with c_{−1} = init.
    for (let k = 0; k < K; k++) {
      const len = Math.min(L, T - k * L);
      const end = first + (k * L + len - 1) * step;
      for (let p = 0; p < P; p++) {
        const prev = k > 0 ? carry[(k - 1) * P + p]! : init ? init[n * P + p]! : 0;
        carry[k * P + p] = out[end + p]! + a[p]! ** len * prev;
      }
    }
    // Pass 3: out_{s0+j} += a^{j+1} ⊙ c_{k−1}.
    for (let k = 0; k < K; k++) {
      if (k === 0 && !init) continue;
      const s0 = k * L;
      const len = Math.min(L, T - s0);
      for (let p = 0; p < P; p++) pow[p] = a[p]!;
      for (let j = 0; j < len; j++) {
        const o = first + (s0 + j) * step;
        for (let p = 0; p < P; p++) {
          const c = k > 0 ? carry[(k - 1) * P + p]! : init![n * P + p]!;
          out[o + p] = out[o + p]! + pow[p]! * c;
          pow[p] = pow[p]! * a[p]!;
        }
      }
    }
  }
}

/** out[:, t] = clip(a ⊙ out[:, t−1] + U[:, t]), out[:, −1] = θ_0; sequential when clipping. */
export function diagonalScanCpu(
  a: FloatArray,
  U: FloatArray,
  theta0: FloatArray,
  out: FloatArray,
  { N, T, P, clip, chunk }: ScanArgs,
): void {
  if (!(clip > 0 && Number.isFinite(clip))) {
    scanRows(a, U, theta0, out, N, T, P, false, chunk);
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const o = (n * T + t) * P;
      for (let p = 0; p < P; p++) {
        const prev = t > 0 ? out[o - P + p]! : theta0[n * P + p]!;
        const v = U[o + p]! + a[p]! * prev;
        out[o + p] = v > clip ? clip : Math.max(v, -clip);
      }
    }
  }
}

/**
 * Backward pass. g_t = (dOut_t + a ⊙ g_{t+1}) ⊙ [|θ_t| < clip] (a reverse-time diagonal scan of dOut when
 * not clipping); dU_t = g_t; dθ_0 = a ⊙ g_1; da = Σ_{n,t} g_t ⊙ θ_{t−1}.
 */
export function diagonalScanVjpCpu(
  a: FloatArray,
  theta0: FloatArray,
  out: FloatArray,
  dOut: FloatArray,
  da: FloatArray,
  dU: FloatArray,
  dTheta0: FloatArray,
  { N, T, P, clip, chunk }: ScanArgs,
): void {
  if (!(clip > 0 && Number.isFinite(clip))) {
    scanRows(a, dOut, null, dU, N, T, P, true, chunk);
  } else {
    // A clipped float32 state holds fround(clip): compare against the stored bound.
    const c = dU instanceof Float32Array ? Math.fround(clip) : clip;
    for (let n = 0; n < N; n++) {
      for (let t = T - 1; t >= 0; t--) {
        const o = (n * T + t) * P;
        for (let p = 0; p < P; p++) {
          const v = out[o + p]!;
          const g = dOut[o + p]! + (t < T - 1 ? a[p]! * dU[o + P + p]! : 0);
          dU[o + p] = v < c && v > -c ? g : 0;
        }
      }
    }
  }
  const acc = new Float64Array(P);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const g0 = dU[n * T * P + p]!;
      dTheta0[n * P + p] = a[p]! * g0;
      acc[p] = acc[p]! + g0 * theta0[n * P + p]!;
    }
    for (let t = 1; t < T; t++) {
      const o = (n * T + t) * P;
      for (let p = 0; p < P; p++) acc[p] = acc[p]! + dU[o + p]! * out[o - P + p]!;
    }
  }
  da.set(acc);
}

/** A scratch buffer of n values of the same array type as `like`, reused between calls. */
const scratchBufs = new Map<unknown, FloatArray>();
function scratch(like: FloatArray, n: number): FloatArray {
  let b = scratchBufs.get(like.constructor);
  if (!b || b.length < n) {
    b = like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    scratchBufs.set(like.constructor, b);
  }
  return b.subarray(0, n);
}

/**
 * The diagonal rollout's step and root (Kernels.diagonalRootStep) as the kernels it fuses: u = inc·Bᵀ,
 * θ = clip(a ⊙ θ_prev + u [+ θ]) (diagonalScan with T = 1, then the extra term and clip), then rootMlp
 * (unless out is null).
 */
export function diagonalRootStepCpu(
  a: FloatArray,
  B: FloatArray,
  thetaPrev: FloatArray,
  inc: FloatArray,
  x: FloatArray,
  theta: FloatArray,
  out: FloatArray | null,
  hidden: FloatArray | null,
  { N, P, Din, clip, dims, act, accumulate = false }: DiagonalRootStepArgs,
): void {
  const u = scratch(theta, N * P);
  const mm = { batch: 1, M: N, N: P, K: Din, transA: false, transB: true, strideA: 0, strideB: 0 };
  matmulCpu(inc, B, u, { ...mm, accumulate: false });
  if (!accumulate) {
    diagonalScanCpu(a, u, thetaPrev, theta, { N, T: 1, P, clip, chunk: 0 });
  } else {
    // u ← u + a ⊙ θ_prev in place (T = 1: each element is read before it is written), then θ = clip(u + θ)
    diagonalScanCpu(a, u, thetaPrev, u, { N, T: 1, P, clip: 0, chunk: 0 });
    const clipping = clip > 0 && Number.isFinite(clip);
    for (let i = 0; i < N * P; i++) {
      const v = u[i]! + theta[i]!;
      theta[i] = !clipping ? v : v > clip ? clip : Math.max(v, -clip);
    }
  }
  if (out) rootMlpCpu(theta, x, out, hidden, { M: N, dims, act });
}

/**
 * Its backward (Kernels.diagonalRootStepVjp): dθ from rootMlpVjp, then the step's backward in one pass over
 * the rows — g = (dθ + carry) ⊙ [θ not clipped]; carry ← a ⊙ g; da += Σ_n g ⊙ θ_prev; dB += gᵀ inc;
 * dInc ← g B — with da and dB summed in float64 row by row; g is copied out when asked.
 */
export function diagonalRootStepVjpCpu(
  a: FloatArray,
  B: FloatArray,
  thetaPrev: FloatArray,
  theta: FloatArray,
  inc: FloatArray,
  x: FloatArray,
  hidden: FloatArray,
  dOut: FloatArray,
  carry: FloatArray,
  da: Float64Array,
  dB: Float64Array,
  dInc: FloatArray,
  dX: FloatArray | null,
  gOut: FloatArray | null,
  { N, P, Din, clip, dims, act }: DiagonalRootStepArgs,
): void {
  const dTheta = gOut ?? scratch(theta, N * P);
  rootMlpVjpCpu(theta, x, hidden, dOut, dTheta, dX, { M: N, dims, act });
  const clipping = clip > 0 && Number.isFinite(clip);
  // A clipped float32 state holds fround(clip): compare against the stored bound.
  const f32 = carry instanceof Float32Array;
  const c = f32 ? Math.fround(clip) : clip;
  const sums = new Float64Array(Din);
  for (let n = 0; n < N; n++) {
    const o = n * P;
    sums.fill(0);
    for (let p = 0; p < P; p++) {
      let g = dTheta[o + p]! + carry[o + p]!;
      if (f32) g = Math.fround(g);
      const v = theta[o + p]!;
      if (clipping && !(v < c && v > -c)) g = 0;
      dTheta[o + p] = g;
      carry[o + p] = a[p]! * g;
      da[p] = da[p]! + g * thetaPrev[o + p]!;
      for (let j = 0; j < Din; j++) {
        dB[p * Din + j] = dB[p * Din + j]! + g * inc[n * Din + j]!;
        sums[j] = sums[j]! + g * B[p * Din + j]!;
      }
    }
    for (let j = 0; j < Din; j++) dInc[n * Din + j] = sums[j]!;
  }
}
