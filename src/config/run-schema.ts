// The run configuration's schema: the reference's YAML sections (general/data/model/optimizer/training), the
// type of each validated section, the defaults of keys a configuration leaves out, and which keys each section
// accepts (ours, the reference's keys that warp-ts ignores, legacy names).
// Not here: checking values (run-config.ts), `--set` overrides (overrides.ts), paths (paths.ts).

import type { AdaBeliefRule } from "../optim/optimizers.js";
import { IGNORED_MODEL_KEYS, MODEL_DEFAULTS, TRAINING_MODEL_KEYS } from "../warp/config.js";

/** The sections of a run configuration, in the reference's order. */
export const RUN_SECTIONS = ["general", "data", "model", "optimizer", "training"] as const;
export type RunSection = (typeof RUN_SECTIONS)[number];

/** Optimisers: "adabelief" is the reference chain clip(gradients_lim) → adabelief → reduce_on_plateau. */
export const OPTIMIZER_NAMES = ["adabelief", "adam", "adamw", "sgd"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Validation criteria: regression (mse, mae, rmse, nll) and classification (error_rate, f1_score, cce). */
export const VAL_CRITERIA = ["mse", "mae", "rmse", "nll", "error_rate", "f1_score", "cce"] as const;
export type ValCriterion = (typeof VAL_CRITERIA)[number];
/** @internal The criteria of classification runs. */
export const CLASSIFICATION_CRITERIA: readonly ValCriterion[] = ["error_rate", "f1_score", "cce"];

export interface GeneralConfig {
  seed: number;
  train: boolean;
  classification: boolean;
  /** Dataset name as the reference spells it ("mnist", "mass_spring_damper", "uea", …), or null. */
  dataset: string | null;
  /** Data folder; relative paths are resolved against the working directory (resolveDataPath). */
  data_path: string;
  /** Run folder, or null for a fresh one. */
  save_path: string | null;
}

export interface DataConfig {
  /** Min-max scaling to [−1, 1] with the training set's extrema (dynamics and UEA datasets). */
  normalize: boolean;
  /** Keep every k-th pixel row and column (images). */
  downsample_factor: number;
  /** Image resolution [H, W] (CelebA, CIFAR, Pathfinder). */
  resolution: [number, number] | null;
  /** Sequence length of generated or windowed datasets (ICL, traffic, mitsui, comphy). */
  sequence_length: number | null;
  /** Observation size declared by generated or windowed datasets. */
  data_dim: number | null;
  /** Frame downsampling of video datasets (comphy). */
  mini_res: number | null;
  /** [D, C]: the older location of model.positional_encoding (used when the model section has none). */
  positional_encoding: [number, number] | null;
  /** warp-ts: use only the first N sequences of every split (quick runs), or null for all. */
  limit: number | null;
  /** warp-ts: with normalize, ranges symmetric about 0 (x/max|x|: zero stays zero, for physics roots). */
  normalize_symmetric: boolean;
  /** warp-ts: generate the dataset (sine only) instead of reading general.data_path. */
  generate: boolean;
  // Forecasting one long series (general.dataset "series"; see src/forecast/data.ts).
  /** Columns of the series file (names or 0-based indices), or null for every numeric column. */
  columns: (string | number)[] | null;
  /** The time/date column (name or index), or null to detect a header containing "date" or "time". */
  time_column: string | number | null;
  /** Context length L: steps the model reads before forecasting. */
  context: number | null;
  /** Horizon H: steps forecast after the context (windows are L + H steps). */
  horizon: number | null;
  /** Steps between the starts of consecutive training windows. */
  stride: number;
  /** Chronological fractions [train, val, test] of the series' rows. */
  split: [number, number, number];
  /** Season length of the seasonal-naive baseline, or null to detect it on the training rows. */
  season: number | null;
  /** Fill missing cells (empty, NA, NaN) by linear interpolation instead of rejecting them. */
  interpolate: boolean;
  /** Global scaling with the training rows' statistics; null: from normalize / normalize_symmetric. */
  scaling: SeriesScaling | null;
  /**
   * Per-window normalisation relative to the context: subtract its mean, its last value, or its last
   * season repeated (the seasonal-naive forecast; season from data.season or detected), or none.
   */
  instance_norm: InstanceNorm;
  /** With instance_norm, also divide by the context's standard deviation. */
  instance_scale: boolean;
}

/** Global scalings of a series: min-max to [−1, 1], symmetric (x / max|x|), standard (z-score), none. */
export const SERIES_SCALINGS = ["minmax", "symmetric", "standard", "none"] as const;
export type SeriesScaling = (typeof SERIES_SCALINGS)[number];

/** The global scaling a data section asks for: data.scaling, else from data.normalize / normalize_symmetric. */
export function seriesScaling(d: DataConfig): SeriesScaling {
  return d.scaling ?? (d.normalize ? (d.normalize_symmetric ? "symmetric" : "minmax") : "none");
}
/** Per-window centring relative to the context. */
export const INSTANCE_NORMS = ["none", "mean", "last", "season"] as const;
export type InstanceNorm = (typeof INSTANCE_NORMS)[number];

export interface PlateauConfig {
  factor: number;
  min_scale: number;
  patience: number;
  cooldown: number;
  rtol: number;
  accum_size: number;
}

export interface OptimizerConfig {
  name: OptimizerName;
  init_lr: number;
  /** Element-wise gradient clip (optax.clip), or null for none. */
  gradients_lim: number | null;
  /** Global-norm gradient clip, or null for none (ours). */
  grad_norm_clip: number | null;
  /** Decoupled weight decay of adamw (ours; 0 for the other optimisers). */
  weight_decay: number;
  /**
   * Multiplies the updates of WARP's transition matrix A (ours; null = 1): a dense A = I + E drifts as a
   * whole under Adam-like steps, so long sequences need A to move more slowly than the rest.
   */
  transition_lr_scale: number | null;
  /** Reduce-on-plateau driven by the minibatch loss, or null for a constant learning rate. */
  on_plateau: PlateauConfig | null;
  /** AdaBelief's belief term: "optax-0.2.3" (the authors' pinned version, default) or "optax-0.2.4". */
  adabelief_rule: AdaBeliefRule;
}

export interface TrainingConfig {
  nb_epochs: number;
  batch_size: number;
  print_every: number;
  save_every: number;
  /** Validate every N epochs (and at the last one), or null for the last epoch only. */
  valid_every: number | null;
  /**
   * Without a validation split, validate on the test split and keep the best model, as the authors'
   * loaders.py/main.py at bde9a5d (default true); false: no validation, the last model is the result.
   */
  val_on_test: boolean;
  val_criterion: ValCriterion;
  inference_start: number | null;
  /**
   * Train as a forecast runs (autoregressive, with inference_start): the true values for the first
   * inference_start steps, then the model's own predictions (the true value with probability
   * forcing_prob), and the loss on the steps after the context only.
   */
  context_rollout: boolean;
  autoregressive: boolean;
  stochastic: boolean;
  smooth_inference: boolean;
  nb_recons_loss_steps: number | null;
  use_nll_loss: boolean;
}

/** A validated run configuration. `model` is the model mapping with valid keys; its values are checked by
 * modelConfigFromRun (resolveModelConfig) once the data size is known. */
export interface RunConfig {
  general: GeneralConfig;
  data: DataConfig;
  model: Record<string, unknown>;
  optimizer: OptimizerConfig;
  training: TrainingConfig;
}

/** The reference's reduce_on_plateau settings (the same in every one of its configs). */
export const PLATEAU_DEFAULTS: PlateauConfig = {
  factor: 0.5,
  min_scale: 1e-2,
  patience: 20,
  cooldown: 0,
  rtol: 1e-4,
  accum_size: 50,
};

/** Defaults for keys a configuration leaves out (the reference has none: these are its usual values). */
export const RUN_DEFAULTS = {
  general: {
    seed: 0,
    train: true,
    classification: false,
    dataset: null,
    data_path: "./data/",
    save_path: null,
  } satisfies GeneralConfig,
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
  } satisfies DataConfig,
  /** name "adabelief": gradients_lim 1e-7 and PLATEAU_DEFAULTS; other optimisers: neither, unless given. */
  optimizer: { name: "adabelief", init_lr: 1e-4, grad_norm_clip: null },
  training: {
    nb_epochs: 100,
    batch_size: 128,
    print_every: 10,
    save_every: 10,
    valid_every: 10,
    val_on_test: true,
    inference_start: MODEL_DEFAULTS.inference_start,
    context_rollout: false,
    autoregressive: MODEL_DEFAULTS.autoregressive,
    stochastic: MODEL_DEFAULTS.stochastic,
    smooth_inference: MODEL_DEFAULTS.smooth_inference,
    nb_recons_loss_steps: MODEL_DEFAULTS.nb_recons_loss_steps,
    use_nll_loss: MODEL_DEFAULTS.use_nll_loss,
  },
} as const;

/**
 * Keys found in the reference's cfgs/**.yaml that warp-ts accepts and does not use, as "section.key".
 * model.nb_rnn_layers and model.rnn_hidden_size are listed for WARP runs only: a GRU/LSTM run
 * (model.model_type "gru" or "lstm") uses them.
 * model.dynamic_tanh_init is listed unless it is a list [a, b, α, β], read as root_final_activation (dtanh).
 * In a classification run, training.use_nll_loss: true, stochastic: true and smooth_inference: false are
 * listed too: the reference's classifier ignores them, and so does warp-ts.
 */
export const IGNORED_RUN_KEYS = [
  "data.traj_length",
  ...IGNORED_MODEL_KEYS.map((k) => `model.${k}`),
  "model.apply_dynamic_tanh",
  "model.apply_tanh_uncertainty",
  "model.dynamic_tanh_init",
  "training.checkpoint_every",
] as const;

/** Model keys only WARP reads: given in a GRU/LSTM run, they are reported as ignored. */
export const WARP_ONLY_MODEL_KEYS: readonly string[] = [
  "root_width_size",
  "root_depth",
  "root_activation",
  "root_final_activation",
  "init_state_layers",
  "input_prev_data",
  "weights_lim",
  "noise_theta_init",
  "positional_encoding",
  "root_output_dim",
  "reference_commit",
];

/** Data keys the reference's loaders read for datasets warp-ts loads without them: reported when given. */
export const UNUSED_DATA_KEYS = ["resolution", "mini_res", "data_dim"] as const;

/** Older names of model keys in the reference's cfgs, read as the current ones. */
export const LEGACY_MODEL_KEYS: Readonly<Record<string, string>> = {
  mlp_width_size: "root_width_size",
  mlp_depth: "root_depth",
  activation: "root_activation",
  dynamic_tanh_init: "root_final_activation",
};

const TRAINING_ONLY = new Set<string>(TRAINING_MODEL_KEYS);
/** @internal Keys of the model section warp-ts reads. */
const MODEL_KEYS = [
  "data_size",
  ...Object.keys(MODEL_DEFAULTS).filter((k) => !TRAINING_ONLY.has(k)),
] as readonly string[];
/** @internal Keys of optimizer.on_plateau. */
export const PLATEAU_KEYS = Object.keys(PLATEAU_DEFAULTS);

/** @internal Keys warp-ts reads, per section. */
export const OWN_KEYS: Record<RunSection, readonly string[]> = {
  general: Object.keys(RUN_DEFAULTS.general),
  data: Object.keys(RUN_DEFAULTS.data),
  model: MODEL_KEYS,
  optimizer: [
    "name",
    "init_lr",
    "gradients_lim",
    "grad_norm_clip",
    "weight_decay",
    "transition_lr_scale",
    "on_plateau",
    "adabelief_rule",
  ],
  training: [...Object.keys(RUN_DEFAULTS.training), "val_criterion"],
};

/** @internal The IGNORED_RUN_KEYS of a section, without the section. */
export const ignoredIn = (s: RunSection): string[] =>
  IGNORED_RUN_KEYS.filter((k) => k.startsWith(`${s}.`)).map((k) => k.slice(s.length + 1));

/** @internal Every key a section accepts: ours, the reference's ignored keys and the legacy names. */
export const ACCEPTED: Record<RunSection, readonly string[]> = {
  general: [...OWN_KEYS.general, ...ignoredIn("general")],
  data: [...OWN_KEYS.data, ...ignoredIn("data")],
  model: [...new Set([...OWN_KEYS.model, ...ignoredIn("model"), ...Object.keys(LEGACY_MODEL_KEYS)])],
  optimizer: [...OWN_KEYS.optimizer, ...ignoredIn("optimizer")],
  training: [...OWN_KEYS.training, ...ignoredIn("training")],
};
