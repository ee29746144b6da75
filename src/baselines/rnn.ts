// The GRU and LSTM baselines (model_type "gru" / "lstm"): a stack of gated recurrent cells over the inputs
// [τ_t, x_t] (time first with time_as_channel), a Linear decoder from the top hidden state to the output,
// and the same forward modes, heads and losses as WARP, so the trainer, evaluation, checkpoints and CLI
// take them through the SequenceModel interface. N sequences, T steps, D data dims, H hidden units,
// Din = D (+1 with time_as_channel), G = 3 (GRU) or 4 (LSTM) gates.
//
// Cells (Equinox's GRUCell / LSTMCell, PyTorch's gate order), h_0 = c_0 = 0:
//   GRU   [r; z; n] rows of weight_ih (3H, in), weight_hh (3H, H), bias (3H), bias_n (H):
//         r = σ(W_ir u + b_r + W_hr h)   z = σ(W_iz u + b_z + W_hz h)
//         n = tanh(W_in u + b_n' + r ⊙ (W_hn h + bias_n))   h' = (1 − z) ⊙ n + z ⊙ h
//   LSTM  [i; f; g; o] rows of weight_ih (4H, in), weight_hh (4H, H), bias (4H):
//         c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)   h' = σ(o) ⊙ tanh(c')
// Layer 0 reads u_t = [τ_t, x̃_t] (in = Din), layer l > 0 reads layer l − 1's new h (in = H). Per layer
// and step ONE matmul gives every gate: [u, 1, h] times a fused weight built once per forward (bias as a
// column; the GRU's n gate keeps its input and hidden parts in separate rows for the reset gate).
// Output y_t = head(decoder(h_t)); the loss compares y_t with x_t, as WARP's (docs/model.md §2–3).
//
// Fed input x̃_t (as WarpModel's modes): classification, or autoregressive: false without a context →
// the true x_t at every step. Otherwise the autoregressive rollout: x̃_t = x_t when teacher-forced
// (one Bernoulli(forcing_prob) draw per sequence and step in training, or `forceMask`; inference with a
// context: t < context), else the previous step's predicted mean (plus σ·ε with stochastic: true during
// training, or at inference when smooth_inference is false); x̃_0 = x_0 always.
//
// Parameter init (Equinox): every cell tensor ~ U(±1/√H); decoder weight and bias ~ U(±1/√H).
// Checkpoint names: layer 0 "cell.weight_ih", "cell.weight_hh", "cell.bias" (GRU also "cell.bias_n") —
// the reference's own pytree paths —, layer l ≥ 1 "cell_{l}.…", and "decoder.weight" (out, H),
// "decoder.bias" (out).
//
// The reference (ddrous/warp models.py, classes GRU and LSTM, built by make_model from model_type,
// rnn_hidden_size, time_as_channel, forcing_prob, std_lower_bound and training.use_nll_loss) does the
// same, except where noted; warp-ts chose:
//  - σ = max(softplus(raw), std_lower_bound), WARP's head. The reference takes σ = clip(raw, min =
//    std_lower_bound) with no softplus: σ ≤ 0 (a NaN NLL) without a bound, and no gradient below it.
//  - The mean has no final activation, as in the reference (root_final_activation is a WARP key).
//  - nb_rnn_layers stacked layers; the reference builds one layer whatever nb_rnn_layers says.
//  - Classification (nb_classes: logits at the last step, true inputs fed): the reference's RNNs are
//    regression only.
//  - autoregressive: false feeds the true x_t (no teacher-forcing draw), as WARP; the reference's RNNs
//    ignore the key and always draw with forcing_prob.
//  - Context: t < context, as WarpModel; the reference compares times (t_k ≤ inference_start / T), the
//    same steps for times linspace(0, 1, T).
//  - stochastic / smooth_inference as in WARP; the reference's RNNs never sample.
//  - Independent keys for the cell and the decoder; the reference initialises both from one key.
// WARP-only keys (root_*, init_state_layers, input_prev_data, weights_lim, noise_theta_init,
// positional_encoding, root_output_dim) are accepted and ignored, as the reference does; root_physics
// and conv_embedding are configuration errors. ForwardOptions.parallel is ignored.
// Not here: configuration (src/warp/config.ts), losses (src/warp/loss.ts), the training loop.

import { needsGrad, noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { broadcastTo } from "../ops/reduce.js";
import { concat, reshape, slice, stack } from "../ops/shape.js";
import {
  type Batch,
  batchForceMask,
  type ForwardOptions,
  type SequenceModel,
  sequenceTimes,
} from "../sequence-model.js";
import { sameShape } from "../tensor/shape.js";
import { type FloatDType, type Tensor, tensor, tidy, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { bernoulli, type Key, normal, splitKey, uniform } from "../util/random.js";
import { type ModelConfig, RNN_DEFAULTS, type RnnModelType } from "../warp/config.js";
import { applyHead, type HeadOptions } from "../warp/head.js";
import { taskLoss } from "../warp/loss.js";
import type { LinearParams } from "../warp/params.js";

/** One recurrent layer (Equinox layout). */
export interface RnnCellParams {
  /** (G·H, in): the input weights of every gate, stacked. */
  weight_ih: Tensor;
  /** (G·H, H): the hidden-state weights of every gate, stacked. */
  weight_hh: Tensor;
  /** (G·H): added to the input part of every gate. */
  bias: Tensor;
  /** GRU only, (H): added to W_hn h inside the reset gate. */
  bias_n?: Tensor;
}

/** Trainable parameters of a GRU/LSTM baseline. */
export interface RnnParams {
  /** Layer 0 first. */
  cells: RnnCellParams[];
  /** (out, H) weight and (out) bias from the top hidden state to the output. */
  decoder: LinearParams;
}

/** Per-step recurrent state: h (and c for the LSTM) of every layer, (N, H) each. */
interface State {
  h: Tensor[];
  c: Tensor[];
}

/** A GRU or LSTM baseline; parameters are passed to every call (model = data). */
export class RnnModel implements SequenceModel<RnnParams> {
  readonly cell: RnnModelType;
  /** H: hidden units per layer. */
  readonly hiddenSize: number;
  readonly layers: number;
  /** Input size of layer 0: D, plus one time column with time_as_channel. */
  readonly inputDim: number;
  /** Width of the output per step: D (2D with the uncertainty head), or nb_classes. */
  readonly outDim: number;
  readonly head: HeadOptions;
  private readonly gates: number;

  constructor(readonly config: ModelConfig) {
    const c = config;
    assert(
      c.model_type === "gru" || c.model_type === "lstm",
      () => `RnnModel: model_type must be "gru" or "lstm", got "${c.model_type}"`,
    );
    this.cell = c.model_type;
    this.gates = c.model_type === "gru" ? 3 : 4;
    this.hiddenSize = c.rnn_hidden_size ?? RNN_DEFAULTS.rnn_hidden_size;
    this.layers = c.nb_rnn_layers ?? RNN_DEFAULTS.nb_rnn_layers;
    this.inputDim = c.data_size + (c.time_as_channel ? 1 : 0);
    const classification = c.nb_classes !== null;
    this.outDim = classification ? c.nb_classes! : c.use_nll_loss ? 2 * c.data_size : c.data_size;
    this.head = {
      final: null,
      dtanh: null,
      uncertainty: !classification && c.use_nll_loss,
      stdLowerBound: c.std_lower_bound,
    };
  }

  /** Number of trainable values. */
  get paramCount(): number {
    const H = this.hiddenSize;
    const G = this.gates;
    let n = (H + 1) * this.outDim;
    for (let l = 0; l < this.layers; l++) {
      n += G * H * ((l === 0 ? this.inputDim : H) + H + 1) + (this.cell === "gru" ? H : 0);
    }
    return n;
  }

  get description(): string {
    const L = this.layers;
    return `${this.cell.toUpperCase()}, hidden ${this.hiddenSize}, ${L} layer${L === 1 ? "" : "s"}, ${this.paramCount} parameters`;
  }

  /** Fresh parameters: Equinox's GRUCell/LSTMCell and Linear initialisation, U(±1/√H). */
  init(key: Key, dtype: FloatDType = "float32"): RnnParams {
    const H = this.hiddenSize;
    const GH = this.gates * H;
    const lim = 1 / Math.sqrt(H);
    const u = (k: Key, shape: number[]) => uniform(k, shape, -lim, lim, dtype);
    const keys = splitKey(key, this.layers + 1);
    const cells = Array.from({ length: this.layers }, (_, l): RnnCellParams => {
      const [kIh, kHh, kB, kBn] = splitKey(keys[l]!, 4) as [Key, Key, Key, Key];
      const cell: RnnCellParams = {
        weight_ih: u(kIh, [GH, l === 0 ? this.inputDim : H]),
        weight_hh: u(kHh, [GH, H]),
        bias: u(kB, [GH]),
      };
      if (this.cell === "gru") cell.bias_n = u(kBn, [H]);
      return cell;
    });
    const [kW, kb] = splitKey(keys[this.layers]!, 2) as [Key, Key];
    return { cells, decoder: { weight: u(kW, [this.outDim, H]), bias: u(kb, [this.outDim]) } };
  }

  namedParams(p: RnnParams): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    p.cells.forEach((cell, l) => {
      const pre = l === 0 ? "cell" : `cell_${l}`;
      out[`${pre}.weight_ih`] = cell.weight_ih;
      out[`${pre}.weight_hh`] = cell.weight_hh;
      out[`${pre}.bias`] = cell.bias;
      if (cell.bias_n) out[`${pre}.bias_n`] = cell.bias_n;
    });
    out["decoder.weight"] = p.decoder.weight;
    out["decoder.bias"] = p.decoder.bias;
    return out;
  }

  paramsFromNamed(named: Record<string, Tensor>, template: RnnParams): RnnParams {
    const want = this.namedParams(template);
    for (const [name, w] of Object.entries(want)) {
      const t = named[name];
      assert(t, () => `checkpoint: tensor "${name}" is missing for this configuration`);
      assert(
        sameShape(t.shape, w.shape) && t.dtype === w.dtype,
        () =>
          `checkpoint: tensor "${name}" is ${t.dtype} ${fmtShape(t.shape)} but the configuration needs ${w.dtype} ${fmtShape(w.shape)}`,
      );
    }
    return {
      cells: template.cells.map((cell, l) => {
        const pre = l === 0 ? "cell" : `cell_${l}`;
        const out: RnnCellParams = {
          weight_ih: named[`${pre}.weight_ih`]!,
          weight_hh: named[`${pre}.weight_hh`]!,
          bias: named[`${pre}.bias`]!,
        };
        if (cell.bias_n) out.bias_n = named[`${pre}.bias_n`]!;
        return out;
      }),
      decoder: { weight: named["decoder.weight"]!, bias: named["decoder.bias"]! },
    };
  }

  /**
   * The model's output for a batch x (N, T, D): (N, T, outDim) — means (and σ with the NLL head), or
   * logits. Classification and autoregressive: false without a context feed the true inputs; otherwise
   * the autoregressive rollout with teacher forcing (training) or from `o.context` (inference).
   */
  forward(p: RnnParams, x: Tensor, o: ForwardOptions = {}): Tensor {
    const c = this.config;
    assert(
      x.ndim === 3 && x.shape[2] === c.data_size && x.shape[1]! >= 1,
      () => `RnnModel: expected x (N, T, ${c.data_size}), got ${fmtShape(x.shape)}`,
    );
    const dtype = p.decoder.weight.dtype as FloatDType;
    assert(x.dtype === dtype, () => `RnnModel: x is ${x.dtype} but the parameters are ${dtype}`);
    assert(
      p.cells.length === this.layers,
      () => `RnnModel: parameters have ${p.cells.length} layers, the configuration ${this.layers}`,
    );
    const [N, T, D] = x.shape as [number, number, number];
    const times = sequenceTimes(x, o.times, "RnnModel");
    const feedback = c.nb_classes === null && (c.autoregressive || o.context !== undefined);
    const inference = o.context !== undefined;
    const [kForce, kEps] = o.key ? (splitKey(o.key, 2) as Key[]) : [];
    // Teacher forcing (N, T), 1 = feed the true x_t; null = the true x_t at every step.
    let force: Tensor | null = null;
    if (feedback) {
      if (inference) {
        const ctx = o.context!;
        assert(
          Number.isInteger(ctx) && ctx >= 0,
          () => `RnnModel: context must be a non-negative integer, got ${ctx}`,
        );
        if (ctx < T) {
          const v = Array.from({ length: T }, (_, t) => (t < ctx ? 1 : 0));
          force = broadcastTo(tensor(v, [1, T], dtype), [N, T]);
        }
      } else if (o.forceMask) {
        assert(
          o.forceMask.ndim === 2 && o.forceMask.shape[0] === N && o.forceMask.shape[1] === T,
          () => `RnnModel: forceMask must be (${N},${T}), got ${fmtShape(o.forceMask!.shape)}`,
        );
        force = o.forceMask;
      } else if (c.forcing_prob < 1) {
        assert(kForce, () => "RnnModel: teacher forcing with forcing_prob < 1 needs a random key");
        force = bernoulli(kForce, c.forcing_prob, [N, T], dtype);
      }
    }
    let eps: Tensor | null = null;
    if (force && c.stochastic && (!inference || !c.smooth_inference)) {
      if (o.noise) {
        assert(
          o.noise.ndim === 3 && o.noise.shape[0] === N && o.noise.shape[1] === T && o.noise.shape[2] === D,
          () => `RnnModel: noise must be (${N},${T},${D}), got ${fmtShape(o.noise!.shape)}`,
        );
        eps = o.noise;
      } else {
        assert(kEps, () => "RnnModel: stochastic sampling needs a random key");
        eps = normal(kEps, [N, T, D], 0, 1, dtype);
      }
    }
    const step = (a: Tensor, t: number) => {
      const w = a.shape[2]!;
      return reshape(slice(a, [0, t, 0], [N, 1, w]), [N, w]);
    };
    // Inference builds no tape: each step's temporaries, and the states it replaces, are freed at once.
    const tracking = needsGrad([...Object.values(this.namedParams(p)), x, times]);
    const scoped = <R>(fn: () => R): R => (tracking ? fn() : tidy(fn));
    const free = (ts: (Tensor | null)[]) => {
      if (!tracking) for (const t of ts) t?.dispose();
    };
    const H = this.hiddenSize;
    const fused = p.cells.map((w) => this.fusedWeight(w));
    const ones = tensor(new Array<number>(N).fill(1), [N, 1], dtype);
    let state: State = {
      h: p.cells.map(() => zeros([N, H], dtype)),
      c: this.cell === "lstm" ? p.cells.map(() => zeros([N, H], dtype)) : [],
    };
    let mean = step(x, 0); // the previous step's predicted mean ("x_hat"), x_0 at the start
    let std: Tensor | null = null;
    const tops: Tensor[] = [];
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const r = scoped(() => {
        let fed = step(x, t);
        if (force) {
          const xHat = eps && std ? ops.add(mean, ops.mul(step(eps, t), std)) : mean;
          fed = ops.where(slice(force, [0, t], [N, 1]), fed, xHat);
        }
        let u = c.time_as_channel ? [slice(times, [0, t], [N, 1]), fed] : [fed];
        const next: State = { h: [], c: [] };
        fused.forEach((w, l) => {
          // All gates of the layer in one GEMM: [u, 1, h] (N, in + 1 + H) times the fused weight.
          const h = state.h[l]!;
          const g = matmul(concat([...u, ones, h], 1), w, { transB: true });
          if (this.cell === "gru") next.h.push(this.gruGates(g, h));
          else {
            const [hNew, cNew] = this.lstmGates(g, state.c[l]!);
            next.h.push(hNew);
            next.c.push(cNew);
          }
          u = [next.h[l]!];
        });
        if (!force) return { next, y: null, mean: null, std: null };
        const y = this.decode(p, next.h[this.layers - 1]!);
        return {
          next,
          y,
          mean: slice(y, [0, 0], [N, D]),
          std: c.stochastic ? slice(y, [0, D], [N, D]) : null,
        };
      });
      free([...state.h.slice(0, force ? this.layers : this.layers - 1), ...state.c]);
      state = r.next;
      if (r.y) {
        outs.push(r.y);
        free([mean, std]);
        mean = r.mean!;
        std = r.std;
      } else tops.push(state.h[this.layers - 1]!);
    }
    if (force) {
      const y = stack(outs, 1);
      free([...outs, ...state.h, ...state.c, mean, std]);
      return y;
    }
    // Without feedback the decoder runs once over every step.
    const hs = reshape(stack(tops, 1), [N * T, H]);
    free([...tops, ...state.h, ...state.c]);
    return reshape(this.decode(p, hs), [N, T, this.outDim]);
  }

  /** The output head over hidden states (M, H) → (M, outDim): logits, or means (and σ). */
  private decode(p: RnnParams, h: Tensor): Tensor {
    const raw = ops.add(matmul(h, p.decoder.weight, { transB: true }), p.decoder.bias);
    return this.config.nb_classes === null ? applyHead(raw, this.head) : raw;
  }

  /**
   * The weight of one layer's fused GEMM on [u, 1, h], (rows, in + 1 + H). LSTM: [W_ih | bias | W_hh]
   * (4H rows: i, f, g, o). GRU (4H rows): r and z [W_i· | b_· | W_h·]; then the input part of n
   * [W_in | b_n' | 0] and its hidden part [0 | bias_n | W_hn], kept apart for the reset gate.
   */
  private fusedWeight(w: RnnCellParams): Tensor {
    const H = this.hiddenSize;
    const I = w.weight_ih.shape[1]!;
    const dtype = w.weight_ih.dtype;
    const b = reshape(w.bias, [this.gates * H, 1]);
    if (this.cell === "lstm") return concat([w.weight_ih, b, w.weight_hh], 1);
    const rows = (a: Tensor, r0: number, n: number) => slice(a, [r0, 0], [n, a.shape[1]!]);
    return concat(
      [
        concat([rows(w.weight_ih, 0, 2 * H), rows(b, 0, 2 * H), rows(w.weight_hh, 0, 2 * H)], 1),
        concat([rows(w.weight_ih, 2 * H, H), rows(b, 2 * H, H), zeros([H, H], dtype)], 1),
        concat([zeros([H, I], dtype), reshape(w.bias_n!, [H, 1]), rows(w.weight_hh, 2 * H, H)], 1),
      ],
      0,
    );
  }

  /** GRU gates from the fused pre-activations g (N, 4H) = [r, z, n_input, n_hidden] and h → h'. */
  private gruGates(g: Tensor, h: Tensor): Tensor {
    const N = g.shape[0]!;
    const H = this.hiddenSize;
    const rz = ops.sigmoid(slice(g, [0, 0], [N, 2 * H]));
    const r = slice(rz, [0, 0], [N, H]);
    const z = slice(rz, [0, H], [N, H]);
    const n = ops.tanh(ops.add(slice(g, [0, 2 * H], [N, H]), ops.mul(r, slice(g, [0, 3 * H], [N, H]))));
    return ops.add(n, ops.mul(z, ops.sub(h, n)));
  }

  /** LSTM gates from the fused pre-activations g (N, 4H) = [i, f, g, o] and c → [h', c']. */
  private lstmGates(g: Tensor, c: Tensor): [Tensor, Tensor] {
    const N = g.shape[0]!;
    const H = this.hiddenSize;
    const ifg = ops.sigmoid(slice(g, [0, 0], [N, 2 * H]));
    const i = slice(ifg, [0, 0], [N, H]);
    const f = slice(ifg, [0, H], [N, H]);
    const cand = ops.tanh(slice(g, [0, 2 * H], [N, H]));
    const o = ops.sigmoid(slice(g, [0, 3 * H], [N, H]));
    const cNew = ops.add(ops.mul(f, c), ops.mul(i, cand));
    return [ops.mul(o, ops.tanh(cNew)), cNew];
  }

  /** The training loss of a batch (`taskLoss`, docs/model.md §3) of the forward pass with teacher forcing. */
  loss(p: RnnParams, batch: Batch, key?: Key): Tensor {
    const [kForward, kSteps, kForce] = key ? (splitKey(key, 3) as Key[]) : [];
    const forceMask = batchForceMask(batch, this.config, kForce, "RnnModel");
    const out = this.forward(p, batch.x, { times: batch.times, key: kForward, forceMask });
    return taskLoss(this.config, out, batch, kSteps, "RnnModel");
  }

  /** Inference helper: the forward pass without gradients (temporaries freed). */
  predict(p: RnnParams, x: Tensor, o: ForwardOptions = {}): Tensor {
    return noGrad(() => tidy(() => this.forward(p, x, o)));
  }
}
