// Plain-TS fused linear recurrence θ_t = clip(A θ_{t−1} + U_t) and its hand-derived backward, built on
// the cache-blocked gemm. Rows are sequences: step t of all N sequences is the N rows at out + t·P with
// leading dimension T·P, so each step is one GEMM with no copies. Not here: the sequential reference
// (src/ops/recurrence.ts, `linearRecurrenceRef`) that these kernels are tested against.
// N sequences, T steps, P state size.

import type { FloatArray, RecurrenceArgs } from "../kernels.js";
import { gemm } from "./gemm.js";

function clipping(c: number): boolean {
  return c > 0 && Number.isFinite(c);
}

/** out[:, t] = clip(out[:, t−1] Aᵀ + U[:, t]), with out[:, −1] = θ_0. */
export function linearRecurrenceCpu(
  A: FloatArray,
  U: FloatArray,
  theta0: FloatArray,
  out: FloatArray,
  { N, T, P, clip }: RecurrenceArgs,
): void {
  const ld = T * P;
  out.set(U.subarray(0, N * T * P));
  const doClip = clipping(clip);
  for (let t = 0; t < T; t++) {
    // Θ_t (N×P) += Θ_{t−1} (N×P) · Aᵀ
    if (t === 0) gemm(false, true, N, P, P, 1, theta0, 0, P, A, 0, P, 1, out, 0, ld);
    else gemm(false, true, N, P, P, 1, out, (t - 1) * P, ld, A, 0, P, 1, out, t * P, ld);
    if (doClip) {
      for (let n = 0; n < N; n++) {
        const row = n * ld + t * P;
        for (let p = 0; p < P; p++) {
          const v = out[row + p]!;
          out[row + p] = v > clip ? clip : Math.max(v, -clip);
        }
      }
    }
  }
}

/**
 * Backward pass. g_t = ∂L/∂(pre-clip θ_t) = (dOut_t + g_{t+1} A) ⊙ [|θ_t| < clip];
 * dU_t = g_t; dθ_0 = g_1 A; dA = Σ_t g_tᵀ θ_{t−1}, as one GEMM over all N·T rows (see below).
 */
export function linearRecurrenceVjpCpu(
  A: FloatArray,
  theta0: FloatArray,
  out: FloatArray,
  dOut: FloatArray,
  dA: FloatArray,
  dU: FloatArray,
  dTheta0: FloatArray,
  { N, T, P, clip }: RecurrenceArgs,
): void {
  const ld = T * P;
  const doClip = clipping(clip);
  // Compare against the bound as stored: a float32 state clipped to c holds fround(c), not c.
  const c = dU instanceof Float32Array ? Math.fround(clip) : clip;
  dU.set(dOut.subarray(0, N * T * P));
  for (let t = T - 1; t >= 0; t--) {
    if (doClip) {
      // Mask: the gradient does not pass through entries that were clipped.
      for (let n = 0; n < N; n++) {
        const row = n * ld + t * P;
        for (let p = 0; p < P; p++) {
          const v = out[row + p]!;
          if (!(v < c && v > -c)) dU[row + p] = 0;
        }
      }
    }
    // Carry to the previous state: g_t A (N×P · P×P).
    if (t > 0) gemm(false, false, N, P, P, 1, dU, t * P, ld, A, 0, P, 1, dU, (t - 1) * P, ld);
    else gemm(false, false, N, P, P, 1, dU, 0, ld, A, 0, P, 0, dTheta0, 0, P);
  }
  // dA = Σ_{n,t} g_{n,t}ᵀ θ_{n,t−1}. Viewing g and out as (N·T)×P matrices, θ_{n,t−1} is the row just
  // before g_{n,t}'s row in `out`, except at t = 0 where it is θ_0[n]. So: one GEMM over the shifted rows
  // r = 1..NT−1, then a rank-N correction Σ_n g_{n,0}ᵀ (θ_0[n] − out_{nT−1}) (out_{−1} := 0).
  const R = N * T;
  if (R > 1) gemm(true, false, P, P, R - 1, 1, dU, P, P, out, 0, P, 0, dA, 0, P);
  else dA.fill(0);
  const diff = new Float64Array(N * P);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const prev = n > 0 ? out[(n * T - 1) * P + p]! : 0;
      diff[n * P + p] = theta0[n * P + p]! - prev;
    }
  }
  const diffTyped = dA instanceof Float32Array ? Float32Array.from(diff) : diff;
  gemm(true, false, P, P, N, 1, dU, 0, ld, diffTyped, 0, P, 1, dA, 0, P);
}
