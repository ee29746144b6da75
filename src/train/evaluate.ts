// Validation and evaluation metrics of a model on a dataset: predictions in batches without gradients
// (the autoregressive rollout from `context` when given, as the reference validates), then the metrics of
// the task — mse, mae, rmse (and nll with an uncertainty head) from the context on for regression;
// accuracy, error_rate, f1_score and cross_entropy of the last step for classification; with the data's
// min-max statistics also the regression metrics in original units; for images the paper's BPD recipe.
// N sequences, T steps, D data dims.

import { noGrad } from "../autograd/tape.js";
import type { Dataset } from "../data/dataset.js";
import { batches } from "../data/dataset.js";
import type { MinMaxStats } from "../data/normalize.js";
import { concat, slice } from "../ops/shape.js";
import type { SequenceModel } from "../sequence-model.js";
import { type Tensor, tidy } from "../tensor/tensor.js";
import { lastStepCrossEntropy } from "../warp/loss.js";
import * as m from "./metrics.js";

export interface EvaluateOptions {
  /** Autoregressive rollout fed the truth for t < context (null: the model's plain forward pass). */
  context: number | null;
  batchSize: number;
  /** The data's min-max statistics: adds mse/rmse/mae/mape in original units as `*_orig`. */
  stats?: MinMaxStats | null;
  /**
   * The sequences are images with pixels in [−1, 1]: adds the paper's image metrics (docs/model.md §3) from
   * the context on: `image_mse` on the [0, 1] scale, and `bpd` with an uncertainty head.
   */
  image?: boolean;
  /** Adds `half_mse_all`: ½MSE over every step, context included (the authors' validation "mse"). */
  halfMseAllSteps?: boolean;
}

/** The task's metrics of `model` with `params` on every sequence of `ds`. */
export function evaluate<P extends object>(
  model: SequenceModel<P>,
  params: P,
  ds: Dataset,
  o: EvaluateOptions,
): Record<string, number> {
  const c = model.config;
  return noGrad(() =>
    tidy(() => {
      const outs: Tensor[] = [];
      const targets: Tensor[] = [];
      const labels: Tensor[] = [];
      let ce = 0;
      for (const b of batches(ds, o.batchSize, null)) {
        const out = model.forward(params, b.x, {
          times: b.times,
          context: c.nb_classes === null ? (o.context ?? undefined) : undefined,
        });
        outs.push(out);
        if (c.nb_classes !== null) {
          labels.push(b.labels!);
          ce += lastStepCrossEntropy(out, b.labels!).item() * b.x.shape[0]!;
        } else targets.push(b.target ?? b.x);
      }
      const out = concat(outs, 0);
      if (c.nb_classes !== null) {
        const y = concat(labels, 0);
        return {
          accuracy: m.accuracy(out, y),
          error_rate: m.errorRate(out, y),
          f1_score: m.macroF1(out, y),
          cross_entropy: ce / ds.size,
        };
      }
      const target = concat(targets, 0);
      const [N, T, W] = out.shape as [number, number, number];
      const D = target.shape[2]!;
      const mean = W === 2 * D ? slice(out, [0, 0, 0], [N, T, D]) : out;
      const context = o.context !== null && o.context < T ? o.context : 0;
      const r: Record<string, number> = {
        mse: m.mse(mean, target, { context }),
        mae: m.mae(mean, target, { context }),
        rmse: m.rmse(mean, target, { context }),
      };
      if (o.halfMseAllSteps) r.half_mse_all = m.mse(mean, target) / 2;
      const std = W === 2 * D ? slice(out, [0, 0, D], [N, T, D]) : null;
      if (std) r.nll = m.nll(mean, std, target, { context });
      if (o.image) {
        if (std) {
          const img = m.imageBpd(mean, std, target, { context });
          r.bpd = img.bpd;
          r.image_mse = img.mse;
        } else r.image_mse = m.mse(mean, target, { context }) / 4;
      }
      if (o.stats) {
        for (const [k, v] of Object.entries(m.metricsInOriginalUnits(mean, target, o.stats, { context }))) {
          r[`${k}_orig`] = v;
        }
      }
      return r;
    }),
  );
}
