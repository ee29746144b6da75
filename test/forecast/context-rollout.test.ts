// Training from a context (Batch.context, training.context_rollout): the forcing decisions are 1 before the
// context and Bernoulli(forcing_prob) after; with forcing_prob 0 the training forward pass is exactly the
// inference rollout from the context, and the loss counts only the steps after it — for WARP and the GRU.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createModel,
  randomKey,
  resolveModelConfig,
  resolveRunConfig,
  type SequenceModel,
  slice,
  Tensor,
} from "../../src/index.js";
import { batchForceMask } from "../../src/sequence-model.js";
import { taskLoss } from "../../src/warp/loss.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

const [N, T, L] = [3, 9, 5];
const x = new Tensor(
  Float32Array.from({ length: N * T }, (_, k) => Math.sin(k / 2) + 0.1 * (k % T)),
  [N, T, 1],
);

describe("batchForceMask", () => {
  const config = (forcing_prob: number, autoregressive = true) =>
    resolveModelConfig({ data_size: 1, forcing_prob, autoregressive });
  it("forces every step before the context, draws after it", () => {
    const zero = batchForceMask({ x, context: L }, config(0), undefined, "test")!;
    assert.deepEqual(
      Array.from(zero.data),
      Array.from({ length: N * T }, (_, k) => (k % T < L ? 1 : 0)),
    );
    const half = batchForceMask({ x, context: L }, config(0.5), randomKey(1), "test")!;
    const after = Array.from(half.data).filter((_, k) => k % T >= L);
    assert.ok(Array.from(half.data).every((v, k) => (k % T < L ? v === 1 : v === 0 || v === 1)));
    assert.ok(after.includes(0) && after.includes(1), `a fair coin over ${after.length} steps`);
    // A batch's own mask wins; no context, no mask.
    assert.equal(batchForceMask({ x, forceMask: zero, context: 2 }, config(0), undefined, "test"), zero);
    assert.equal(batchForceMask({ x }, config(0), undefined, "test"), undefined);
    throwsWith(() => batchForceMask({ x, context: T }, config(0), undefined, "test"), "1..8", "got 9");
    throwsWith(() => batchForceMask({ x, context: L }, config(0.5), undefined, "test"), "random key");
    throwsWith(
      () => batchForceMask({ x, context: L }, config(0, false), undefined, "test"),
      "autoregressive",
    );
  });
});

for (const model_type of ["wsm", "gru"] as const) {
  describe(`training from a context (${model_type})`, () => {
    const model = createModel(
      resolveModelConfig({
        model_type,
        data_size: 1,
        root_width_size: 4,
        root_depth: 1,
        rnn_hidden_size: 6,
        time_as_channel: false,
        use_nll_loss: true,
        forcing_prob: 0,
        autoregressive: true,
      }),
    ) as SequenceModel;
    const p = model.init(randomKey(3));

    it("with forcing_prob 0 is the inference rollout, the loss on the steps after the context", () => {
      const loss = model.loss(p, { x, context: L }, randomKey(5)).item();
      const rollout = model.predict(p, x, { context: L });
      const after = (t: Tensor) => slice(t, [0, L, 0], [N, T - L, t.shape[2]!]);
      const want = taskLoss(model.config, after(rollout), { x: after(x) }, undefined, "test").item();
      assertAllClose([loss], [want], { atol: 1e-6, rtol: 1e-5 });
      // Not the teacher-forced loss over every step.
      const forced = taskLoss(model.config, model.predict(p, x, { context: T }), { x }, undefined, "test");
      assert.notEqual(loss.toFixed(6), forced.item().toFixed(6));
    });
  });
}

describe("training.context_rollout", () => {
  it("needs an autoregressive model with a context", () => {
    const run = (training: Record<string, unknown>) =>
      resolveRunConfig({ general: { dataset: "sine" }, training: { context_rollout: true, ...training } });
    assert.equal(run({ autoregressive: true, inference_start: 4 }).config.training.context_rollout, true);
    throwsWith(() => run({ autoregressive: false }), "training.context_rollout", "autoregressive");
    throwsWith(() => run({ autoregressive: true, inference_start: 0 }), "training.context_rollout");
  });
});
