// The per-sample root-network evaluation, fused: every leading position has its own MLP weights θ (one
// row), as WARP's θ_t are. `rootMlp` runs the backend kernel (no per-sample weight copies) and stores
// hidden pre-activations only when gradients are needed; `rootMlpRef` is the same MLP built from
// primitive ops (slice, matmul, add, activation), and the fused op is tested against it.
// dims = [d_0 (in), …, d_L (out)]; θ layout per layer: W (d_{l+1}×d_l, row-major) then b.

import { needsGrad, record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import { rootParamCount } from "../backends/cpu/root-mlp.js";
import { type FloatArray, ROOT_ACTIVATIONS, type RootActivation } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { sameShape, sizeOf } from "../tensor/shape.js";
import { empty, type Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import * as ew from "./elementwise.js";
import { matmul } from "./matmul.js";
import { reshape, slice } from "./shape.js";

export { rootParamCount };

export interface RootMlpOptions {
  /** Layer widths [in, hidden…, out]; at least two entries. */
  dims: readonly number[];
  /** Activation after every layer but the last. */
  activation: RootActivation;
}

function check(op: string, theta: Tensor, x: Tensor, { dims, activation }: RootMlpOptions): number {
  assert(
    dims.length >= 2 && dims.every((d) => Number.isInteger(d) && d > 0),
    () => `${op}: dims must be at least two positive integers, got [${dims.join(",")}]`,
  );
  assert(
    (ROOT_ACTIVATIONS as readonly string[]).includes(activation),
    () => `${op}: unknown activation "${activation}" (one of ${ROOT_ACTIVATIONS.join(", ")})`,
  );
  ew.checkFloat(op, theta);
  ew.checkFloat(op, x);
  const P = rootParamCount(dims);
  assert(
    theta.ndim >= 1 &&
      theta.shape[theta.ndim - 1] === P &&
      x.shape[x.ndim - 1] === dims[0] &&
      sameShape(theta.shape.slice(0, -1), x.shape.slice(0, -1)),
    () =>
      `${op}: expected theta (…, ${P}) and x (…, ${dims[0]}) with the same leading axes for dims [${dims.join(",")}], got ${fmtShape(theta.shape)} and ${fmtShape(x.shape)}`,
  );
  assert(theta.dtype === x.dtype, () => `${op}: dtypes differ, theta ${theta.dtype} and x ${x.dtype}`);
  return sizeOf(theta.shape.slice(0, -1));
}

/** y_m = MLP_{θ_m}(x_m) for every leading position m; theta (…, P), x (…, d_0) → (…, d_L). */
export function rootMlp(theta: Tensor, x: Tensor, options: RootMlpOptions): Tensor {
  const M = check("rootMlp", theta, x, options);
  const dims = [...options.dims];
  const H = dims.slice(1, -1).reduce((a, b) => a + b, 0);
  const out = empty([...theta.shape.slice(0, -1), dims[dims.length - 1]!], theta.dtype);
  const hidden = needsGrad([theta, x]) ? empty([M, H], theta.dtype) : null;
  kernelsFor(theta.dtype).rootMlp(
    theta.data as FloatArray,
    x.data as FloatArray,
    out.data as FloatArray,
    (hidden?.data as FloatArray | undefined) ?? null,
    { M, dims, act: options.activation },
  );
  return record(out, "rootMlp", [theta, x], { dims, act: options.activation, hidden });
}

export const rootMlpVjp: Vjp<"rootMlp"> = (dOut, { inputs: [theta, x], attrs: { dims, act, hidden } }) => {
  const M = sizeOf(theta!.shape.slice(0, -1));
  const dTheta = empty(theta!.shape, theta!.dtype);
  const dX = x!.requiresGrad ? empty(x!.shape, x!.dtype) : null;
  kernelsFor(theta!.dtype).rootMlpVjp(
    theta!.data as FloatArray,
    x!.data as FloatArray,
    hidden!.data as FloatArray,
    dOut.data as FloatArray,
    dTheta.data as FloatArray,
    (dX?.data as FloatArray | undefined) ?? null,
    { M, dims, act },
  );
  return [dTheta, dX];
};

const ACT: Record<RootActivation, (t: Tensor) => Tensor> = {
  relu: ew.relu,
  tanh: ew.tanh,
  softplus: ew.softplus,
  swish: ew.swish,
  identity: (t) => t,
  sin: ew.sin,
  cos: ew.cos,
};

/** Reference for `rootMlp` from primitive ops: per-sample weights sliced from θ, batched mat-vecs. */
export function rootMlpRef(theta: Tensor, x: Tensor, options: RootMlpOptions): Tensor {
  const M = check("rootMlpRef", theta, x, options);
  const { dims, activation } = options;
  const th = reshape(theta, [M, -1]);
  let h = reshape(x, [M, dims[0]!, 1]);
  let off = 0;
  const L = dims.length - 1;
  for (let l = 0; l < L; l++) {
    const nIn = dims[l]!;
    const nOut = dims[l + 1]!;
    const W = reshape(slice(th, [0, off], [M, nOut * nIn]), [M, nOut, nIn]);
    const b = reshape(slice(th, [0, off + nOut * nIn], [M, nOut]), [M, nOut, 1]);
    off += nOut * (nIn + 1);
    const z = ew.add(matmul(W, h), b);
    h = l < L - 1 ? ACT[activation](z) : z;
  }
  return reshape(h, [...theta.shape.slice(0, -1), dims[L]!]);
}
