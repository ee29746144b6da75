// Cross-check against an independent float64 NumPy implementation of the authors' forward pass at HEAD
// bde9a5d: test/fixtures/warp-reference-fixtures.json, written by tools/warp_reference_fixtures.py
// (configuration, parameters, inputs, forcing mask, noise draws, labels, outputs, loss, every gradient
// and an inference rollout; versions and commit recorded in the file). Cases: time_as_channel in the AR
// path, stochastic AR with a fixed noise draw, positional encoding (AR and non-AR), classification, and
// causal and centred convolution embeddings. Our model, given the same inputs, must reproduce all of it.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  gaussianNll,
  halfMse,
  lastStepCrossEntropy,
  randomKey,
  resolveModelConfig,
  type Tensor,
  tensor,
  valueAndGrad,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";

interface Case {
  config: Record<string, unknown>;
  theta_dim: number;
  params: Record<string, unknown>;
  xs: number[][][];
  ts: number[];
  force_mask?: number[][];
  noise?: number[][][];
  labels?: number[];
  outputs: number[][][];
  loss: number;
  grads: Record<string, unknown>;
  inference_start?: number;
  inference_outputs?: number[][][];
}

const fixture = JSON.parse(
  readFileSync(new URL("../../../test/fixtures/warp-reference-fixtures.json", import.meta.url), "utf8"),
) as { follows: string; versions: Record<string, string>; cases: Record<string, Case> };

const t64 = (v: unknown): Tensor => tensor(v as number[], undefined, "float64");
const TOL = { atol: 1e-10, rtol: 1e-8 };

describe(`parity with an independent NumPy WARP following ${fixture.follows.split(" (")[0]}`, () => {
  it("records the commit and versions it followed", () => {
    assert.match(fixture.follows, /bde9a5d/);
    assert.ok(fixture.versions.numpy && fixture.versions.python);
  });

  for (const [name, fx] of Object.entries(fixture.cases)) {
    it(`${name}: outputs, loss, every gradient${fx.inference_outputs ? " and the inference rollout" : ""}`, () => {
      const config = resolveModelConfig(fx.config);
      const model = new WarpModel(config);
      assert.equal(model.thetaDim, fx.theta_dim);
      const template = model.init(randomKey(0), "float64");
      const named = Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, t64(v)]));
      const params = model.paramsFromNamed(named, template);
      const x = t64(fx.xs);
      const [N, T] = x.shape as [number, number];
      const times = t64(fx.ts);
      const forceMask = fx.force_mask ? tensor(fx.force_mask.flat(), [N, T], "float64") : undefined;
      const noise = fx.noise ? t64(fx.noise) : undefined;
      const labels = fx.labels ? tensor(fx.labels, [N], "int32") : undefined;
      const run = (p: WarpParams) => model.forward(p, x, { times, forceMask, noise });
      const lossOf = (out: Tensor) =>
        labels
          ? lastStepCrossEntropy(out, labels)
          : config.use_nll_loss
            ? gaussianNll(out, x)
            : halfMse(out, x);
      const { value, grads } = valueAndGrad((p: WarpParams) => lossOf(run(p)))(params);
      assertAllClose(run(params), fx.outputs.flat(2), TOL, "outputs");
      assertAllClose([value.item()], [fx.loss], TOL, "loss");
      const ours = model.namedParams(grads);
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(fx.grads).sort());
      for (const [k, g] of Object.entries(ours)) {
        assertAllClose(g, (fx.grads[k] as number[]).flat(2) as number[], TOL, `d${k}`);
      }
      if (fx.inference_outputs) {
        const inf = model.predict(params, x, { times, context: fx.inference_start!, noise });
        assertAllClose(inf, fx.inference_outputs.flat(2), TOL, "inference rollout");
      }
    });
  }
});
