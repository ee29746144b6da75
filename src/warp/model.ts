// The WARP model: parameters (A, B, θ_0 or the hypernetwork φ, dtanh, convolution embedding) as data, a
// static configuration, and the forward modes of docs/model.md over a batch of sequences.
//   θ_0 = φ(x_0) or learned;  θ_t = clip(A θ_{t−1} + B Δx_t);  y_t = head(root_{θ_t}(τ [, x]))
// N sequences, T steps, D data dims, S = D (or the embedding's channels), Din = S (+1 with
// time_as_channel), P = Dθ. Which of the authors' commits each choice follows: docs/model.md.
// Not here: losses (loss.ts), checkpoints (checkpoint.ts), the training loop.

import { noGrad } from "../autograd/tape.js";
import type { ArRolloutConfig } from "../autograd/types.js";
import { arRollout } from "../ops/ar-rollout.js";
import * as ops from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { linearRecurrence } from "../ops/recurrence.js";
import { broadcastTo } from "../ops/reduce.js";
import { concat, reshape, slice, stack, transpose } from "../ops/shape.js";
import type { Batch, ForwardOptions, SequenceModel } from "../sequence-model.js";
import { batchForceMask, sequenceTimes } from "../sequence-model.js";
import { type FloatDType, type Tensor, tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { bernoulli, type Key, normal, splitKey, uniform } from "../util/random.js";
import type { ModelConfig } from "./config.js";
import { applyHead, finalActivation, type HeadOptions } from "./head.js";
import { taskLoss } from "./loss.js";
import { namedToParams, paramsToNamed, type WarpParams } from "./params.js";
import { mlpDims, mlpRoot, msdRoot, type Root, sinePhaseRoot, sineRoot } from "./root.js";
import { type StreamOptions, StreamSession } from "./stream.js";
import {
  checkTransitionSizes,
  diagonalOf,
  initTransition,
  transitionName,
  transitionStates,
  transitionStepper,
} from "./transition.js";

/** Hidden sizes of the reference's GradualMLP hypernetwork with k hidden layers. */
export function hypernetSizes(inDim: number, outDim: number, k: 0 | 1 | 2): number[] {
  if (k === 2)
    return [
      inDim,
      Math.trunc((2 / 3) * inDim + (1 / 3) * outDim),
      Math.trunc((1 / 3) * inDim + (2 / 3) * outDim),
      outDim,
    ];
  if (k === 1) return [inDim, Math.trunc(0.5 * inDim + 0.5 * outDim), outDim];
  return [inDim, outDim];
}

/** A WARP model: static configuration and root; parameters are passed to every call (model = data). */
export class WarpModel implements SequenceModel<WarpParams> {
  readonly root: Root;
  /** Input size of B: D, plus one time column with time_as_channel. */
  readonly inputDim: number;
  /** Size of the observation the recurrence sees (D, or the embedding's channels). */
  readonly seqDim: number;
  readonly head: Omit<HeadOptions, "dtanh">;
  /** Width of the model's output per step: D (2D with NLL), nb_classes, or root_output_dim. */
  readonly outDim: number;

  constructor(
    readonly config: ModelConfig,
    root?: Root,
  ) {
    const c = config;
    this.seqDim = c.conv_embedding ? c.conv_embedding[0] : c.data_size;
    this.inputDim = this.seqDim + (c.time_as_channel ? 1 : 0);
    const timeDim = 1 + (c.positional_encoding ? c.positional_encoding[0] : 0);
    const rootIn = timeDim + (c.input_prev_data ? this.seqDim : 0);
    const classification = c.nb_classes !== null;
    // The root predicts data space even with a convolution embedding (as the reference).
    const rootOut =
      c.root_output_dim ?? (classification ? c.nb_classes! : c.use_nll_loss ? 2 * c.data_size : c.data_size);
    this.root = root ?? makeRoot(c, rootIn, rootOut);
    assert(
      this.root.inDim === rootIn,
      () =>
        `root "${this.root.name}" takes ${this.root.inDim} inputs but the configuration gives it ${rootIn}`,
    );
    checkTransitionSizes(c, this.root.paramCount);
    this.head = {
      final: classification ? null : c.root_final_activation,
      uncertainty: !classification && c.use_nll_loss,
      stdLowerBound: c.std_lower_bound,
    };
    this.outDim = this.root.outDim;
  }

  /** Dθ: the size of the hidden state. */
  get thetaDim(): number {
    return this.root.paramCount;
  }

  get description(): string {
    return `WARP, root ${this.root.name}, Dθ = ${this.thetaDim}`;
  }

  namedParams(p: WarpParams): Record<string, Tensor> {
    return paramsToNamed(p, transitionName(this.config));
  }

  paramsFromNamed(named: Record<string, Tensor>, template: WarpParams): WarpParams {
    return namedToParams(named, template, transitionName(this.config));
  }

  /** Fresh parameters with the reference's initialisation (A = I, B = 0, θ_0 / φ Equinox-uniform). */
  init(key: Key, dtype: FloatDType = "float32"): WarpParams {
    const c = this.config;
    const P = this.thetaDim;
    const [kTheta, kPhi, kConv, kA] = splitKey(key, 4) as [Key, Key, Key, Key];
    const params: WarpParams = { ...initTransition(c, P, kA, dtype), B: zeros([P, this.inputDim], dtype) };
    if (c.init_state_layers === null) params.theta0 = this.root.init(kTheta, dtype);
    else {
      const sizes = hypernetSizes(this.seqDim, P, c.init_state_layers);
      const keys = splitKey(kPhi, 2 * (sizes.length - 1));
      params.phi = {
        layers: sizes.slice(1).map((out, i) => {
          const lim = 1 / Math.sqrt(sizes[i]!);
          return {
            weight: uniform(keys[2 * i]!, [out, sizes[i]!], -lim, lim, dtype),
            bias: uniform(keys[2 * i + 1]!, [out], -lim, lim, dtype),
          };
        }),
      };
    }
    if (Array.isArray(c.root_final_activation) && c.nb_classes === null) {
      params.dtanh = tensor(c.root_final_activation, [4], dtype);
    }
    if (c.conv_embedding) {
      const [C, K] = c.conv_embedding;
      const [k1, k2] = splitKey(kConv, 2) as [Key, Key];
      const lim = 1 / Math.sqrt(c.data_size * K);
      params.conv_embedding = uniform(k1, [C, c.data_size, K], -lim, lim, dtype);
      params.conv_de_embedding = uniform(k2, [1, 1, 3], -1 / Math.sqrt(3), 1 / Math.sqrt(3), dtype);
    }
    return params;
  }

  /** θ_0 for every sequence, (N, P): φ(x_0) (x_0 embedded with conv_embedding) or the learned vector,
   * plus noise_theta_init·ε. */
  initialTheta(p: WarpParams, x0: Tensor, key?: Key): Tensor {
    const N = x0.shape[0]!;
    let theta: Tensor;
    if (p.phi) {
      let h = x0;
      const L = p.phi.layers.length;
      p.phi.layers.forEach((layer, i) => {
        h = ops.add(matmul(h, layer.weight, { transB: true }), layer.bias);
        if (i < L - 1) h = finalActivation(h, this.config.root_activation, null);
      });
      theta = h;
    } else {
      assert(p.theta0, () => "WarpModel: parameters have neither theta0 nor phi");
      theta = broadcastTo(reshape(p.theta0, [1, this.thetaDim]), [N, this.thetaDim]);
    }
    const noise = this.config.noise_theta_init;
    if (noise !== null) {
      assert(key, () => "WarpModel: noise_theta_init needs a random key");
      theta = ops.add(theta, normal(key, [N, this.thetaDim], 0, noise, theta.dtype as FloatDType));
    }
    return theta;
  }

  /**
   * The model's output for a batch x (N, T, D): (N, T, outDim) — means (and stds with the NLL head),
   * or logits. Dispatch as the reference: classification → non-AR; else AR when training
   * autoregressively or when a context length is given; else non-AR.
   */
  forward(p: WarpParams, x: Tensor, o: ForwardOptions = {}): Tensor {
    const c = this.config;
    assert(
      x.ndim === 3 && x.shape[2] === c.data_size && x.shape[1]! >= 1,
      () => `WarpModel: expected x (N, T, ${c.data_size}), got ${fmtShape(x.shape)}`,
    );
    assert(x.dtype === p.A.dtype, () => `WarpModel: x is ${x.dtype} but the parameters are ${p.A.dtype}`);
    const times = sequenceTimes(x, o.times, "WarpModel");
    if (c.nb_classes === null && (c.autoregressive || o.context !== undefined)) {
      assert(!c.conv_embedding, () => "WarpModel: conv_embedding works in non-autoregressive mode only");
      return this.autoregressive(p, x, times, o);
    }
    return this.nonAutoregressive(p, x, times, o);
  }

  /** The time row of every step, (N, T, F): [τ_t, PE(t)…] (the reference's `ts` with positional encoding). */
  timeFeatures(tau: Tensor): Tensor {
    const [N, T] = tau.shape as [number, number];
    const t3 = reshape(tau, [N, T, 1]);
    const pe = this.config.positional_encoding;
    if (!pe) return t3;
    const [D, C] = pe;
    const v = new Array<number>(T * D);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < D; i += 2) {
        const arg = t / C ** (i / D);
        v[t * D + i] = Math.sin(arg);
        v[t * D + i + 1] = Math.cos(arg);
      }
    }
    const peT = broadcastTo(tensor(v, [1, T, D], tau.dtype), [N, T, D]);
    return concat([t3, peT], 2);
  }

  /**
   * The autoregressive root queries (N, T, F): f_t + (f_t − f_{t−1}) with f_{−1} := f_0 and f_t the time
   * row [τ_t, PE(t)] (the authors' AR paths; shared with streaming, stream.ts).
   */
  arQuery(times: Tensor): Tensor {
    const feats = this.timeFeatures(times);
    const [N, T, F] = feats.shape as [number, number, number];
    const featsPrev = concat([slice(feats, [0, 0, 0], [N, 1, F]), slice(feats, [0, 0, 0], [N, T - 1, F])], 1);
    return ops.add(feats, ops.sub(feats, featsPrev));
  }

  /**
   * The autoregressive input of B for one step, (N, D[+1]): Δx, with time_as_channel also Δτ — after Δx
   * at bde9a5d, before it at da7a0af (docs/model.md).
   */
  arIncrement(dx: Tensor, dTime: Tensor): Tensor {
    if (!this.config.time_as_channel) return dx;
    return concat(this.config.reference_commit === "bde9a5d" ? [dx, dTime] : [dTime, dx], 1);
  }

  headOptions(p: WarpParams): HeadOptions {
    return { ...this.head, dtanh: p.dtanh ?? null };
  }

  /**
   * The de-embedding of the outputs y (N, T, W) (conv_embedding only): one 3-tap convolution along time,
   * zero-padded on both sides, applied to every output column (means, stds or logits alike, as the
   * reference): y'_t = w_0 y_{t−1} + w_1 y_t + w_2 y_{t+1}.
   */
  private deEmbed(w: Tensor, y: Tensor): Tensor {
    const [N, T, W] = y.shape as [number, number, number];
    const z = zeros([N, 1, W], y.dtype);
    const padded = concat([z, y, z], 1);
    const tap = (k: number) =>
      ops.mul(slice(padded, [0, k, 0], [N, T, W]), reshape(slice(w, [0, 0, k], [1, 1, 1]), [1]));
    return ops.add(ops.add(tap(0), tap(1)), tap(2));
  }

  /** The 1-D convolution embedding of x (N, T, D) → (N, T, C): causal (left-padded) or centred. */
  embed(p: WarpParams, x: Tensor): Tensor {
    const [C, K, causal] = this.config.conv_embedding!;
    const [N, T, D] = x.shape as [number, number, number];
    const left = causal ? K - 1 : Math.floor((K - 1) / 2);
    const right = K - 1 - left;
    const padded = concat([zeros([N, left, D], x.dtype), x, zeros([N, right, D], x.dtype)], 1);
    // im2col: column block k holds x shifted by k; then one GEMM with the (C, D·K) kernel.
    const cols = concat(
      Array.from({ length: K }, (_, k) => slice(padded, [0, k, 0], [N, T, D])),
      2,
    );
    // cols[n, t, k·D + d] pairs with weight[c, d, k]: reorder the kernel (C, D, K) to (C, K·D).
    const wKD = reshape(transpose(p.conv_embedding!, [0, 2, 1]), [C, K * D]);
    return matmul(cols, wKD, { transB: true });
  }

  /** Mode 1 (and 4 with `parallel`): scan the observed sequence, then decode every θ_t. */
  private nonAutoregressive(p: WarpParams, xData: Tensor, times: Tensor, o: ForwardOptions): Tensor {
    const c = this.config;
    const x = c.conv_embedding ? this.embed(p, xData) : xData;
    const [N, T, S] = x.shape as [number, number, number];
    const P = this.thetaDim;
    const [, kNoise] = o.key ? (splitKey(o.key, 3) as Key[]) : [];
    const theta0 = this.initialTheta(p, reshape(slice(x, [0, 0, 0], [N, 1, S]), [N, S]), kNoise);
    // Δx_t = x_t − x_{t−1} with x_{−1} := x_0 (so Δx_0 = 0); time first with time_as_channel.
    let seq = x;
    if (c.time_as_channel) seq = concat([reshape(times, [N, T, 1]), x], 2);
    const Din = S + (c.time_as_channel ? 1 : 0);
    const prev = concat([slice(seq, [0, 0, 0], [N, 1, Din]), slice(seq, [0, 0, 0], [N, T - 1, Din])], 1);
    const dx = ops.sub(seq, prev);
    const parallel = o.parallel ?? c.parallel_scan;
    assert(
      !parallel || c.weights_lim === null,
      () => "WarpModel: the parallel form cannot clip θ (weights_lim): use the recurrent mode",
    );
    assert(
      !parallel || c.transition_dtype !== "bf16",
      () =>
        "WarpModel: the parallel form has no bf16 transition (transition_dtype: bf16): use the recurrent mode",
    );
    const thetas =
      parallel && c.transition === "dense"
        ? parallelStates(p.A, p.B, dx, theta0)
        : transitionStates(c, p, p.B, dx, theta0, {
            clip: c.weights_lim ?? 0,
            parallel,
          });
    // The root is queried at step t's own time row (bde9a5d), or shifted by one step's increment
    // (da7a0af: τ_t + (τ_1 − τ_0)); with input_prev_data it is also given x_t.
    let input = this.timeFeatures(times);
    if (c.reference_commit === "da7a0af" && T > 1) {
      const F = input.shape[2]!;
      input = ops.add(input, ops.sub(slice(input, [0, 1, 0], [N, 1, F]), slice(input, [0, 0, 0], [N, 1, F])));
    }
    if (c.input_prev_data) input = concat([input, x], 2);
    const raw = this.root.apply(reshape(thetas, [N * T, P]), reshape(input, [N * T, -1]));
    const y = reshape(applyHead(raw, this.headOptions(p)), [N, T, -1]);
    return p.conv_de_embedding ? this.deEmbed(p.conv_de_embedding, y) : y;
  }

  /** Modes 2 and 3: the autoregressive rollout with teacher forcing (training) or a context (inference). */
  private autoregressive(p: WarpParams, x: Tensor, times: Tensor, o: ForwardOptions): Tensor {
    const c = this.config;
    const [N, T, D] = x.shape as [number, number, number];
    const [kForce, kNoise, kEps] = o.key ? (splitKey(o.key, 3) as Key[]) : [];
    const inference = o.context !== undefined;
    // Teacher forcing: (N, T) decisions, 1 = feed the true x_t.
    let force: Tensor;
    if (inference) {
      const ctx = o.context!;
      assert(
        Number.isInteger(ctx) && ctx >= 0,
        () => `WarpModel: context must be a non-negative integer, got ${ctx}`,
      );
      force = broadcastTo(
        tensor(
          Array.from({ length: T }, (_, t) => (t < ctx ? 1 : 0)),
          [1, T],
          x.dtype,
        ),
        [N, T],
      );
    } else if (o.forceMask) {
      assert(
        o.forceMask.ndim === 2 && o.forceMask.shape[0] === N && o.forceMask.shape[1] === T,
        () => `WarpModel: forceMask must be (${N},${T}), got ${fmtShape(o.forceMask!.shape)}`,
      );
      force = o.forceMask;
    } else if (c.forcing_prob >= 1) {
      force = broadcastTo(tensor([1], [1, 1], x.dtype), [N, T]);
    } else {
      assert(kForce, () => "WarpModel: teacher forcing with forcing_prob < 1 needs a random key");
      force = bernoulli(kForce, c.forcing_prob, [N, T], x.dtype as FloatDType);
    }
    const sampleNoise = c.stochastic && (!inference || !c.smooth_inference);
    let eps: Tensor | null = null;
    if (sampleNoise && o.noise) {
      assert(
        o.noise.ndim === 3 && o.noise.shape[0] === N && o.noise.shape[1] === T && o.noise.shape[2] === D,
        () => `WarpModel: noise must be (${N},${T},${D}), got ${fmtShape(o.noise!.shape)}`,
      );
      eps = o.noise;
    } else if (sampleNoise) {
      assert(kEps, () => "WarpModel: stochastic sampling needs a random key");
      eps = normal(kEps, [N, T, D], 0, 1, x.dtype as FloatDType);
    }
    const query = this.arQuery(times);
    const F = query.shape[2]!;
    const tPrev = concat([slice(times, [0, 0], [N, 1]), slice(times, [0, 0], [N, T - 1])], 1);
    const dTime = ops.sub(times, tPrev);
    const step = (t: number, a: Tensor, d = a.shape[2]!) => reshape(slice(a, [0, t, 0], [N, 1, d]), [N, d]);
    const x0 = step(0, x);
    let theta = this.initialTheta(p, x0, kNoise);
    assert(
      o.segment === undefined || (Number.isInteger(o.segment) && o.segment >= 1),
      () => `WarpModel: segment must be an integer ≥ 1, got ${o.segment}`,
    );
    const fused = o.fused !== false ? this.rolloutConfig(x, times, o.segment) : null;
    if (fused) {
      const diag = c.transition === "diagonal" || c.transition === "lowrank";
      return arRollout(
        {
          theta0: theta,
          A: diag ? diagonalOf(c, p.A) : p.A,
          U: p.AU,
          V: p.AV,
          B: p.B,
          dtanh: p.dtanh ?? null,
          x,
          force,
          noise: eps,
          query,
          dTime,
        },
        fused,
      );
    }
    const transition = transitionStepper(c, p, T, N, c.weights_lim ?? 0);
    const head = this.headOptions(p);
    let mean = x0; // last predicted mean ("x_hat")
    let std: Tensor | null = null;
    let prev = x0; // the reference's x_prev: the previous fed-back value
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xHat = eps && std ? ops.add(mean, ops.mul(step(t, eps), std)) : mean;
      const forced = reshape(slice(force, [0, t], [N, 1]), [N, 1]);
      const cand = ops.where(forced, step(t, x), xHat);
      const inc = this.arIncrement(ops.sub(cand, prev), reshape(slice(dTime, [0, t], [N, 1]), [N, 1]));
      theta = transition(theta, matmul(inc, p.B, { transB: true }), t);
      let input = reshape(slice(query, [0, t, 0], [N, 1, F]), [N, F]);
      if (c.input_prev_data) input = concat([input, prev], 1);
      const y = applyHead(this.root.apply(theta, input), head);
      outs.push(y);
      prev = xHat;
      mean = slice(y, [0, 0], [N, D]);
      if (c.stochastic) std = slice(y, [0, D], [N, D]);
    }
    return stack(outs, 1);
  }

  /**
   * The configuration of the fused rollout (`arRollout`), or null where it does not apply: a root other
   * than the plain MLP, an output wider than the head's, or data that needs gradients.
   */
  private rolloutConfig(x: Tensor, times: Tensor, segment?: number): ArRolloutConfig | null {
    const c = this.config;
    const mlp = this.root.mlp;
    const D = c.data_size;
    const f = c.root_final_activation;
    if (!mlp || x.requiresGrad || times.requiresGrad) return null;
    if (this.outDim !== (this.head.uncertainty ? 2 * D : D) || (c.stochastic && !this.head.uncertainty))
      return null;
    return {
      dims: mlp.dims,
      act: mlp.activation,
      final: f === "identity" ? null : Array.isArray(f) ? "dtanh" : f,
      uncertainty: this.head.uncertainty,
      stdLowerBound: this.head.stdLowerBound,
      clip: c.weights_lim ?? 0,
      transition: c.transition,
      bf16: c.transition_dtype === "bf16",
      prevInput: c.input_prev_data,
      timeColumn: !c.time_as_channel ? "none" : c.reference_commit === "bde9a5d" ? "last" : "first",
      ...(segment !== undefined ? { segment } : {}),
    };
  }

  /** The training loss of a batch (`taskLoss`, docs/model.md "Losses") of the forward pass with teacher forcing. */
  loss(p: WarpParams, batch: Batch, key?: Key): Tensor {
    const [kForward, kSteps, kForce] = key ? (splitKey(key, 3) as Key[]) : [];
    const out = this.forward(p, batch.x, {
      times: batch.times,
      key: kForward,
      forceMask: batchForceMask(batch, this.config, kForce, "WarpModel"),
    });
    return taskLoss(this.config, out, batch, kSteps, "WarpModel");
  }

  /** A streaming-prediction session (stream.ts): push(x_t) → prediction of x_{t+1}, fork, reset. */
  stream(p: WarpParams, o: StreamOptions): StreamSession {
    return new StreamSession(this, p, o);
  }

  /** Inference helper: the forward pass without gradients. */
  predict(p: WarpParams, x: Tensor, o: ForwardOptions = {}): Tensor {
    return noGrad(() => this.forward(p, x, o));
  }
}

/**
 * Mode 4: θ_t = A^{t+1} θ_0 + Σ_{k=0..t} A^{t−k} B Δx_k (t = 0..T−1), causal and including θ_0. The input
 * part is a causal convolution of Δx with the kernels K_j = A^j B, computed as one GEMM over a Toeplitz
 * arrangement of Δx; the θ_0 part is the homogeneous recurrence.
 */
export function parallelStates(A: Tensor, B: Tensor, dx: Tensor, theta0: Tensor): Tensor {
  const [N, T, Din] = dx.shape as [number, number, number];
  const P = A.shape[0]!;
  // K_j = A^j B, stacked as (T·Din, P) rows K_jᵀ.
  const Ks: Tensor[] = [];
  let K = B;
  for (let j = 0; j < T; j++) {
    Ks.push(transpose(K, [1, 0]));
    if (j + 1 < T) K = matmul(A, K);
  }
  const kernel = concat(Ks, 0);
  // Toeplitz: block j of row t holds Δx_{t−j} (zero when t < j).
  const blocks = Array.from({ length: T }, (_, j) =>
    j === 0 ? dx : concat([zeros([N, j, Din], dx.dtype), slice(dx, [0, 0, 0], [N, T - j, Din])], 1),
  );
  const toeplitz = concat(blocks, 2);
  const driven = matmul(toeplitz, kernel);
  const free = linearRecurrence(A, zeros([N, T, P], dx.dtype), theta0);
  return ops.add(driven, free);
}

function makeRoot(c: ModelConfig, inDim: number, outDim: number): Root {
  switch (c.root_physics) {
    case null:
      return mlpRoot(mlpDims(inDim, c.root_width_size, c.root_depth, outDim), c.root_activation);
    case "sine":
      return sineRoot(inDim, c.root_width_size, c.root_depth, c.root_activation);
    case "sine_phase":
      return sinePhaseRoot(inDim);
    case "msd":
    case "msd_softplus":
      return msdRoot(inDim, c.root_width_size, c.root_depth, c.root_activation, {
        positive: c.root_physics === "msd_softplus",
      });
  }
}
