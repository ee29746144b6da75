// Fused softmax cross-entropy with integer labels (mean over the batch) and its VJP.
// Not here: WARP's regression losses, which are compositions of element-wise ops.
// B batch, C classes.

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { checkFloat } from "./elementwise.js";

/** mean_b [logsumexp(logits_b) − logits_b[labels_b]]; logits (B, C), labels int32 (B) in [0, C). */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  checkFloat("softmaxCrossEntropy", logits);
  assert(
    logits.ndim === 2 && labels.ndim === 1 && labels.shape[0] === logits.shape[0],
    () =>
      `softmaxCrossEntropy: expected logits (B, C) and labels (B), got ${fmtShape(logits.shape)} and ${fmtShape(labels.shape)}`,
  );
  assert(labels.dtype === "int32", () => `softmaxCrossEntropy: labels must be int32, got ${labels.dtype}`);
  const [B, C] = logits.shape as [number, number];
  const lab = labels.data as Int32Array;
  for (let b = 0; b < B; b++) {
    const l = lab[b]!;
    assert(l >= 0 && l < C, () => `softmaxCrossEntropy: label ${l} at row ${b} is outside [0, ${C})`);
  }
  const loss = empty([B], logits.dtype);
  const probs = empty([B, C], logits.dtype);
  kernelsFor(logits.dtype).softmaxCrossEntropy(
    logits.data as FloatArray,
    lab,
    B,
    C,
    loss.data as FloatArray,
    probs.data as FloatArray,
  );
  let total = 0;
  for (let b = 0; b < B; b++) total += loss.data[b]!;
  const out = empty([], logits.dtype);
  out.data[0] = B > 0 ? total / B : 0;
  return record(out, "softmaxCrossEntropy", [logits], { labels, probs });
}

// d/dlogits = (softmax − onehot(labels)) · dy / B
export const softmaxCrossEntropyVjp: Vjp<"softmaxCrossEntropy"> = (dy, { inputs: [logits], attrs }) => {
  const [B, C] = logits!.shape as [number, number];
  const g = dy.item() / B;
  const p = attrs.probs.data;
  const lab = attrs.labels.data as Int32Array;
  const d = empty([B, C], logits!.dtype);
  const dd = d.data;
  for (let i = 0; i < B * C; i++) dd[i] = p[i]! * g;
  for (let b = 0; b < B; b++) dd[b * C + lab[b]!]! -= g;
  return [d];
};
