// Validation of a run configuration: every section checked key by key with validate.ts (errors name the key's
// full path, the value and what is allowed), completed with the defaults of run-schema.ts, the keys that are
// accepted and not used collected as "ignored", and the bridge to the ModelConfig of a run.
// Not here: the schema and defaults (run-schema.ts), YAML and `--set` (overrides.ts), paths (paths.ts).

import { ADABELIEF_RULES } from "../optim/optimizers.js";
import { WarpError } from "../util/assert.js";
import {
  type ModelConfig,
  modelKeyPath,
  RNN_MODEL_KEYS,
  RNN_MODEL_TYPES,
  resolveModelConfig,
  TRAINING_MODEL_KEYS,
} from "../warp/config.js";
import {
  ACCEPTED,
  CLASSIFICATION_CRITERIA,
  type DataConfig,
  type GeneralConfig,
  INSTANCE_NORMS,
  ignoredIn,
  LEGACY_MODEL_KEYS,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  OWN_KEYS,
  PLATEAU_DEFAULTS,
  PLATEAU_KEYS,
  type PlateauConfig,
  RUN_DEFAULTS,
  RUN_SECTIONS,
  type RunConfig,
  type RunSection,
  SERIES_SCALINGS,
  seriesScaling,
  type TrainingConfig,
  UNUSED_DATA_KEYS,
  VAL_CRITERIA,
  WARP_ONLY_MODEL_KEYS,
} from "./run-schema.js";
import {
  BOOLEAN,
  INTEGER,
  inRange,
  isInt,
  isMapping,
  isNum,
  KeyPaths,
  NON_EMPTY_STRING,
  NON_NEGATIVE,
  NON_NEGATIVE_INT,
  nearest,
  oneOf,
  POSITIVE,
  POSITIVE_INT,
  type Raw,
  rule,
  show,
  unknownKey,
} from "./validate.js";

/** [height, width]: two positive integers. */
const RESOLUTION = rule<[number, number]>(
  (v) => Array.isArray(v) && v.length === 2 && v.every((x) => isInt(x) && x > 0),
  "[height, width] (two positive integers)",
);
/** [D, C] with D ≥ 0 even and C > 0 (D = 0: no features, as in the reference's ICL configs). */
const POSITIONAL_ENCODING = rule<[number, number]>(
  (v) =>
    Array.isArray(v) &&
    v.length === 2 &&
    isInt(v[0]) &&
    v[0] >= 0 &&
    v[0] % 2 === 0 &&
    isNum(v[1]) &&
    v[1] > 0,
  "[D, C] with D a non-negative even integer and C > 0",
);
/** A column name or 0-based index. */
const COLUMN = rule<string | number>(
  (v) => (typeof v === "string" && v.length > 0) || (isInt(v) && v >= 0),
  "a column name or 0-based index",
);
/** data.split: three non-negative fractions summing to 1, the first positive. */
const SPLIT = rule<[number, number, number]>(
  (v) =>
    Array.isArray(v) &&
    v.length === 3 &&
    v.every((f) => isNum(f) && f >= 0) &&
    v[0] > 0 &&
    Math.abs(v[0] + v[1] + v[2] - 1) < 1e-9,
  "[train, val, test]: three fractions ≥ 0 summing to 1 (train > 0)",
);

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
  return unknownKey(path, hint);
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
  const k = KeyPaths.under("general");
  return {
    seed: k.check("seed", v("seed"), INTEGER),
    train: k.check("train", v("train"), BOOLEAN),
    classification: k.check("classification", v("classification"), BOOLEAN),
    dataset: k.nullable("dataset", v("dataset"), NON_EMPTY_STRING),
    data_path: k.check("data_path", v("data_path"), NON_EMPTY_STRING),
    save_path: k.nullable("save_path", v("save_path"), NON_EMPTY_STRING),
  };
}

function resolveData(s: Raw): DataConfig {
  const d = RUN_DEFAULTS.data;
  const v = (k: keyof DataConfig) => pick(s, k, d[k]);
  const k = KeyPaths.under("data");
  const res = k.nullable("resolution", v("resolution"), RESOLUTION);
  const pe = k.nullable("positional_encoding", v("positional_encoding"), POSITIONAL_ENCODING);
  const context = k.nullable("context", v("context"), POSITIVE_INT);
  const season = k.nullable("season", v("season"), POSITIVE_INT);
  if (season !== null && context !== null && season > context)
    k.fail(
      "season",
      season,
      `at most data.context (${context}): the seasonal forecasts repeat the context's last season`,
    );
  return {
    normalize: k.check("normalize", v("normalize"), BOOLEAN),
    downsample_factor: k.check("downsample_factor", v("downsample_factor"), POSITIVE_INT),
    resolution: res && [res[0], res[1]],
    sequence_length: k.nullable("sequence_length", v("sequence_length"), POSITIVE_INT),
    limit: k.nullable("limit", v("limit"), POSITIVE_INT),
    normalize_symmetric: k.check("normalize_symmetric", v("normalize_symmetric"), BOOLEAN),
    generate: k.check("generate", v("generate"), BOOLEAN),
    data_dim: k.nullable("data_dim", v("data_dim"), POSITIVE_INT),
    mini_res: k.nullable("mini_res", v("mini_res"), POSITIVE_INT),
    positional_encoding: pe === null || pe[0] === 0 ? null : [pe[0], pe[1]],
    columns: seriesColumns(k, v("columns")),
    time_column: k.nullable("time_column", v("time_column"), COLUMN),
    context,
    horizon: k.nullable("horizon", v("horizon"), POSITIVE_INT),
    stride: k.check("stride", v("stride"), POSITIVE_INT),
    split: [...k.check("split", v("split"), SPLIT)],
    season,
    interpolate: k.check("interpolate", v("interpolate"), BOOLEAN),
    scaling: k.nullable("scaling", v("scaling"), oneOf(SERIES_SCALINGS)),
    instance_norm: k.check("instance_norm", v("instance_norm"), oneOf(INSTANCE_NORMS)),
    instance_scale: k.check("instance_scale", v("instance_scale"), BOOLEAN),
  };
}

/** data.columns: a list of names/indices (a single one is read as a list of one), or null. */
function seriesColumns(k: KeyPaths, v: unknown): (string | number)[] | null {
  if (v === null) return null;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return k.fail("columns", v, "a non-empty list of column names or indices, or null");
  const cols = list.map((c) => k.check("columns", c, COLUMN));
  const twice = cols.find((c, i) => cols.indexOf(c) !== i);
  if (twice !== undefined)
    return k.fail("columns", v, `each column once (${JSON.stringify(twice)} is named twice)`);
  return cols;
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
  const k = KeyPaths.under("optimizer.on_plateau");
  if (!isMapping(v))
    return KeyPaths.under("optimizer").fail("on_plateau", v, "a mapping of plateau settings or null");
  for (const key of Object.keys(v)) if (!PLATEAU_KEYS.includes(key)) throw k.unknown(key, PLATEAU_KEYS);
  const p = (key: keyof PlateauConfig) => pick(v, key, PLATEAU_DEFAULTS[key]);
  return {
    factor: k.check("factor", p("factor"), inRange(0, 1, "both")),
    min_scale: k.check("min_scale", p("min_scale"), inRange(0, 1, "")),
    patience: k.check("patience", p("patience"), NON_NEGATIVE_INT),
    cooldown: k.check("cooldown", p("cooldown"), NON_NEGATIVE_INT),
    rtol: k.check("rtol", p("rtol"), inRange(0, 1, "lo")),
    accum_size: k.check("accum_size", p("accum_size"), POSITIVE_INT),
  };
}

function resolveOptimizer(s: Raw): OptimizerConfig {
  const k = KeyPaths.under("optimizer");
  const name = k.check("name", pick(s, "name", RUN_DEFAULTS.optimizer.name), oneOf(OPTIMIZER_NAMES));
  const reference = name === "adabelief";
  const wd = pick(s, "weight_decay", name === "adamw" ? 1e-4 : 0);
  const weightDecay = k.check("weight_decay", wd, NON_NEGATIVE);
  if (weightDecay > 0 && name !== "adamw")
    k.fail("weight_decay", wd, `0 with optimizer "${name}" (decoupled weight decay needs name: "adamw")`);
  return {
    name,
    init_lr: k.check("init_lr", pick(s, "init_lr", RUN_DEFAULTS.optimizer.init_lr), POSITIVE),
    gradients_lim: k.nullable("gradients_lim", pick(s, "gradients_lim", reference ? 1e-7 : null), POSITIVE),
    grad_norm_clip: k.nullable("grad_norm_clip", pick(s, "grad_norm_clip", null), POSITIVE),
    weight_decay: weightDecay,
    transition_lr_scale: k.nullable("transition_lr_scale", pick(s, "transition_lr_scale", null), POSITIVE),
    on_plateau: resolvePlateau(pick(s, "on_plateau", reference ? PLATEAU_DEFAULTS : null)),
    adabelief_rule: k.check(
      "adabelief_rule",
      pick(s, "adabelief_rule", "optax-0.2.3"),
      oneOf(ADABELIEF_RULES),
    ),
  };
}

function resolveTraining(s: Raw, classification: boolean, ignored: string[]): TrainingConfig {
  const d = RUN_DEFAULTS.training;
  const v = (key: keyof typeof d) => pick(s, key, d[key]);
  const k = KeyPaths.under("training");
  const t: TrainingConfig = {
    nb_epochs: k.check("nb_epochs", v("nb_epochs"), POSITIVE_INT),
    batch_size: k.check("batch_size", v("batch_size"), POSITIVE_INT),
    print_every: k.check("print_every", v("print_every"), POSITIVE_INT),
    save_every: k.check("save_every", v("save_every"), POSITIVE_INT),
    valid_every: k.nullable("valid_every", v("valid_every"), POSITIVE_INT),
    val_on_test: k.check("val_on_test", v("val_on_test"), BOOLEAN),
    val_criterion: k.check(
      "val_criterion",
      pick(s, "val_criterion", classification ? "error_rate" : "mse"),
      oneOf(VAL_CRITERIA),
    ),
    inference_start: k.nullable("inference_start", v("inference_start"), NON_NEGATIVE_INT),
    context_rollout: k.check("context_rollout", v("context_rollout"), BOOLEAN),
    autoregressive: k.check("autoregressive", v("autoregressive"), BOOLEAN),
    stochastic: k.check("stochastic", v("stochastic"), BOOLEAN),
    smooth_inference: k.check("smooth_inference", v("smooth_inference"), BOOLEAN),
    nb_recons_loss_steps: k.nullable("nb_recons_loss_steps", v("nb_recons_loss_steps"), POSITIVE_INT),
    use_nll_loss: k.check("use_nll_loss", v("use_nll_loss"), BOOLEAN),
  };
  const forClassification = CLASSIFICATION_CRITERIA.includes(t.val_criterion);
  if (forClassification !== classification) {
    k.fail(
      "val_criterion",
      t.val_criterion,
      classification
        ? `a classification criterion (${CLASSIFICATION_CRITERIA.join(", ")}) since general.classification is true`
        : "a regression criterion (mse, mae, rmse, nll) since general.classification is false",
    );
  }
  if (t.context_rollout && (!t.autoregressive || t.inference_start === 0))
    k.fail(
      "context_rollout",
      true,
      "false, or an autoregressive model (training.autoregressive: true) with a context (training.inference_start ≥ 1, or data.context)",
    );
  if (t.val_criterion === "nll" && !t.use_nll_loss)
    k.fail(
      "val_criterion",
      "nll",
      "mse, mae or rmse: nll needs the predicted σ (training.use_nll_loss: true)",
    );
  if (classification) {
    // The reference's classifier reads logits at the last step and ignores these (RootMLP_Classif).
    const neutral = { use_nll_loss: false, stochastic: false, smooth_inference: true } as const;
    for (const key of Object.keys(neutral) as (keyof typeof neutral)[]) {
      if (t[key] !== neutral[key]) {
        if (s[key] !== undefined) ignored.push(`training.${key}`);
        t[key] = neutral[key];
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

/**
 * The ModelConfig of a run: the model keys, the model-changing training keys, data.positional_encoding when
 * the model section has none, the data size and (for classification) the number of classes. Errors name the
 * key where the run configuration holds it (model.X / training.X / data.X).
 */
export function modelConfigFromRun(
  config: RunConfig,
  dataSize: number,
  nbClasses: number | null,
): ModelConfig {
  const m = config.model;
  const raw: Raw = { ...m };
  const k = KeyPaths.under("model");
  if (m.data_size !== undefined) k.check("data_size", m.data_size, POSITIVE_INT);
  if (m.nb_classes !== undefined) k.nullable("nb_classes", m.nb_classes, POSITIVE_INT);
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
  // The MSD physics root steps m·x'' + c·x' + k·x = 0 on the values it is given: that holds for data
  // scaled (x/M) but not for data shifted (min-max to [−1, 1] over an asymmetric range, per-window centring),
  // where the spring's rest point moves off zero and even the true (m, k, c) give a worse rollout than
  // predicting 0 (scripts/msd-phys-oracle.mjs --minmax).
  const d = config.data;
  const scaling = seriesScaling(d);
  if (
    (m.root_physics === "msd" || m.root_physics === "msd_softplus") &&
    (scaling === "minmax" || scaling === "standard" || d.instance_norm !== "none")
  )
    throw new WarpError(
      `model.root_physics "${m.root_physics}" needs data scaled without a shift (the Euler step of m·x'' + c·x' + k·x = 0 keeps its rest point at 0): set data.normalize_symmetric: true or data.normalize: false${d.instance_norm !== "none" ? ", and data.instance_norm: none" : ""}`,
    );
  const peFromData = m.positional_encoding === undefined && config.data.positional_encoding !== null;
  if (peFromData) raw.positional_encoding = config.data.positional_encoding;
  for (const key of TRAINING_MODEL_KEYS) raw[key] = config.training[key];
  return resolveModelConfig(raw, (key) =>
    key === "positional_encoding" && peFromData ? "data.positional_encoding" : modelKeyPath(key),
  );
}
