// An adaptive Runge–Kutta integrator, Dormand–Prince 5(4) (the RK45 of SciPy/diffrax), for generating the
// paper's dynamical-system datasets. Steps are chosen by the embedded 4th-order error estimate and clipped
// to land exactly on every requested output time. Not here: the datasets themselves, stiff solvers.
// D state dims, T output times.

import { WarpError } from "../util/assert.js";

/** dy/dt = f(t, y): writes the derivative of y (length D) into dy. */
export type OdeFunction = (t: number, y: Float64Array, dy: Float64Array) => void;

export interface OdeOptions {
  /** Relative and absolute tolerances of the local error (defaults 1e−6, 1e−9). */
  rtol?: number;
  atol?: number;
  /** Give up after this many accepted + rejected steps (default 1e6). */
  maxSteps?: number;
}

// Dormand–Prince tableau: nodes c, stages a, 5th-order weights b (= last stage row, FSAL) and the
// difference e = b − b* to the embedded 4th-order solution.
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
const E = [
  35 / 384 - 5179 / 57600,
  0,
  500 / 1113 - 7571 / 16695,
  125 / 192 - 393 / 640,
  -2187 / 6784 + 92097 / 339200,
  11 / 84 - 187 / 2100,
  -1 / 40,
];

/**
 * Solves dy/dt = f(t, y), y(tEval[0]) = y0, and returns y at every time of `tEval` (strictly increasing)
 * as a (T, D) row-major Float64Array.
 */
export function odeSolve(
  f: OdeFunction,
  y0: readonly number[],
  tEval: readonly number[],
  o: OdeOptions = {},
): Float64Array {
  const { rtol = 1e-6, atol = 1e-9, maxSteps = 1e6 } = o;
  const D = y0.length;
  const T = tEval.length;
  if (T === 0 || D === 0)
    throw new WarpError("odeSolve: needs at least one output time and one state dimension");
  for (let i = 1; i < T; i++) {
    if (!(tEval[i]! > tEval[i - 1]!))
      throw new WarpError(`odeSolve: output times must increase strictly (at index ${i})`);
  }
  if (!(rtol > 0 && atol >= 0))
    throw new WarpError(`odeSolve: need rtol > 0 and atol ≥ 0, got ${rtol}, ${atol}`);
  const out = new Float64Array(T * D);
  let y = Float64Array.from(y0);
  out.set(y, 0);
  const k = Array.from({ length: 7 }, () => new Float64Array(D));
  const stage = new Float64Array(D);
  let yNew = new Float64Array(D);
  let t = tEval[0]!;
  f(t, y, k[0]!);
  let h = Math.min(1e-3, (tEval[T - 1]! - t) / 100) || 1e-3;
  let steps = 0;
  for (let next = 1; next < T; next++) {
    const target = tEval[next]!;
    while (t < target) {
      if (++steps > maxSteps)
        throw new WarpError(`odeSolve: more than ${maxSteps} steps before t = ${target}`);
      const step = Math.min(h, target - t);
      for (let s = 1; s < 7; s++) {
        for (let d = 0; d < D; d++) {
          let acc = y[d]!;
          for (let j = 0; j < s; j++) acc += step * A[s]![j]! * k[j]![d]!;
          stage[d] = acc;
        }
        // The last row of A is b: stage 7's argument is the 5th-order solution, and its derivative k[6]
        // is the next step's k[0] (first same as last).
        if (s === 6) yNew.set(stage);
        f(t + C[s]! * step, s === 6 ? yNew : stage, k[s]!);
      }
      let err = 0;
      for (let d = 0; d < D; d++) {
        let e = 0;
        for (let j = 0; j < 7; j++) e += E[j]! * k[j]![d]!;
        const scale = atol + rtol * Math.max(Math.abs(y[d]!), Math.abs(yNew[d]!));
        err += ((step * e) / scale) ** 2;
      }
      err = Math.sqrt(err / D);
      if (!Number.isFinite(err)) throw new WarpError(`odeSolve: the solution is not finite near t = ${t}`);
      if (err <= 1) {
        t = step === target - t ? target : t + step;
        const swap = y;
        y = yNew;
        yNew = swap;
        k[0]!.set(k[6]!);
      }
      h = step * Math.min(5, Math.max(0.2, 0.9 * (err > 0 ? err ** -0.2 : 5)));
    }
    out.set(y, next * D);
  }
  return out;
}
