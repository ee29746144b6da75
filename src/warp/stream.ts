// Streaming prediction with a trained WARP model: a session holds θ_t and advances it by one recurrence step
// per observation, with no gradient (WARP's gradient-free adaptation at test time). push(x_t) returns the
// prediction of x_{t+1} (and its σ with the NLL head); fork(k) rolls k steps ahead on the model's own
// predictions without changing the session; reset() starts over. Each step is exactly the autoregressive
// forward's step with the true x_t fed in, so a session reproduces `predict(p, x, { context })`.
// N streams, D data dims, P = Dθ. Not here: the batch forward (model.ts), training.

import { noGrad } from "../autograd/tape.js";
import * as ops from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { broadcastTo } from "../ops/reduce.js";
import { concat, reshape, slice, stack } from "../ops/shape.js";
import { type FloatDType, type Tensor, tensor, tidy } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import type { Key } from "../util/random.js";
import { applyHead } from "./head.js";
import type { WarpModel } from "./model.js";
import type { WarpParams } from "./params.js";
import { transitionApply } from "./transition.js";

export interface StreamOptions {
  /** The first observation x_0: (D) for one stream, or (N, D). */
  x0: Tensor | readonly number[];
  /** Observation times τ_0, τ_1, … of the stream (as the batch forward's `times`). */
  times?: readonly number[];
  /** Or the stream's length T, for the batch forward's default times linspace(0, 1, T). */
  length?: number;
  /** Randomness for noise_theta_init, when the configuration uses it. */
  key?: Key;
}

/** One step's prediction of the next observation: means (N, D) and, with the NLL head, stds (N, D). */
export interface StreamPrediction {
  mean: Tensor;
  std: Tensor | null;
}

/** A rollout of k steps: means (N, k, D) and stds (N, k, D) or null. */
export interface StreamRollout {
  mean: Tensor;
  std: Tensor | null;
}

/** An observation as (N, D): a (D) tensor or number list is one stream. */
function rows(
  x: Tensor | readonly number[],
  D: number,
  dtype: FloatDType,
  N: number | null,
  who: string,
): Tensor {
  const t = Array.isArray(x) ? tensor(x as number[], [x.length], dtype) : (x as Tensor);
  const r = t.ndim === 1 ? reshape(t, [1, t.shape[0]!]) : t;
  assert(
    r.ndim === 2 && r.shape[1] === D && (N === null || r.shape[0] === N) && r.dtype === dtype,
    () => `${who}: expected (${D}) or (${N ?? "N"}, ${D}) ${dtype}, got ${fmtShape(t.shape)} ${t.dtype}`,
  );
  return r;
}

interface State {
  theta: Tensor;
  /** The last predicted mean (the forward's x̂), and the previous fed-back value. */
  mean: Tensor;
  prev: Tensor;
  /** Observations consumed so far. */
  t: number;
}

/** A streaming session over N streams; create it with `model.stream(params, options)`. */
export class StreamSession {
  private readonly N: number;
  private readonly D: number;
  private readonly times: readonly number[];
  /** (1, T, F): the root query rows of the stream's times. */
  private readonly query: Tensor;
  private x0: Tensor;
  private state: State;

  constructor(
    private readonly model: WarpModel,
    private readonly params: WarpParams,
    private readonly options: StreamOptions,
  ) {
    const c = model.config;
    assert(c.nb_classes === null, () => "model.stream: classification models have no next-step prediction");
    assert(!c.conv_embedding, () => "model.stream: conv_embedding models are not autoregressive");
    assert(
      !(c.stochastic && !c.smooth_inference),
      () => "model.stream: stochastic sampling at inference is not supported (set smooth_inference)",
    );
    this.D = c.data_size;
    this.x0 = rows(options.x0, this.D, params.A.dtype as FloatDType, null, "model.stream: x0");
    this.N = this.x0.shape[0]!;
    if (options.times) {
      this.times = options.times;
    } else {
      const T = options.length;
      assert(
        T !== undefined && Number.isInteger(T) && T >= 1,
        () => "model.stream: give the stream's `times` or its `length`",
      );
      this.times = Array.from({ length: T }, (_, i) => (T > 1 ? i / (T - 1) : 0));
    }
    // The root query of every step, as the batch forward computes it (shared by all N streams).
    this.query = noGrad(() =>
      model.arQuery(tensor(this.times, [1, this.times.length], params.A.dtype as FloatDType)),
    ).keep();
    this.state = this.initial();
  }

  /** Observations consumed so far (the index of the next one). */
  get step(): number {
    return this.state.t;
  }

  /** Feeds the observation x_t ((D) or (N, D)) and returns the prediction of x_{t+1}. */
  push(x: Tensor | readonly number[]): StreamPrediction {
    const obs = rows(x, this.D, this.params.A.dtype as FloatDType, this.N, "session.push");
    const { state, y } = this.advance(this.state, obs);
    this.replace(state);
    const { N, D } = this;
    const out = {
      mean: slice(y, [0, 0], [N, D]),
      std: this.model.head.uncertainty ? slice(y, [0, D], [N, D]) : null,
    };
    y.dispose();
    return out;
  }

  /** What-if: the next k predictions, each fed back as the next input, from the current state (unchanged). */
  fork(k: number): StreamRollout {
    assert(Number.isInteger(k) && k >= 1, () => `session.fork: k must be a positive integer, got ${k}`);
    return noGrad(() =>
      tidy(() => {
        let s = this.state;
        const ys: Tensor[] = [];
        for (let i = 0; i < k; i++) {
          const r = this.advance(s, null);
          s = r.state;
          ys.push(r.y);
        }
        const y = stack(ys, 1);
        const D = this.D;
        const mean = slice(y, [0, 0, 0], [this.N, k, D]);
        return { mean, std: this.model.head.uncertainty ? slice(y, [0, 0, D], [this.N, k, D]) : null };
      }),
    );
  }

  /** Back to the state before the first push (with a new x_0 when given). */
  reset(x0?: Tensor | readonly number[]): void {
    if (x0 !== undefined)
      this.x0 = rows(x0, this.D, this.params.A.dtype as FloatDType, this.N, "session.reset");
    this.replace(this.initial());
  }

  private initial(): State {
    return noGrad(() =>
      tidy(() => ({
        theta: this.model.initialTheta(this.params, this.x0, this.options.key),
        mean: ops.add(this.x0, 0),
        prev: ops.add(this.x0, 0),
        t: 0,
      })),
    );
  }

  private replace(next: State): void {
    const old = this.state;
    this.state = next;
    for (const t of [old.theta, old.mean, old.prev])
      if (![next.theta, next.mean, next.prev].includes(t)) t.dispose();
  }

  /** One step of the autoregressive forward: the true x_t when given, else the last prediction. */
  private advance(s: State, x: Tensor | null): { state: State; y: Tensor } {
    const { model, params: p, N, D } = this;
    const c = model.config;
    const t = s.t;
    assert(
      t < this.times.length,
      () =>
        `session: the stream's times end at step ${this.times.length}; give longer \`times\` or \`length\``,
    );
    return noGrad(() =>
      tidy(() => {
        const dtype = p.A.dtype as FloatDType;
        const cand = x ?? s.mean;
        const dTime = t === 0 ? 0 : this.times[t]! - this.times[t - 1]!;
        const inc = model.arIncrement(ops.sub(cand, s.prev), tensor(new Array(N).fill(dTime), [N, 1], dtype));
        const theta = transitionApply(c, p, s.theta, matmul(inc, p.B, { transB: true }), c.weights_lim ?? 0);
        const F = this.query.shape[2]!;
        let input = broadcastTo(reshape(slice(this.query, [0, t, 0], [1, 1, F]), [1, F]), [N, F]);
        if (c.input_prev_data) input = concat([input, s.prev], 1);
        const y = applyHead(model.root.apply(theta, input), model.headOptions(p));
        const state: State = { theta, mean: slice(y, [0, 0], [N, D]), prev: s.mean, t: t + 1 };
        return { state, y };
      }),
    );
  }
}
