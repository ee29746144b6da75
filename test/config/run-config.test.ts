// Tests of the run configuration (src/config/run-config.ts): our configs/*.yaml and verbatim copies of the
// reference's cfgs resolve with the right ignored keys, defaults fill missing sections, every bad value,
// unknown key and unknown section has its message (with a suggestion), --set overrides parse and apply, and
// modelConfigFromRun gives the expected ModelConfig. Not here: the CLI (test/cli), data loading, training.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  applyOverrides,
  IGNORED_RUN_KEYS,
  type ModelConfig,
  modelConfigFromRun,
  PLATEAU_DEFAULTS,
  parseConfigYaml,
  type RunConfig,
  resolveDataPath,
  resolveRunConfig,
  WarpError,
} from "../../src/index.js";

const CONFIGS = new URL("../../../configs/", import.meta.url).pathname;

// ---- Verbatim copies of files in the reference repository (github.com/ddrous/warp, cfgs/…) -------------

/** cfgs/wsm/mnist/mnist.yaml */
const REF_MNIST = `# General settings
general:
  seed: 2028
  classification: False
  train: True
  dataset: "mnist"
  data_path: "./data/"
  save_path: null

# Data hyperparameters
data:
  downsample_factor: 1
  normalize: False

# Model hyperparameters
model:
  root_width_size: 24
  root_depth: 3
  root_activation: "relu"
  root_final_activation: "tanh"
  init_state_layers: null
  input_prev_data: False
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: 5.0e-1
  time_as_channel: False
  forcing_prob: 0.15
  noise_theta_init: null
  std_lower_bound: 5.0e-1

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-4
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference configurations
training:
  nb_epochs: 200
  batch_size: 640
  autoregressive: True
  print_every: 10
  save_every: 10
  valid_every: 10
  stochastic: False
  val_criterion: "mse"
  nb_recons_loss_steps: 400
  use_nll_loss: True
  inference_start: 300
  smooth_inference: True
`;

/** cfgs/wsm/msd/original_physics.yaml */
const REF_MSD_PHYSICS = `## WARNING: The desired pysics must still be implemented in the model's root network.

# General settings
general:
  seed: 2026
  classification: False
  train: True
  dataset: "mass_spring_damper"
  data_path: "./data/dynamics/mass-spring-damper/"
  save_path: null

# Data hyperparameters
data:
  normalize: False

# Model hyperparameters
model:
  root_width_size: 48
  root_depth: 3
  root_activation: "swish"
  root_final_activation: 39.0
  init_state_layers: 2
  input_prev_data: True
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: null
  time_as_channel: False
  forcing_prob: 0.25
  noise_theta_init: null
  std_lower_bound: 1.0e-4

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-5
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference configurations
training:
  nb_epochs: 2500
  batch_size: 1024
  autoregressive: True
  print_every: 10
  valid_every: 10
  save_every: 10
  nb_recons_loss_steps: null
  use_nll_loss: False
  inference_start: 100
  stochastic: False
  smooth_inference: True
  val_criterion: "mse"
`;

/** cfgs/wsm/traffic/pems08.yaml: a repeated key (positional_encoding) and a 0/1 causal flag. */
const REF_PEMS08 = `# General settings
general:
  seed: 2026
  classification: False
  train: True
  dataset: "traffic"
  data_path: "./data/traffic/"
  save_path: null

# Data hyperparameters
data:
  normalize: True
  sequence_length: 12
  data_dim: 510

# Model hyperparameters
model:
  root_width_size: 48
  root_depth: 1
  root_activation: "relu"
  root_final_activation: null
  root_output_dim: 170              ## If set, then careful with the NLL loss, and its splitting into means and stds.
  positional_encoding: [6, 10]     # Dimension of positional encoding, then denominator constant.
  positional_encoding: null
  init_state_layers: 2
  input_prev_data: False
  conv_embedding: [4080, 36, 0]         ## Convolutional embedding output size, then kernel size, and whether causal or not
  # conv_embedding: null
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: null
  time_as_channel: False
  forcing_prob: 0.5
  noise_theta_init: null
  std_lower_bound: 1.0e-4

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-5
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference configurations
training:
  nb_epochs: 3000
  batch_size: 128
  autoregressive: False
  print_every: 100
  save_every: 100
  valid_every: 100
  stochastic: False
  val_criterion: "mae"
  nb_recons_loss_steps: null
  use_nll_loss: False
  inference_start: null     ## Should be None if non-autoregressive training.
  smooth_inference: True
`;

/** cfgs/wsm/uea/eigen_worms.yaml: classification, with data.traj_length and training.checkpoint_every. */
const REF_EIGENWORMS = `# Base configuration file

# General settings
general:
  seed: 2024
  classification: True
  train: True
  dataset: "uea"  # Options: mnist, cifar, lorentz, dynamics
  data_path: "./data/uea/processed/UEA/EigenWorms/"
  save_path: null

# Data hyperparameters (dependent on the dataset)
data:
  downsample_factor: 1
  resolution: [32, 32]         # For celebA
  traj_length: 1000
  normalize: False

# Model hyperparameters
model:
  root_width_size: 128
  root_depth: 1
  root_activation: "relu"
  root_final_activation: null     ## a, b, alpha, beta
  init_state_layers: 2        ## null to directly learn the initial state
  input_prev_data: False
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: null
  time_as_channel: False
  forcing_prob: 0.25
  noise_theta_init: null
  std_lower_bound: 1.0e-4

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-7
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference hyperparameters
training:
  nb_epochs: 100
  batch_size: 32
  autoregressive: False
  stochastic: False
  print_every: 1
  save_every: 1
  valid_every: 1
  val_criterion: "error_rate"
  checkpoint_every: 10
  nb_recons_loss_steps: null
  use_nll_loss: False
  inference_start: 100
`;

/** cfgs/wsm/pathfinder/pathfinder_32.yaml: the older key names (mlp_width_size, mlp_depth, activation). */
const REF_PATHFINDER = `# General settings
general:
  seed: 2028
  classification: True
  train: True
  dataset: "pathfinder"
  data_path: "./data/pathfinder/32/"
  save_path: null

# Data hyperparameters
data:
  resolution: [32, 32]
  normalize: True

# Model hyperparameters
model:
  mlp_width_size: 512
  mlp_depth: 1
  activation: "relu"
  init_state_layers: 2
  input_prev_data: False
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: null
  dynamic_tanh_init: null
  time_as_channel: False
  forcing_prob: 0.15
  noise_theta_init: null
  std_lower_bound: 5.0e-1

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-5
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference configurations
training:
  nb_epochs: 120
  batch_size: 920
  autoregressive: False
  stochastic: True
  print_every: 10
  save_every: 10
  valid_every: 10
  val_criterion: "error_rate"
  smooth_inference: True
  nb_recons_loss_steps: 400
  use_nll_loss: True
  inference_start: 300
`;

// ---- Helpers ----------------------------------------------------------------------------------------------

const resolveText = (text: string) => resolveRunConfig(parseConfigYaml(text));

/** Asserts that f throws a WarpError whose message contains every string / matches every pattern. */
function assertError(f: () => unknown, ...patterns: (RegExp | string)[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof WarpError, `expected a WarpError, got ${String(e)}`);
    for (const p of patterns) {
      if (typeof p === "string") assert.ok(e.message.includes(p), `message "${e.message}" lacks "${p}"`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

/** A document with one key set (section.key, or optimizer.on_plateau.key) on top of `base`. */
function withKey(path: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  const doc = structuredClone(base) as Record<string, Record<string, unknown>>;
  const parts = path.split(".");
  let node: Record<string, unknown> = doc;
  for (const p of parts.slice(0, -1)) {
    node[p] ??= {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
  return doc;
}

// ---- Tests ------------------------------------------------------------------------------------------------

describe("our configs and the reference's cfgs", () => {
  it("the built-in default (warp-ts's own keys) resolves with nothing ignored", () => {
    const { config, ignored } = resolveText(readFileSync(`${CONFIGS}default.yaml`, "utf8"));
    assert.deepEqual(ignored, []);
    assert.equal(config.general.dataset, "sine");
    assert.equal(config.optimizer.name, "adam");
    assert.equal(config.optimizer.on_plateau, null);
  });

  it("every other configs/*.yaml (the reference's format) resolves, ignoring only model.nb_rnn_layers and training.save_every", () => {
    // forecast.yaml is our forecasting recipe (tested in test/forecast/api.test.ts), not the reference's.
    const files = readdirSync(CONFIGS).filter(
      (f) => f.endsWith(".yaml") && f !== "default.yaml" && f !== "forecast.yaml",
    );
    assert.ok(files.length >= 4, `found ${files.join(", ")}`);
    for (const f of files) {
      const { config, ignored } = resolveText(readFileSync(CONFIGS + f, "utf8"));
      assert.deepEqual(ignored, ["model.nb_rnn_layers", "training.save_every"], f);
      assert.equal(config.optimizer.name, "adabelief", f);
      assert.deepEqual(config.optimizer.on_plateau, PLATEAU_DEFAULTS, f);
      assert.equal("nb_rnn_layers" in config.model, false, f);
    }
  });

  it("cfgs/wsm/mnist/mnist.yaml resolves to the reference's values", () => {
    const { config, ignored } = resolveText(REF_MNIST);
    assert.deepEqual(ignored, ["model.nb_rnn_layers", "training.save_every"]);
    const expected: RunConfig = {
      general: {
        seed: 2028,
        train: true,
        classification: false,
        dataset: "mnist",
        data_path: "./data/",
        save_path: null,
      },
      data: {
        normalize: false,
        downsample_factor: 1,
        resolution: null,
        sequence_length: null,
        data_dim: null,
        mini_res: null,
        positional_encoding: null,
        limit: null,
        normalize_symmetric: false,
        generate: false,
        columns: null,
        time_column: null,
        context: null,
        horizon: null,
        stride: 1,
        split: [0.7, 0.1, 0.2],
        season: null,
        interpolate: false,
        scaling: null,
        instance_norm: "none",
        instance_scale: false,
      },
      model: {
        root_width_size: 24,
        root_depth: 3,
        root_activation: "relu",
        root_final_activation: "tanh",
        init_state_layers: null,
        input_prev_data: false,
        model_type: "wsm",
        weights_lim: 0.5,
        time_as_channel: false,
        forcing_prob: 0.15,
        noise_theta_init: null,
        std_lower_bound: 0.5,
      },
      optimizer: {
        name: "adabelief",
        init_lr: 1e-4,
        gradients_lim: 1e-7,
        grad_norm_clip: null,
        weight_decay: 0,
        transition_lr_scale: null,
        on_plateau: { factor: 0.5, min_scale: 1e-2, patience: 20, cooldown: 0, rtol: 1e-4, accum_size: 50 },
        adabelief_rule: "optax-0.2.3",
      },
      training: {
        nb_epochs: 200,
        batch_size: 640,
        print_every: 10,
        save_every: 10,
        valid_every: 10,
        val_on_test: true,
        val_criterion: "mse",
        inference_start: 300,
        context_rollout: false,
        autoregressive: true,
        stochastic: false,
        smooth_inference: true,
        nb_recons_loss_steps: 400,
        use_nll_loss: true,
      },
    };
    assert.deepEqual(config, expected);
  });

  it("cfgs/wsm/msd/original_physics.yaml resolves and builds the MSD model", () => {
    const { config, ignored } = resolveText(REF_MSD_PHYSICS);
    assert.deepEqual(ignored, ["model.nb_rnn_layers", "training.save_every"]);
    assert.equal(config.general.data_path, "./data/dynamics/mass-spring-damper/");
    assert.equal(config.optimizer.init_lr, 1e-5);
    const m = modelConfigFromRun(config, 2, null);
    assert.equal(m.root_final_activation, 39);
    assert.equal(m.input_prev_data, true);
    assert.equal(m.use_nll_loss, false);
    assert.equal(m.inference_start, 100);
  });

  it("refuses the MSD physics root on data shifted by its normalisation, naming the keys", () => {
    const text = (data: string) =>
      `data: {${data}}\nmodel: { root_physics: msd_softplus, input_prev_data: true }\ntraining: { inference_start: 100, use_nll_loss: false }`;
    for (const data of [" normalize: true ", " scaling: standard ", " instance_norm: mean "]) {
      const { config } = resolveText(text(data));
      assert.throws(
        () => modelConfigFromRun(config, 2, null),
        /model\.root_physics "msd_softplus" needs data scaled without a shift.*data\.normalize_symmetric: true/,
        data,
      );
    }
    for (const data of [" normalize: true, normalize_symmetric: true ", " normalize: false "]) {
      const { config } = resolveText(text(data));
      assert.equal(modelConfigFromRun(config, 2, null).root_physics, "msd_softplus", data);
    }
  });

  it("cfgs/wsm/traffic/pems08.yaml: the last repeated key wins and the causal flag 0 is false", () => {
    const { config, ignored } = resolveText(REF_PEMS08);
    // data.data_dim is validated but unused (the arrays give D): reported.
    assert.deepEqual(ignored, ["data.data_dim", "model.nb_rnn_layers", "training.save_every"]);
    assert.equal(config.model.positional_encoding, null);
    assert.deepEqual(config.model.conv_embedding, [4080, 36, false]);
    assert.equal(config.data.data_dim, 510);
    assert.equal(config.data.sequence_length, 12);
    assert.equal(config.training.val_criterion, "mae");
    const m = modelConfigFromRun(config, 510, null);
    assert.deepEqual(m.conv_embedding, [4080, 36, false]);
    assert.equal(m.root_output_dim, 170);
    assert.equal(m.autoregressive, false);
    assert.equal(m.inference_start, null);
  });

  it("cfgs/wsm/uea/eigen_worms.yaml: classification, data.traj_length and training.checkpoint_every ignored", () => {
    const { config, ignored } = resolveText(REF_EIGENWORMS);
    assert.deepEqual(ignored, [
      "data.traj_length",
      "data.resolution",
      "model.nb_rnn_layers",
      "training.checkpoint_every",
      "training.save_every",
    ]);
    assert.deepEqual(config.data.resolution, [32, 32]);
    assert.equal(config.training.val_criterion, "error_rate");
    const m = modelConfigFromRun(config, 6, 5);
    assert.equal(m.nb_classes, 5);
    assert.equal(m.root_width_size, 128);
    assert.equal(m.use_nll_loss, false);
  });

  it("cfgs/wsm/pathfinder/pathfinder_32.yaml: older key names, and classification ignores NLL/stochastic", () => {
    const { config, ignored } = resolveText(REF_PATHFINDER);
    assert.deepEqual(ignored, [
      "data.resolution",
      "model.nb_rnn_layers",
      "model.dynamic_tanh_init",
      "training.use_nll_loss",
      "training.stochastic",
      "training.save_every",
    ]);
    assert.equal(config.model.root_width_size, 512);
    assert.equal(config.model.root_depth, 1);
    assert.equal(config.model.root_activation, "relu");
    assert.equal("mlp_width_size" in config.model, false);
    assert.equal(config.training.use_nll_loss, false);
    assert.equal(config.training.stochastic, false);
    const m = modelConfigFromRun(config, 1, 2);
    assert.equal(m.root_width_size, 512);
    assert.equal(m.init_state_layers, 2);
    assert.equal(m.nb_classes, 2);
  });

  it("a configuration with only the older names learns θ_0 directly, and dynamic_tanh_init is the dtanh", () => {
    const { config, ignored } = resolveRunConfig({
      model: {
        mlp_width_size: 8,
        mlp_depth: 2,
        activation: "swish",
        apply_tanh_uncertainty: false,
        dynamic_tanh_init: [5.0, 0.0, 5.0, 0.0],
        rnn_hidden_size: 128,
      },
    });
    assert.deepEqual(ignored, ["model.apply_tanh_uncertainty", "model.rnn_hidden_size"]);
    const m = modelConfigFromRun(config, 1, null);
    assert.equal(m.init_state_layers, null);
    assert.equal(m.root_activation, "swish");
    assert.deepEqual(m.root_final_activation, [5, 0, 5, 0]);
    assertError(
      () => resolveRunConfig({ model: { mlp_depth: 2, root_depth: 3 } }),
      "model.mlp_depth is the older name of model.root_depth: give only one of them",
    );
  });

  it("IGNORED_RUN_KEYS lists the reference's keys warp-ts accepts and does not use", () => {
    assert.deepEqual(
      [...IGNORED_RUN_KEYS],
      [
        "data.traj_length",
        "model.nb_rnn_layers",
        "model.rnn_hidden_size",
        "model.apply_dynamic_tanh",
        "model.apply_tanh_uncertainty",
        "model.dynamic_tanh_init",
        "training.checkpoint_every",
      ],
    );
  });

  it("data keys the reference's loaders read for datasets warp-ts loads without them are reported when given", () => {
    const given = { data: { resolution: [28, 28], mini_res: 4, data_dim: 3 } };
    assert.deepEqual(resolveRunConfig(given).ignored, ["data.resolution", "data.mini_res", "data.data_dim"]);
    const none = { data: { resolution: null, mini_res: null, data_dim: null } };
    assert.deepEqual(resolveRunConfig(none).ignored, []);
  });

  it("data.positional_encoding (its older location) reaches the model; [0, C] means none", () => {
    const { config } = resolveRunConfig({ data: { positional_encoding: [6, 100] } });
    assert.deepEqual(modelConfigFromRun(config, 1, null).positional_encoding, [6, 100]);
    const zero = resolveRunConfig({ model: { positional_encoding: [0, 5] } }).config;
    assert.equal(modelConfigFromRun(zero, 1, null).positional_encoding, null);
    assertError(
      () => modelConfigFromRun(resolveRunConfig({ model: { positional_encoding: [3, 10] } }).config, 1, null),
      "model.positional_encoding = [3, 10] is invalid",
    );
  });
});

describe("defaults", () => {
  it("fill every missing section and key", () => {
    for (const doc of [
      {},
      null,
      { general: null, data: null, model: null, optimizer: null, training: null },
    ]) {
      const { config, ignored } = resolveRunConfig(doc);
      assert.deepEqual(ignored, []);
      assert.deepEqual(config.general, {
        seed: 0,
        train: true,
        classification: false,
        dataset: null,
        data_path: "./data/",
        save_path: null,
      });
      assert.deepEqual(config.model, {});
      assert.deepEqual(config.optimizer, {
        name: "adabelief",
        init_lr: 1e-4,
        gradients_lim: 1e-7,
        grad_norm_clip: null,
        weight_decay: 0,
        transition_lr_scale: null,
        on_plateau: PLATEAU_DEFAULTS,
        adabelief_rule: "optax-0.2.3",
      });
      assert.deepEqual(config.training, {
        nb_epochs: 100,
        batch_size: 128,
        print_every: 10,
        save_every: 10,
        valid_every: 10,
        val_on_test: true,
        val_criterion: "mse",
        inference_start: null,
        context_rollout: false,
        autoregressive: true,
        stochastic: false,
        smooth_inference: true,
        nb_recons_loss_steps: null,
        use_nll_loss: true,
      });
    }
  });

  it("a partial on_plateau takes the reference's values for the rest; null turns it off", () => {
    const p = resolveRunConfig({ optimizer: { on_plateau: { patience: 5 } } }).config.optimizer.on_plateau;
    assert.deepEqual(p, { ...PLATEAU_DEFAULTS, patience: 5 });
    assert.equal(resolveRunConfig({ optimizer: { on_plateau: null } }).config.optimizer.on_plateau, null);
  });

  it("adam, adamw and sgd have no element-wise clip and no plateau unless asked; adamw decays 1e-4", () => {
    for (const name of ["adam", "adamw", "sgd"] as const) {
      const o = resolveRunConfig({ optimizer: { name, init_lr: 1e-3 } }).config.optimizer;
      assert.equal(o.gradients_lim, null, name);
      assert.equal(o.on_plateau, null, name);
      assert.equal(o.weight_decay, name === "adamw" ? 1e-4 : 0, name);
    }
    const o = resolveRunConfig({ optimizer: { name: "adam", grad_norm_clip: 1, on_plateau: {} } }).config
      .optimizer;
    assert.equal(o.grad_norm_clip, 1);
    assert.deepEqual(o.on_plateau, PLATEAU_DEFAULTS);
  });

  it("classification defaults val_criterion to error_rate and turns off NLL", () => {
    const { config, ignored } = resolveRunConfig({ general: { classification: true } });
    assert.equal(config.training.val_criterion, "error_rate");
    assert.equal(config.training.use_nll_loss, false);
    assert.deepEqual(ignored, []);
  });
});

describe("errors", () => {
  const bad: [string, unknown, string][] = [
    ["general.seed", 1.5, "an integer"],
    ["general.train", "yes please", "true or false"],
    ["general.classification", 1, "true or false"],
    ["general.dataset", 3, "a non-empty string"],
    ["general.data_path", null, "a non-empty string"],
    ["general.save_path", "", "a non-empty string"],
    ["data.normalize", "no way", "true or false"],
    ["data.downsample_factor", 0, "a positive integer"],
    ["data.resolution", [32], "[height, width] (two positive integers) or null"],
    ["data.sequence_length", -4, "a positive integer or null"],
    ["data.data_dim", 2.5, "a positive integer or null"],
    ["data.mini_res", "8", "a positive integer or null"],
    ["data.positional_encoding", [5, 10], "[D, C] with D a non-negative even integer and C > 0 or null"],
    ["optimizer.name", "lion", 'one of "adabelief", "adam", "adamw", "sgd"'],
    ["optimizer.init_lr", 0, "a positive number"],
    ["optimizer.gradients_lim", -1, "a positive number or null"],
    ["optimizer.grad_norm_clip", "big", "a positive number or null"],
    ["optimizer.weight_decay", -0.1, "a non-negative number"],
    ["optimizer.on_plateau", 3, "a mapping of plateau settings or null"],
    ["optimizer.on_plateau.factor", 1, "a number in (0, 1)"],
    ["optimizer.on_plateau.min_scale", 2, "a number in [0, 1]"],
    ["optimizer.on_plateau.patience", -1, "a non-negative integer"],
    ["optimizer.on_plateau.cooldown", 0.5, "a non-negative integer"],
    ["optimizer.on_plateau.rtol", 0, "a number in (0, 1]"],
    ["optimizer.on_plateau.accum_size", 0, "a positive integer"],
    ["training.nb_epochs", 0, "a positive integer"],
    ["training.batch_size", 12.5, "a positive integer"],
    ["training.print_every", null, "a positive integer"],
    ["training.save_every", -10, "a positive integer"],
    ["training.valid_every", 0, "a positive integer or null"],
    ["training.val_criterion", "accuracy", '"mse", "mae", "rmse", "nll", "error_rate", "f1_score", "cce"'],
    ["training.inference_start", -1, "a non-negative integer or null"],
    ["training.autoregressive", "True", "true or false"],
    ["training.stochastic", 1, "true or false"],
    ["training.smooth_inference", null, "true or false"],
    ["training.nb_recons_loss_steps", 0, "a positive integer or null"],
    ["training.use_nll_loss", "no", "true or false"],
  ];
  for (const [path, value, allowed] of bad) {
    it(`${path} = ${JSON.stringify(value)} names the key, the value and what is allowed`, () => {
      const shown = Array.isArray(value) ? `[${value.join(", ")}]` : JSON.stringify(value);
      assertError(
        () => resolveRunConfig(withKey(path, value)),
        `${path} = ${shown} is invalid: expected`,
        allowed,
      );
    });
  }

  it("unknown keys suggest the nearest valid key of their section", () => {
    const cases: [string, string | null][] = [
      ["training.nb_epoch", "training.nb_epochs"],
      ["model.root_widht_size", "model.root_width_size"],
      ["general.sed", "general.seed"],
      ["data.normalise", "data.normalize"],
      ["optimizer.init_rl", "optimizer.init_lr"],
      ["optimizer.on_plateau.patiance", "optimizer.on_plateau.patience"],
      ["training.checkpoint_evry", "training.checkpoint_every"],
      ["training.zzzzzzzzzz", null],
    ];
    for (const [path, hint] of cases) {
      const msg = `unknown key "${path}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
      assertError(
        () => resolveRunConfig(withKey(path, 1)),
        new RegExp(`^${msg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
      );
    }
  });

  it("a key in the wrong section points to the section it belongs to", () => {
    assertError(
      () => resolveRunConfig({ model: { autoregressive: false } }),
      'unknown key "model.autoregressive" (did you mean "training.autoregressive"?)',
    );
    assertError(
      () => resolveRunConfig({ training: { forcing_prob: 0.5 } }),
      'unknown key "training.forcing_prob" (did you mean "model.forcing_prob"?)',
    );
  });

  it("unknown sections suggest the nearest section", () => {
    assertError(
      () => resolveRunConfig({ trainig: {} }),
      'unknown section "trainig" (did you mean "training"?)',
      "general, data, model, optimizer, training",
    );
    assertError(() => resolveRunConfig({ optimiser: {} }), '(did you mean "optimizer"?)');
    assertError(() => resolveRunConfig({ zebra: 1 }), 'unknown section "zebra": the sections are');
  });

  it("a section or document that is not a mapping is refused", () => {
    assertError(() => resolveRunConfig({ model: [1, 2] }), 'section "model" must be a mapping', "[1, 2]");
    assertError(() => resolveRunConfig([1]), "a run configuration is a mapping with sections");
    assertError(() => resolveRunConfig("text"), "a run configuration is a mapping with sections");
  });

  it("cross-key rules: criterion vs task, nll needs σ, weight decay needs adamw", () => {
    assertError(
      () => resolveRunConfig({ training: { val_criterion: "error_rate" } }),
      'training.val_criterion = "error_rate" is invalid',
      "since general.classification is false",
    );
    assertError(
      () => resolveRunConfig({ general: { classification: true }, training: { val_criterion: "mse" } }),
      "since general.classification is true",
    );
    assertError(
      () => resolveRunConfig({ training: { val_criterion: "nll", use_nll_loss: false } }),
      "nll needs the predicted σ",
    );
    assertError(
      () => resolveRunConfig({ optimizer: { name: "adam", weight_decay: 0.01 } }),
      'optimizer.weight_decay = 0.01 is invalid: expected 0 with optimizer "adam"',
    );
  });

  it("invalid YAML is one WarpError", () => {
    assertError(() => parseConfigYaml("model: [1, 2"), /^invalid YAML: /);
  });

  it("parses as PyYAML's safe_load: YAML 1.1 booleans, the last of repeated keys", () => {
    assert.deepEqual(parseConfigYaml("a: yes\nb: Off\nc: 1.0e-4\nc: 2\n"), { a: true, b: false, c: 2 });
  });
});

describe("--set overrides", () => {
  const base = parseConfigYaml(REF_MNIST) as Record<string, Record<string, unknown>>;

  it("parse numbers, booleans, null, strings and lists, and set nested on_plateau keys", () => {
    const doc = applyOverrides(base, [
      "training.nb_epochs=5",
      "model.root_width_size=32",
      "model.root_final_activation=[1,0,1,0]",
      "model.weights_lim=null",
      "training.stochastic=true",
      "training.smooth_inference=False",
      "optimizer.init_lr=1e-3",
      "optimizer.on_plateau.patience=7",
      "general.dataset=mnist_fashion",
      "general.data_path = ./elsewhere/ ",
    ]);
    const { config } = resolveRunConfig(doc);
    assert.equal(config.training.nb_epochs, 5);
    assert.equal(config.model.root_width_size, 32);
    assert.deepEqual(config.model.root_final_activation, [1, 0, 1, 0]);
    assert.equal(config.model.weights_lim, null);
    assert.equal(config.training.stochastic, true);
    assert.equal(config.training.smooth_inference, false);
    assert.equal(config.optimizer.init_lr, 1e-3);
    assert.deepEqual(config.optimizer.on_plateau, { ...PLATEAU_DEFAULTS, patience: 7 });
    assert.equal(config.general.dataset, "mnist_fashion");
    assert.equal(config.general.data_path, "./elsewhere/");
    // The input document is left as it was.
    assert.equal(base.training!.nb_epochs, 200);
    assert.equal(base.model!.root_width_size, 24);
  });

  it("create missing sections, replace a null on_plateau, and accept on_plateau=null", () => {
    const doc = applyOverrides({}, ["optimizer.on_plateau.cooldown=3", "data.normalize=true"]);
    assert.deepEqual(doc, { optimizer: { on_plateau: { cooldown: 3 } }, data: { normalize: true } });
    const again = applyOverrides({ optimizer: { on_plateau: null } }, ["optimizer.on_plateau.rtol=0.01"]);
    assert.deepEqual(again, { optimizer: { on_plateau: { rtol: 0.01 } } });
    const off = resolveRunConfig(applyOverrides(base, ["optimizer.on_plateau=null"])).config;
    assert.equal(off.optimizer.on_plateau, null);
  });

  it("a later --set of the same key wins", () => {
    const doc = applyOverrides({}, ["training.nb_epochs=5", "training.nb_epochs=6"]);
    assert.equal(resolveRunConfig(doc).config.training.nb_epochs, 6);
  });

  it("malformed --set values are clear errors", () => {
    assertError(() => applyOverrides({}, ["training.nb_epochs"]), '--set training.nb_epochs: missing "="');
    assertError(() => applyOverrides({}, ["=5"]), "--set =5: empty key path");
    assertError(() => applyOverrides({}, ["training..x=5"]), "empty key path");
    assertError(
      () => applyOverrides({}, ["nb_epochs=5"]),
      '"nb_epochs" has 1 level(s): expected section.key=value',
    );
    assertError(() => applyOverrides({}, ["a.b.c=5"]), '"a.b.c" has 3 level(s)');
    assertError(
      () => applyOverrides({}, ["training.nb_epochs="]),
      "empty value (write training.nb_epochs=null",
    );
    assertError(() => applyOverrides({}, ["model.root_final_activation=[1,0"]), "invalid YAML");
    assertError(() => applyOverrides({}, ["model.root_depth={a: 1}"]), "the value is a mapping");
    assertError(() => applyOverrides({ model: 3 }, ["model.root_depth=1"]), '"model" is 3, not a mapping');
  });

  it("unknown paths are caught by resolveRunConfig afterwards", () => {
    const doc = applyOverrides(base, ["training.nb_epoch=5"]);
    assertError(
      () => resolveRunConfig(doc),
      'unknown key "training.nb_epoch" (did you mean "training.nb_epochs"?)',
    );
    assertError(
      () => resolveRunConfig(applyOverrides(base, ["trainng.nb_epochs=5"])),
      '(did you mean "training"?)',
    );
  });
});

describe("modelConfigFromRun", () => {
  it("gives the ModelConfig of configs/mnist.yaml", () => {
    const { config } = resolveText(readFileSync(`${CONFIGS}mnist.yaml`, "utf8"));
    const expected: ModelConfig = {
      data_size: 1,
      nb_classes: null,
      model_type: "wsm",
      root_width_size: 24,
      root_depth: 3,
      root_activation: "relu",
      root_final_activation: "tanh",
      init_state_layers: null,
      input_prev_data: false,
      weights_lim: 0.5,
      time_as_channel: false,
      forcing_prob: 0.15,
      noise_theta_init: null,
      std_lower_bound: 0.5,
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
      nb_recons_loss_steps: 400,
      inference_start: 300,
      reference_commit: "bde9a5d",
    };
    assert.deepEqual(modelConfigFromRun(config, 1, null), expected);
  });

  it("gives the WARP-Phys model of configs/msd-physics.yaml", () => {
    const { config } = resolveText(readFileSync(`${CONFIGS}msd-physics.yaml`, "utf8"));
    const m = modelConfigFromRun(config, 2, null);
    assert.equal(m.root_physics, "msd");
    assert.equal(m.data_size, 2);
  });

  it("names the section of a bad model or training value", () => {
    const run = (doc: unknown) => resolveRunConfig(doc).config;
    assertError(
      () => modelConfigFromRun(run({ model: { root_activation: "gelu" } }), 1, null),
      'model.root_activation = "gelu" is invalid: expected one of',
    );
    assertError(
      () => modelConfigFromRun(run({ model: { root_depth: -1 } }), 1, null),
      "model.root_depth = -1 is invalid",
    );
    assertError(
      () => modelConfigFromRun(run({ model: { model_type: "transformer" } }), 1, null),
      'model.model_type = "transformer" is invalid: expected one of "wsm", "gru", "lstm"',
    );
    assert.equal(modelConfigFromRun(run({ model: { model_type: "gru" } }), 1, null).rnn_hidden_size, 64);
    // WARP-only keys in a GRU/LSTM run are reported as ignored (and not part of its configuration).
    const gru = resolveRunConfig({
      model: { model_type: "gru", root_width_size: 8, mlp_depth: 2, weights_lim: 1, time_as_channel: false },
    });
    assert.deepEqual(gru.ignored, ["model.root_width_size", "model.mlp_depth", "model.weights_lim"]);
    assert.deepEqual(gru.config.model, { model_type: "gru", time_as_channel: false });
    assertError(
      () => modelConfigFromRun(run({ model: { model_type: "gru", rnn_hidden_size: 0 } }), 1, null),
      "model.rnn_hidden_size = 0 is invalid: expected a positive integer",
    );
    assertError(
      () => modelConfigFromRun(run({ model: { model_type: "lstm", nb_rnn_layers: 1.5 } }), 1, null),
      "model.nb_rnn_layers = 1.5 is invalid: expected a positive integer",
    );
    assertError(
      () => modelConfigFromRun(run({ model: { data_size: 3 } }), 2, null),
      "model.data_size = 3 does not match the data's observation size 2",
    );
    assertError(
      () => modelConfigFromRun(run({ training: { stochastic: true, autoregressive: false } }), 1, null),
      "training.stochastic: true needs training.autoregressive: true",
    );
  });

  it("classification takes the class count from the data or model.nb_classes", () => {
    const run = (doc: unknown) => resolveRunConfig(doc).config;
    const cls = { general: { classification: true }, training: { autoregressive: false } };
    assert.equal(modelConfigFromRun(run(cls), 3, 4).nb_classes, 4);
    assert.equal(modelConfigFromRun(run(withKey("model.nb_classes", 7, cls)), 3, null).nb_classes, 7);
    assertError(() => modelConfigFromRun(run(cls), 3, null), "the number of classes is unknown");
    assertError(
      () => modelConfigFromRun(run(withKey("model.nb_classes", 7, cls)), 3, 4),
      "model.nb_classes = 7 does not match the data's 4 classes",
    );
    // Regression ignores a class count.
    assert.equal(modelConfigFromRun(run({}), 1, 10).nb_classes, null);
  });
});

describe("resolveDataPath", () => {
  const at = (data_path: string) => {
    const { config } = resolveRunConfig({ general: { data_path } });
    return config;
  };
  it("resolves relative paths against the working directory and keeps the trailing slash", () => {
    assert.equal(resolveDataPath(at("./data/"), "/home/u/proj"), "/home/u/proj/data/");
    assert.equal(
      resolveDataPath(at("data/dynamics/sine"), "/home/u/proj/"),
      "/home/u/proj/data/dynamics/sine",
    );
    assert.equal(resolveDataPath(at("../shared/./data/"), "/home/u/proj"), "/home/u/shared/data/");
    assert.equal(resolveDataPath(at("/abs/data/"), "/home/u/proj"), "/abs/data/");
    assert.equal(resolveDataPath(at("/abs/../x"), "/home"), "/x");
    assert.equal(resolveDataPath(at("./"), "/"), "/");
  });
  it("joins with backslashes under a Windows working directory", () => {
    assert.equal(resolveDataPath(at("./data/"), "C:\\Users\\me\\proj"), "C:\\Users\\me\\proj\\data\\");
    assert.equal(resolveDataPath(at("D:\\data"), "C:\\Users"), "D:\\data");
  });
});
