// Gradient checking by central differences, reusable by tests and by users writing their own
// differentiable pieces (e.g. a physics root). Run it in float64: the function is projected onto a
// fixed random cotangent w, so L(x) = Σ f(x)·w is a scalar, and every input element is perturbed.

import { mul } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { convert, type Tensor, tidy } from "../tensor/tensor.js";
import { normal, randomKey } from "../util/random.js";
import { backward } from "./grad.js";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** An element passes when |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-6, 1e-5). */
  atol?: number;
  rtol?: number;
  /** Seed of the random cotangent (default 0). */
  seed?: number;
}

export interface GradcheckReport {
  ok: boolean;
  /** The worst element: which input, which flat index, both values and their error ratio to the tolerance. */
  worst: { input: number; index: number; analytic: number; numeric: number; ratio: number } | null;
  checked: number;
  /** A one-line description of the worst element for assertion messages. */
  message: string;
}

/** Compares autodiff gradients of f at `inputs` (float64 tensors) with central differences. */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  { eps = 1e-6, atol = 1e-6, rtol = 1e-5, seed = 0 }: GradcheckOptions = {},
): GradcheckReport {
  return tidy(() => {
    const leaves = inputs.map((x) => {
      const l = convert(x, x.dtype);
      l.requiresGrad = x.dtype !== "int32";
      return l;
    });
    const out0 = f(...leaves);
    const w = convert(normal(randomKey(seed), out0.shape, 0, 1, "float64"), out0.dtype);
    const project = (y: Tensor): number => sum(mul(y, w)).item();
    const analytic = backward(sum(mul(out0, w)), leaves).map((g) => g.data);
    let worst: GradcheckReport["worst"] = null;
    let checked = 0;
    leaves.forEach((leaf, i) => {
      if (!leaf.requiresGrad) return;
      const d = leaf.data;
      for (let j = 0; j < d.length; j++) {
        const orig = d[j]!;
        d[j] = orig + eps;
        const up = tidy(() => project(f(...leaves)));
        d[j] = orig - eps;
        const down = tidy(() => project(f(...leaves)));
        d[j] = orig;
        const numeric = (up - down) / (2 * eps);
        const a = analytic[i]![j]!;
        const ratio = Math.abs(a - numeric) / (atol + rtol * Math.abs(numeric));
        checked++;
        if (!worst || ratio > worst.ratio || Number.isNaN(ratio))
          worst = { input: i, index: j, analytic: a, numeric, ratio };
      }
    });
    const wr = worst as GradcheckReport["worst"];
    const ok = wr === null || wr.ratio <= 1;
    const message = wr
      ? `worst: input ${wr.input}[${wr.index}] analytic ${wr.analytic} numeric ${wr.numeric} (error ${wr.ratio.toFixed(3)}× tolerance, ${checked} elements checked)`
      : "no differentiable inputs";
    return { ok, worst: wr, checked, message };
  });
}
