// The factory that builds the model a configuration names (`model_type`): WARP ("wsm"), or a GRU/LSTM
// baseline. A model is static structure; its parameters are a separate tree passed to every call
// (model = data). Not here: the interface they share (sequence-model.ts), the models themselves
// (src/warp/model.ts, src/baselines/).

import { RnnModel } from "./baselines/rnn.js";
import type { SequenceModel } from "./sequence-model.js";
import type { ModelConfig } from "./warp/config.js";
import { WarpModel } from "./warp/model.js";

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
