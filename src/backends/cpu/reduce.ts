// Plain-TS reductions: sum over the middle axis of an (outer, reduce, inner) view, and the fused
// softmax cross-entropy. Not here: which axes to reduce (the ops reshape to this canonical form).

import type { FloatArray } from "../kernels.js";

/** out[o, i] = Σ_r x[o, r, i]. */
export function reduceSumCpu(
  x: FloatArray,
  outer: number,
  reduce: number,
  inner: number,
  out: FloatArray,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * reduce;
      for (let r = 0; r < reduce; r++) s += x[base + r]!;
      out[o] = s;
    }
    return;
  }
  // Accumulate whole rows in double precision so float32 sums over long axes keep their accuracy.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * reduce * inner;
    for (let r = 0; r < reduce; r++) {
      const row = base + r * inner;
      for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!;
    }
    out.set(acc, o * inner);
  }
}

/** loss[b] = logsumexp(logits[b,:]) − logits[b, labels[b]]; probs[b,:] = softmax(logits[b,:]). */
export function softmaxCrossEntropyCpu(
  logits: FloatArray,
  labels: Int32Array,
  B: number,
  C: number,
  loss: FloatArray,
  probs: FloatArray,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * C;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[row + c]! - max);
      probs[row + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) probs[row + c] = probs[row + c]! / sum;
    loss[b] = max + Math.log(sum) - logits[row + labels[b]!]!;
  }
}
