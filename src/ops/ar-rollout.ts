// WARP's autoregressive rollout (modes 2 and 3, docs/model.md) as ONE op with a hand-derived backward
// pass, for the plain MLP root: per step t, on preallocated time-major buffers and with no tape node,
//   x̂_t   = m_{t−1} + ε_t ⊙ s_{t−1} (stochastic) or m_{t−1};  x̂_0 = x_0     (m, s: the head's mean, std)
//   c_t   = x_t where forced, else x̂_t;   p_t = x̂_{t−1} (p_0 = x_0)        (the fed-back "previous" value)
//   θ_t   = clip(A θ_{t−1} + B [c_t − p_t (, Δτ_t)])                        (dense, diagonal or low-rank A)
//   y_t   = head(root_{θ_t}(q_t [, p_t]))                                   (q_t: the time query row)
// The backward pass runs t = T−1..0 carrying dθ and the gradient of the fed-back value x̂, so gradients
// flow through the model's own predictions exactly as through the op-by-op loop (WarpModel with
// `fused: false`), which is this op's reference and what the tests compare it with. The dense dA is
// deferred to one GEMM per chunk of steps over the stored states (no copy of θ per step).
// N sequences, T steps, D data dims, P = Dθ, W = root output width, F = query width, Din = B's columns.

import { needsGrad, record } from "../autograd/tape.js";
import type { ArRolloutConfig, ArRolloutSaved, Vjp } from "../autograd/types.js";
import type { FloatArray, Kernels } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { empty, type Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { checkFloat } from "./elementwise.js";
import { bf16Transition } from "./linear-step.js";
import { gemmInto, transposedCopy } from "./matmul.js";
import { rootParamCount } from "./root-mlp.js";
import { blockLayout } from "./scan.js";

/** The tensors of a rollout: parameters (differentiable) and the known sequences (constants). */
export interface ArRolloutInputs {
  /** θ_0 (N, P). */
  theta0: Tensor;
  /** Dense A (P, P), or the diagonal a (P) of a diagonal / low-rank transition. */
  A: Tensor;
  /** Low-rank factors (P, r): A = diag(a) + U Vᵀ. */
  U?: Tensor;
  V?: Tensor;
  /** B (P, Din). */
  B: Tensor;
  /** [a, b, α, β] of the dtanh final activation. */
  dtanh?: Tensor | null;
  /** The data (N, T, D), the forcing decisions (N, T) (≠ 0: feed x_t), the standard-normal draws of the
   * stochastic rollout (N, T, D) or null, the query rows (N, T, F) and Δτ (N, T). */
  x: Tensor;
  force: Tensor;
  noise: Tensor | null;
  query: Tensor;
  dTime: Tensor;
}

/** Rows of the deferred dA GEMM per chunk: enough for an efficient GEMM, a small buffer. */
const DA_CHUNK_ROWS = 2048;
/**
 * Diagonal and low-rank rollouts whose states θ_0..θ_T would exceed this many floats (1 GiB in float32)
 * keep one state per segment of steps, few enough to fit, and the backward recomputes the others (one
 * more pass of the step: measured 11–25 % slower than keeping every state on mnist-ar, Dθ 1298, so only
 * where memory requires it).
 */
export const ROLLOUT_STATES_MAX_FLOATS = 2 ** 28;

/** Steps per chunk of the backward's deferred products (dense dA, low-rank dU and dV). */
const chunkSteps = (N: number) => Math.max(1, Math.floor(DA_CHUNK_ROWS / N));

/**
 * Steps per kept state (ArRolloutConfig.segment); low-rank: a multiple of the chunk (or T), so that the
 * chunks of dU and dV, and with them their sums, stay what they are with every state kept.
 */
function segmentSteps(cfg: ArRolloutConfig, T: number, N: number, P: number): number {
  const floats = (T + 1) * N * P;
  let s =
    cfg.segment ?? (floats <= ROLLOUT_STATES_MAX_FLOATS ? 1 : Math.ceil(floats / ROLLOUT_STATES_MAX_FLOATS));
  if (s > 1 && cfg.transition === "lowrank") s = Math.ceil(s / chunkSteps(N)) * chunkSteps(N);
  return Math.max(1, Math.min(s, T));
}

/** θ_t's slot among the kept states: every segment's first state, and θ_T; null when it is not kept. */
function keptSlot(t: number, T: number, segment: number): number | null {
  return t % segment === 0 || t === T ? Math.ceil(t / segment) : null;
}
/** Batches from this many sequences multiply by a packed A (fewer rows: the GEMM's vector path). */
const PACK_MIN_ROWS = 8;

/** The outputs y (N, T, W) of the autoregressive rollout; see the top of this file. */
export function arRollout(inp: ArRolloutInputs, cfg: ArRolloutConfig): Tensor {
  const { theta0, A, B, x, force, noise, query, dTime } = inp;
  const lowRank = cfg.transition === "lowrank";
  const params = [
    theta0,
    A,
    B,
    ...(lowRank ? [inp.U!, inp.V!] : []),
    ...(cfg.final === "dtanh" ? [inp.dtanh!] : []),
  ];
  for (const t of [...params, x, force, query, dTime, ...(noise ? [noise] : [])]) checkFloat("arRollout", t);
  const [N, T, D] = x.shape as [number, number, number];
  const P = theta0.shape[1]!;
  const F = query.shape[2]!;
  const Din = B.shape[1]!;
  const W = cfg.dims[cfg.dims.length - 1]!;
  const dt = A.dtype;
  assert(
    theta0.ndim === 2 &&
      theta0.shape[0] === N &&
      rootParamCount(cfg.dims) === P &&
      (cfg.transition === "dense"
        ? A.ndim === 2 && A.shape[0] === P && A.shape[1] === P
        : cfg.transition === "block"
          ? A.ndim === 3 &&
            A.shape[1] === A.shape[2] &&
            A.shape[0]! * A.shape[1]! >= P &&
            (A.shape[0]! - 1) * A.shape[1]! < P
          : A.ndim === 1 && A.shape[0] === P) &&
      B.ndim === 2 &&
      B.shape[0] === P &&
      Din === D + (cfg.timeColumn === "none" ? 0 : 1) &&
      force.ndim === 2 &&
      force.shape[0] === N &&
      force.shape[1] === T &&
      query.ndim === 3 &&
      query.shape[0] === N &&
      query.shape[1] === T &&
      dTime.ndim === 2 &&
      dTime.shape[0] === N &&
      dTime.shape[1] === T &&
      (!noise ||
        (noise.ndim === 3 && noise.shape[0] === N && noise.shape[1] === T && noise.shape[2] === D)) &&
      W === (cfg.uncertainty ? 2 * D : D) &&
      cfg.dims[0] === F + (cfg.prevInput ? D : 0) &&
      (!lowRank ||
        (inp.U!.ndim === 2 &&
          inp.U!.shape[0] === P &&
          inp.V!.ndim === 2 &&
          inp.V!.shape[0] === P &&
          inp.U!.shape[1] === inp.V!.shape[1])) &&
      (cfg.final !== "dtanh" || inp.dtanh?.size === 4) &&
      (!noise || cfg.uncertainty),
    () =>
      `arRollout: shapes do not fit (x ${fmtShape(x.shape)}, theta0 ${fmtShape(theta0.shape)}, A ${fmtShape(A.shape)}, B ${fmtShape(B.shape)}, query ${fmtShape(query.shape)}, root dims [${cfg.dims.join(",")}])`,
  );
  assert(
    [...params, x, force, query, dTime].every((t) => t.dtype === dt) && (!noise || noise.dtype === dt),
    () => "arRollout: dtypes differ",
  );
  assert(!cfg.bf16 || cfg.transition === "dense", () => "arRollout: bf16 needs a dense transition");
  const k = kernelsFor(dt);
  const train = needsGrad(params);
  const slots = train ? T : 1;
  const H = cfg.dims.slice(1, -1).reduce((a, b) => a + b, 0);
  const r = lowRank ? inp.U!.shape[1]! : 0;
  const NP = N * P;
  // diagonal and low-rank: θ_t kept every `segment` steps (and θ_T); the others go through a pair of slots
  const segment = train && (cfg.transition === "diagonal" || lowRank) ? segmentSteps(cfg, T, N, P) : 1;
  const ring = segment > 1 ? empty([2, N, P], dt) : null;
  // Saved for the backward pass (one slot, reused every step, at inference): the kept states, the root's
  // hidden pre-activations, raw outputs and inputs, B's inputs, and z_t = θ_{t−1} V.
  const saved: ArRolloutSaved = {
    states: empty([train ? Math.ceil(T / segment) + 1 : 2, N, P], dt),
    segment,
    hidden: empty([slots, N, H], dt),
    raw: empty([slots, N, W], dt),
    rootIn: empty([slots, N, cfg.dims[0]!], dt),
    inc: empty([slots, N, Din], dt),
    z: lowRank ? empty([slots, N, r], dt) : null,
    bf16: cfg.bf16 ? bf16Transition(A) : null,
    packedForward: null,
    packedBackward: null,
  };
  // A dense A is the right operand of two products per step: packed once for the rollout (a batch of
  // one row stays on the GEMM's vector path, which reads A in place).
  if (cfg.transition === "dense" && N >= PACK_MIN_ROWS) {
    if (!saved.bf16) saved.packedForward = packed(k, A, P, P, true);
    if (train && !saved.bf16) saved.packedBackward = packed(k, A, P, P, false);
  }
  const y = empty([N, T, W], dt);
  const S = saved.states.data as FloatArray;
  const Rg = ring ? (ring.data as FloatArray) : null;
  const state = (t: number) => {
    const slot = train ? keptSlot(t, T, segment) : t % 2;
    return slot === null
      ? Rg!.subarray((t % 2) * NP, ((t % 2) + 1) * NP)
      : S.subarray(slot * NP, (slot + 1) * NP);
  };
  const Y = y.data as FloatArray;
  const X = x.data as FloatArray;
  const Fm = force.data as FloatArray;
  const E = noise ? (noise.data as FloatArray) : null;
  const Q = query.data as FloatArray;
  const dTau = dTime.data as FloatArray;
  // diagonal and low-rank: the step and the root in one kernel call per step
  const step = { N, P, Din, clip: cfg.clip, dims: cfg.dims, act: cfg.act, accumulate: lowRank };
  const [Av, Bv] = [A.data as FloatArray, B.data as FloatArray];
  // block: θ_{t−1} and its product with the blocks in the (nb, N, k) layout of one batched GEMM
  const blocks = cfg.transition === "block" ? new BlockStep(k, A, N, P) : null;
  // Uᵀ and Vᵀ (r, P) copied once: z_t Uᵀ (which the step kernel adds) as a plain (N, r)·(r, P) product,
  // and z_t = θ_{t−1} V as row dots against Vᵀ's rows (no re-layout of either operand at every step)
  const Ut = lowRank ? transposedCopy(k, inp.U!) : null;
  const Vt = lowRank ? transposedCopy(k, inp.V!) : null;
  const xHat = new Float64Array(N * D);
  const prev = new Float64Array(N * D);
  const head = new Head(cfg, N, D, dt, inp.dtanh ?? null);
  const dataOff = cfg.timeColumn === "first" ? 1 : 0;
  const timeCol = cfg.timeColumn === "first" ? 0 : D;
  const rnd = dt === "float32" ? Math.fround : (v: number) => v;
  S.set(theta0.data as FloatArray);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) prev[n * D + d] = X[n * T * D + d]!;
  for (let t = 0; t < T; t++) {
    const s = train ? t : 0;
    const thPrev = state(t);
    const th = state(t + 1);
    const inc = (saved.inc.data as FloatArray).subarray(s * N * Din, (s + 1) * N * Din);
    const rootIn = (saved.rootIn.data as FloatArray).subarray(
      s * N * cfg.dims[0]!,
      (s + 1) * N * cfg.dims[0]!,
    );
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < D; d++) {
        const i = n * D + d;
        if (t === 0) xHat[i] = X[n * T * D + d]!;
        else {
          const m = Y[(n * T + t - 1) * W + d]!;
          xHat[i] = E ? rnd(m + rnd(E[(n * T + t) * D + d]! * Y[(n * T + t - 1) * W + D + d]!)) : m;
        }
        const cand = Fm[n * T + t] !== 0 ? X[(n * T + t) * D + d]! : xHat[i]!;
        inc[n * Din + dataOff + d] = cand - prev[i]!;
      }
      if (cfg.timeColumn !== "none") inc[n * Din + timeCol] = dTau[n * T + t]!;
      const row = n * cfg.dims[0]!;
      for (let f = 0; f < F; f++) rootIn[row + f] = Q[(n * T + t) * F + f]!;
      if (cfg.prevInput) for (let d = 0; d < D; d++) rootIn[row + F + d] = prev[n * D + d]!;
    }
    const raw = (saved.raw.data as FloatArray).subarray(s * N * W, (s + 1) * N * W);
    const hidden = train ? (saved.hidden.data as FloatArray).subarray(s * N * H, (s + 1) * N * H) : null;
    if (cfg.transition === "diagonal" || lowRank) {
      // θ_t = clip(a ⊙ θ_{t−1} + B inc_t [+ (θ_{t−1} V) Uᵀ]) and the root on it, row by row in one kernel
      if (lowRank) {
        const zt = (saved.z!.data as FloatArray).subarray(s * N * r, (s + 1) * N * r);
        gemmInto(k, thPrev, Vt!.data as FloatArray, zt, N, r, P, { transB: true });
        gemmInto(k, zt, Ut!.data as FloatArray, th, N, P, r);
      }
      k.diagonalRootStep(Av, Bv, thPrev, inc, rootIn, th, raw, hidden, step);
    } else {
      // θ_t = clip(A θ_{t−1} + B inc_t), then the root
      gemmInto(k, inc, Bv, th, N, P, Din, { transB: true });
      if (cfg.transition === "dense") {
        if (saved.bf16) {
          k.binary("add", thPrev, [1], th, [1], th, [NP]);
          k.matmulBf16(thPrev, saved.bf16.packed.data as FloatArray, th, N, P, P);
        } else if (saved.packedForward) {
          k.matmulPacked(thPrev, saved.packedForward.data as FloatArray, th, N, P, P, false, true);
        } else {
          gemmInto(k, thPrev, Av, th, N, P, P, { transB: true, accumulate: true });
        }
      } else {
        blocks!.forward(thPrev, th);
      }
      if (cfg.clip > 0) k.clip(th, -cfg.clip, cfg.clip, th);
      k.rootMlp(th, rootIn, raw, hidden, { M: N, dims: cfg.dims, act: cfg.act });
    }
    head.forward(raw, Y, t, T);
    prev.set(xHat);
  }
  blocks?.dispose();
  Ut?.dispose();
  Vt?.dispose();
  ring?.dispose();
  if (!train) {
    for (const b of [
      saved.states,
      saved.hidden,
      saved.raw,
      saved.rootIn,
      saved.inc,
      saved.z,
      saved.packedForward,
    ])
      b?.dispose();
    return y;
  }
  saved.packedForward?.dispose();
  saved.packedForward = null;
  return record(y, "arRollout", params, { cfg, consts: { x, force, noise, query, dTime }, saved });
}

// Backward, t = T−1..0 (see the top of the file): gy_t = dy_t + the gradient of x̂_{t+1} through m_t, s_t;
// the head's and the root's backward give dθ_t (plus the carry from step t+1) and the gradient of the
// root's p_t input; the transition's backward gives g_t (clip mask), the carry g_t A (or a ⊙ g_t + g_t U Vᵀ),
// dA (deferred per chunk for dense), da, dU, dV; dB += g_tᵀ inc_t; d inc_t = g_t B; then
// dp_t = −d inc_t + d(root input p_t), dx̂_t = [not forced] d inc_t + dp_{t+1}.
export const arRolloutVjp: Vjp<"arRollout"> = (dOut, { inputs, attrs: { cfg, consts, saved } }, y) => {
  const [theta0, A, B] = inputs as [Tensor, Tensor, Tensor];
  const lowRank = cfg.transition === "lowrank";
  const U = lowRank ? inputs[3]! : null;
  const V = lowRank ? inputs[4]! : null;
  const { x, force, noise } = consts;
  const [N, T, D] = x.shape as [number, number, number];
  const P = theta0.shape[1]!;
  const Din = B.shape[1]!;
  const d0 = cfg.dims[0]!;
  const F = d0 - (cfg.prevInput ? D : 0);
  const W = cfg.dims[cfg.dims.length - 1]!;
  const H = saved.hidden.shape[2]!;
  const r = U ? U.shape[1]! : 0;
  const NP = N * P;
  const dt = A.dtype;
  const k = kernelsFor(dt);
  const S = saved.states.data as FloatArray;
  const dO = dOut.data as FloatArray;
  const Y = y.data as FloatArray;
  const Fm = force.data as FloatArray;
  const E = noise ? (noise.data as FloatArray) : null;
  const buf = (shape: number[]) => empty(shape, dt);
  // gTheta (the root's dθ) only where the fused step kernel does not keep it
  const fusedStep = cfg.transition === "diagonal" || lowRank;
  const scratch = [
    buf([N, W]),
    buf([N, W]),
    buf([fusedStep ? 0 : N, P]),
    buf([N, P]),
    buf([N, d0]),
    buf([N, Din]),
  ];
  const [gy, graw, gTheta, carry, dIn, dInc] = scratch.map((t) => t.data as FloatArray) as FloatArray[];
  const dB = zeros([P, Din], dt);
  const head = new Head(cfg, N, D, dt, cfg.final === "dtanh" ? inputs[inputs.length - 1]! : null);
  const dataOff = cfg.timeColumn === "first" ? 1 : 0;
  const fb = new Float64Array(N * W);
  const dPrevNext = new Float64Array(N * D);
  const blockStep = cfg.transition === "block" ? new BlockStep(k, A, N, P) : null;
  // States not kept (segment > 1): a segment's θ_{c0+1..c1−1} recomputed into slots 1.. of `seg` when the
  // backward enters it (low-rank also copies θ_{c0} into slot 0: dV's GEMM reads the segment's states)
  const segment = saved.segment;
  const seg = segment > 1 ? buf([segment, N, P]) : null;
  const SG = seg ? (seg.data as FloatArray) : null;
  const state = (t: number, c0: number) => {
    const slot = keptSlot(t, T, segment);
    return slot === null
      ? SG!.subarray((t - c0) * NP, (t - c0 + 1) * NP)
      : S.subarray(slot * NP, (slot + 1) * NP);
  };
  // dense: dA = Σ g_tᵀ θ_{t−1} as one GEMM per chunk of steps (a segment holds whole chunks)
  const chunk = chunkSteps(N);
  // dense and low-rank: g_t of a chunk of steps; block: one step's g (the diagonal kernel keeps its own)
  const G =
    cfg.transition === "dense" || lowRank ? buf([Math.min(chunk, T), N, P]) : buf([blockStep ? N : 0, P]);
  const Gv = G.data as FloatArray;
  const dA = A.requiresGrad ? empty(A.shape, dt) : null;
  const daAcc = new Float64Array(cfg.transition === "dense" || blockStep ? 0 : P);
  // low-rank: w_t = g_t U of a chunk of steps (dU and dV are one GEMM per chunk, as dense dA)
  const w = lowRank ? buf([Math.min(chunk, T), N, r]) : null;
  const dU = lowRank ? zeros([P, r], dt) : null;
  const dV = lowRank ? zeros([P, r], dt) : null;
  // w = g U and carry += w Vᵀ against Uᵀ and Vᵀ, as in the forward
  const Ut = lowRank ? transposedCopy(k, U!) : null;
  const Vt = lowRank ? transposedCopy(k, V!) : null;
  const clipBound = dt === "float32" ? Math.fround(cfg.clip) : cfg.clip;
  // The fed-back value: x̂_t feeds c_t (where not forced) and p_{t+1}; x̂_t = m_{t−1} + ε_t s_{t−1}.
  const feedBack = (t: number) => {
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < D; d++) {
        const i = n * D + d;
        const di = dInc[n * Din + dataOff + d]!;
        const dXhat = (Fm[n * T + t] !== 0 ? 0 : di) + dPrevNext[i]!;
        dPrevNext[i] = -di + (cfg.prevInput ? dIn[n * d0 + F + d]! : 0);
        fb[n * W + d] = dXhat;
        if (cfg.uncertainty) fb[n * W + D + d] = E ? dXhat * E[(n * T + t) * D + d]! : 0;
      }
    }
  };
  // diagonal and low-rank: the carry starts at zero, dB is summed in float64 by diagonalRootStepVjp
  const step = { N, P, Din, clip: cfg.clip, dims: cfg.dims, act: cfg.act };
  const stepForward = { ...step, accumulate: lowRank };
  const [Av, Bv] = [A.data as FloatArray, B.data as FloatArray];
  const slice = (t: Tensor, s: number, n: number) => (t.data as FloatArray).subarray(s * n, (s + 1) * n);
  // θ_s for s ∈ (c0, c1) from θ_{c0}, as the forward computed them (the same kernels: the same bits)
  const recompute = (c0: number, c1: number) => {
    for (let s = c0 + 1; s < c1; s++) {
      const th = state(s, c0);
      if (lowRank) gemmInto(k, slice(saved.z!, s - 1, N * r), Ut!.data as FloatArray, th, N, P, r);
      const [inc, rootIn] = [slice(saved.inc, s - 1, N * Din), slice(saved.rootIn, s - 1, N * d0)];
      k.diagonalRootStep(Av, Bv, state(s - 1, c0), inc, rootIn, th, null, null, stepForward);
    }
    if (lowRank) SG!.set(state(c0, c0));
  };
  const dB64 = fusedStep ? new Float64Array(P * Din) : null;
  if (dB64) carry.fill(0);
  for (let t = T - 1; t >= 0; t--) {
    const s0 = Math.floor(t / segment) * segment;
    if (seg && t === Math.min(s0 + segment, T) - 1) recompute(s0, t + 1);
    const thPrev = state(t, s0);
    const th = state(t + 1, s0);
    const raw = slice(saved.raw, t, N * W);
    const rootIn = slice(saved.rootIn, t, N * d0);
    const inc = slice(saved.inc, t, N * Din);
    for (let n = 0; n < N; n++)
      for (let j = 0; j < W; j++) gy[n * W + j] = dO[(n * T + t) * W + j]! + fb[n * W + j]!;
    head.backward(raw, Y, t, T, gy, graw);
    const hidden = slice(saved.hidden, t, N * H);
    const dX = cfg.prevInput ? dIn : null;
    if (fusedStep) {
      // the root's backward and the step's in one kernel: g, the carry a ⊙ g, da, dB and d inc_t; low-rank
      // then adds w_t Vᵀ to the carry (w_t = g_t U) and, per chunk of steps, dU += Σ g_tᵀ z_t and
      // dV += Σ θ_{t−1}ᵀ w_t
      const c0 = Math.floor(t / chunk) * chunk;
      const g = lowRank ? Gv.subarray((t - c0) * NP, (t - c0 + 1) * NP) : null;
      k.diagonalRootStepVjp(
        Av,
        Bv,
        thPrev,
        th,
        inc,
        rootIn,
        hidden,
        graw,
        carry,
        daAcc,
        dB64!,
        dInc,
        dX,
        g,
        step,
      );
      if (g) {
        const W = w!.data as FloatArray;
        const wv = W.subarray((t - c0) * N * r, (t - c0 + 1) * N * r);
        gemmInto(k, g, Ut!.data as FloatArray, wv, N, r, P, { transB: true });
        gemmInto(k, wv, Vt!.data as FloatArray, carry, N, P, r, { accumulate: true });
        if (t === c0) {
          const rows = Math.min(chunk, T - c0) * N;
          const zc = (saved.z!.data as FloatArray).subarray(c0 * N * r, c0 * N * r + rows * r);
          const [gc, sc, wc] = [
            Gv.subarray(0, rows * P),
            SG
              ? SG.subarray((c0 - s0) * NP, (c0 - s0) * NP + rows * P)
              : S.subarray(c0 * NP, c0 * NP + rows * P),
            W.subarray(0, rows * r),
          ];
          gemmInto(k, gc, zc, dU!.data as FloatArray, P, r, rows, { transA: true, accumulate: true });
          gemmInto(k, sc, wc, dV!.data as FloatArray, P, r, rows, { transA: true, accumulate: true });
        }
      }
      feedBack(t);
      continue;
    }
    k.rootMlpVjp(th, rootIn, hidden, graw, gTheta, dX, { M: N, dims: cfg.dims, act: cfg.act });
    if (t < T - 1) k.binary("add", gTheta, [1], carry, [1], gTheta, [NP]);
    // dense (g kept for the chunk's dA) or block
    const c0 = Math.floor(t / chunk) * chunk;
    const g = blockStep ? Gv : Gv.subarray((t - c0) * NP, (t - c0 + 1) * NP);
    if (cfg.clip > 0) k.clipVjp(th, -clipBound, clipBound, gTheta, g);
    else g.set(gTheta);
    if (blockStep) {
      blockStep.backward(g, thPrev, carry, dA, t === T - 1);
    } else {
      // carry = g A, or with bf16 (the step's matrix is I + A′) g + bf16(g) A′, A′ packed transposed
      if (saved.bf16) {
        carry.set(g);
        k.matmulBf16(g, saved.bf16.packedT.data as FloatArray, carry, N, P, P);
      } else if (saved.packedBackward) {
        k.matmulPacked(g, saved.packedBackward.data as FloatArray, carry, N, P, P, false, false);
      } else {
        gemmInto(k, g, Av, carry, N, P, P);
      }
      if (dA && t === c0) {
        // dA (+)= gᵀ θ_{t−1} over the chunk; bf16 rounds both (matmulBf16TN)
        const len = Math.min(chunk, T - c0);
        const first = c0 + len === T;
        const [gc, sc] = [Gv.subarray(0, len * NP), S.subarray(c0 * NP, (c0 + len) * NP)];
        const dAv = dA.data as FloatArray;
        if (saved.bf16) k.matmulBf16TN(gc, sc, dAv, P, P, len * N, !first);
        else gemmInto(k, gc, sc, dAv, P, P, len * N, { transA: true, accumulate: !first });
      }
    }
    gemmInto(k, g, inc, dB.data as FloatArray, P, Din, N, { transA: true, accumulate: true });
    gemmInto(k, g, Bv, dInc, N, Din, P);
    feedBack(t);
  }
  const dTheta0 = empty([N, P], dt);
  if (T > 0) (dTheta0.data as FloatArray).set(carry);
  else dTheta0.data.fill(0);
  if (dB64) (dB.data as FloatArray).set(dB64);
  let dAOut: Tensor | null = dA;
  if (cfg.transition === "diagonal" || lowRank) {
    dAOut = empty([P], dt);
    (dAOut.data as FloatArray).set(daAcc);
  }
  for (const t of [...scratch, G, ...(w ? [w] : []), ...(seg ? [seg] : [])]) t.dispose();
  blockStep?.dispose();
  Vt?.dispose();
  Ut?.dispose();
  saved.packedBackward?.dispose();
  saved.packedBackward = null;
  const grads: (Tensor | null)[] = [dTheta0, dAOut, dB];
  if (lowRank) grads.push(dU, dV);
  if (cfg.final === "dtanh") grads.push(tensorFrom(head.dtanhGrad, dt));
  return grads;
};

/** op(m) (K×N: m stored K×N, or N×K when trans) packed for the backend's matmulPacked. */
function packed(k: Kernels, m: Tensor, K: number, N: number, trans: boolean): Tensor {
  const t = empty([k.packedLength(K, N)], m.dtype);
  k.packMatrix(m.data as FloatArray, K, N, trans, t.data as FloatArray);
  return t;
}

function tensorFrom(v: number[], dt: Tensor["dtype"]): Tensor {
  const t = empty([v.length], dt);
  (t.data as FloatArray).set(v);
  return t;
}

/**
 * The output head on one step's raw outputs (N, W) → y[:, t, :]: the final activation on the mean
 * columns and std = max(softplus(raw), lower bound) on the std columns — through the backend's kernels
 * as the op-by-op head (applyHead, warp/head.ts), so both give the same numbers — and its backward.
 */
class Head {
  private readonly bufs: FloatArray[];
  private readonly dtanh: number[] | null;
  /** Σ over steps of the gradient of [a, b, α, β] (dtanh). */
  readonly dtanhGrad = [0, 0, 0, 0];
  private readonly lb: number | null;
  private readonly W: number;
  private readonly k: ReturnType<typeof kernelsFor>;
  private readonly rnd: (v: number) => number;
  constructor(
    private readonly cfg: ArRolloutConfig,
    private readonly N: number,
    private readonly D: number,
    dt: Tensor["dtype"],
    dtanh: Tensor | null,
  ) {
    this.bufs = Array.from({ length: 4 }, () =>
      dt === "float32" ? new Float32Array(N * D) : new Float64Array(N * D),
    );
    this.dtanh = dtanh ? Array.from(dtanh.data as FloatArray) : null;
    const lb = cfg.stdLowerBound;
    this.lb = lb === null ? null : dt === "float32" ? Math.fround(lb) : lb;
    this.W = cfg.uncertainty ? 2 * D : D;
    this.k = kernelsFor(dt);
    this.rnd = dt === "float32" ? Math.fround : (v: number) => v;
  }

  /** dst ← columns [off, off + D) of the N rows of src at base + n·stride. */
  private take(dst: FloatArray, src: FloatArray, base: number, stride: number, off: number): FloatArray {
    const { N, D } = this;
    for (let n = 0; n < N; n++)
      for (let d = 0; d < D; d++) dst[n * D + d] = src[base + n * stride + off + d]!;
    return dst;
  }
  private put(src: FloatArray, dst: FloatArray, base: number, stride: number, off: number): void {
    const { N, D } = this;
    for (let n = 0; n < N; n++)
      for (let d = 0; d < D; d++) dst[base + n * stride + off + d] = src[n * D + d]!;
  }

  forward(raw: FloatArray, Y: FloatArray, t: number, T: number): void {
    const { cfg, k, W, D, rnd } = this;
    const [a, b] = this.bufs as [FloatArray, FloatArray];
    const f = cfg.final;
    this.take(a, raw, 0, W, 0);
    if (f === null) b.set(a);
    else if (typeof f === "number") k.clip(a, -f, f, b);
    else if (f === "dtanh") {
      // α·tanh((x − b)/a) + β, rounded after every op as the op-by-op head
      const [s, c, al, be] = this.dtanh! as [number, number, number, number];
      const th = this.bufs[2]!;
      for (let i = 0; i < a.length; i++) th[i] = rnd(rnd(a[i]! - c) / s);
      k.unary("tanh", th, th);
      for (let i = 0; i < a.length; i++) b[i] = rnd(al * th[i]!) + be;
    } else k.unary(f, a, b);
    this.put(b, Y, t * W, T * W, 0);
    if (!cfg.uncertainty) return;
    k.unary("softplus", this.take(a, raw, 0, W, D), b);
    if (this.lb !== null) for (let i = 0; i < b.length; i++) if (b[i]! < this.lb) b[i] = this.lb;
    this.put(b, Y, t * W, T * W, D);
  }

  /** graw (N, W) from gy (N, W) and the step's raw outputs and y; accumulates the dtanh gradient. */
  backward(raw: FloatArray, Y: FloatArray, t: number, T: number, gy: FloatArray, graw: FloatArray): void {
    const { cfg, k, W, D } = this;
    const [a, b, c, e] = this.bufs as [FloatArray, FloatArray, FloatArray, FloatArray];
    const f = cfg.final;
    this.take(a, raw, 0, W, 0);
    this.take(c, gy, 0, W, 0);
    if (f === null) b.set(c);
    else if (typeof f === "number") k.clipVjp(a, -f, f, c, b);
    else if (f === "dtanh") {
      const [s, off, al] = this.dtanh! as [number, number, number];
      const gr = this.dtanhGrad;
      for (let i = 0; i < a.length; i++) {
        const z = (a[i]! - off) / s;
        const th = Math.tanh(z);
        const dz = c[i]! * al * (1 - th * th);
        b[i] = dz / s;
        gr[0]! -= (dz * z) / s;
        gr[1]! -= dz / s;
        gr[2]! += c[i]! * th;
        gr[3]! += c[i]!;
      }
    } else k.unaryVjp(f, a, this.take(e, Y, t * W, T * W, 0), c, b);
    this.put(b, graw, 0, W, 0);
    if (!cfg.uncertainty) return;
    this.take(a, raw, 0, W, D);
    this.take(c, gy, 0, W, D);
    k.unary("softplus", a, e);
    // max(s, lb) passes the gradient to s where s ≥ lb (as `maximum`)
    if (this.lb !== null) for (let i = 0; i < e.length; i++) if (e[i]! < this.lb) c[i] = 0;
    k.unaryVjp("softplus", a, e, c, b);
    this.put(b, graw, 0, W, D);
  }
}

/**
 * One step of a block-diagonal transition on the rollout's (N, P) states: θ in the (nb, N, k) layout of
 * one batched GEMM with the blocks (nb, k, k), zero-padded past P (as `blockScan`).
 */
class BlockStep {
  private readonly nb: number;
  private readonly kb: number;
  /** θ_{t−1} or g in the block layout (padding always zero), and a product (any padding). */
  private readonly x: Tensor;
  private readonly y: Tensor;
  private readonly z: Tensor;
  constructor(
    private readonly k: Kernels,
    private readonly blocks: Tensor,
    private readonly N: number,
    private readonly P: number,
  ) {
    [this.nb, this.kb] = blocks.shape as [number, number];
    [this.x, this.y, this.z] = [0, 1, 2].map(() => zeros([this.nb, N, this.kb], blocks.dtype)) as [
      Tensor,
      Tensor,
      Tensor,
    ];
  }
  private gemm(
    a: Tensor,
    b: FloatArray,
    out: Tensor,
    trans: "A" | "B" | null,
    M: number,
    K: number,
    acc: boolean,
  ) {
    const { nb, kb, N } = this;
    this.k.matmul(a.data as FloatArray, b, out.data as FloatArray, {
      batch: nb,
      M,
      N: kb,
      K,
      transA: trans === "A",
      transB: trans === "B",
      strideA: N * kb,
      strideB: trans === "A" ? N * kb : kb * kb,
      accumulate: acc,
    });
  }
  private layout(flat: FloatArray, t: Tensor, toBlocked: boolean, accumulate = false) {
    blockLayout(
      this.k,
      flat,
      t.data as FloatArray,
      [this.N, 1, this.P],
      this.nb,
      this.kb,
      toBlocked,
      accumulate,
    );
  }
  /** th += θ_{t−1} Aᵀ per block (th holds u_t). */
  forward(thPrev: FloatArray, th: FloatArray): void {
    this.layout(thPrev, this.x, true);
    this.gemm(this.x, this.blocks.data as FloatArray, this.z, "B", this.N, this.kb, false);
    this.layout(th, this.z, false, true);
  }
  /** carry = g A per block; dA (+)= gᵀ θ_{t−1} per block (`first`: overwrite). */
  backward(g: FloatArray, thPrev: FloatArray, carry: FloatArray, dA: Tensor | null, first: boolean): void {
    this.layout(g, this.y, true);
    if (dA) {
      this.layout(thPrev, this.x, true);
      this.gemm(this.y, this.x.data as FloatArray, dA, "A", this.kb, this.N, !first);
    }
    this.gemm(this.y, this.blocks.data as FloatArray, this.z, null, this.N, this.kb, false);
    this.layout(carry, this.z, false);
  }
  dispose(): void {
    for (const t of [this.x, this.y, this.z]) t.dispose();
  }
}
