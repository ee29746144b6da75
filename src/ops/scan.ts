// The diagonal linear recurrence (a structured WARP transition A = diag(a)), fused, and its plain
// sequential reference twin:
//   θ_t = clip(a ⊙ θ_{t−1} + U_t, ±c),  t = 1..T
// The fused op runs an element-wise scan over time (sequential, or the chunked associative scan with
// `chunk`) forward and backward, O(N·T·P) instead of the dense recurrence's O(N·T·P²); `diagonalScanRef`
// is the same math as a loop of primitive ops, differentiated by the tape. N sequences, T steps, P state
// size. Not here: the dense recurrence (recurrence.ts).

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { empty, type Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { add, checkFloat, clip as clipOp, mul } from "./elementwise.js";
import { gemmInto, matmul, transposedCopy } from "./matmul.js";
import { concat, reshape, slice, stack, transpose } from "./shape.js";

export interface ScanOptions {
  /** Clip every θ_t element-wise to [−clip, clip] (no clipping when omitted, ≤ 0 or Infinity). */
  clip?: number;
  /**
   * Run the chunked associative scan over time with chunks of this many steps (no clipping allowed);
   * omitted, 0 or ≥ T: the sequential scan.
   */
  chunk?: number;
}

function check(op: string, a: Tensor, U: Tensor, theta0: Tensor): [number, number, number] {
  for (const t of [a, U, theta0]) checkFloat(op, t);
  assert(
    U.ndim === 3 && a.ndim === 1 && theta0.ndim === 2,
    () =>
      `${op}: expected a (P), U (N,T,P), theta0 (N,P), got ${fmtShape(a.shape)}, ${fmtShape(U.shape)}, ${fmtShape(theta0.shape)}`,
  );
  const [N, T, P] = U.shape as [number, number, number];
  assert(
    a.shape[0] === P && theta0.shape[0] === N && theta0.shape[1] === P,
    () =>
      `${op}: expected a (${P}) and theta0 (${N},${P}) for U ${fmtShape(U.shape)}, got ${fmtShape(a.shape)} and ${fmtShape(theta0.shape)}`,
  );
  assert(
    a.dtype === U.dtype && U.dtype === theta0.dtype,
    () => `${op}: dtypes differ (a ${a.dtype}, U ${U.dtype}, theta0 ${theta0.dtype})`,
  );
  return [N, T, P];
}

function clipValue(clip: number | undefined): number {
  return clip !== undefined && clip > 0 && Number.isFinite(clip) ? clip : 0;
}

/** All states θ_1..θ_T (N, T, P) of θ_t = clip(a ⊙ θ_{t−1} + U_t); a (P), U (N, T, P), theta0 (N, P). */
export function diagonalScan(a: Tensor, U: Tensor, theta0: Tensor, options: ScanOptions = {}): Tensor {
  const [N, T, P] = check("diagonalScan", a, U, theta0);
  const clip = clipValue(options.clip);
  const chunk = options.chunk ?? 0;
  assert(
    Number.isInteger(chunk) && chunk >= 0,
    () => `diagonalScan: chunk must be a non-negative integer, got ${chunk}`,
  );
  assert(
    clip === 0 || chunk === 0,
    () => "diagonalScan: the chunked scan cannot clip (a clipped step is not linear): drop clip or chunk",
  );
  const out = empty([N, T, P], U.dtype);
  kernelsFor(U.dtype).diagonalScan(
    a.data as FloatArray,
    U.data as FloatArray,
    theta0.data as FloatArray,
    out.data as FloatArray,
    { N, T, P, clip, chunk },
  );
  return record(out, "diagonalScan", [a, U, theta0], { clip, chunk });
}

export const diagonalScanVjp: Vjp<"diagonalScan"> = (dOut, { inputs: [a, U, theta0], attrs }, out) => {
  const [N, T, P] = U!.shape as [number, number, number];
  const da = empty([P], U!.dtype);
  const dU = empty([N, T, P], U!.dtype);
  const dTheta0 = empty([N, P], U!.dtype);
  kernelsFor(U!.dtype).diagonalScanVjp(
    a!.data as FloatArray,
    theta0!.data as FloatArray,
    out.data as FloatArray,
    dOut.data as FloatArray,
    da.data as FloatArray,
    dU.data as FloatArray,
    dTheta0.data as FloatArray,
    { N, T, P, clip: attrs.clip, chunk: attrs.chunk },
  );
  return [da, dU, dTheta0];
};

/** Sequential reference for `diagonalScan`: a loop of mul/add/clip, differentiated by the tape. */
export function diagonalScanRef(a: Tensor, U: Tensor, theta0: Tensor, options: ScanOptions = {}): Tensor {
  const [N, T, P] = check("diagonalScanRef", a, U, theta0);
  const clip = clipValue(options.clip);
  const states: Tensor[] = [];
  let theta = theta0;
  for (let t = 0; t < T; t++) {
    theta = add(mul(theta, a), reshape(slice(U, [0, t, 0], [N, 1, P]), [N, P]));
    if (clip > 0) theta = clipOp(theta, -clip, clip);
    states.push(theta);
  }
  return stack(states, 1);
}

/** The low-rank part U Vᵀ of a transition: U, V (P, r). */
export interface LowRank {
  U: Tensor;
  V: Tensor;
}

function checkStep(
  op: string,
  thetaPrev: Tensor,
  a: Tensor,
  u: Tensor,
  lr: LowRank | null,
): [number, number] {
  const all = lr ? [thetaPrev, a, u, lr.U, lr.V] : [thetaPrev, a, u];
  for (const t of all) checkFloat(op, t);
  const [N, P] = thetaPrev.shape as [number, number];
  const r = lr?.U.shape[1] ?? 0;
  assert(
    thetaPrev.ndim === 2 &&
      a.ndim === 1 &&
      a.shape[0] === P &&
      u.ndim === 2 &&
      u.shape[0] === N &&
      u.shape[1] === P &&
      (!lr ||
        (lr.U.ndim === 2 &&
          lr.U.shape[0] === P &&
          lr.V.ndim === 2 &&
          lr.V.shape[0] === P &&
          lr.V.shape[1] === r)),
    () =>
      `${op}: expected thetaPrev (N,P), a (P), u (N,P)${lr ? ", U and V (P,r)" : ""}, got ${all.map((t) => fmtShape(t.shape)).join(", ")}`,
  );
  assert(
    all.every((t) => t.dtype === a.dtype),
    () => `${op}: dtypes differ (${all.map((t) => t.dtype).join(", ")})`,
  );
  return [N, P];
}

/** One step θ_t = clip(θ_{t−1} ⊙ a + (θ_{t−1} V) Uᵀ + u_t); thetaPrev, u (N, P), a (P), U, V (P, r). */
export function diagonalStep(
  thetaPrev: Tensor,
  a: Tensor,
  u: Tensor,
  lowRank: LowRank | null = null,
  options: { clip?: number } = {},
): Tensor {
  const [N, P] = checkStep("diagonalStep", thetaPrev, a, u, lowRank);
  const clip = clipValue(options.clip);
  const k = kernelsFor(a.dtype);
  const out = empty([N, P], a.dtype);
  const o = out.data as FloatArray;
  const th = thetaPrev.data as FloatArray;
  // The element-wise part is the scan kernel over one step (T = 1), clipping too unless a low-rank term
  // follows.
  const fusedClip = lowRank ? 0 : clip;
  k.diagonalScan(a.data as FloatArray, u.data as FloatArray, th, o, {
    N,
    T: 1,
    P,
    clip: fusedClip,
    chunk: 0,
  });
  let z: Tensor | null = null;
  if (lowRank) {
    const r = lowRank.U.shape[1]!;
    z = empty([N, r], a.dtype);
    gemmInto(k, th as FloatArray, lowRank.V.data as FloatArray, z.data as FloatArray, N, r, P);
    gemmInto(k, z.data as FloatArray, lowRank.U.data as FloatArray, o, N, P, r, {
      transB: true,
      accumulate: true,
    });
  }
  if (clip > 0 && lowRank) k.clip(o, -clip, clip, o);
  const inputs = lowRank ? [thetaPrev, a, u, lowRank.U, lowRank.V] : [thetaPrev, a, u];
  return record(out, "diagonalStep", inputs, { clip, z });
}

// g = dOut ⊙ [θ_t not clipped]; w = g U; dθ_{t−1} = g ⊙ a + w Vᵀ; da = Σ_n g ⊙ θ_{t−1}; du = g;
// dU = gᵀ z (z = θ_{t−1} V from the forward); dV = θ_{t−1}ᵀ w.
export const diagonalStepVjp: Vjp<"diagonalStep"> = (dOut, { inputs, attrs: { clip, z } }, out) => {
  const [thetaPrev, a, , U, V] = inputs as Tensor[];
  const [N, P] = thetaPrev!.shape as [number, number];
  const dt = a!.dtype;
  const k = kernelsFor(dt);
  // The scan's backward over one step (T = 1): g = dOut ⊙ [θ_t not clipped] (into du), dθ_{t−1} = g ⊙ a,
  // da = Σ_n g ⊙ θ_{t−1}.
  const g = empty([N, P], dt);
  const dTheta = empty([N, P], dt);
  const da = empty([P], dt);
  const dth = dTheta.data as FloatArray;
  k.diagonalScanVjp(
    a!.data as FloatArray,
    thetaPrev!.data as FloatArray,
    out.data as FloatArray,
    dOut.data as FloatArray,
    da.data as FloatArray,
    g.data as FloatArray,
    dth,
    { N, T: 1, P, clip, chunk: 0 },
  );
  if (!U || !V || !z) return [dTheta, da, g];
  const r = U.shape[1]!;
  const w = empty([N, r], dt);
  gemmInto(k, g.data as FloatArray, U.data as FloatArray, w.data as FloatArray, N, r, P);
  gemmInto(k, w.data as FloatArray, V.data as FloatArray, dth, N, P, r, { transB: true, accumulate: true });
  const dU = empty([P, r], dt);
  gemmInto(k, g.data as FloatArray, z.data as FloatArray, dU.data as FloatArray, P, r, N, { transA: true });
  const dV = empty([P, r], dt);
  gemmInto(k, thetaPrev!.data as FloatArray, w.data as FloatArray, dV.data as FloatArray, P, r, N, {
    transA: true,
  });
  return [dTheta, da, g, dU, dV];
};

/** Reference for `diagonalStep` as primitive ops, differentiated by the tape. */
export function diagonalStepRef(
  thetaPrev: Tensor,
  a: Tensor,
  u: Tensor,
  lowRank: LowRank | null = null,
  options: { clip?: number } = {},
): Tensor {
  checkStep("diagonalStepRef", thetaPrev, a, u, lowRank);
  const clip = clipValue(options.clip);
  let theta = add(mul(thetaPrev, a), u);
  if (lowRank) theta = add(theta, matmul(matmul(thetaPrev, lowRank.V), lowRank.U, { transB: true }));
  return clip > 0 ? clipOp(theta, -clip, clip) : theta;
}

/** Options of `lowRankScan`. */
export interface LowRankScanOptions {
  /** Clip every θ_t element-wise to [−clip, clip] (no clipping when omitted, ≤ 0 or Infinity). */
  clip?: number;
}

/** (N, T, P) ↔ (T, N, P): a transposed copy of the first two axes into `dst`. */
function swapNT(
  k: ReturnType<typeof kernelsFor>,
  src: FloatArray,
  dst: FloatArray,
  A: number,
  B: number,
  P: number,
) {
  k.copyStrided(src, 0, [P, B * P, 1], dst, 0, [A * P, P, 1], [B, A, P], false);
}

/**
 * All states θ_1..θ_T (N, T, P) of θ_t = clip(a ⊙ θ_{t−1} + (θ_{t−1} V) Uᵀ + u_t) — a low-rank-plus-diagonal
 * transition over a whole sequence of known inputs u (N, T, P) — as one op: per step the one-step scan
 * kernel and two thin GEMMs (N×P×r) on time-major buffers, no tape node per step; the backward pass defers
 * dU and dV to one GEMM each over all T·N rows. a (P), U, V (P, r), theta0 (N, P).
 */
export function lowRankScan(
  a: Tensor,
  lowRank: LowRank,
  u: Tensor,
  theta0: Tensor,
  options: LowRankScanOptions = {},
): Tensor {
  const [N, T, P] = check("lowRankScan", a, u, theta0);
  checkStep("lowRankScan", theta0, a, theta0, lowRank);
  const clip = clipValue(options.clip);
  const dt = a.dtype;
  const k = kernelsFor(dt);
  const r = lowRank.U.shape[1]!;
  const NP = N * P;
  // states (T+1, N, P) with θ_0 first; z_t = θ_{t−1} V (T, N, r); u time-major.
  const states = empty([T + 1, N, P], dt);
  const z = empty([T, N, r], dt);
  const ut = empty([T, N, P], dt);
  const S = states.data as FloatArray;
  const Z = z.data as FloatArray;
  swapNT(k, u.data as FloatArray, ut.data as FloatArray, N, T, P);
  S.set(theta0.data as FloatArray);
  const av = a.data as FloatArray;
  // z_t = θ_{t−1} V as row dots against Vᵀ, θ_t += z_t Uᵀ as a plain product: both laid out once
  const Ut = transposedCopy(k, lowRank.U);
  const Vt = transposedCopy(k, lowRank.V);
  for (let t = 0; t < T; t++) {
    const prev = S.subarray(t * NP, (t + 1) * NP);
    const next = S.subarray((t + 1) * NP, (t + 2) * NP);
    const zt = Z.subarray(t * N * r, (t + 1) * N * r);
    k.diagonalScan(av, (ut.data as FloatArray).subarray(t * NP, (t + 1) * NP), prev, next, {
      N,
      T: 1,
      P,
      clip: 0,
      chunk: 0,
    });
    gemmInto(k, prev, Vt.data as FloatArray, zt, N, r, P, { transB: true });
    gemmInto(k, zt, Ut.data as FloatArray, next, N, P, r, { accumulate: true });
    if (clip > 0) k.clip(next, -clip, clip, next);
  }
  for (const x of [ut, Ut, Vt]) x.dispose();
  const out = empty([N, T, P], dt);
  swapNT(k, S.subarray(NP), out.data as FloatArray, T, N, P);
  return record(out, "lowRankScan", [a, lowRank.U, lowRank.V, u, theta0], { clip, states, z });
}

// Backward, t = T..1: g_t = (dOut_t + c_t) ⊙ [θ_t not clipped], w_t = g_t U, c_{t−1} = g_t ⊙ a + w_t Vᵀ
// (c_T = 0); du_t = g_t; dθ_0 = c_0; da = Σ g_t ⊙ θ_{t−1}; dU = Σ g_tᵀ z_t and dV = Σ θ_{t−1}ᵀ w_t, each one
// GEMM over the T·N rows.
export const lowRankScanVjp: Vjp<"lowRankScan"> = (dOut, { inputs, attrs: { clip, states, z } }) => {
  const [a, U, V, u] = inputs as Tensor[];
  const [N, T, P] = u!.shape as [number, number, number];
  const r = U!.shape[1]!;
  const dt = a!.dtype;
  const k = kernelsFor(dt);
  const NP = N * P;
  const S = states.data as FloatArray;
  const dOt = empty([T, N, P], dt);
  const G = empty([T, N, P], dt);
  const W = empty([T, N, r], dt);
  const carry = empty([N, P], dt);
  const gin = empty([N, P], dt);
  const daStep = empty([P], dt);
  const Gv = G.data as FloatArray;
  const Wv = W.data as FloatArray;
  const cv = carry.data as FloatArray;
  const gv = gin.data as FloatArray;
  const dav = daStep.data as FloatArray;
  swapNT(k, dOut.data as FloatArray, dOt.data as FloatArray, N, T, P);
  const daAcc = new Float64Array(P);
  const Ut = transposedCopy(k, U!); // w_t = g_t U and c += w_t Vᵀ against Uᵀ and Vᵀ, as forward
  const Vt = transposedCopy(k, V!);
  for (let t = T - 1; t >= 0; t--) {
    const dO = (dOt.data as FloatArray).subarray(t * NP, (t + 1) * NP);
    if (t === T - 1) gv.set(dO);
    else k.binary("add", dO, [1], cv, [1], gv, [NP]);
    const g = Gv.subarray(t * NP, (t + 1) * NP);
    const wt = Wv.subarray(t * N * r, (t + 1) * N * r);
    k.diagonalScanVjp(
      a!.data as FloatArray,
      S.subarray(t * NP, (t + 1) * NP),
      S.subarray((t + 1) * NP, (t + 2) * NP),
      gv,
      dav,
      g,
      cv,
      { N, T: 1, P, clip, chunk: 0 },
    );
    for (let p = 0; p < P; p++) daAcc[p] = daAcc[p]! + dav[p]!;
    gemmInto(k, g, Ut.data as FloatArray, wt, N, r, P, { transB: true });
    gemmInto(k, wt, Vt.data as FloatArray, cv, N, P, r, { accumulate: true });
  }
  Ut.dispose();
  Vt.dispose();
  const da = empty([P], dt);
  (da.data as FloatArray).set(daAcc);
  const dU = empty([P, r], dt);
  gemmInto(k, Gv, z.data as FloatArray, dU.data as FloatArray, P, r, T * N, { transA: true });
  const dV = empty([P, r], dt);
  gemmInto(k, S.subarray(0, T * NP), Wv, dV.data as FloatArray, P, r, T * N, { transA: true });
  const du = empty([N, T, P], dt);
  swapNT(k, Gv, du.data as FloatArray, T, N, P);
  for (const x of [dOt, G, W, gin, daStep]) x.dispose();
  return [da, dU, dV, du, carry];
};

/** Reference for `lowRankScan`: a loop of `diagonalStepRef` (primitive ops), differentiated by the tape. */
export function lowRankScanRef(
  a: Tensor,
  lowRank: LowRank,
  u: Tensor,
  theta0: Tensor,
  options: LowRankScanOptions = {},
): Tensor {
  const [N, T, P] = check("lowRankScanRef", a, u, theta0);
  const states: Tensor[] = [];
  let theta = theta0;
  for (let t = 0; t < T; t++) {
    theta = diagonalStepRef(theta, a, reshape(slice(u, [0, t, 0], [N, 1, P]), [N, P]), lowRank, options);
    states.push(theta);
  }
  return stack(states, 1);
}

/**
 * Copies between an (N, T, P) tensor and a time-major, block-major (T, nb, N, k) buffer (P ≤ nb·k; the
 * padding columns of the buffer are left as they are). T = 1 serves (N, P) ↔ (nb, N, k). With
 * `accumulate` the destination is added to.
 */
export function blockLayout(
  k: ReturnType<typeof kernelsFor>,
  flat: FloatArray,
  blocked: FloatArray,
  [N, T, P]: [number, number, number],
  nb: number,
  kb: number,
  toBlocked: boolean,
  accumulate = false,
): void {
  const full = Math.floor(P / kb);
  const rem = P - full * kb;
  const copy = (fo: number, bo: number, shape: number[], fs: number[], bs: number[]) =>
    toBlocked
      ? k.copyStrided(flat, fo, fs, blocked, bo, bs, shape, accumulate)
      : k.copyStrided(blocked, bo, bs, flat, fo, fs, shape, accumulate);
  if (full > 0) copy(0, 0, [T, full, N, kb], [P, kb, T * P, 1], [nb * N * kb, N * kb, kb, 1]);
  if (rem > 0) copy(full * kb, full * N * kb, [T, N, rem], [P, T * P, 1], [nb * N * kb, kb, 1]);
}

/** Zeroes the padding columns (P..nb·k) of a (nb, N, k) block-major state. */
function zeroPad(s: FloatArray, N: number, P: number, nb: number, kb: number): void {
  const rem = P - (nb - 1) * kb;
  if (rem === kb) return;
  const base = (nb - 1) * N * kb;
  for (let n = 0; n < N; n++) s.fill(0, base + n * kb + rem, base + (n + 1) * kb);
}

/**
 * All states θ_1..θ_T (N, T, P) of θ_t = clip(A θ_{t−1} + u_t) for a block-diagonal A given as its blocks
 * (nb, k, k) (P ≤ nb·k; θ is zero-padded to nb·k and the padding dropped every step), over a whole
 * sequence of known inputs u (N, T, P), as one op: one batched GEMM per step on time- and block-major
 * buffers, no tape node per step. theta0 (N, P).
 */
export function blockScan(
  blocks: Tensor,
  u: Tensor,
  theta0: Tensor,
  options: LowRankScanOptions = {},
): Tensor {
  for (const t of [blocks, u, theta0]) checkFloat("blockScan", t);
  const [N, T, P] = u.shape as [number, number, number];
  const [nb, kb] = blocks.shape as [number, number];
  assert(
    u.ndim === 3 &&
      blocks.ndim === 3 &&
      blocks.shape[2] === kb &&
      nb * kb >= P &&
      (nb - 1) * kb < P &&
      theta0.ndim === 2 &&
      theta0.shape[0] === N &&
      theta0.shape[1] === P &&
      blocks.dtype === u.dtype &&
      u.dtype === theta0.dtype,
    () =>
      `blockScan: expected blocks (⌈P/k⌉,k,k), u (N,T,P), theta0 (N,P) of one dtype, got ${fmtShape(blocks.shape)}, ${fmtShape(u.shape)}, ${fmtShape(theta0.shape)}`,
  );
  const clip = clipValue(options.clip);
  const dt = u.dtype;
  const k = kernelsFor(dt);
  const B = nb * N * kb;
  // states (T+1, nb, N, k) with θ_0 first; every step starts from u_t, then adds θ_{t−1} A_bᵀ per block.
  const states = zeros([T + 1, nb, N, kb], dt);
  const S = states.data as FloatArray;
  blockLayout(k, theta0.data as FloatArray, S, [N, 1, P], nb, kb, true);
  blockLayout(k, u.data as FloatArray, S.subarray(B), [N, T, P], nb, kb, true);
  const gemm = {
    batch: nb,
    M: N,
    N: kb,
    K: kb,
    transA: false,
    transB: true,
    strideA: N * kb,
    strideB: kb * kb,
  };
  for (let t = 0; t < T; t++) {
    const next = S.subarray((t + 1) * B, (t + 2) * B);
    k.matmul(S.subarray(t * B, (t + 1) * B), blocks.data as FloatArray, next, { ...gemm, accumulate: true });
    zeroPad(next, N, P, nb, kb);
    if (clip > 0) k.clip(next, -clip, clip, next);
  }
  const out = empty([N, T, P], dt);
  blockLayout(k, out.data as FloatArray, S.subarray(B), [N, T, P], nb, kb, false);
  return record(out, "blockScan", [blocks, u, theta0], { clip, states });
}

// Backward, t = T..1: g_t = (dOut_t + c_t) ⊙ [θ_t not clipped] (padding zeroed), c_{t−1} = g_t A per block
// (c_T = 0); du_t = g_t; dθ_0 = c_0; dA_b = Σ_t g_{t,b}ᵀ θ_{t−1,b} (one batched GEMM per step, accumulated).
export const blockScanVjp: Vjp<"blockScan"> = (dOut, { inputs, attrs: { clip, states } }) => {
  const [blocks, u] = inputs as Tensor[];
  const [N, T, P] = u!.shape as [number, number, number];
  const [nb, kb] = blocks!.shape as [number, number];
  const dt = u!.dtype;
  const k = kernelsFor(dt);
  const B = nb * N * kb;
  const S = states.data as FloatArray;
  const G = zeros([T, nb, N, kb], dt);
  const Gv = G.data as FloatArray;
  blockLayout(k, dOut.data as FloatArray, Gv, [N, T, P], nb, kb, true);
  const carry = zeros([nb, N, kb], dt);
  const cv = carry.data as FloatArray;
  const dA = empty([nb, kb, kb], dt);
  const c = dt === "float32" ? Math.fround(clip) : clip;
  for (let t = T - 1; t >= 0; t--) {
    const g = Gv.subarray(t * B, (t + 1) * B);
    if (t < T - 1) k.binary("add", g, [1], cv, [1], g, [B]);
    if (clip > 0) k.clipVjp(S.subarray((t + 1) * B, (t + 2) * B), -c, c, g, g);
    zeroPad(g, N, P, nb, kb);
    const prev = S.subarray(t * B, (t + 1) * B);
    k.matmul(g, prev, dA.data as FloatArray, {
      batch: nb,
      M: kb,
      N: kb,
      K: N,
      transA: true,
      transB: false,
      strideA: N * kb,
      strideB: N * kb,
      accumulate: t < T - 1,
    });
    k.matmul(g, blocks!.data as FloatArray, cv, {
      batch: nb,
      M: N,
      N: kb,
      K: kb,
      transA: false,
      transB: false,
      strideA: N * kb,
      strideB: kb * kb,
      accumulate: false,
    });
  }
  const du = empty([N, T, P], dt);
  blockLayout(k, du.data as FloatArray, Gv, [N, T, P], nb, kb, false);
  const dTheta0 = empty([N, P], dt);
  blockLayout(k, dTheta0.data as FloatArray, cv, [N, 1, P], nb, kb, false);
  G.dispose();
  carry.dispose();
  return [dA, du, dTheta0];
};

/**
 * Reference for `blockScan`: per step, θ padded to nb·k, viewed as (nb, N, k), one batched matmul with the
 * blocks, the padding dropped (primitive ops, differentiated by the tape).
 */
export function blockScanRef(
  blocks: Tensor,
  u: Tensor,
  theta0: Tensor,
  options: LowRankScanOptions = {},
): Tensor {
  const [N, T, P] = u.shape as [number, number, number];
  const [nb, kb] = blocks.shape as [number, number];
  const clip = clipValue(options.clip);
  const states: Tensor[] = [];
  let theta = theta0;
  for (let t = 0; t < T; t++) {
    const padded = nb * kb === P ? theta : concat([theta, zeros([N, nb * kb - P], theta.dtype)], 1);
    const per = transpose(reshape(padded, [N, nb, kb]), [1, 0, 2]);
    const mixed = reshape(transpose(matmul(per, blocks, { transB: true }), [1, 0, 2]), [N, nb * kb]);
    const next = add(
      nb * kb === P ? mixed : slice(mixed, [0, 0], [N, P]),
      reshape(slice(u, [0, t, 0], [N, 1, P]), [N, P]),
    );
    theta = clip > 0 ? clipOp(next, -clip, clip) : next;
    states.push(theta);
  }
  return stack(states, 1);
}
