// Matrix product, 2-D and batched (leading axes broadcast), with optional transposes of either operand,
// and its VJP. A batch multiplied by one shared matrix is folded into a single large GEMM both ways.
// M, K, N: op(a) is M×K, op(b) is K×N.

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { FloatArray, Kernels } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { sameShape, sizeOf } from "../tensor/shape.js";
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { checkFloat } from "./elementwise.js";
import { broadcastTo, sumTo } from "./reduce.js";
import { reshape } from "./shape.js";

export interface MatmulOptions {
  /** Use aᵀ (swap a's last two axes). */
  transA?: boolean;
  /** Use bᵀ (swap b's last two axes). */
  transB?: boolean;
}

/** op(a) · op(b) over the last two axes; a: (…, M, K), b: (…, K, N) → (…, M, N). */
export function matmul(a: Tensor, b: Tensor, { transA = false, transB = false }: MatmulOptions = {}): Tensor {
  checkFloat("matmul", a);
  checkFloat("matmul", b);
  assert(
    a.ndim >= 2 && b.ndim >= 2,
    () => `matmul: operands must have at least 2 axes, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
  );
  assert(a.dtype === b.dtype, () => `matmul: dtypes differ, ${a.dtype} and ${b.dtype}`);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const K2 = transB ? bc : br;
  const N = transB ? br : bc;
  assert(
    K === K2,
    () =>
      `matmul: inner dimensions differ, ${fmtShape(a.shape)}${transA ? "ᵀ" : ""} @ ${fmtShape(b.shape)}${transB ? "ᵀ" : ""} (${K} vs ${K2})`,
  );
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const batchShape = Array.from({ length: n }, (_, i) => {
    const x = ba[ba.length - n + i] ?? 1;
    const y = bb[bb.length - n + i] ?? 1;
    assert(
      x === y || x === 1 || y === 1,
      () =>
        `matmul: batch axes of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together`,
    );
    return x === 1 ? y : x;
  });
  const batch = sizeOf(batchShape);
  // An operand whose batch is neither the full batch nor a single matrix is materialised first.
  const fit = (t: Tensor): Tensor => {
    const own = t.shape.slice(0, -2);
    if (sizeOf(own) === 1 || sameShape(own, batchShape)) return t;
    return broadcastTo(t, [...batchShape, ...t.shape.slice(-2)]);
  };
  const fa = fit(a);
  const fb = fit(b);
  const out = empty([...batchShape, M, N], a.dtype);
  kernelsFor(a.dtype).matmul(fa.data as FloatArray, fb.data as FloatArray, out.data as FloatArray, {
    batch,
    M,
    N,
    K,
    transA,
    transB,
    strideA: fa.size === M * K ? 0 : M * K,
    strideB: fb.size === K * N ? 0 : K * N,
    accumulate: false,
  });
  return record(out, "matmul", [a, b], { transA, transB });
}

// C = op(A)·op(B):  d op(A) = dC·op(B)ᵀ,  d op(B) = op(A)ᵀ·dC, then transposed back where op = ᵀ.
export const matmulVjp: Vjp<"matmul"> = (dC, { inputs: [a, b], attrs: { transA, transB } }) => {
  const A = a!;
  const B = b!;
  const dA = transA
    ? matmul(B, dC, { transA: transB, transB: true })
    : matmul(dC, B, { transA: false, transB: !transB });
  let dB: Tensor;
  if (B.ndim === 2 && A.ndim > 2 && !transA) {
    // B shared by the whole batch: fold the batch into the GEMM's K instead of summing per-batch products.
    const A2 = reshape(A, [-1, A.shape[A.ndim - 1]!]);
    const dC2 = reshape(dC, [-1, dC.shape[dC.ndim - 1]!]);
    dB = transB ? matmul(dC2, A2, { transA: true }) : matmul(A2, dC2, { transA: true });
  } else {
    dB = transB
      ? matmul(dC, A, { transA: true, transB: transA })
      : matmul(A, dC, { transA: !transA, transB: false });
  }
  return [sumTo(dA, A.shape), sumTo(dB, B.shape)];
};

/** Transposes and accumulation of `gemmInto`: op(a) = aᵀ with transA, op(b) = bᵀ with transB. */
export interface GemmFlags {
  transA?: boolean;
  transB?: boolean;
  /** Add into `out` instead of overwriting it. */
  accumulate?: boolean;
}

/**
 * out (M×N) (+)= op(a) (M×K) · op(b) (K×N) on raw buffers, no tape: one product of a loop that keeps its
 * own arrays (the fused rollout's and the scans' steps).
 */
export function gemmInto(
  k: Kernels,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  M: number,
  N: number,
  K: number,
  { transA = false, transB = false, accumulate = false }: GemmFlags = {},
): void {
  k.matmul(a, b, out, { batch: 1, M, N, K, transA, transB, strideA: 0, strideB: 0, accumulate });
}

/**
 * mᵀ (c, R) of a matrix m (R, c), as a new tensor: a step loop's right operand laid out once, so that its
 * products need no transposed operand at every step (a transposed B with a small K is re-laid out per call).
 */
export function transposedCopy(k: Kernels, m: Tensor): Tensor {
  const [R, c] = m.shape as [number, number];
  const t = empty([c, R], m.dtype);
  k.copyStrided(m.data, 0, [1, c], t.data, 0, [R, 1], [c, R], false);
  return t;
}
