// The linear recurrence at the heart of WARP, fused, and its plain sequential reference twin.
//   θ_t = clip(A θ_{t−1} + U_t, ±c),  t = 1..T   (U_t = B Δx_t in WARP)
// The fused op runs one GEMM per step forward and backward and one large GEMM for dA (see the backend
// kernels); `linearRecurrenceRef` is the same math as a loop of primitive ops, differentiated by the
// tape, and every fused form is tested against it. N sequences, T steps, P state size.

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { add, checkFloat, clip as clipOp } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { reshape, slice, stack } from "./shape.js";

export interface RecurrenceOptions {
  /** Clip every θ_t element-wise to [−clip, clip] (no clipping when omitted, ≤ 0 or Infinity). */
  clip?: number;
}

function check(op: string, A: Tensor, U: Tensor, theta0: Tensor): [number, number, number] {
  for (const t of [A, U, theta0]) checkFloat(op, t);
  assert(
    U.ndim === 3 && A.ndim === 2 && theta0.ndim === 2,
    () =>
      `${op}: expected A (P,P), U (N,T,P), theta0 (N,P), got ${fmtShape(A.shape)}, ${fmtShape(U.shape)}, ${fmtShape(theta0.shape)}`,
  );
  const [N, T, P] = U.shape as [number, number, number];
  assert(
    A.shape[0] === P && A.shape[1] === P && theta0.shape[0] === N && theta0.shape[1] === P,
    () =>
      `${op}: expected A (${P},${P}) and theta0 (${N},${P}) for U ${fmtShape(U.shape)}, got ${fmtShape(A.shape)} and ${fmtShape(theta0.shape)}`,
  );
  assert(
    A.dtype === U.dtype && U.dtype === theta0.dtype,
    () => `${op}: dtypes differ (A ${A.dtype}, U ${U.dtype}, theta0 ${theta0.dtype})`,
  );
  return [N, T, P];
}

function clipValue(clip: number | undefined): number {
  return clip !== undefined && clip > 0 && Number.isFinite(clip) ? clip : 0;
}

/** All states θ_1..θ_T (N, T, P) of θ_t = clip(A θ_{t−1} + U_t); A (P, P), U (N, T, P), theta0 (N, P). */
export function linearRecurrence(
  A: Tensor,
  U: Tensor,
  theta0: Tensor,
  options: RecurrenceOptions = {},
): Tensor {
  const [N, T, P] = check("linearRecurrence", A, U, theta0);
  const clip = clipValue(options.clip);
  const out = empty([N, T, P], U.dtype);
  kernelsFor(U.dtype).linearRecurrence(
    A.data as FloatArray,
    U.data as FloatArray,
    theta0.data as FloatArray,
    out.data as FloatArray,
    { N, T, P, clip },
  );
  return record(out, "linearRecurrence", [A, U, theta0], { clip });
}

export const linearRecurrenceVjp: Vjp<"linearRecurrence"> = (
  dOut,
  { inputs: [A, U, theta0], attrs },
  out,
) => {
  const [N, T, P] = U!.shape as [number, number, number];
  const dA = empty([P, P], U!.dtype);
  const dU = empty([N, T, P], U!.dtype);
  const dTheta0 = empty([N, P], U!.dtype);
  kernelsFor(U!.dtype).linearRecurrenceVjp(
    A!.data as FloatArray,
    theta0!.data as FloatArray,
    out.data as FloatArray,
    dOut.data as FloatArray,
    dA.data as FloatArray,
    dU.data as FloatArray,
    dTheta0.data as FloatArray,
    { N, T, P, clip: attrs.clip },
  );
  return [dA, dU, dTheta0];
};

/** Sequential reference for `linearRecurrence`: a loop of matmul/add/clip, differentiated by the tape. */
export function linearRecurrenceRef(
  A: Tensor,
  U: Tensor,
  theta0: Tensor,
  options: RecurrenceOptions = {},
): Tensor {
  const [N, T, P] = check("linearRecurrenceRef", A, U, theta0);
  const clip = clipValue(options.clip);
  const states: Tensor[] = [];
  let theta = theta0;
  for (let t = 0; t < T; t++) {
    const Ut = reshape(slice(U, [0, t, 0], [N, 1, P]), [N, P]);
    theta = add(matmul(theta, A, { transB: true }), Ut);
    if (clip > 0) theta = clipOp(theta, -clip, clip);
    states.push(theta);
  }
  return stack(states, 1);
}
