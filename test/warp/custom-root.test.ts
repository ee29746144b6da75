// The custom-root example of docs/physics-roots.md, run as written: a user-defined root built from
// library ops gets correct gradients through the whole WARP model and can be trained.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adam,
  applyUpdates,
  cos,
  exp,
  gradcheck,
  mul,
  neg,
  type Root,
  randomKey,
  resolveModelConfig,
  slice,
  type Tensor,
  tensor,
  tidy,
  uniform,
  valueAndGrad,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";

const col = (x: Tensor, j: number) => slice(x, [0, j], [x.shape[0]!, 1]);
const dampedCosine: Root = {
  name: "damped cosine y = a·exp(−λτ)·cos(ωτ)",
  paramCount: 3,
  inDim: 1,
  outDim: 1,
  init: (key, dtype) => uniform(key, [3], 0.5, 1.5, dtype),
  apply: (theta, input) => {
    const tau = col(input, 0);
    const [a, lambda, omega] = [col(theta, 0), col(theta, 1), col(theta, 2)];
    return mul(mul(a, exp(mul(neg(lambda), tau))), cos(mul(omega, tau)));
  },
};

describe("a user-defined root (docs/physics-roots.md)", () => {
  it("has gradients that match central differences", () => {
    const report = gradcheck(
      (th, inp) => dampedCosine.apply(th, inp),
      [
        tensor(
          [
            [1, 0.5, 6],
            [0.7, 1.2, 3],
          ],
          [2, 3],
          "float64",
        ),
        tensor([[0.3], [0.8]], [2, 1], "float64"),
      ],
    );
    assert.ok(report.ok, report.message);
  });

  it("computes y = a·e^{−λτ}·cos(ωτ) inside the model and trains through it", () => {
    const config = resolveModelConfig({
      data_size: 1,
      use_nll_loss: false,
      root_final_activation: null,
      init_state_layers: null,
      autoregressive: false,
      time_as_channel: false,
    });
    const model = new WarpModel(config, dampedCosine);
    assert.equal(model.thetaDim, 3);
    let params = model.init(randomKey(0), "float64");
    // With B = 0 and A = I every θ_t equals θ_0, so the output is the formula at the query times.
    const x = tensor(
      Array.from({ length: 8 }, (_, t) => Math.exp(-t / 7) * Math.cos((4 * t) / 7)),
      [1, 8, 1],
      "float64",
    );
    const y = model.forward(params, x);
    const [a, l, w] = Array.from(params.theta0!.data);
    // Non-autoregressive states are decoded at their own time τ_t (docs/model.md).
    const expected = Array.from({ length: 8 }, (_, t) => {
      const tau = t / 7;
      return a! * Math.exp(-l! * tau) * Math.cos(w! * tau);
    });
    assert.deepEqual(
      Array.from(y.data, (v) => v.toFixed(12)),
      expected.map((v) => v.toFixed(12)),
    );
    const opt = adam(0.05);
    let state = opt.init(params);
    const lossOf = (p: WarpParams) => model.loss(p, { x });
    const first = lossOf(params).item();
    for (let i = 0; i < 300; i++) {
      const next = tidy(() => {
        const { grads } = valueAndGrad(lossOf)(params);
        const [u, s] = opt.update(grads, state, params);
        return { p: applyUpdates(params, u), s };
      });
      params = next.p;
      state = next.s;
    }
    const last = lossOf(params).item();
    assert.ok(last < first / 10, `loss ${first} → ${last}`);
  });
});
