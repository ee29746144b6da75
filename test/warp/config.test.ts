// Tests of the model configuration (src/warp/config.ts): the reference's defaults fill missing keys, every
// invalid value is an error naming the key, the value and what is allowed, unknown keys suggest the
// nearest valid one, and invalid combinations of valid values are refused with a reason.
// Not here: YAML parsing and the optimiser/trainer sections.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ModelConfig,
  nearest,
  resolveModelConfig,
  TRAINING_MODEL_KEYS,
  WarpError,
} from "../../src/index.js";

/** Where the run configuration holds a model configuration key (the path errors name). */
const keyPath = (key: string) =>
  (TRAINING_MODEL_KEYS as readonly string[]).includes(key) ? `training.${key}` : `model.${key}`;
/** A value as errors show it (lists with ", "). */
const shown = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(", ")}]` : JSON.stringify(v);

/** Asserts that resolveModelConfig(raw) throws a WarpError whose message matches every pattern. */
function assertConfigError(raw: Record<string, unknown>, ...patterns: (RegExp | string)[]): void {
  assert.throws(
    () => resolveModelConfig(raw),
    (e: unknown) => {
      assert.ok(e instanceof WarpError, `expected a WarpError, got ${String(e)}`);
      for (const p of patterns) {
        if (typeof p === "string") assert.ok(e.message.includes(p), `message "${e.message}" lacks "${p}"`);
        else assert.match(e.message, p);
      }
      return true;
    },
  );
}

describe("configuration defaults", () => {
  it("fill every missing key with the reference's default (WSM.__init__ and the training section)", () => {
    const expected: ModelConfig = {
      data_size: 3,
      nb_classes: null,
      model_type: "wsm",
      root_width_size: 24,
      root_depth: 3,
      root_activation: "relu",
      root_final_activation: "tanh",
      init_state_layers: 2,
      input_prev_data: false,
      weights_lim: null,
      time_as_channel: true,
      forcing_prob: 1,
      noise_theta_init: null,
      std_lower_bound: null,
      positional_encoding: null,
      root_output_dim: null,
      conv_embedding: null,
      root_physics: null,
      transition: "dense",
      transition_rank: null,
      transition_block: null,
      transition_stable: false,
      transition_dtype: "float32",
      parallel_scan: false,
      autoregressive: true,
      stochastic: false,
      use_nll_loss: true,
      smooth_inference: true,
      nb_recons_loss_steps: null,
      inference_start: null,
      reference_commit: "bde9a5d",
    };
    assert.deepEqual(resolveModelConfig({ data_size: 3 }), expected);
  });

  it("keep the given values and complete only the missing ones", () => {
    const cfg = resolveModelConfig({
      data_size: 1,
      root_width_size: 48,
      root_activation: "swish",
      root_final_activation: [1, 0, 1, 0],
      init_state_layers: null,
      weights_lim: 0.5,
      positional_encoding: [4, 10000],
      forcing_prob: 0.25,
    });
    assert.equal(cfg.root_width_size, 48);
    assert.equal(cfg.root_activation, "swish");
    assert.deepEqual(cfg.root_final_activation, [1, 0, 1, 0]);
    assert.equal(cfg.init_state_layers, null);
    assert.equal(cfg.weights_lim, 0.5);
    assert.deepEqual(cfg.positional_encoding, [4, 10000]);
    assert.equal(cfg.forcing_prob, 0.25);
    assert.equal(cfg.root_depth, 3);
    assert.equal(cfg.time_as_channel, true);
  });

  it("accept the reference's model keys that change nothing (nb_rnn_layers, rnn_hidden_size) and drop them", () => {
    const cfg = resolveModelConfig({ data_size: 1, nb_rnn_layers: 2, rnn_hidden_size: 64 });
    assert.ok(!("nb_rnn_layers" in cfg) && !("rnn_hidden_size" in cfg));
    assert.deepEqual(cfg, resolveModelConfig({ data_size: 1 }));
  });

  it("accept every valid final activation form: a name, sigmoid, identity, a clip bound, dtanh and null", () => {
    for (const f of [
      "relu",
      "tanh",
      "softplus",
      "swish",
      "identity",
      "sin",
      "cos",
      "sigmoid",
      39,
      0.5,
      [2, -1, 0.5, 3],
      null,
    ]) {
      assert.deepEqual(
        resolveModelConfig({ data_size: 1, root_final_activation: f }).root_final_activation,
        f,
      );
    }
  });
});

describe("invalid values", () => {
  const ACTS = '"relu", "tanh", "softplus", "swish", "identity", "sin", "cos"';
  // [key, invalid value, what the message must say is allowed]
  const cases: [string, unknown, string][] = [
    ["data_size", 0, "a positive integer"],
    ["data_size", 1.5, "a positive integer"],
    ["nb_classes", 0, "a positive integer"],
    ["model_type", "transformer", 'one of "wsm", "gru", "lstm"'],
    ["model_type", "GRU", 'one of "wsm", "gru", "lstm"'],
    ["root_width_size", -1, "a positive integer"],
    ["root_width_size", "24", "a positive integer"],
    ["root_depth", -1, "a non-negative integer"],
    ["root_depth", 1.5, "a non-negative integer"],
    ["root_activation", "gelu", `one of ${ACTS}`],
    ["root_final_activation", "gelu", `one of ${ACTS}, "sigmoid"`],
    ["root_final_activation", 0, "a positive clip bound"],
    ["root_final_activation", -2, "a positive clip bound"],
    ["root_final_activation", [0, 0, 1, 0], "a dtanh [a, b, alpha, beta] with a ≠ 0"],
    [
      "root_final_activation",
      [1, 2, 3],
      "an activation name (relu, tanh, softplus, swish, identity, sin, cos, sigmoid), a clip bound, [a, b, alpha, beta] or null",
    ],
    [
      "root_final_activation",
      true,
      "an activation name (relu, tanh, softplus, swish, identity, sin, cos, sigmoid), a clip bound, [a, b, alpha, beta] or null",
    ],
    ["init_state_layers", 3, "0, 1, 2 or null"],
    ["init_state_layers", "2", "0, 1, 2 or null"],
    ["input_prev_data", "yes", "true or false"],
    ["weights_lim", 0, "a positive number or null"],
    ["weights_lim", -1, "a positive number or null"],
    ["time_as_channel", 1, "true or false"],
    ["forcing_prob", 1.5, "a probability in [0, 1]"],
    ["forcing_prob", -0.1, "a probability in [0, 1]"],
    ["noise_theta_init", -0.1, "a positive number or null"],
    ["std_lower_bound", 0, "a positive number or null"],
    ["positional_encoding", [3, 100], "[D, C] with D a positive even integer and C > 0 or null"],
    ["positional_encoding", [4, 0], "[D, C] with D a positive even integer and C > 0 or null"],
    ["positional_encoding", [4], "[D, C] with D a positive even integer and C > 0 or null"],
    ["root_output_dim", 0, "a positive integer"],
    [
      "conv_embedding",
      [8, 3],
      "[out_channels, kernel, causal] (two positive integers and a boolean) or null",
    ],
    ["conv_embedding", [8, 0, true], "[out_channels, kernel, causal]"],
    ["conv_embedding", [8, 3, "yes"], "[out_channels, kernel, causal]"],
    ["root_physics", "pendulum", 'one of "sine", "sine_phase", "msd", "msd_softplus"'],
    ["autoregressive", "no", "true or false"],
    ["stochastic", 1, "true or false"],
    ["use_nll_loss", null, "true or false"],
    ["smooth_inference", "yes", "true or false"],
    ["nb_recons_loss_steps", 0, "a positive integer"],
    ["inference_start", -1, "a non-negative integer"],
    ["transition", "circulant", 'one of "dense", "diagonal", "lowrank", "block"'],
    ["transition_rank", 0, "a positive integer"],
    ["transition_block", 2.5, "a positive integer"],
    ["transition_stable", "yes", "true or false"],
    ["transition_dtype", "float16", 'one of "float32", "bf16"'],
    ["parallel_scan", 1, "true or false"],
  ];
  for (const [key, value, allowed] of cases) {
    it(`${key} = ${JSON.stringify(value)} is an error naming the key, the value and "${allowed}"`, () => {
      assertConfigError(
        { data_size: 2, [key]: value },
        `${keyPath(key)} = ${shown(value)} is invalid`,
        `expected ${allowed}`,
      );
    });
  }

  it("a missing data_size is an error naming data_size", () => {
    assertConfigError({}, "data_size", "a positive integer");
  });

  it("non-finite numbers (YAML .inf / .nan) are named as they are, not as null", () => {
    assertConfigError({ data_size: 1, weights_lim: Number.POSITIVE_INFINITY }, "weights_lim = Infinity");
    assertConfigError({ data_size: 1, forcing_prob: Number.NaN }, "forcing_prob = NaN");
  });
});

describe("unknown keys", () => {
  it("suggest the nearest valid key", () => {
    assertConfigError(
      { data_size: 1, root_widht_size: 24 },
      'unknown key "model.root_widht_size" (did you mean "model.root_width_size"?)',
    );
    assertConfigError({ data_size: 1, autoregresive: true }, 'did you mean "training.autoregressive"?');
    assertConfigError({ data_size: 1, std_lower_bond: 0.5 }, 'did you mean "model.std_lower_bound"?');
    assertConfigError({ datasize: 1 }, 'did you mean "model.data_size"?');
  });

  it("suggest nothing when no key is close", () => {
    assert.throws(
      () => resolveModelConfig({ data_size: 1, banana: 3 }),
      (e: unknown) => e instanceof WarpError && /unknown key "model\.banana"$/.test(e.message),
    );
    assert.equal(nearest("banana", ["root_width_size", "data_size"]), null);
    assert.equal(nearest("ROOT_DEPTH", ["root_depth", "root_width_size"]), "root_depth");
  });
});

describe("invalid combinations", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "classification with autoregressive training",
      { nb_classes: 3, use_nll_loss: false },
      "classification (model.nb_classes) needs training.autoregressive: false",
    ],
    [
      "classification with the NLL loss",
      { nb_classes: 3, autoregressive: false },
      "classification (model.nb_classes) is trained with cross-entropy: set training.use_nll_loss: false",
    ],
    [
      "classification with a physics root",
      { data_size: 1, nb_classes: 3, autoregressive: false, use_nll_loss: false, root_physics: "sine" },
      "model.root_physics is for regression, not classification",
    ],
    [
      "stochastic without autoregression",
      { stochastic: true, autoregressive: false },
      "training.stochastic: true needs training.autoregressive: true",
    ],
    [
      "stochastic without the NLL loss",
      { stochastic: true, use_nll_loss: false },
      "training.stochastic: true samples from the predicted σ: it needs training.use_nll_loss: true",
    ],
    [
      "sampled inference without stochastic",
      { smooth_inference: false },
      "training.smooth_inference: false (sampled inference) needs training.stochastic: true",
    ],
    [
      "a physics root with the NLL loss",
      { data_size: 1, root_physics: "sine" },
      'model.root_physics "sine" predicts values only: set training.use_nll_loss: false',
    ],
    [
      "a physics root with a conv_embedding",
      {
        data_size: 1,
        root_physics: "sine_phase",
        use_nll_loss: false,
        autoregressive: false,
        conv_embedding: [2, 3, true],
      },
      "model.root_physics cannot be combined with model.conv_embedding",
    ],
    [
      "msd with data_size 1",
      { data_size: 1, root_physics: "msd", use_nll_loss: false, input_prev_data: true },
      'model.root_physics "msd" needs data_size 2 (position, velocity), got 1',
    ],
    [
      "msd without input_prev_data",
      { data_size: 2, root_physics: "msd", use_nll_loss: false },
      'model.root_physics "msd" integrates from the previous state: set model.input_prev_data: true',
    ],
    [
      "sine with data_size 2",
      { data_size: 2, root_physics: "sine", use_nll_loss: false },
      'model.root_physics "sine" needs data_size 1, got 2',
    ],
    [
      "sine_phase with data_size 3",
      { data_size: 3, root_physics: "sine_phase", use_nll_loss: false },
      'model.root_physics "sine_phase" needs data_size 1, got 3',
    ],
    [
      "a conv_embedding with autoregression",
      { conv_embedding: [4, 3, true] },
      "model.conv_embedding applies to whole observed sequences: it needs training.autoregressive: false",
    ],
    [
      "a lowrank transition without a rank",
      { transition: "lowrank" },
      'model.transition_rank = null is invalid: expected a positive integer (the rank r of U Vᵀ) with transition "lowrank"',
    ],
    [
      "a rank for another transition",
      { transition: "diagonal", transition_rank: 4 },
      'model.transition_rank = 4 is invalid: expected null: it applies to transition "lowrank" only, not "diagonal"',
    ],
    [
      "a block transition without a block size",
      { transition: "block" },
      'model.transition_block = null is invalid: expected a positive integer (the block size) with transition "block"',
    ],
    [
      "a stable dense transition",
      { transition_stable: true },
      'model.transition_stable = true is invalid: expected false: it applies to transitions "diagonal" and "lowrank", not "dense"',
    ],
    [
      "a bf16 diagonal transition",
      { transition: "diagonal", transition_dtype: "bf16" },
      'transition_dtype = "bf16" is invalid: expected "float32", or model.transition "dense", not "diagonal"',
    ],
    [
      "a bf16 transition for a GRU",
      { model_type: "gru", rnn_hidden_size: 8, nb_rnn_layers: 1, transition_dtype: "bf16" },
      'transition_dtype = "bf16" is invalid: expected "float32", or model.model_type "wsm" (model.model_type "gru" has no WARP transition)',
    ],
    [
      "a bf16 transition with the parallel form",
      { autoregressive: false, parallel_scan: true, transition_dtype: "bf16" },
      'transition_dtype = "bf16" is invalid: expected "float32", or model.parallel_scan: false (the parallel form multiplies powers of A in float32)',
    ],
    [
      "a structured transition for a GRU",
      { model_type: "gru", transition: "diagonal" },
      'model.transition = "diagonal" is invalid: expected "dense": model.model_type "gru" has no WARP transition',
    ],
    [
      "the parallel scan with autoregression",
      { parallel_scan: true },
      "model.parallel_scan = true is invalid: expected false, or training.autoregressive: false",
    ],
    [
      "the parallel scan with clipping",
      { parallel_scan: true, autoregressive: false, weights_lim: 1 },
      "model.parallel_scan = true is invalid: expected false, or model.weights_lim: null",
    ],
    [
      "the parallel scan with a block transition",
      { parallel_scan: true, autoregressive: false, transition: "block", transition_block: 4 },
      'model.parallel_scan = true is invalid: expected false, or transition "dense" or "diagonal", not "block"',
    ],
  ];
  for (const [what, raw, message] of cases) {
    it(`refuse ${what}`, () => {
      assertConfigError({ data_size: 2, ...raw }, message);
    });
  }

  it("allow the valid neighbours of those combinations", () => {
    const ok: Record<string, unknown>[] = [
      { data_size: 2, nb_classes: 3, autoregressive: false, use_nll_loss: false },
      { data_size: 2, stochastic: true },
      { data_size: 2, stochastic: true, smooth_inference: false },
      { data_size: 1, root_physics: "sine", use_nll_loss: false },
      { data_size: 1, root_physics: "sine_phase", use_nll_loss: false, autoregressive: false },
      { data_size: 2, root_physics: "msd", use_nll_loss: false, input_prev_data: true },
      { data_size: 2, conv_embedding: [4, 3, false], autoregressive: false },
      { data_size: 2, transition: "lowrank", transition_rank: 3, transition_stable: true },
      { data_size: 2, transition: "block", transition_block: 5 },
      { data_size: 2, transition: "diagonal", parallel_scan: true, autoregressive: false },
      { data_size: 2, parallel_scan: true, autoregressive: false },
    ];
    for (const raw of ok) assert.doesNotThrow(() => resolveModelConfig(raw), JSON.stringify(raw));
  });
});
