// One step of the linear recurrence for loops that cannot use the fused `linearRecurrence` because the
// input of step t depends on step t−1's output (WARP's autoregressive modes):
//   θ_t = clip(θ_{t−1} Aᵀ + u_t, ±c)      θ, u: (N, P), A: (P, P)
// The gradient of A is deferred: each step's backward stashes its (θ_{t−1}, g_t) in a StepTape, and a
// single `stepTapeTick` node — consumed by every step, so the backward pass reaches it last — turns
// them into dA = Σ_t g_tᵀ θ_{t−1} with ONE GEMM over all T·N rows instead of T small ones.
// With `bf16` (model.transition_dtype: bf16) A is used as I + A′: θ_t = clip(θ_{t−1} + bf16(θ_{t−1}) A′ᵀ
// + u_t) with A′ = bf16(A − I), so the identity part is exact and only A′θ runs as bfloat16 products
// (float32 sums). The backward pass rounds the same way: dθ_{t−1} = g + bf16(g) A′ (A′ᵀ packed once per
// rollout beside A′) and dA = Σ_t bf16(g_t)ᵀ bf16(θ_{t−1}) (one bf16 GEMM over the tape; the rounding of
// A′ itself passed straight through). The tape keeps θ and g in float32 — the dA kernel rounds and pairs
// rows as it packs each block — and gradients and the optimiser stay float32.
// N sequences, T steps, P state size.

import { needsGrad, record } from "../autograd/tape.js";
import type { Bf16Transition, StepTapeBuffers, Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { empty, type Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { checkFloat } from "./elementwise.js";
import { gemmInto } from "./matmul.js";

/**
 * Buffers for the deferred dA of up to T steps of an (N, P) recurrence. They are tensors, so an enclosing
 * `tidy` returns them to the buffer pool and the next training step reuses them (fresh gigabyte-sized
 * allocations cost seconds of page faults).
 */
export class StepTape implements StepTapeBuffers {
  private readonly thetaT: Tensor;
  private readonly gradT: Tensor;
  readonly written: boolean[];
  bf16: boolean | null = null;
  constructor(
    readonly A: Tensor,
    readonly T: number,
    readonly N: number,
  ) {
    const P = A.shape[0]!;
    this.thetaT = empty([T * N, P], A.dtype);
    this.gradT = empty([T * N, P], A.dtype);
    this.written = new Array<boolean>(T).fill(false);
  }
  /** θ_{t−1} of every step, (T·N, P). */
  get thetas(): FloatArray {
    return this.thetaT.data as FloatArray;
  }
  /** g_t of every step, (T·N, P). */
  get grads(): FloatArray {
    return this.gradT.data as FloatArray;
  }
}

/**
 * Starts a loop of `T` steps over A: returns the tape and the tick tensor every `linearStep` must take
 * (both null when A needs no gradient, e.g. at inference).
 */
export function stepTape(A: Tensor, T: number, N: number): { tape: StepTape; tick: Tensor } | null {
  if (!needsGrad([A])) return null;
  const tape = new StepTape(A, T, N);
  const tick = empty([], A.dtype);
  tick.data[0] = 0;
  return { tape, tick: record(tick, "stepTapeTick", [A], { tape }) };
}

// dA = Gᵀ Θ over all T·N stashed rows (steps that received no gradient contribute zero rows); bf16 steps:
// bf16(G)ᵀ bf16(Θ).
export const stepTapeTickVjp: Vjp<"stepTapeTick"> = (_dy, { attrs: { tape } }) => {
  const P = tape.A.shape[0]!;
  const rows = tape.N * P;
  tape.written.forEach((w, t) => {
    if (!w) tape.grads.fill(0, t * rows, (t + 1) * rows);
  });
  const dA = empty([P, P], tape.A.dtype);
  transitionGrad(tape.A.dtype, tape.bf16 === true, tape.grads, tape.thetas, dA, tape.T * tape.N);
  return [dA];
};

/**
 * dA of a dense transition: out (P, P) = gᵀ θ over K rows of g, θ (K, P); with bf16 both rounded to
 * bfloat16 (the backend's matmulBf16TN). For loops that keep their own (θ_{t−1}, g_t) rows.
 */
export function transitionGrad(
  dtype: Tensor["dtype"],
  bf16: boolean,
  g: FloatArray,
  theta: FloatArray,
  out: Tensor,
  K: number,
): void {
  const P = out.shape[0]!;
  const k = kernelsFor(dtype);
  const o = out.data as FloatArray;
  if (bf16) k.matmulBf16TN(g, theta, o, P, P, K, false);
  else gemmInto(k, g, theta, o, P, P, K, { transA: true });
}

/**
 * A′ = A − I rounded to bfloat16, and packed for the backend's matmulBf16 as A′ (the step) and A′ᵀ (its
 * backward): made once per rollout (A is fixed within it) and passed to every `linearStep`. No gradient
 * is recorded (the step's VJP gives A's).
 */
export function bf16Transition(A: Tensor): Bf16Transition {
  checkFloat("bf16Transition", A);
  const P = A.shape[0]!;
  assert(
    A.ndim === 2 && A.shape[1] === P,
    () => `bf16Transition: expected A (P,P), got ${fmtShape(A.shape)}`,
  );
  const k = kernelsFor(A.dtype);
  const residual = empty([P, P], A.dtype);
  const r = residual.data as FloatArray;
  r.set(A.data);
  for (let i = 0; i < P; i++) r[i * P + i]! -= 1;
  const packed = empty([k.bf16PackedLength(P, P)], A.dtype);
  k.packBf16(r, P, P, packed.data as FloatArray);
  const rt = empty([P, P], A.dtype);
  k.copyStrided(r, 0, [P, 1], rt.data, 0, [1, P], [P, P], false);
  const packedT = empty([k.bf16PackedLength(P, P)], A.dtype);
  k.packBf16(rt.data as FloatArray, P, P, packedT.data as FloatArray);
  rt.dispose();
  residual.dispose();
  return { packed, packedT };
}

export interface LinearStepOptions {
  /** Clip θ_t to [−clip, clip] (none when omitted). */
  clip?: number;
  /** From `stepTape`, when A needs a gradient: the tape, its tick, and this step's index t < T. */
  tape?: { tape: StepTape; tick: Tensor } | null;
  t?: number;
  /** From `bf16Transition(A)`: A used as I + A′ with bfloat16 products. */
  bf16?: Bf16Transition | null;
}

/** θ_t = clip(θ_{t−1} Aᵀ + u_t); thetaPrev (N, P), A (P, P), u (N, P). */
export function linearStep(thetaPrev: Tensor, A: Tensor, u: Tensor, options: LinearStepOptions = {}): Tensor {
  for (const x of [thetaPrev, A, u]) checkFloat("linearStep", x);
  const [N, P] = thetaPrev.shape as [number, number];
  assert(
    thetaPrev.ndim === 2 &&
      A.ndim === 2 &&
      A.shape[0] === P &&
      A.shape[1] === P &&
      u.ndim === 2 &&
      u.shape[0] === N &&
      u.shape[1] === P,
    () =>
      `linearStep: expected thetaPrev (N,P), A (P,P), u (N,P), got ${fmtShape(thetaPrev.shape)}, ${fmtShape(A.shape)}, ${fmtShape(u.shape)}`,
  );
  assert(
    thetaPrev.dtype === A.dtype && A.dtype === u.dtype,
    () => `linearStep: dtypes differ (thetaPrev ${thetaPrev.dtype}, A ${A.dtype}, u ${u.dtype})`,
  );
  const c =
    options.clip !== undefined && options.clip > 0 && Number.isFinite(options.clip) ? options.clip : 0;
  const k = kernelsFor(A.dtype);
  const out = empty([N, P], A.dtype);
  const o = out.data as FloatArray;
  const bf16 = options.bf16 ?? null;
  if (bf16) {
    // θ + u exactly in float32, then += bf16(θ) A′ᵀ
    k.binary("add", thetaPrev.data as FloatArray, [P, 1], u.data as FloatArray, [P, 1], o, [N, P]);
    k.matmulBf16(thetaPrev.data as FloatArray, bf16.packed.data as FloatArray, o, N, P, P);
  } else {
    o.set(u.data);
    gemmInto(k, thetaPrev.data as FloatArray, A.data as FloatArray, o, N, P, P, {
      transB: true,
      accumulate: true,
    });
  }
  if (c > 0) k.clip(o, -c, c, o);
  const tp = options.tape ?? null;
  if (tp && needsGrad([A])) {
    const t = options.t ?? -1;
    assert(
      Number.isInteger(t) && t >= 0 && t < tp.tape.T && tp.tape.A === A && tp.tape.N === N,
      () => `linearStep: step ${t} does not fit the tape (T=${tp.tape.T}, N=${tp.tape.N}, same A)`,
    );
    tp.tape.bf16 ??= bf16 !== null;
    assert(tp.tape.bf16 === (bf16 !== null), () => "linearStep: one tape mixes bf16 and float32 steps");
    tp.tape.thetas.set(thetaPrev.data, t * N * P);
    return record(out, "linearStep", [thetaPrev, A, u, tp.tick], { clip: c, tape: tp.tape, t, bf16 });
  }
  return record(out, "linearStep", [thetaPrev, A, u], { clip: c, tape: null, t: -1, bf16 });
}

// g = dOut ⊙ [θ_t not clipped];  dθ_{t−1} = g A (bf16: g + bf16(g) A′);  du = g;  dA: deferred to the tick,
// or g_tᵀ θ_{t−1} here (bf16: both rounded).
export const linearStepVjp: Vjp<"linearStep"> = (
  dOut,
  { inputs: [thetaPrev, A], attrs: { clip, tape, t, bf16 } },
  out,
) => {
  const [N, P] = thetaPrev!.shape as [number, number];
  const k = kernelsFor(A!.dtype);
  let g = dOut;
  if (clip > 0) {
    // A clipped float32 state holds fround(clip): compare against the stored bound.
    const c = A!.dtype === "float32" ? Math.fround(clip) : clip;
    g = empty([N, P], A!.dtype);
    k.clipVjp(out.data as FloatArray, -c, c, dOut.data as FloatArray, g.data as FloatArray);
  }
  let dThetaPrev: Tensor | null = null;
  if (thetaPrev!.requiresGrad) {
    dThetaPrev = empty([N, P], A!.dtype);
    const d = dThetaPrev.data as FloatArray;
    if (bf16) {
      // the step's matrix is I + A′: dθ_{t−1} = g + bf16(g) A′, A′ packed transposed
      d.set(g.data);
      k.matmulBf16(g.data as FloatArray, bf16.packedT.data as FloatArray, d, N, P, P);
    } else {
      gemmInto(k, g.data as FloatArray, A!.data as FloatArray, d, N, P, P);
    }
  }
  let dA: Tensor | null = null;
  if (tape) {
    tape.grads.set(g.data, t * N * P);
    tape.written[t] = true;
  } else if (A!.requiresGrad) {
    dA = empty([P, P], A!.dtype);
    transitionGrad(A!.dtype, bf16 !== null, g.data as FloatArray, thetaPrev!.data as FloatArray, dA, N);
  }
  // The tick gets a zero cotangent so that the backward pass visits it (and runs the deferred dA).
  return tape ? [dThetaPrev, null, g, zeros([], A!.dtype)] : [dThetaPrev, dA, g];
};
