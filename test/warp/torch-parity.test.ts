// Cross-check against an independent implementation: test/fixtures/torch-warp-fixtures.json was written
// by a PyTorch WARP that follows the authors' JAX code (float64: configuration, parameters, inputs,
// teacher-forcing mask, outputs, loss, every gradient, and an inference rollout). Our model, given the
// same parameters and mask, must reproduce all of them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type Tensor, tensor, valueAndGrad } from "../../src/index.js";
import { resolveModelConfig } from "../../src/warp/config.js";
import { gaussianNll, halfMse } from "../../src/warp/loss.js";
import { WarpModel } from "../../src/warp/model.js";
import type { WarpParams } from "../../src/warp/params.js";
import { assertAllClose } from "../helpers/index.js";

interface Case {
  config: Record<string, unknown>;
  loss_kind: "nll" | "mse";
  theta_dim: number;
  params: Record<string, unknown>;
  xs: number[][][];
  force_mask: boolean[][];
  ts: number[];
  outputs: number[][][];
  loss: number;
  grads: Record<string, unknown>;
  inference_start?: number;
  inference_outputs?: number[][][];
}

const fixture = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/torch-warp-fixtures.json", import.meta.url), "utf8"),
) as { cases: Record<string, Case> };

const t64 = (v: unknown): Tensor => tensor(v as number[], undefined, "float64");

/** The fixture's configuration in our (reference YAML) keys. */
function ourConfig(c: Record<string, unknown>) {
  return resolveModelConfig({
    data_size: c.data_size,
    root_width_size: c.width,
    root_depth: c.depth,
    root_activation: c.activation,
    root_final_activation: c.final_activation,
    init_state_layers: c.init_state_layers,
    input_prev_data: c.input_prev_data,
    use_nll_loss: c.predict_uncertainty,
    time_as_channel: c.time_as_channel,
    forcing_prob: c.forcing_prob,
    std_lower_bound: c.std_lower_bound,
    weights_lim: c.weights_lim,
    noise_theta_init: c.noise_theta_init,
    autoregressive: c.autoregressive,
    stochastic: c.stochastic_ar,
    smooth_inference: c.smooth_inference,
  });
}

function ourParams(named: Record<string, unknown>): WarpParams {
  const p: WarpParams = { A: t64(named.A), B: t64(named.B) };
  if (named.theta0) p.theta0 = t64(named.theta0);
  const layers = Object.keys(named).filter((k) => /^hyper\.layers\.\d+\.weight$/.test(k)).length;
  if (layers > 0) {
    p.phi = {
      layers: Array.from({ length: layers }, (_, i) => ({
        weight: t64(named[`hyper.layers.${i}.weight`]),
        bias: t64(named[`hyper.layers.${i}.bias`]),
      })),
    };
  }
  return p;
}

describe("parity with an independent PyTorch WARP (float64 fixtures)", () => {
  for (const [name, fx] of Object.entries(fixture.cases)) {
    it(`${name}: outputs, loss, every gradient and the inference rollout match`, () => {
      const model = new WarpModel(ourConfig(fx.config));
      assert.equal(model.thetaDim, fx.theta_dim);
      const params = ourParams(fx.params);
      const x = t64(fx.xs);
      const forceMask = tensor(fx.force_mask.flat().map(Number), [x.shape[0]!, x.shape[1]!], "float64");
      // The peer decodes non-AR states at τ_t, as the authors' HEAD (bde9a5d) and our default do.
      const times = tensor(fx.ts, [fx.ts.length], "float64");
      const lossOf = (out: Tensor) => (fx.loss_kind === "nll" ? gaussianNll(out, x) : halfMse(out, x));
      const run = (p: WarpParams) => model.forward(p, x, { forceMask, times });
      const { value, grads } = valueAndGrad((p: WarpParams) => lossOf(run(p)))(params);
      const out = run(params);
      const tol = { atol: 1e-10, rtol: 1e-8 };
      assertAllClose(out, fx.outputs.flat(2), tol, "outputs");
      assertAllClose([value.item()], [fx.loss], tol, "loss");
      assertAllClose(grads.A, (fx.grads.A as number[][]).flat(), tol, "dA");
      assertAllClose(grads.B, (fx.grads.B as number[][]).flat(), tol, "dB");
      if (grads.theta0) assertAllClose(grads.theta0, fx.grads.theta0 as number[], tol, "dθ_0");
      grads.phi?.layers.forEach((l, i) => {
        assertAllClose(
          l.weight,
          (fx.grads[`hyper.layers.${i}.weight`] as number[][]).flat(),
          tol,
          `dφ.${i}.weight`,
        );
        assertAllClose(l.bias, fx.grads[`hyper.layers.${i}.bias`] as number[], tol, `dφ.${i}.bias`);
      });
      if (fx.inference_outputs) {
        const inf = model.predict(params, x, { context: fx.inference_start! });
        assertAllClose(inf, fx.inference_outputs.flat(2), tol, "inference rollout");
      }
    });
  }
});
