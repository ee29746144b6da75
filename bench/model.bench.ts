// `warp bench model`: one training step (forward, loss, backward, Adam update) of the named
// configurations that ../shared/bench/README.md defines for the PyTorch peer, built the same way:
// mnist-ar, mnist-ar-small, sine-nonar, msd-ar, and mnist-ar-infer-b1 (one whole 784-step no-gradient
// rollout with 300 context steps). Synthetic data of the right shapes and ranges (values do not change
// the timing). N batch, T steps, D data dims, P = Dθ.

import {
  type AdamState,
  adam,
  applyUpdates,
  type BackendName,
  bernoulli,
  concat,
  type GradientTransformation,
  type Key,
  type ModelConfig,
  randomKey,
  resolveModelConfig,
  splitKey,
  type Tensor,
  tensor,
  tidy,
  uniform,
  valueAndGrad,
  WarpModel,
  type WarpParams,
  where,
  withBackend,
} from "../src/index.js";
import { adamDirectionRef } from "../src/optim/optimizers.js";
import { forEachTensor } from "../src/tensor/tensor.js";
import { type BenchRecord, peakRssMb, round } from "./timing.js";

interface ModelBench {
  N: number;
  T: number;
  data: "mnist" | "sine" | "msd";
  model: Record<string, unknown>;
  lr: number;
  /** Context length of a no-gradient rollout; a training step otherwise. */
  inferContext?: number;
  warmup: number;
}

const MNIST: Record<string, unknown> = {
  data_size: 1,
  root_width_size: 24,
  root_depth: 3,
  root_activation: "relu",
  root_final_activation: "tanh",
  init_state_layers: null,
  input_prev_data: false,
  use_nll_loss: true,
  std_lower_bound: 0.5,
  weights_lim: 0.5,
  forcing_prob: 0.15,
  autoregressive: true,
  time_as_channel: false,
  nb_recons_loss_steps: 400,
};

export const MODEL_BENCHES: Record<string, ModelBench> = {
  "mnist-ar-small": { N: 32, T: 196, data: "mnist", model: MNIST, lr: 1e-4, warmup: 2 },
  "sine-nonar": {
    N: 64,
    T: 100,
    data: "sine",
    model: {
      data_size: 1,
      root_width_size: 32,
      root_depth: 2,
      root_activation: "relu",
      root_final_activation: null,
      init_state_layers: 2,
      use_nll_loss: false,
      autoregressive: false,
      time_as_channel: false,
    },
    lr: 1e-5,
    warmup: 2,
  },
  "mnist-ar-infer-b1": { N: 1, T: 784, data: "mnist", model: MNIST, lr: 0, inferContext: 300, warmup: 2 },
  "msd-ar": {
    N: 64,
    T: 200,
    data: "msd",
    model: {
      data_size: 2,
      root_width_size: 48,
      root_depth: 3,
      root_activation: "swish",
      root_final_activation: 39,
      init_state_layers: 2,
      input_prev_data: true,
      use_nll_loss: false,
      forcing_prob: 0.25,
      autoregressive: true,
      time_as_channel: false,
    },
    lr: 1e-6,
    warmup: 1,
  },
  "mnist-ar": { N: 128, T: 784, data: "mnist", model: MNIST, lr: 1e-4, warmup: 3 },
};

/** Configurations that finish in reasonable time on the plain-TS backend. */
export const CPU_MODEL_BENCHES = ["sine-nonar", "mnist-ar-infer-b1", "mnist-ar-small"];

export function makeData(kind: ModelBench["data"], N: number, T: number): Tensor {
  const [k1, k2] = splitKey(randomKey(7), 2) as [Key, Key];
  if (kind === "mnist") {
    // pixels in [−1, 1], mostly background
    return where(bernoulli(k1, 0.2, [N, T, 1]), uniform(k2, [N, T, 1], -1, 1), -1);
  }
  // sin(2π f t + φ), f ∈ [1, 3], φ ∈ [0, 2π); for msd a damped (position, velocity) pair
  const freq = uniform(k1, [N], 1, 3).data;
  const phase = uniform(k2, [N], 0, 2 * Math.PI).data;
  const wave = (shift: number, damped: boolean) =>
    tensor(
      Array.from({ length: N * T }, (_, i) => {
        const n = Math.floor(i / T);
        const t = (i % T) / (T - 1);
        return Math.sin(2 * Math.PI * freq[n]! * t + phase[n]! + shift) * (damped ? Math.exp(-2 * t) : 1);
      }),
      [N, T, 1],
    );
  if (kind === "sine") return wave(0, false);
  return concat([wave(0, true), wave(Math.PI / 2, true)], 2);
}

/**
 * The model keys of a transition given as "dense", "dense:bf16" (transition_dtype bf16), "diagonal",
 * "lowrank[:r]" or "block[:k]" (r and k default to 32), or null when the text is none of these.
 */
export function transitionKeys(text: string): Record<string, unknown> | null {
  if (text === "dense:bf16") return { transition: "dense", transition_dtype: "bf16" };
  const m = /^(dense|diagonal|lowrank|block)(?::([1-9][0-9]*))?$/.exec(text);
  if (!m || (m[2] && (m[1] === "dense" || m[1] === "diagonal"))) return null;
  const size = Number(m[2] ?? 32);
  if (m[1] === "lowrank") return { transition: "lowrank", transition_rank: size };
  if (m[1] === "block") return { transition: "block", transition_block: size };
  return { transition: m[1] };
}

/** CPU milliseconds this process has used (user + system, all threads). */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Training steps (Adam at the configuration's rate from the same initialisation and keys) of one
 * configuration: step() runs one and returns its loss; for an inference configuration, one rollout (0).
 * With `refAdam` the optimiser is Adam's op-by-op twin (same math, other float32 rounding).
 */
export function trainer(spec: ModelBench, config: ModelConfig, x: Tensor, refAdam = false): () => number {
  const model = new WarpModel(config);
  let params: WarpParams = model.init(randomKey(0));
  const fused = adam(spec.lr);
  // refAdam: the op-by-op Adam, whose float32 results differ from the fused kernel's by rounding only.
  const opt = (
    refAdam ? { init: fused.init, update: (g, s: AdamState) => adamDirectionRef(g, s, {}, -spec.lr) } : fused
  ) as GradientTransformation<unknown>;
  let state = opt.init(params);
  let key: Key = randomKey(1);
  return () => {
    if (spec.inferContext !== undefined) {
      tidy(() => void model.predict(params, x, { context: spec.inferContext }));
      return 0;
    }
    const [k, next] = splitKey(key, 2) as [Key, Key];
    key = next;
    const out = tidy(() => {
      const { value, grads } = valueAndGrad((p: WarpParams) => model.loss(p, { x }, k))(params);
      const [updates, s] = opt.update(grads, state, params);
      return { params: applyUpdates(params, updates), state: s, loss: value };
    });
    // Old parameters and moments go back to the pool, as in the trainer (fit.ts).
    const kept = new Set<Tensor>();
    forEachTensor([out.params, out.state], (t) => kept.add(t));
    forEachTensor([params, state], (t) => {
      if (!kept.has(t)) t.dispose();
    });
    params = out.params as WarpParams;
    state = out.state;
    const loss = out.loss.item();
    out.loss.dispose();
    return loss;
  };
}

/**
 * Median ms of one step of the named configuration on `backend` with the given transition (default
 * dense), its mean CPU ms (all threads), and the process's peak RSS.
 */
export function benchModelConfig(
  name: string,
  backend: BackendName,
  steps = 5,
  transition = "dense",
): BenchRecord {
  const spec = MODEL_BENCHES[name]!;
  return withBackend(backend, () =>
    tidy(() => {
      const config: ModelConfig = resolveModelConfig({ ...spec.model, ...transitionKeys(transition) });
      const step = trainer(spec, config, makeData(spec.data, spec.N, spec.T));
      for (let i = 0; i < spec.warmup; i++) step();
      const times: number[] = [];
      const cpu0 = cpuMs();
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        step();
        times.push(performance.now() - t0);
      }
      const cpuStep = (cpuMs() - cpu0) / steps;
      times.sort((a, b) => a - b);
      return {
        bench: "model",
        config: name,
        backend,
        transition,
        N: spec.N,
        T: spec.T,
        D: config.data_size,
        P: new WarpModel(config).thetaDim,
        ms_step: round(times[Math.floor(times.length / 2)]!),
        // CPU time of the process (all its threads) per step: what a loaded machine inflates least.
        cpu_ms_step: round(cpuStep),
        peak_rss_mb: peakRssMb(),
      };
    }),
  );
}

/**
 * The drift of the bf16 transition: the named training configuration run side by side from the same
 * initialisation, data and keys — float32, bf16, and a control: float32 with Adam's op-by-op twin, which
 * differs from the first run by float32 rounding alone (how fast any rounding difference grows under
 * Adam) — for `steps` steps; emits a record every `every` steps (and at the last) with the three losses
 * and each one's relative difference from the float32 run.
 */
export function benchBf16Drift(
  name: string,
  backend: BackendName,
  steps: number,
  every: number,
  emit: (r: BenchRecord) => void,
): void {
  const spec = MODEL_BENCHES[name]!;
  withBackend(backend, () =>
    tidy(() => {
      const x = makeData(spec.data, spec.N, spec.T);
      const fp32 = trainer(spec, resolveModelConfig({ ...spec.model }), x);
      const bf16 = trainer(spec, resolveModelConfig({ ...spec.model, transition_dtype: "bf16" }), x);
      const control = trainer(spec, resolveModelConfig({ ...spec.model }), x, true);
      const rel = (v: number, ref: number) => round(Math.abs(v - ref) / Math.max(Math.abs(ref), 1e-30), 7);
      for (let i = 0; i < steps; i++) {
        const [a, b, c] = [fp32(), bf16(), control()];
        if (i % every === 0 || i === steps - 1)
          emit({
            bench: "bf16-drift",
            config: name,
            backend,
            step: i,
            loss_fp32: a,
            loss_bf16: b,
            loss_fp32_control: c,
            rel_bf16: rel(b, a),
            rel_control: rel(c, a),
          });
      }
    }),
  );
}
