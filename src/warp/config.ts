// The model configuration: the reference's YAML keys (`model:` section, plus the `training:` keys that
// change the model), validated and resolved with the reference's defaults, for WARP (model_type "wsm") and
// the GRU/LSTM baselines ("gru", "lstm": rnn_hidden_size and nb_rnn_layers, plus the shared time_as_channel,
// forcing_prob, std_lower_bound and training keys). Every invalid value gets an error (config/validate.ts)
// naming the key by its path in a run configuration (model.X, training.X), the value and what is allowed.
// Not here: YAML parsing, the run configuration's other sections (config/), data loading.

import { ROOT_ACTIVATIONS, type RootActivation } from "../backends/kernels.js";
import {
  BOOLEAN,
  inRange,
  isInt,
  isNum,
  KeyPaths,
  NON_NEGATIVE_INT,
  oneOf,
  POSITIVE,
  POSITIVE_INT,
  type Raw,
  rule,
} from "../config/validate.js";
import { assert } from "../util/assert.js";

/** Physics roots shipped with warp-ts (WARP-Phys); null = the plain root MLP. */
export const ROOT_PHYSICS = ["sine", "sine_phase", "msd", "msd_softplus"] as const;
export type RootPhysics = (typeof ROOT_PHYSICS)[number];

/** A final activation: a name, a clip bound c (clip to [−c, c]), a dtanh [a, b, α, β], or null. */
export type FinalActivation = RootActivation | "sigmoid" | number | [number, number, number, number] | null;

/**
 * Structure of WARP's transition A (ours; docs/model.md §2.1): the paper's dense matrix, a diagonal, a diagonal
 * plus a rank-r product (diag(a) + U Vᵀ), or square blocks of size k along the diagonal.
 */
export const TRANSITIONS = ["dense", "diagonal", "lowrank", "block"] as const;
export type Transition = (typeof TRANSITIONS)[number];

/**
 * Arithmetic of the dense transition's products (ours): "float32", or "bf16" — A used as I + A′ with A′θ,
 * its backward g A′ and the gradient dA = Σ gᵀθ as bfloat16 products summed in float32 (AVX512-BF16 on
 * native where the CPU has it, else the same rounding emulated); θ, gradients and the optimiser stay float32.
 */
export const TRANSITION_DTYPES = ["float32", "bf16"] as const;
export type TransitionDType = (typeof TRANSITION_DTYPES)[number];

/** The models a configuration can name: WARP ("wsm") and the GRU/LSTM baselines (src/baselines/rnn.ts). */
export const MODEL_TYPES = ["wsm", "gru", "lstm"] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
/** The recurrent baselines: a GRU or LSTM encoder with a Linear decoder. */
export const RNN_MODEL_TYPES = ["gru", "lstm"] as const;
export type RnnModelType = (typeof RNN_MODEL_TYPES)[number];

/** The resolved configuration of a model (keys as in the reference YAML files). */
export interface ModelConfig {
  /** Dimension of one observation x_t (from the data). */
  data_size: number;
  /** Number of classes for classification (logits read at the last step), or null for regression. */
  nb_classes: number | null;
  model_type: ModelType;
  /** GRU/LSTM only (present exactly when model_type is "gru" or "lstm"): hidden units of every layer. */
  rnn_hidden_size?: number;
  /** GRU/LSTM only (present exactly when model_type is "gru" or "lstm"): stacked recurrent layers. */
  nb_rnn_layers?: number;
  root_width_size: number;
  /** Equinox depth: the number of hidden layers of the root MLP. */
  root_depth: number;
  root_activation: RootActivation;
  root_final_activation: FinalActivation;
  /** Hypernetwork hidden layers (0, 1, 2), or null for a learned θ_0 vector. */
  init_state_layers: 0 | 1 | 2 | null;
  input_prev_data: boolean;
  weights_lim: number | null;
  time_as_channel: boolean;
  forcing_prob: number;
  noise_theta_init: number | null;
  std_lower_bound: number | null;
  /** [D, C]: D sinusoidal features of the integer step with base C appended to the root's time input. */
  positional_encoding: [number, number] | null;
  /** Root output size override (default: data_size, doubled with the NLL loss; nb_classes). */
  root_output_dim: number | null;
  /** [out_channels, kernel, causal]: 1-D convolution of the inputs before the recurrence. */
  conv_embedding: [number, number, boolean] | null;
  /** WARP-Phys root, or null for the plain MLP root. */
  root_physics: RootPhysics | null;
  /** Structure of the transition A (ours): "dense" (the paper), "diagonal", "lowrank" or "block". */
  transition: Transition;
  /** Rank r of U Vᵀ with transition "lowrank" (null otherwise). */
  transition_rank: number | null;
  /** Block size k with transition "block" (null otherwise); a last block may be smaller. */
  transition_block: number | null;
  /**
   * Diagonal and lowrank only: parameterise the diagonal as a = exp(−softplus(ν)) ∈ (0, 1) (LRU / S4D
   * style), so the diagonal part can never grow past 1.
   */
  transition_stable: boolean;
  /** Dense only: "bf16" runs the products of A = I + A′ (A′θ, g A′, dA) in bfloat16 (see TRANSITION_DTYPES). */
  transition_dtype: TransitionDType;
  /**
   * Non-autoregressive mode: compute every θ_t with the parallel form instead of the step-by-step scan —
   * the chunked associative scan for a diagonal A, the convolution (Toeplitz) form for a dense A.
   */
  parallel_scan: boolean;
  autoregressive: boolean;
  stochastic: boolean;
  use_nll_loss: boolean;
  smooth_inference: boolean;
  nb_recons_loss_steps: number | null;
  inference_start: number | null;
  /**
   * The authors' commit whose forward pass this model follows (docs/model.md, "Which commit"):
   * "bde9a5d" (HEAD, default) decodes non-autoregressive states at τ_t and appends the time column after
   * x in the autoregressive paths; "da7a0af" decodes at τ_t + (τ_1 − τ_0) and puts time first everywhere.
   */
  reference_commit: ReferenceCommit;
}

/** The authors' commits a model can follow: HEAD (bde9a5d, 2025-10-06) and the older da7a0af (2025-05-10). */
export const REFERENCE_COMMITS = ["bde9a5d", "da7a0af"] as const;
export type ReferenceCommit = (typeof REFERENCE_COMMITS)[number];

/** The reference's defaults for keys a configuration leaves out. */
export const MODEL_DEFAULTS: Omit<ModelConfig, "data_size" | RnnKey> = {
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
  forcing_prob: 1.0,
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

/** Keys of ModelConfig that come from the reference's `training:` section. */
export const TRAINING_MODEL_KEYS = [
  "autoregressive",
  "stochastic",
  "use_nll_loss",
  "smooth_inference",
  "nb_recons_loss_steps",
  "inference_start",
] as const;

/** Keys of the GRU/LSTM baselines (the reference's `model:` section). */
export const RNN_MODEL_KEYS = ["nb_rnn_layers", "rnn_hidden_size"] as const;
type RnnKey = (typeof RNN_MODEL_KEYS)[number];

/**
 * Defaults of the GRU/LSTM keys (the reference has none: its configs always give them, with one layer;
 * its RNNs build a single layer whatever nb_rnn_layers says).
 */
export const RNN_DEFAULTS: Readonly<Record<RnnKey, number>> = { nb_rnn_layers: 1, rnn_hidden_size: 64 };

/**
 * Keys of the reference's `model:` section that a WARP model (model_type "wsm") accepts but that do not
 * change it: the GRU/LSTM keys, dropped from a WARP configuration.
 */
export const IGNORED_MODEL_KEYS = RNN_MODEL_KEYS;

/**
 * Where a model configuration key lives in a run configuration (its path in errors): `training.<key>` for
 * TRAINING_MODEL_KEYS, `model.<key>` for the others.
 */
export function modelKeyPath(key: string): string {
  return (TRAINING_MODEL_KEYS as readonly string[]).includes(key) ? `training.${key}` : `model.${key}`;
}

const POSITIONAL_ENCODING = rule<[number, number]>(
  (v) =>
    Array.isArray(v) &&
    v.length === 2 &&
    isInt(v[0]) &&
    v[0] > 0 &&
    v[0] % 2 === 0 &&
    isNum(v[1]) &&
    v[1] > 0,
  "[D, C] with D a positive even integer and C > 0",
);
const CONV_EMBEDDING = rule<[number, number, boolean]>(
  (v) =>
    Array.isArray(v) &&
    v.length === 3 &&
    isInt(v[0]) &&
    v[0] > 0 &&
    isInt(v[1]) &&
    v[1] > 0 &&
    typeof v[2] === "boolean",
  "[out_channels, kernel, causal] (two positive integers and a boolean)",
);
const INIT_STATE_LAYERS = rule<0 | 1 | 2>((v) => v === 0 || v === 1 || v === 2, "0, 1, 2");

function finalActivation(k: KeyPaths, v: unknown): FinalActivation {
  const key = "root_final_activation";
  if (v === null) return null;
  if (typeof v === "string") return k.check(key, v, oneOf([...ROOT_ACTIVATIONS, "sigmoid"] as const));
  if (isNum(v)) return v > 0 ? v : k.fail(key, v, "a positive clip bound");
  if (Array.isArray(v) && v.length === 4 && v.every(isNum)) {
    return v[0] !== 0
      ? (v as [number, number, number, number])
      : k.fail(key, v, "a dtanh [a, b, alpha, beta] with a ≠ 0");
  }
  return k.fail(
    key,
    v,
    `an activation name (${ROOT_ACTIVATIONS.join(", ")}, sigmoid), a clip bound, [a, b, alpha, beta] or null`,
  );
}

/**
 * Validates and completes a model configuration. `raw` holds the `model:` keys and the model-changing
 * `training:` keys (flattened together), plus `data_size` and optionally `nb_classes`. Unknown keys
 * are errors naming the nearest valid key. Errors name each key by `pathOf` (default: its place in a run
 * configuration, modelKeyPath).
 */
export function resolveModelConfig(raw: Raw, pathOf: (key: string) => string = modelKeyPath): ModelConfig {
  const k = new KeyPaths(pathOf);
  const known = ["data_size", ...Object.keys(MODEL_DEFAULTS), ...RNN_MODEL_KEYS];
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw k.unknown(key, known);
  const v = { ...MODEL_DEFAULTS, ...RNN_DEFAULTS, ...raw } as Raw;
  const cfg: ModelConfig = {
    data_size: k.check("data_size", v.data_size, POSITIVE_INT),
    nb_classes: k.nullable("nb_classes", v.nb_classes, POSITIVE_INT),
    model_type: k.check("model_type", v.model_type, oneOf(MODEL_TYPES)),
    root_width_size: k.check("root_width_size", v.root_width_size, POSITIVE_INT),
    root_depth: k.check("root_depth", v.root_depth, NON_NEGATIVE_INT),
    root_activation: k.check("root_activation", v.root_activation, oneOf(ROOT_ACTIVATIONS)),
    root_final_activation: finalActivation(k, v.root_final_activation),
    init_state_layers: k.nullable("init_state_layers", v.init_state_layers, INIT_STATE_LAYERS),
    input_prev_data: k.check("input_prev_data", v.input_prev_data, BOOLEAN),
    weights_lim: k.nullable("weights_lim", v.weights_lim, POSITIVE),
    time_as_channel: k.check("time_as_channel", v.time_as_channel, BOOLEAN),
    forcing_prob: k.check("forcing_prob", v.forcing_prob, inRange(0, 1, "", "a probability")),
    noise_theta_init: k.nullable("noise_theta_init", v.noise_theta_init, POSITIVE),
    std_lower_bound: k.nullable("std_lower_bound", v.std_lower_bound, POSITIVE),
    positional_encoding: k.nullable("positional_encoding", v.positional_encoding, POSITIONAL_ENCODING),
    root_output_dim: k.nullable("root_output_dim", v.root_output_dim, POSITIVE_INT),
    conv_embedding: k.nullable("conv_embedding", v.conv_embedding, CONV_EMBEDDING),
    root_physics: k.nullable("root_physics", v.root_physics, oneOf(ROOT_PHYSICS)),
    transition: k.check("transition", v.transition, oneOf(TRANSITIONS)),
    transition_rank: k.nullable("transition_rank", v.transition_rank, POSITIVE_INT),
    transition_block: k.nullable("transition_block", v.transition_block, POSITIVE_INT),
    transition_stable: k.check("transition_stable", v.transition_stable, BOOLEAN),
    transition_dtype: k.check("transition_dtype", v.transition_dtype, oneOf(TRANSITION_DTYPES)),
    parallel_scan: k.check("parallel_scan", v.parallel_scan, BOOLEAN),
    autoregressive: k.check("autoregressive", v.autoregressive, BOOLEAN),
    stochastic: k.check("stochastic", v.stochastic, BOOLEAN),
    use_nll_loss: k.check("use_nll_loss", v.use_nll_loss, BOOLEAN),
    smooth_inference: k.check("smooth_inference", v.smooth_inference, BOOLEAN),
    nb_recons_loss_steps: k.nullable("nb_recons_loss_steps", v.nb_recons_loss_steps, POSITIVE_INT),
    inference_start: k.nullable("inference_start", v.inference_start, NON_NEGATIVE_INT),
    reference_commit: k.check("reference_commit", v.reference_commit, oneOf(REFERENCE_COMMITS)),
  };
  if (cfg.model_type !== "wsm") {
    cfg.rnn_hidden_size = k.check("rnn_hidden_size", v.rnn_hidden_size, POSITIVE_INT);
    cfg.nb_rnn_layers = k.check("nb_rnn_layers", v.nb_rnn_layers, POSITIVE_INT);
  }
  checkCombinations(cfg, k);
  return cfg;
}

/** Valid values that do not go together: the error names the keys by their paths. */
function checkCombinations(c: ModelConfig, k: KeyPaths): void {
  const p = k.pathOf;
  checkTransition(c, k);
  if (c.model_type !== "wsm") {
    assert(
      c.root_physics === null,
      () =>
        `${p("root_physics")} is a WARP root: ${p("model_type")} "${c.model_type}" has none (set ${p("root_physics")}: null)`,
    );
    assert(
      c.conv_embedding === null,
      () =>
        `${p("conv_embedding")} is for WARP only: ${p("model_type")} "${c.model_type}" reads the raw inputs`,
    );
  }
  if (c.nb_classes !== null) {
    assert(
      !c.autoregressive,
      () => `classification (${p("nb_classes")}) needs ${p("autoregressive")}: false`,
    );
    assert(
      !c.use_nll_loss,
      () =>
        `classification (${p("nb_classes")}) is trained with cross-entropy: set ${p("use_nll_loss")}: false`,
    );
    assert(c.root_physics === null, () => `${p("root_physics")} is for regression, not classification`);
  }
  if (c.stochastic) {
    assert(c.autoregressive, () => `${p("stochastic")}: true needs ${p("autoregressive")}: true`);
    assert(
      c.use_nll_loss,
      () => `${p("stochastic")}: true samples from the predicted σ: it needs ${p("use_nll_loss")}: true`,
    );
  }
  assert(
    c.smooth_inference || c.stochastic,
    () => `${p("smooth_inference")}: false (sampled inference) needs ${p("stochastic")}: true`,
  );
  if (c.root_physics !== null) {
    const physics = `${p("root_physics")} "${c.root_physics}"`;
    assert(!c.use_nll_loss, () => `${physics} predicts values only: set ${p("use_nll_loss")}: false`);
    assert(
      c.conv_embedding === null,
      () => `${p("root_physics")} cannot be combined with ${p("conv_embedding")}`,
    );
    if (c.root_physics === "msd" || c.root_physics === "msd_softplus") {
      assert(
        c.data_size === 2,
        () => `${physics} needs data_size 2 (position, velocity), got ${c.data_size}`,
      );
      assert(
        c.input_prev_data,
        () => `${physics} integrates from the previous state: set ${p("input_prev_data")}: true`,
      );
    } else {
      assert(c.data_size === 1, () => `${physics} needs data_size 1, got ${c.data_size}`);
    }
  }
  if (c.conv_embedding !== null) {
    assert(
      !c.autoregressive,
      () =>
        `${p("conv_embedding")} applies to whole observed sequences: it needs ${p("autoregressive")}: false`,
    );
  }
}

function checkTransition(c: ModelConfig, k: KeyPaths): void {
  const p = k.pathOf;
  const need = (key: "transition_rank" | "transition_block", kind: Transition, what: string) => {
    if (c.transition === kind && c[key] === null) k.fail(key, null, `${what} with transition "${kind}"`);
    if (c.transition !== kind && c[key] !== null)
      k.fail(key, c[key], `null: it applies to transition "${kind}" only, not "${c.transition}"`);
  };
  need("transition_rank", "lowrank", "a positive integer (the rank r of U Vᵀ)");
  need("transition_block", "block", "a positive integer (the block size)");
  if (c.transition_stable && c.transition !== "diagonal" && c.transition !== "lowrank")
    k.fail(
      "transition_stable",
      true,
      `false: it applies to transitions "diagonal" and "lowrank", not "${c.transition}"`,
    );
  if (c.model_type !== "wsm" && c.transition !== "dense")
    k.fail(
      "transition",
      c.transition,
      `"dense": ${p("model_type")} "${c.model_type}" has no WARP transition`,
    );
  if (c.transition_dtype === "bf16") {
    const why =
      c.model_type !== "wsm"
        ? `${p("model_type")} "wsm" (${p("model_type")} "${c.model_type}" has no WARP transition)`
        : c.transition !== "dense"
          ? `${p("transition")} "dense", not "${c.transition}"`
          : c.parallel_scan
            ? `${p("parallel_scan")}: false (the parallel form multiplies powers of A in float32)`
            : null;
    if (why) k.fail("transition_dtype", "bf16", `"float32", or ${why}`);
  }
  if (c.parallel_scan) {
    const why = c.autoregressive
      ? `${p("autoregressive")}: false (the autoregressive rollout is sequential)`
      : c.weights_lim !== null
        ? `${p("weights_lim")}: null (a clipped step is not linear)`
        : c.transition !== "dense" && c.transition !== "diagonal"
          ? `transition "dense" or "diagonal", not "${c.transition}"`
          : null;
    if (why) k.fail("parallel_scan", true, `false, or ${why}`);
  }
}
