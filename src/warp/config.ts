// The model configuration: the reference's YAML keys (`model:` section, plus the `training:` keys that
// change the model), validated and resolved with the reference's defaults, for WARP (model_type "wsm") and
// the GRU/LSTM baselines ("gru", "lstm": rnn_hidden_size and nb_rnn_layers, plus the shared time_as_channel,
// forcing_prob, std_lower_bound and training keys). Every invalid value gets an error naming the key, the
// value and what is allowed. Not here: YAML parsing and the optimiser/trainer sections (the training
// issue), data loading.

import { ROOT_ACTIVATIONS, type RootActivation } from "../backends/kernels.js";
import { assert, WarpError } from "../util/assert.js";

/** Physics roots shipped with warp-ts (WARP-Phys); null = the plain root MLP. */
export const ROOT_PHYSICS = ["sine", "sine_phase", "msd", "msd_softplus"] as const;
export type RootPhysics = (typeof ROOT_PHYSICS)[number];

/** A final activation: a name, a clip bound c (clip to [−c, c]), a dtanh [a, b, α, β], or null. */
export type FinalActivation = RootActivation | "sigmoid" | number | [number, number, number, number] | null;

/**
 * Structure of WARP's transition A (ours; WARP.md §6): the paper's dense matrix, a diagonal, a diagonal
 * plus a rank-r product (diag(a) + U Vᵀ), or square blocks of size k along the diagonal.
 */
export const TRANSITIONS = ["dense", "diagonal", "lowrank", "block"] as const;
export type Transition = (typeof TRANSITIONS)[number];

/**
 * Arithmetic of the dense transition's products (ours): "float32", or "bf16" — A used as I + A′ with only
 * A′θ as bfloat16 products summed in float32 (AVX512-BF16 on native where the CPU has it, else the same
 * rounding emulated); θ, gradients and the optimiser stay float32.
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
  /** Dense only: "bf16" runs A′θ of A = I + A′ as bfloat16 products (see TRANSITION_DTYPES). */
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

type Raw = Record<string, unknown>;

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

/** A value as the user wrote it (JSON, except that non-finite numbers keep their names). */
function show(v: unknown): string {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(",")}]`;
  return JSON.stringify(v) ?? String(v);
}

const fail = (key: string, value: unknown, allowed: string): never => {
  throw new WarpError(`model config: ${key} = ${show(value)} is invalid: expected ${allowed}`);
};

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

function posInt(key: string, v: unknown): number {
  return isInt(v) && v > 0 ? v : fail(key, v, "a positive integer");
}
function nonNegInt(key: string, v: unknown): number {
  return isInt(v) && v >= 0 ? v : fail(key, v, "a non-negative integer");
}
function bool(key: string, v: unknown): boolean {
  return typeof v === "boolean" ? v : fail(key, v, "true or false");
}
function posOrNull(key: string, v: unknown): number | null {
  return v === null ? null : isNum(v) && v > 0 ? v : fail(key, v, "a positive number or null");
}
function oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[]): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v)
    ? (v as T)
    : fail(key, v, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function finalActivation(v: unknown): FinalActivation {
  const key = "root_final_activation";
  if (v === null) return null;
  if (typeof v === "string") return oneOf(key, v, [...ROOT_ACTIVATIONS, "sigmoid"] as const);
  if (isNum(v)) return v > 0 ? v : fail(key, v, "a positive clip bound");
  if (Array.isArray(v) && v.length === 4 && v.every(isNum)) {
    return v[0] !== 0
      ? (v as [number, number, number, number])
      : fail(key, v, "a dtanh [a, b, alpha, beta] with a ≠ 0");
  }
  return fail(
    key,
    v,
    `an activation name (${ROOT_ACTIVATIONS.join(", ")}, sigmoid), a clip bound, [a, b, alpha, beta] or null`,
  );
}

/**
 * Validates and completes a model configuration. `raw` holds the `model:` keys and the model-changing
 * `training:` keys (flattened together), plus `data_size` and optionally `nb_classes`. Unknown keys
 * are errors naming the nearest valid key.
 */
export function resolveModelConfig(raw: Raw): ModelConfig {
  const known = new Set<string>(["data_size", ...Object.keys(MODEL_DEFAULTS), ...RNN_MODEL_KEYS]);
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) {
      const near = nearest(k, [...known]);
      throw new WarpError(`model config: unknown key "${k}"${near ? ` (did you mean "${near}"?)` : ""}`);
    }
  }
  const v = { ...MODEL_DEFAULTS, ...RNN_DEFAULTS, ...raw } as Raw;
  const cfg: ModelConfig = {
    data_size: posInt("data_size", v.data_size),
    nb_classes: v.nb_classes === null ? null : posInt("nb_classes", v.nb_classes),
    model_type: oneOf("model_type", v.model_type, MODEL_TYPES),
    root_width_size: posInt("root_width_size", v.root_width_size),
    root_depth: nonNegInt("root_depth", v.root_depth),
    root_activation: oneOf("root_activation", v.root_activation, ROOT_ACTIVATIONS),
    root_final_activation: finalActivation(v.root_final_activation),
    init_state_layers:
      v.init_state_layers === null
        ? null
        : [0, 1, 2].includes(v.init_state_layers as number)
          ? (v.init_state_layers as 0 | 1 | 2)
          : fail("init_state_layers", v.init_state_layers, "0, 1, 2 or null"),
    input_prev_data: bool("input_prev_data", v.input_prev_data),
    weights_lim: posOrNull("weights_lim", v.weights_lim),
    time_as_channel: bool("time_as_channel", v.time_as_channel),
    forcing_prob:
      isNum(v.forcing_prob) && v.forcing_prob >= 0 && v.forcing_prob <= 1
        ? v.forcing_prob
        : fail("forcing_prob", v.forcing_prob, "a probability in [0, 1]"),
    noise_theta_init: posOrNull("noise_theta_init", v.noise_theta_init),
    std_lower_bound: posOrNull("std_lower_bound", v.std_lower_bound),
    positional_encoding:
      v.positional_encoding === null
        ? null
        : Array.isArray(v.positional_encoding) &&
            v.positional_encoding.length === 2 &&
            isInt(v.positional_encoding[0]) &&
            v.positional_encoding[0] > 0 &&
            v.positional_encoding[0] % 2 === 0 &&
            isNum(v.positional_encoding[1]) &&
            v.positional_encoding[1] > 0
          ? (v.positional_encoding as [number, number])
          : fail(
              "positional_encoding",
              v.positional_encoding,
              "[D, C] with D a positive even integer and C > 0, or null",
            ),
    root_output_dim: v.root_output_dim === null ? null : posInt("root_output_dim", v.root_output_dim),
    conv_embedding:
      v.conv_embedding === null
        ? null
        : Array.isArray(v.conv_embedding) &&
            v.conv_embedding.length === 3 &&
            isInt(v.conv_embedding[0]) &&
            v.conv_embedding[0] > 0 &&
            isInt(v.conv_embedding[1]) &&
            v.conv_embedding[1] > 0 &&
            typeof v.conv_embedding[2] === "boolean"
          ? (v.conv_embedding as [number, number, boolean])
          : fail(
              "conv_embedding",
              v.conv_embedding,
              "[out_channels, kernel, causal] (two positive integers and a boolean), or null",
            ),
    root_physics: v.root_physics === null ? null : oneOf("root_physics", v.root_physics, ROOT_PHYSICS),
    transition: oneOf("transition", v.transition, TRANSITIONS),
    transition_rank: v.transition_rank === null ? null : posInt("transition_rank", v.transition_rank),
    transition_block: v.transition_block === null ? null : posInt("transition_block", v.transition_block),
    transition_stable: bool("transition_stable", v.transition_stable),
    transition_dtype: oneOf("transition_dtype", v.transition_dtype, TRANSITION_DTYPES),
    parallel_scan: bool("parallel_scan", v.parallel_scan),
    autoregressive: bool("autoregressive", v.autoregressive),
    stochastic: bool("stochastic", v.stochastic),
    use_nll_loss: bool("use_nll_loss", v.use_nll_loss),
    smooth_inference: bool("smooth_inference", v.smooth_inference),
    nb_recons_loss_steps:
      v.nb_recons_loss_steps === null ? null : posInt("nb_recons_loss_steps", v.nb_recons_loss_steps),
    inference_start: v.inference_start === null ? null : nonNegInt("inference_start", v.inference_start),
    reference_commit: oneOf("reference_commit", v.reference_commit, REFERENCE_COMMITS),
  };
  if (cfg.model_type !== "wsm") {
    cfg.rnn_hidden_size = posInt("rnn_hidden_size", v.rnn_hidden_size);
    cfg.nb_rnn_layers = posInt("nb_rnn_layers", v.nb_rnn_layers);
  }
  checkCombinations(cfg);
  return cfg;
}

function checkCombinations(c: ModelConfig): void {
  const bad = (msg: string) => `model config: ${msg}`;
  checkTransition(c);
  if (c.model_type !== "wsm") {
    assert(c.root_physics === null, () =>
      bad(`root_physics is a WARP root: model_type "${c.model_type}" has none (set root_physics: null)`),
    );
    assert(c.conv_embedding === null, () =>
      bad(`conv_embedding is for WARP only: model_type "${c.model_type}" reads the raw inputs`),
    );
  }
  if (c.nb_classes !== null) {
    assert(!c.autoregressive, () => bad("classification (nb_classes) needs autoregressive: false"));
    assert(!c.use_nll_loss, () =>
      bad("classification (nb_classes) is trained with cross-entropy: set use_nll_loss: false"),
    );
    assert(c.root_physics === null, () => bad("root_physics is for regression, not classification"));
  }
  if (c.stochastic) {
    assert(c.autoregressive, () => bad("stochastic: true needs autoregressive: true"));
    assert(c.use_nll_loss, () =>
      bad("stochastic: true samples from the predicted σ: it needs use_nll_loss: true"),
    );
  }
  assert(c.smooth_inference || c.stochastic, () =>
    bad("smooth_inference: false (sampled inference) needs stochastic: true"),
  );
  if (c.root_physics !== null) {
    assert(!c.use_nll_loss, () =>
      bad(`root_physics "${c.root_physics}" predicts values only: set use_nll_loss: false`),
    );
    assert(c.conv_embedding === null, () => bad("root_physics cannot be combined with conv_embedding"));
    if (c.root_physics === "msd" || c.root_physics === "msd_softplus") {
      assert(c.data_size === 2, () =>
        bad(`root_physics "${c.root_physics}" needs data_size 2 (position, velocity), got ${c.data_size}`),
      );
      assert(c.input_prev_data, () =>
        bad(`root_physics "${c.root_physics}" integrates from the previous state: set input_prev_data: true`),
      );
    } else {
      assert(c.data_size === 1, () =>
        bad(`root_physics "${c.root_physics}" needs data_size 1, got ${c.data_size}`),
      );
    }
  }
  if (c.conv_embedding !== null) {
    assert(!c.autoregressive, () =>
      bad("conv_embedding applies to whole observed sequences: it needs autoregressive: false"),
    );
  }
}

function checkTransition(c: ModelConfig): void {
  const need = (key: "transition_rank" | "transition_block", kind: Transition, what: string) => {
    if (c.transition === kind && c[key] === null) fail(key, null, `${what} with transition "${kind}"`);
    if (c.transition !== kind && c[key] !== null)
      fail(key, c[key], `null: it applies to transition "${kind}" only, not "${c.transition}"`);
  };
  need("transition_rank", "lowrank", "a positive integer (the rank r of U Vᵀ)");
  need("transition_block", "block", "a positive integer (the block size)");
  if (c.transition_stable && c.transition !== "diagonal" && c.transition !== "lowrank")
    fail(
      "transition_stable",
      true,
      `false: it applies to transitions "diagonal" and "lowrank", not "${c.transition}"`,
    );
  if (c.model_type !== "wsm" && c.transition !== "dense")
    fail("transition", c.transition, `"dense": model_type "${c.model_type}" has no WARP transition`);
  if (c.transition_dtype === "bf16") {
    const why =
      c.model_type !== "wsm"
        ? `model_type "wsm" (model_type "${c.model_type}" has no WARP transition)`
        : c.transition !== "dense"
          ? `transition "dense", not "${c.transition}"`
          : c.parallel_scan
            ? "parallel_scan: false (the parallel form multiplies powers of A in float32)"
            : null;
    if (why) fail("transition_dtype", "bf16", `"float32", or ${why}`);
  }
  if (c.parallel_scan) {
    const why = c.autoregressive
      ? "autoregressive: false (the autoregressive rollout is sequential)"
      : c.weights_lim !== null
        ? "weights_lim: null (a clipped step is not linear)"
        : c.transition !== "dense" && c.transition !== "diagonal"
          ? `transition "dense" or "diagonal", not "${c.transition}"`
          : null;
    if (why) fail("parallel_scan", true, `false, or ${why}`);
  }
}

/** The valid key closest to `key` by edit distance (null when nothing is close). */
export function nearest(key: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
