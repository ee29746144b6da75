// The sequence-model interface the trainer, evaluation, checkpoints and CLI work with, and the factory that
// builds the model a configuration names (`model_type`): WARP ("wsm"), or a GRU/LSTM baseline. A model is
// static structure; its parameters are a separate tree passed to every call (model = data).
// Not here: the models themselves (src/warp/model.ts, src/baselines/).

import { RnnModel } from "./baselines/rnn.js";
import type { FloatDType, Tensor } from "./tensor/tensor.js";
import type { Key } from "./util/random.js";
import type { ModelConfig } from "./warp/config.js";
import { type Batch, type ForwardOptions, WarpModel } from "./warp/model.js";

/** What the trainer needs from a model with parameters P (a tree of tensors). */
export interface SequenceModel<P extends object = object> {
  readonly config: ModelConfig;
  /** Width of the output per step: D (2D with the uncertainty head), or nb_classes. */
  readonly outDim: number;
  /** One line for logs, e.g. "WARP, root mlp, Dθ = 1298". */
  readonly description: string;
  /** Fresh parameters. */
  init(key: Key, dtype?: FloatDType): P;
  /** Outputs (N, T, outDim) for inputs x (N, T, D): the rollout from `o.context` when given. */
  forward(p: P, x: Tensor, o?: ForwardOptions): Tensor;
  /** The training loss of a batch (a scalar). */
  loss(p: P, batch: Batch, key?: Key): Tensor;
  /** The forward pass without gradients. */
  predict(p: P, x: Tensor, o?: ForwardOptions): Tensor;
  /** The parameters under their checkpoint names. */
  namedParams(p: P): Record<string, Tensor>;
  /** The parameter tree from checkpoint names (names and shapes checked against `template`). */
  paramsFromNamed(named: Record<string, Tensor>, template: P): P;
}

/** The model a configuration describes. */
export function createModel(config: ModelConfig): SequenceModel {
  switch (config.model_type) {
    case "wsm":
      return new WarpModel(config);
    case "gru":
    case "lstm":
      return new RnnModel(config);
  }
}
