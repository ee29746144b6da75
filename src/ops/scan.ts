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
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { add, checkFloat, clip as clipOp, mul } from "./elementwise.js";
import { reshape, slice, stack } from "./shape.js";

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
