// evaluate(): the batched, gradient-free metrics equal the metric functions applied to the model's whole
// output (regression from the context, the NLL head, image BPD, original units, classification), whatever
// the batch size.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  arrayDataset,
  evaluate,
  fitMinMax,
  metrics,
  normalize,
  randomKey,
  resolveModelConfig,
  slice,
  tensor,
  uniform,
  WarpModel,
} from "../../src/index.js";

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 + 1e-6 * Math.abs(b), `${what}: ${a} vs ${b}`);

describe("evaluate", () => {
  const N = 7;
  const T = 16;
  const x = uniform(randomKey(3), [N, T, 1], -1, 1).keep();
  const nllModel = new WarpModel(
    resolveModelConfig({ data_size: 1, root_width_size: 5, root_depth: 1, use_nll_loss: true }),
  );
  const params = nllModel.init(randomKey(4));

  it("gives the regression metrics of the rollout from the context, batch size aside", () => {
    const context = 5;
    const out = nllModel.predict(params, x, { context });
    const mean = slice(out, [0, 0, 0], [N, T, 1]);
    const std = slice(out, [0, 0, 1], [N, T, 1]);
    for (const batchSize of [2, 7, 100]) {
      const r = evaluate(nllModel, params, arrayDataset({ x }), { context, batchSize });
      close(r.mse!, metrics.mse(mean, x, { context }), "mse");
      close(r.mae!, metrics.mae(mean, x, { context }), "mae");
      close(r.rmse!, metrics.rmse(mean, x, { context }), "rmse");
      close(r.nll!, metrics.nll(mean, std, x, { context }), "nll");
      assert.equal(r.bpd, undefined, "no image metrics unless asked");
    }
  });

  it("adds the paper's image metrics (bpd, image_mse on the [0, 1] scale) for pixel sequences", () => {
    const context = 4;
    const r = evaluate(nllModel, params, arrayDataset({ x }), { context, batchSize: 3, image: true });
    const out = nllModel.predict(params, x, { context });
    const img = metrics.imageBpd(slice(out, [0, 0, 0], [N, T, 1]), slice(out, [0, 0, 1], [N, T, 1]), x, {
      context,
    });
    close(r.bpd!, img.bpd, "bpd");
    close(r.image_mse!, img.mse, "image_mse");
    close(r.image_mse!, r.mse! / 4, "image_mse = mse / 4 (pixels halved)");
    // Without an uncertainty head there is no BPD, but still the [0, 1]-scale MSE.
    const mseModel = new WarpModel(
      resolveModelConfig({ data_size: 1, root_width_size: 5, root_depth: 1, use_nll_loss: false }),
    );
    const p2 = mseModel.init(randomKey(5));
    const r2 = evaluate(mseModel, p2, arrayDataset({ x }), { context, batchSize: 3, image: true });
    assert.equal(r2.bpd, undefined);
    close(r2.image_mse!, r2.mse! / 4, "image_mse without σ");
  });

  it("reports metrics in original units with the data's min-max statistics", () => {
    const raw = tensor(
      Array.from({ length: N * T }, (_, i) => 10 + 5 * Math.sin(i)),
      [N, T, 1],
    );
    const stats = fitMinMax(raw);
    const xn = normalize(raw, stats);
    const r = evaluate(nllModel, params, arrayDataset({ x: xn }), { context: 3, batchSize: 4, stats });
    const half = (stats.max[0]! - stats.min[0]!) / 2;
    close(r.mse_orig!, r.mse! * half * half, "mse_orig");
    close(r.mae_orig!, r.mae! * half, "mae_orig");
  });

  it("gives accuracy, error rate, macro-F1 and cross-entropy for classification", () => {
    const model = new WarpModel(
      resolveModelConfig({
        data_size: 1,
        nb_classes: 3,
        root_width_size: 5,
        root_depth: 1,
        autoregressive: false,
        use_nll_loss: false,
      }),
    );
    const p = model.init(randomKey(6));
    const labels = tensor([0, 1, 2, 0, 1, 2, 0], [N], "int32");
    const r = evaluate(model, p, arrayDataset({ x, labels }), { context: null, batchSize: 2 });
    const logits = model.predict(p, x);
    close(r.accuracy!, metrics.accuracy(logits, labels), "accuracy");
    close(r.error_rate!, 1 - r.accuracy!, "error rate");
    close(r.f1_score!, metrics.macroF1(logits, labels), "f1");
    assert.ok(r.cross_entropy! > 0 && Number.isFinite(r.cross_entropy!));
  });
});
