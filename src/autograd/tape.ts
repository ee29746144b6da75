// Gradient tracking state: whether ops record tape nodes, and the helper ops call to record one.
// Recording happens only when gradients are enabled and some input requires them, so inference code
// builds no tape at all. Not here: the backward pass (grad.ts) and the rules (vjp-table.ts).

import type { Tensor } from "../tensor/tensor.js";
import type { OpAttrs, OpName } from "./types.js";

let disabled = 0;

/** True when an op with these inputs must record a tape node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (disabled > 0) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Marks `out` as produced by `op` when any input requires gradients; returns `out`. */
export function record<K extends OpName>(
  out: Tensor,
  op: K,
  inputs: readonly Tensor[],
  attrs: OpAttrs[K],
): Tensor {
  if (needsGrad(inputs)) {
    out.node = { op, inputs, attrs };
    out.requiresGrad = true;
  }
  return out;
}

/** Runs `fn` without recording gradients (inference, and the backward pass itself). */
export function noGrad<T>(fn: () => T): T {
  disabled++;
  try {
    return fn();
  } finally {
    disabled--;
  }
}
