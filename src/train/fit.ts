// The training loop: epochs of seeded shuffled minibatches, one optimiser step per batch, validation every
// `validEvery` epochs (the autoregressive rollout from the context length when set) choosing the best
// model our way or the authors' (docs/model.md §3), and reports through
// callbacks — the CLI prints them and writes checkpoints; the library does no I/O. Randomness is derived
// from the run key and the epoch/step indices only, so resuming from a saved state equals running on.
// Not here: run folders, checkpoint files, progress bars (cli/).

import { valueAndGrad } from "../autograd/grad.js";
import type { ValCriterion } from "../config/run-schema.js";
import type { Dataset } from "../data/dataset.js";
import { batches } from "../data/dataset.js";
import type { MinMaxStats } from "../data/normalize.js";
import { applyUpdates, type GradientTransformation, treeLeaves } from "../optim/transform.js";
import type { SequenceModel } from "../sequence-model.js";
import { dispose, type Tensor, tidy } from "../tensor/tensor.js";
import { WarpError } from "../util/assert.js";
import { foldIn, type Key, splitKey } from "../util/random.js";
import { evaluate } from "./evaluate.js";

/** Everything a run needs to continue: parameters, optimiser state, epochs done, best validation. */
export interface FitState<S, P extends object = object> {
  params: P;
  optState: S;
  /** Number of completed epochs. */
  epoch: number;
  /** Best validation criterion so far (lower is better; f1 is stored negated), or null. */
  best: number | null;
}

/** One line of metrics.jsonl. */
export interface EpochRecord {
  epoch: number;
  train_loss: number;
  /** Validation metrics of this epoch (null when it was not a validation epoch). */
  val: Record<string, number> | null;
  lr_scale: number | null;
  seconds: number;
}

export interface FitOptions<S, P extends object = object> {
  model: SequenceModel<P>;
  optimizer: GradientTransformation<S>;
  train: Dataset;
  val?: Dataset | null;
  /** Total number of epochs of the run (a resumed run continues up to it). */
  epochs: number;
  batchSize: number;
  /** The run's key; epoch e and step s use keys derived from (key, e, s). */
  key: Key;
  /** Validate every N epochs and at the last; null = the last epoch only. */
  validEvery: number | null;
  valCriterion: ValCriterion;
  /**
   * Choose the best model as the authors' main.py (bde9a5d): validate at 0-based epochs e with
   * e % validEvery = 0 and at the last; criterion "mse" is ½MSE over all steps; ties go to the later
   * epoch. Otherwise: validate after every validEvery-th epoch, the criterion from the context on, and
   * only a strict improvement counts.
   */
  authorsSelection?: boolean;
  /** Context length of the validation rollout (the config's inference_start), or null. */
  context: number | null;
  /** Train from this context as a forecast runs (Batch.context; training.context_rollout), or null. */
  trainContext?: number | null;
  /** The data's min-max statistics, to add validation metrics in original units. */
  stats?: MinMaxStats | null;
  /** The sequences are images in [−1, 1]: validation adds the image metrics (bpd, image_mse). */
  image?: boolean;
  /** The learning-rate scale of an optimiser state (reduce-on-plateau), for the records. */
  lrScale?: (state: S) => number | null;
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number }) => void;
  /** Called after every epoch with its record and the new state; `improved` = new best validation. */
  onEpoch?: (record: EpochRecord, state: FitState<S, P>, improved: boolean) => void;
}

/** The knobs that usually stop a run from diverging, named in divergence errors and warnings. */
export const DIVERGENCE_HINT =
  "What usually helps: a lower optimizer.init_lr (e.g. 1e-4), optimizer.grad_norm_clip: 1, optimizer.transition_lr_scale: 0.01 (A moves slower), a bounded model.root_final_activation (tanh, or [4, 0, 4, 0] for dtanh), data.instance_norm: mean (forecasting), a lower model.forcing_prob (train on its own rollouts)";

/**
 * Thrown when the loss or a gradient stops being finite; names where (1-based epoch and step, as the
 * records and the progress output count them) and the last finite loss.
 */
export class TrainingDiverged extends WarpError {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly lastFiniteLoss: number | null,
    what: string,
  ) {
    super(
      `training diverged at epoch ${epoch}, step ${step}: ${what} (last finite loss ${lastFiniteLoss === null ? "none" : lastFiniteLoss}). ${DIVERGENCE_HINT}`,
    );
  }
}

function allFinite(tree: unknown): boolean {
  for (const t of treeLeaves(tree)) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  }
  return true;
}

/** Keys of epoch e: one for the shuffle, one from which each step's key is folded. */
export function epochKeys(key: Key, epoch: number): { shuffle: Key; steps: Key } {
  const [shuffle, steps] = splitKey(foldIn(key, epoch), 2) as [Key, Key];
  return { shuffle, steps };
}

/**
 * The training loop as a generator: yields the state after every step (`epochDone` false) and after every
 * epoch (true), ending at `o.epochs`. `fit` runs it to the end; `fitAsync` yields to the event loop
 * between steps so that signals, timers and cancellation get a turn.
 */
export function* fitSteps<S, P extends object>(
  start: FitState<S, P>,
  o: FitOptions<S, P>,
): Generator<{ state: FitState<S, P>; epochDone: boolean }, FitState<S, P>> {
  let state = start;
  let lastFinite: number | null = null;
  const steps = Math.ceil(o.train.size / o.batchSize);
  for (let epoch = start.epoch; epoch < o.epochs; epoch++) {
    const t0 = performance.now();
    const keys = epochKeys(o.key, epoch);
    let sum = 0;
    let step = 0;
    for (const b of batches(o.train, o.batchSize, keys.shuffle)) {
      const batch = o.trainContext ? { ...b, context: o.trainContext } : b;
      const stepKey = foldIn(keys.steps, step);
      const prev = state;
      const next = tidy(() => {
        const { value, grads } = valueAndGrad((p: P) => o.model.loss(p, batch, stepKey))(prev.params);
        const loss = value.item();
        if (!Number.isFinite(loss))
          throw new TrainingDiverged(epoch + 1, step + 1, lastFinite, `the loss is ${loss}`);
        if (!allFinite(grads))
          throw new TrainingDiverged(epoch + 1, step + 1, lastFinite, "a gradient is NaN or infinite");
        const [updates, optState] = o.optimizer.update(grads, prev.optState, prev.params, { value: loss });
        return { params: applyUpdates(prev.params, updates), optState, loss };
      });
      dispose(batch);
      // The previous step's tensors go back to the pool (never the caller's starting state).
      if (prev !== start) {
        const keep = new Set<Tensor>([...treeLeaves(next.params), ...treeLeaves(next.optState)]);
        for (const t of [...treeLeaves(prev.params), ...treeLeaves(prev.optState)])
          if (!keep.has(t)) t.dispose();
      }
      lastFinite = next.loss;
      sum += next.loss;
      state = { ...state, params: next.params, optState: next.optState };
      step++;
      o.onStep?.({ epoch, step, steps, loss: next.loss });
      yield { state, epochDone: false };
    }
    const last = epoch === o.epochs - 1;
    const authors = o.authorsSelection === true;
    const due = o.validEvery !== null && (authors ? epoch : epoch + 1) % o.validEvery === 0;
    const val =
      o.val && (last || due)
        ? evaluate(o.model, state.params, o.val, {
            context: o.context,
            batchSize: o.batchSize,
            stats: o.stats,
            image: o.image,
            halfMseAllSteps: authors,
          })
        : null;
    let improved = false;
    if (val) {
      const score =
        authors && o.valCriterion === "mse" ? val.half_mse_all! : criterionScore(val, o.valCriterion);
      // A non-finite score (a rollout that blew up) is never "best".
      if (
        Number.isFinite(score) &&
        (state.best === null || score < state.best || (authors && score === state.best))
      ) {
        improved = true;
        state = { ...state, best: score };
      }
    }
    state = { ...state, epoch: epoch + 1 };
    const record: EpochRecord = {
      epoch: epoch + 1,
      train_loss: step > 0 ? sum / step : Number.NaN,
      val,
      lr_scale: o.lrScale?.(state.optState) ?? null,
      seconds: (performance.now() - t0) / 1000,
    };
    o.onEpoch?.(record, state, improved);
    yield { state, epochDone: true };
  }
  return state;
}

/** Trains from `start` up to `o.epochs` epochs; returns the final state. */
export function fit<S, P extends object>(start: FitState<S, P>, o: FitOptions<S, P>): FitState<S, P> {
  const it = fitSteps(start, o);
  for (let r = it.next(); ; r = it.next()) if (r.done) return r.value;
}

/** Thrown by `fitAsync` when its signal aborts; `epoch` is the last completed epoch (0: none). */
export class TrainingInterrupted extends WarpError {
  constructor(readonly epoch: number) {
    super(`training interrupted after epoch ${epoch}`);
  }
}

/**
 * `fit` that gives the event loop a turn every `yieldMs` milliseconds (between steps), so a page or a
 * terminal stays responsive. When `signal` aborts, it stops at the next step boundary and throws
 * TrainingInterrupted naming the last completed epoch, whose onEpoch has run (keep what you need of a
 * state there: the states of later steps are released as training moves on).
 */
export async function fitAsync<S, P extends object>(
  start: FitState<S, P>,
  o: FitOptions<S, P>,
  { signal, yieldMs = 50 }: { signal?: AbortSignal; yieldMs?: number } = {},
): Promise<FitState<S, P>> {
  let lastEpoch = start.epoch;
  let turn = performance.now();
  const it = fitSteps(start, o);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return r.value;
    if (r.value.epochDone) lastEpoch = r.value.state.epoch;
    if (performance.now() - turn >= yieldMs) {
      await new Promise((done) => setTimeout(done, 0));
      turn = performance.now();
    }
    if (signal?.aborted) {
      it.return(r.value.state);
      throw new TrainingInterrupted(lastEpoch);
    }
  }
}

/** The validation criterion as a lower-is-better score. */
export function criterionScore(val: Record<string, number>, criterion: ValCriterion): number {
  const key = criterion === "cce" ? "cross_entropy" : criterion;
  const v = val[key];
  if (v === undefined) {
    throw new WarpError(
      `val_criterion "${criterion}" is not computed for this task (have: ${Object.keys(val).join(", ")})`,
    );
  }
  return criterion === "f1_score" ? -v : v;
}
