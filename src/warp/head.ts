// Output heads applied to the root's raw output: the final activation (a named activation, a clip bound,
// or the trainable dtanh α·tanh((x − b)/a) + β), and the uncertainty head that splits the output into
// (mean, raw) with std = max(softplus(raw), std_lower_bound). Not here: the root itself.
// M rows, D data dims.

import * as ops from "../ops/elementwise.js";
import { concat, slice } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { FinalActivation } from "./config.js";

/** Applies a final activation; `dtanh` holds the trainable [a, b, α, β] when the spec is a 4-list. */
export function finalActivation(x: Tensor, spec: FinalActivation, dtanh: Tensor | null): Tensor {
  if (spec === null || spec === "identity") return x;
  if (typeof spec === "number") return ops.clip(x, -spec, spec);
  if (Array.isArray(spec)) {
    const p = dtanh!;
    const at = (i: number) => slice(p, [i], [1]);
    // α·tanh((x − b)/a) + β
    return ops.add(ops.mul(at(2), ops.tanh(ops.div(ops.sub(x, at(1)), at(0)))), at(3));
  }
  switch (spec) {
    case "relu":
      return ops.relu(x);
    case "tanh":
      return ops.tanh(x);
    case "softplus":
      return ops.softplus(x);
    case "swish":
      return ops.swish(x);
    case "sin":
      return ops.sin(x);
    case "cos":
      return ops.cos(x);
    case "sigmoid":
      return ops.sigmoid(x);
  }
}

export interface HeadOptions {
  final: FinalActivation;
  dtanh: Tensor | null;
  /** Split into (mean, std) when true; D = half the raw width. */
  uncertainty: boolean;
  stdLowerBound: number | null;
}

/** raw (M, out) → (M, out): final(raw), or [final(mean), max(softplus(raw_std), lb)]. */
export function applyHead(raw: Tensor, h: HeadOptions): Tensor {
  if (!h.uncertainty) return finalActivation(raw, h.final, h.dtanh);
  const [M, W] = raw.shape as [number, number];
  const D = W / 2;
  const mean = finalActivation(slice(raw, [0, 0], [M, D]), h.final, h.dtanh);
  let std = ops.softplus(slice(raw, [0, D], [M, D]));
  if (h.stdLowerBound !== null) std = ops.maximum(std, h.stdLowerBound);
  return concat([mean, std], 1);
}
