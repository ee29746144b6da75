// Reductions: sum over axes (broadcast.ts, with broadcastTo and sumTo) and mean. Not here: element-wise
// math (elementwise.ts).

import type { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { normAxes, sum } from "./broadcast.js";
import { mul } from "./elementwise.js";

export { broadcastTo, sum, sumTo } from "./broadcast.js";

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  assert(x.dtype !== "int32", () => `mean: expected a float tensor, got int32 ${fmtShape(x.shape)}`);
  const ax = normAxes("mean", axes, x.ndim);
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  const s = sum(x, ax, keepDims);
  return mul(s, 1 / count);
}
