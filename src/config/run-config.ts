// The run configuration: the reference's YAML (sections general/data/model/optimizer/training), validated key
// by key with the reference's defaults, `--set section.key=value` overrides, and the bridge to ModelConfig.
// Keys the reference's cfgs use but warp-ts does not are accepted and listed so the CLI can report them.
// Not here: reading files, loading data, building optimisers or training (this module only parses and checks).

import { parse } from "yaml";
import { ADABELIEF_RULES, type AdaBeliefRule } from "../optim/optimizers.js";
import { WarpError } from "../util/assert.js";
import {
  IGNORED_MODEL_KEYS,
  MODEL_DEFAULTS,
  type ModelConfig,
  nearest,
  RNN_MODEL_KEYS,
  RNN_MODEL_TYPES,
  resolveModelConfig,
  TRAINING_MODEL_KEYS,
} from "../warp/config.js";

/** The sections of a run configuration, in the reference's order. */
export const RUN_SECTIONS = ["general", "data", "model", "optimizer", "training"] as const;
export type RunSection = (typeof RUN_SECTIONS)[number];

/** Optimisers: "adabelief" is the reference chain clip(gradients_lim) → adabelief → reduce_on_plateau. */
export const OPTIMIZER_NAMES = ["adabelief", "adam", "adamw", "sgd"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Validation criteria: regression (mse, mae, rmse, nll) and classification (error_rate, f1_score, cce). */
export const VAL_CRITERIA = ["mse", "mae", "rmse", "nll", "error_rate", "f1_score", "cce"] as const;
export type ValCriterion = (typeof VAL_CRITERIA)[number];
const CLASSIFICATION_CRITERIA: readonly ValCriterion[] = ["error_rate", "f1_score", "cce"];

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
const WARP_ONLY_MODEL_KEYS: readonly string[] = [
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
const UNUSED_DATA_KEYS = ["resolution", "mini_res", "data_dim"] as const;

/** Older names of model keys in the reference's cfgs, read as the current ones. */
export const LEGACY_MODEL_KEYS: Readonly<Record<string, string>> = {
  mlp_width_size: "root_width_size",
  mlp_depth: "root_depth",
  activation: "root_activation",
  dynamic_tanh_init: "root_final_activation",
};

const TRAINING_ONLY = new Set<string>(TRAINING_MODEL_KEYS);
const MODEL_KEYS = [
  "data_size",
  ...Object.keys(MODEL_DEFAULTS).filter((k) => !TRAINING_ONLY.has(k)),
] as readonly string[];
const PLATEAU_KEYS = Object.keys(PLATEAU_DEFAULTS);

/** Keys warp-ts reads, per section. */
const OWN_KEYS: Record<RunSection, readonly string[]> = {
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

const ignoredIn = (s: RunSection): string[] =>
  IGNORED_RUN_KEYS.filter((k) => k.startsWith(`${s}.`)).map((k) => k.slice(s.length + 1));

/** Every key a section accepts: ours, the reference's ignored keys and the legacy names. */
const ACCEPTED: Record<RunSection, readonly string[]> = {
  general: [...OWN_KEYS.general, ...ignoredIn("general")],
  data: [...OWN_KEYS.data, ...ignoredIn("data")],
  model: [...new Set([...OWN_KEYS.model, ...ignoredIn("model"), ...Object.keys(LEGACY_MODEL_KEYS)])],
  optimizer: [...OWN_KEYS.optimizer, ...ignoredIn("optimizer")],
  training: [...OWN_KEYS.training, ...ignoredIn("training")],
};

// ---------------------------------------------------------------------------------------------------------
// Values and errors

type Raw = Record<string, unknown>;

/** A value as the user wrote it (JSON-like; non-finite numbers keep their names). */
function show(v: unknown): string {
  if (v === undefined) return "(nothing)";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (isMapping(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(", ")}}`;
  return JSON.stringify(v) ?? String(v);
}

const fail = (path: string, value: unknown, allowed: string): never => {
  throw new WarpError(`${path} = ${show(value)} is invalid: expected ${allowed}`);
};

function isMapping(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

const posInt = (p: string, v: unknown): number => (isInt(v) && v > 0 ? v : fail(p, v, "a positive integer"));
const nonNegInt = (p: string, v: unknown): number =>
  isInt(v) && v >= 0 ? v : fail(p, v, "a non-negative integer");
const posNum = (p: string, v: unknown): number => (isNum(v) && v > 0 ? v : fail(p, v, "a positive number"));
const bool = (p: string, v: unknown): boolean => (typeof v === "boolean" ? v : fail(p, v, "true or false"));
const orNull =
  <T>(check: (p: string, v: unknown) => T, what: string) =>
  (p: string, v: unknown): T | null => {
    if (v === null) return null;
    try {
      return check(p, v);
    } catch {
      return fail(p, v, `${what} or null`);
    }
  };
const posIntOrNull = orNull(posInt, "a positive integer");
const nonNegIntOrNull = orNull(nonNegInt, "a non-negative integer");
const posNumOrNull = orNull(posNum, "a positive number");
function oneOf<T extends string>(p: string, v: unknown, allowed: readonly T[]): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v)
    ? (v as T)
    : fail(p, v, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}
function str(p: string, v: unknown): string {
  return typeof v === "string" && v.length > 0 ? v : fail(p, v, "a non-empty string");
}
function inUnit(p: string, v: unknown, open: boolean): number {
  return isNum(v) && v > 0 && (open ? v < 1 : v <= 1)
    ? v
    : fail(p, v, `a number in (0, 1${open ? ")" : "]"}`);
}

/** [D, C] with D ≥ 0 even and C > 0; D = 0 (no features, as in the reference's ICL configs) is null. */
function positionalEncoding(p: string, v: unknown): [number, number] | null {
  if (v === null) return null;
  if (
    Array.isArray(v) &&
    v.length === 2 &&
    isInt(v[0]) &&
    v[0] >= 0 &&
    v[0] % 2 === 0 &&
    isNum(v[1]) &&
    v[1] > 0
  )
    return v[0] === 0 ? null : [v[0], v[1]];
  return fail(p, v, "[D, C] with D a non-negative even integer and C > 0, or null");
}

// ---------------------------------------------------------------------------------------------------------
// Sections

function unknownKeyError(section: RunSection, key: string): WarpError {
  const path = `${section}.${key}`;
  // The same key in another section first, then the nearest key of this section, then of any section.
  const elsewhere = RUN_SECTIONS.find((s) => s !== section && ACCEPTED[s].includes(key));
  const near = nearest(key, ACCEPTED[section]);
  const hint =
    elsewhere !== undefined
      ? `${elsewhere}.${key}`
      : near !== null
        ? `${section}.${near}`
        : nearest(
            path,
            RUN_SECTIONS.flatMap((s) => ACCEPTED[s].map((k) => `${s}.${k}`)),
          );
  return new WarpError(`unknown key "${path}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
}

function sectionOf(doc: Raw, name: RunSection): Raw {
  const s = doc[name];
  if (s === undefined || s === null) return {};
  if (!isMapping(s))
    throw new WarpError(`section "${name}" must be a mapping of keys to values, got ${show(s)}`);
  for (const k of Object.keys(s)) if (!ACCEPTED[name].includes(k)) throw unknownKeyError(name, k);
  return s;
}

/** Reads `key` of a section: the user's value when present, else the default. */
const pick = (s: Raw, key: string, dflt: unknown): unknown => (s[key] === undefined ? dflt : s[key]);

function resolveGeneral(s: Raw): GeneralConfig {
  const d = RUN_DEFAULTS.general;
  const v = (k: keyof GeneralConfig) => pick(s, k, d[k]);
  return {
    seed: Number.isSafeInteger(v("seed"))
      ? (v("seed") as number)
      : fail("general.seed", v("seed"), "an integer"),
    train: bool("general.train", v("train")),
    classification: bool("general.classification", v("classification")),
    dataset: v("dataset") === null ? null : str("general.dataset", v("dataset")),
    data_path: str("general.data_path", v("data_path")),
    save_path: v("save_path") === null ? null : str("general.save_path", v("save_path")),
  };
}

function resolveData(s: Raw): DataConfig {
  const d = RUN_DEFAULTS.data;
  const v = (k: keyof DataConfig) => pick(s, k, d[k]);
  const res = v("resolution");
  const [context, season] = [
    posIntOrNull("data.context", v("context")),
    posIntOrNull("data.season", v("season")),
  ];
  if (season !== null && context !== null && season > context)
    fail(
      "data.season",
      season,
      `at most data.context (${context}): the seasonal forecasts repeat the context's last season`,
    );
  return {
    normalize: bool("data.normalize", v("normalize")),
    downsample_factor: posInt("data.downsample_factor", v("downsample_factor")),
    resolution:
      res === null
        ? null
        : Array.isArray(res) && res.length === 2 && res.every((x) => isInt(x) && x > 0)
          ? [res[0], res[1]]
          : fail("data.resolution", res, "[height, width] (two positive integers) or null"),
    sequence_length: posIntOrNull("data.sequence_length", v("sequence_length")),
    limit: posIntOrNull("data.limit", v("limit")),
    normalize_symmetric: bool("data.normalize_symmetric", v("normalize_symmetric")),
    generate: bool("data.generate", v("generate")),
    data_dim: posIntOrNull("data.data_dim", v("data_dim")),
    mini_res: posIntOrNull("data.mini_res", v("mini_res")),
    positional_encoding: positionalEncoding("data.positional_encoding", v("positional_encoding")),
    columns: seriesColumns(v("columns")),
    time_column: v("time_column") === null ? null : columnRef("data.time_column", v("time_column")),
    context,
    horizon: posIntOrNull("data.horizon", v("horizon")),
    stride: posInt("data.stride", v("stride")),
    split: splitFractions(v("split")),
    season,
    interpolate: bool("data.interpolate", v("interpolate")),
    scaling: v("scaling") === null ? null : oneOf("data.scaling", v("scaling"), SERIES_SCALINGS),
    instance_norm: oneOf("data.instance_norm", v("instance_norm"), INSTANCE_NORMS),
    instance_scale: bool("data.instance_scale", v("instance_scale")),
  };
}

/** A column name or 0-based index. */
function columnRef(p: string, v: unknown): string | number {
  return (typeof v === "string" && v.length > 0) || (isInt(v) && v >= 0)
    ? (v as string | number)
    : fail(p, v, "a column name or 0-based index");
}

/** data.columns: a list of names/indices (a single one is read as a list of one), or null. */
function seriesColumns(v: unknown): (string | number)[] | null {
  if (v === null) return null;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0)
    return fail("data.columns", v, "a non-empty list of column names or indices, or null");
  return list.map((c) => columnRef("data.columns", c));
}

/** data.split: three non-negative fractions summing to 1, the first positive. */
function splitFractions(v: unknown): [number, number, number] {
  if (
    Array.isArray(v) &&
    v.length === 3 &&
    v.every((f) => isNum(f) && f >= 0) &&
    v[0] > 0 &&
    Math.abs(v[0] + v[1] + v[2] - 1) < 1e-9
  )
    return [v[0], v[1], v[2]];
  return fail("data.split", v, "[train, val, test]: three fractions ≥ 0 summing to 1 (train > 0)");
}

/** The model mapping with legacy names read as the current ones, ignored keys removed and the reference's
 * loose spellings made exact (conv_embedding's causal flag 0/1, positional_encoding [0, C]). */
function resolveModelSection(s: Raw, ignored: string[]): Raw {
  const out: Raw = {};
  const legacy = Object.keys(s).some((k) => k in LEGACY_MODEL_KEYS && k !== "dynamic_tanh_init");
  // The GRU/LSTM baselines read the RNN keys that WARP ignores.
  const rnn = (RNN_MODEL_TYPES as readonly unknown[]).includes(s.model_type);
  const used = (k: string) => rnn && (RNN_MODEL_KEYS as readonly string[]).includes(k);
  for (const [k, v] of Object.entries(s)) {
    const target = LEGACY_MODEL_KEYS[k];
    if (rnn && WARP_ONLY_MODEL_KEYS.includes(target ?? k)) {
      ignored.push(`model.${k}`);
      continue;
    }
    if (target === undefined) {
      if (ignoredIn("model").includes(k) && !used(k)) ignored.push(`model.${k}`);
      else out[k] = v;
      continue;
    }
    if (k === "dynamic_tanh_init" && (!Array.isArray(v) || s[target] !== undefined)) {
      ignored.push(`model.${k}`);
      continue;
    }
    if (s[target] !== undefined)
      throw new WarpError(`model.${k} is the older name of model.${target}: give only one of them`);
    out[target] = v;
  }
  // The reference before init_state_layers existed learned θ_0 directly.
  if (legacy && !rnn && out.init_state_layers === undefined) out.init_state_layers = null;
  const ce = out.conv_embedding;
  if (Array.isArray(ce) && ce.length === 3 && (ce[2] === 0 || ce[2] === 1))
    out.conv_embedding = [ce[0], ce[1], ce[2] === 1];
  const pe = out.positional_encoding;
  if (Array.isArray(pe) && pe.length === 2 && pe[0] === 0 && isNum(pe[1]) && pe[1] > 0)
    out.positional_encoding = null;
  return out;
}

function resolvePlateau(v: unknown): PlateauConfig | null {
  if (v === null) return null;
  if (!isMapping(v)) return fail("optimizer.on_plateau", v, "a mapping of plateau settings or null");
  for (const k of Object.keys(v)) {
    if (!PLATEAU_KEYS.includes(k)) {
      const near = nearest(k, PLATEAU_KEYS);
      throw new WarpError(
        `unknown key "optimizer.on_plateau.${k}"${near ? ` (did you mean "optimizer.on_plateau.${near}"?)` : ""}`,
      );
    }
  }
  const p = (k: keyof PlateauConfig) => pick(v, k, PLATEAU_DEFAULTS[k]);
  const path = (k: string) => `optimizer.on_plateau.${k}`;
  const rtol = p("rtol");
  const minScale = p("min_scale");
  return {
    factor: inUnit(path("factor"), p("factor"), true),
    min_scale:
      isNum(minScale) && minScale >= 0 && minScale <= 1
        ? minScale
        : fail(path("min_scale"), minScale, "a number in [0, 1]"),
    patience: nonNegInt(path("patience"), p("patience")),
    cooldown: nonNegInt(path("cooldown"), p("cooldown")),
    rtol: inUnit(path("rtol"), rtol, false),
    accum_size: posInt(path("accum_size"), p("accum_size")),
  };
}

function resolveOptimizer(s: Raw): OptimizerConfig {
  const name = oneOf("optimizer.name", pick(s, "name", RUN_DEFAULTS.optimizer.name), OPTIMIZER_NAMES);
  const reference = name === "adabelief";
  const wd = pick(s, "weight_decay", name === "adamw" ? 1e-4 : 0);
  const weightDecay = isNum(wd) && wd >= 0 ? wd : fail("optimizer.weight_decay", wd, "a non-negative number");
  if (weightDecay > 0 && name !== "adamw")
    fail(
      "optimizer.weight_decay",
      wd,
      `0 with optimizer "${name}" (decoupled weight decay needs name: "adamw")`,
    );
  return {
    name,
    init_lr: posNum("optimizer.init_lr", pick(s, "init_lr", RUN_DEFAULTS.optimizer.init_lr)),
    gradients_lim: posNumOrNull("optimizer.gradients_lim", pick(s, "gradients_lim", reference ? 1e-7 : null)),
    grad_norm_clip: posNumOrNull("optimizer.grad_norm_clip", pick(s, "grad_norm_clip", null)),
    weight_decay: weightDecay,
    transition_lr_scale: posNumOrNull("optimizer.transition_lr_scale", pick(s, "transition_lr_scale", null)),
    on_plateau: resolvePlateau(pick(s, "on_plateau", reference ? PLATEAU_DEFAULTS : null)),
    adabelief_rule: oneOf(
      "optimizer.adabelief_rule",
      pick(s, "adabelief_rule", "optax-0.2.3"),
      ADABELIEF_RULES,
    ),
  };
}

function resolveTraining(s: Raw, classification: boolean, ignored: string[]): TrainingConfig {
  const d = RUN_DEFAULTS.training;
  const v = (k: keyof typeof d) => pick(s, k, d[k]);
  const t: TrainingConfig = {
    nb_epochs: posInt("training.nb_epochs", v("nb_epochs")),
    batch_size: posInt("training.batch_size", v("batch_size")),
    print_every: posInt("training.print_every", v("print_every")),
    save_every: posInt("training.save_every", v("save_every")),
    valid_every: posIntOrNull("training.valid_every", v("valid_every")),
    val_on_test: bool("training.val_on_test", v("val_on_test")),
    val_criterion: oneOf(
      "training.val_criterion",
      pick(s, "val_criterion", classification ? "error_rate" : "mse"),
      VAL_CRITERIA,
    ),
    inference_start: nonNegIntOrNull("training.inference_start", v("inference_start")),
    context_rollout: bool("training.context_rollout", v("context_rollout")),
    autoregressive: bool("training.autoregressive", v("autoregressive")),
    stochastic: bool("training.stochastic", v("stochastic")),
    smooth_inference: bool("training.smooth_inference", v("smooth_inference")),
    nb_recons_loss_steps: posIntOrNull("training.nb_recons_loss_steps", v("nb_recons_loss_steps")),
    use_nll_loss: bool("training.use_nll_loss", v("use_nll_loss")),
  };
  const forClassification = CLASSIFICATION_CRITERIA.includes(t.val_criterion);
  if (forClassification !== classification) {
    fail(
      "training.val_criterion",
      t.val_criterion,
      classification
        ? `a classification criterion (${CLASSIFICATION_CRITERIA.join(", ")}) since general.classification is true`
        : "a regression criterion (mse, mae, rmse, nll) since general.classification is false",
    );
  }
  if (t.context_rollout && (!t.autoregressive || t.inference_start === 0))
    fail(
      "training.context_rollout",
      true,
      "false, or an autoregressive model (training.autoregressive: true) with a context (training.inference_start ≥ 1, or data.context)",
    );
  if (t.val_criterion === "nll" && !t.use_nll_loss)
    fail(
      "training.val_criterion",
      "nll",
      "mse, mae or rmse: nll needs the predicted σ (training.use_nll_loss: true)",
    );
  if (classification) {
    // The reference's classifier reads logits at the last step and ignores these (RootMLP_Classif).
    const neutral = { use_nll_loss: false, stochastic: false, smooth_inference: true } as const;
    for (const k of Object.keys(neutral) as (keyof typeof neutral)[]) {
      if (t[k] !== neutral[k]) {
        if (s[k] !== undefined) ignored.push(`training.${k}`);
        t[k] = neutral[k];
      }
    }
  }
  return t;
}

/**
 * Validates a parsed YAML document and completes it with the defaults. Every wrong value is a WarpError naming
 * `section.key`, the value and what is allowed; unknown sections and keys suggest the nearest valid one. Keys the
 * reference uses and warp-ts does not are returned in `ignored` as "section.key", section by section.
 */
export function resolveRunConfig(doc: unknown): { config: RunConfig; ignored: string[] } {
  if (doc === null || doc === undefined) doc = {};
  if (!isMapping(doc))
    throw new WarpError(
      `a run configuration is a mapping with sections ${RUN_SECTIONS.join(", ")}; got ${show(doc)}`,
    );
  for (const k of Object.keys(doc)) {
    if (!(RUN_SECTIONS as readonly string[]).includes(k)) {
      const near = nearest(k, RUN_SECTIONS);
      throw new WarpError(
        `unknown section "${k}"${near ? ` (did you mean "${near}"?)` : ""}: the sections are ${RUN_SECTIONS.join(", ")}`,
      );
    }
  }
  const raw = Object.fromEntries(RUN_SECTIONS.map((s) => [s, sectionOf(doc as Raw, s)])) as Record<
    RunSection,
    Raw
  >;
  const ignored: string[] = [];
  for (const s of ["general", "data"] as const)
    for (const k of Object.keys(raw[s])) if (!OWN_KEYS[s].includes(k)) ignored.push(`${s}.${k}`);
  const general = resolveGeneral(raw.general);
  const data = resolveData(raw.data);
  for (const k of UNUSED_DATA_KEYS) if (data[k] !== null) ignored.push(`data.${k}`);
  const model = resolveModelSection(raw.model, ignored);
  const optimizer = resolveOptimizer(raw.optimizer);
  for (const k of Object.keys(raw.optimizer))
    if (!OWN_KEYS.optimizer.includes(k)) ignored.push(`optimizer.${k}`);
  for (const k of Object.keys(raw.training))
    if (!OWN_KEYS.training.includes(k)) ignored.push(`training.${k}`);
  const training = resolveTraining(raw.training, general.classification, ignored);
  // Validated, not used: `warp train` checkpoints every epoch so that no finished epoch is lost.
  if (raw.training.save_every !== undefined) ignored.push("training.save_every");
  return { config: { general, data, model, optimizer, training }, ignored };
}

// ---------------------------------------------------------------------------------------------------------
// Overrides

/** Parses YAML the way the reference's yaml.safe_load does (YAML 1.1: yes/no booleans; a repeated key keeps
 * its last value). Errors are WarpErrors with the parser's first line. */
export function parseConfigYaml(text: string): unknown {
  try {
    return parse(text, { version: "1.1", uniqueKeys: false });
  } catch (e) {
    throw new WarpError(`invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

const SET_FORM = "section.key=value (or optimizer.on_plateau.key=value)";

/**
 * Applies `--set section.key=value` overrides to a parsed document and returns a new document (the input is
 * not modified). Values are YAML: numbers, true/false, null, strings, flow lists like [1,0,1,0]. Paths have two
 * levels, or three under optimizer.on_plateau; unknown keys are left for resolveRunConfig to report.
 */
export function applyOverrides(doc: unknown, sets: readonly string[]): Raw {
  if (doc === null || doc === undefined) doc = {};
  if (!isMapping(doc))
    throw new WarpError(
      `a run configuration is a mapping with sections ${RUN_SECTIONS.join(", ")}; got ${show(doc)}`,
    );
  const out = structuredClone(doc) as Raw;
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq < 0) throw new WarpError(`--set ${set}: missing "=": expected ${SET_FORM}`);
    const path = set.slice(0, eq).trim();
    const text = set.slice(eq + 1).trim();
    const parts = path.split(".");
    if (path === "" || parts.some((p) => p === ""))
      throw new WarpError(`--set ${set}: empty key path: expected ${SET_FORM}`);
    const plateau = parts.length === 3 && parts[0] === "optimizer" && parts[1] === "on_plateau";
    if (parts.length !== 2 && !plateau)
      throw new WarpError(`--set ${set}: "${path}" has ${parts.length} level(s): expected ${SET_FORM}`);
    if (text === "") throw new WarpError(`--set ${set}: empty value (write ${path}=null for null)`);
    let value: unknown;
    try {
      value = parseConfigYaml(text);
    } catch (e) {
      throw new WarpError(`--set ${set}: ${(e as Error).message}`);
    }
    if (isMapping(value) && path !== "optimizer.on_plateau")
      throw new WarpError(
        `--set ${set}: the value is a mapping; expected a number, boolean, null, string or [list]`,
      );
    let node: Raw = out;
    for (const [i, p] of parts.slice(0, -1).entries()) {
      const next = node[p];
      if (next === undefined || next === null) node[p] = {};
      else if (!isMapping(next))
        throw new WarpError(
          `--set ${set}: "${parts.slice(0, i + 1).join(".")}" is ${show(next)}, not a mapping`,
        );
      node = node[p] as Raw;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The model, paths

/** Where each key given to resolveModelConfig comes from, for error messages. */
function keyPath(key: string, peFromData: boolean): string {
  if (TRAINING_ONLY.has(key)) return `training.${key}`;
  if (key === "positional_encoding" && peFromData) return `data.positional_encoding`;
  return `model.${key}`;
}

/**
 * The ModelConfig of a run: the model keys, the model-changing training keys, data.positional_encoding when
 * the model section has none, the data size and (for classification) the number of classes. Errors name the
 * section (model.X / training.X / data.X).
 */
export function modelConfigFromRun(
  config: RunConfig,
  dataSize: number,
  nbClasses: number | null,
): ModelConfig {
  const m = config.model;
  const raw: Raw = { ...m };
  if (m.data_size !== undefined) posInt("model.data_size", m.data_size);
  if (m.nb_classes !== undefined && m.nb_classes !== null) posInt("model.nb_classes", m.nb_classes);
  if (m.data_size !== undefined && m.data_size !== dataSize)
    throw new WarpError(
      `model.data_size = ${show(m.data_size)} does not match the data's observation size ${dataSize}`,
    );
  raw.data_size = dataSize;
  if (config.general.classification) {
    const given = m.nb_classes === undefined || m.nb_classes === null ? null : m.nb_classes;
    if (given !== null && nbClasses !== null && given !== nbClasses)
      throw new WarpError(`model.nb_classes = ${show(given)} does not match the data's ${nbClasses} classes`);
    raw.nb_classes = nbClasses ?? given;
    if (raw.nb_classes === null)
      throw new WarpError(
        "general.classification is true but the number of classes is unknown: set model.nb_classes",
      );
  } else {
    raw.nb_classes = null;
  }
  const peFromData = m.positional_encoding === undefined && config.data.positional_encoding !== null;
  if (peFromData) raw.positional_encoding = config.data.positional_encoding;
  for (const k of TRAINING_MODEL_KEYS) raw[k] = config.training[k];
  try {
    return resolveModelConfig(raw);
  } catch (e) {
    if (!(e instanceof WarpError)) throw e;
    const named = e.message.replace(
      /^model config: (\w+) = /,
      (_, k: string) => `${keyPath(k, peFromData)} = `,
    );
    throw new WarpError(named);
  }
}

const isAbsolute = (p: string): boolean =>
  p.startsWith("/") || p.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(p);

/**
 * general.data_path resolved against `cwd` (as the reference does: relative to the working directory), by
 * string joining only: "." and ".." segments are folded and a trailing separator is kept (the reference
 * appends file names to data_path). Backslashes are treated as separators when `cwd` uses them.
 */
export function resolveDataPath(config: RunConfig, cwd: string): string {
  return resolvePath(config.general.data_path, cwd);
}

function resolvePath(path: string, cwd: string): string {
  const windows = /^[A-Za-z]:\\/.test(cwd) || (cwd.includes("\\") && !cwd.includes("/"));
  const sep = windows ? "\\" : "/";
  const split = (p: string) => (windows ? p.split(/[\\/]/) : p.split("/"));
  const full = isAbsolute(path) ? path : `${cwd}${sep}${path}`;
  const trailing = /[\\/]$/.test(path) || (path === "" && /[\\/]$/.test(cwd));
  const segs = split(full);
  const root = segs[0]!; // "" for "/…", or "C:" on Windows
  const out: string[] = [];
  for (const s of segs.slice(1)) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  const joined = `${root}${sep}${out.join(sep)}`;
  return trailing && out.length > 0 ? `${joined}${sep}` : joined;
}
