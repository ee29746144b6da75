// The training loop: a run resumed from a checkpoint (parameters and optimiser state through safetensors
// bytes) equals the uninterrupted run bit for bit; a non-finite loss stops the run naming the epoch, the
// step and the last finite loss; validation tracks the best criterion, ours or the authors' way.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  evaluate,
  full,
  type GradientTransformation,
  loadCheckpoint,
  mul,
  randomKey,
  referenceOptimizer,
  resolveModelConfig,
  saveCheckpoint,
  sineSplits,
  treeLeaves,
  treeMap,
  WarpModel,
} from "../../src/index.js";
import { type EpochRecord, type FitState, fit, TrainingDiverged } from "../../src/train/fit.js";
import { decodeState, encodeState } from "../../src/train/state.js";

const config = resolveModelConfig({
  data_size: 1,
  root_width_size: 6,
  root_depth: 1,
  root_activation: "tanh",
  root_final_activation: null,
  init_state_layers: 1,
  use_nll_loss: false,
  forcing_prob: 0.5, // AR training with random teacher forcing: the step keys matter
  time_as_channel: false,
});
const model = new WarpModel(config);
const data = sineSplits(randomKey(11), { train: 12, val: 6, test: 1 });
const makeOpt = () =>
  referenceOptimizer({ initLr: 1e-3, gradientsLim: 1, onPlateau: { accumSize: 2, patience: 1 } });

function run(start: FitState<unknown>, epochs: number, records: EpochRecord[]) {
  const opt = makeOpt() as GradientTransformation<unknown>;
  return fit(start, {
    model,
    optimizer: opt,
    train: data.train,
    val: data.val,
    epochs,
    batchSize: 5,
    key: randomKey(3),
    validEvery: 1,
    valCriterion: "mse",
    context: 1,
    lrScale: (s) => (s as [unknown, unknown, { scale: number }])[2].scale,
    onEpoch: (r) => records.push({ ...r, seconds: 0 }),
  });
}

function fresh(): FitState<unknown> {
  const params = model.init(randomKey(0));
  return { params, optState: makeOpt().init(params), epoch: 0, best: null };
}

describe("fit", () => {
  it("resumed from a checkpoint equals the uninterrupted run, bit for bit", () => {
    const straightRecords: EpochRecord[] = [];
    const straight = run(fresh(), 4, straightRecords);

    const firstRecords: EpochRecord[] = [];
    const half = run(fresh(), 2, firstRecords);
    // Through the bytes of a checkpoint, as `warp train --resume` does.
    const state = encodeState(half.optState, "opt");
    const bytes = saveCheckpoint(config, half.params, state.tensors, {
      opt_state: state.json,
      epoch: String(half.epoch),
      best: JSON.stringify(half.best),
    });
    const ck = loadCheckpoint(bytes, config);
    const resumedStart: FitState<unknown> = {
      params: ck.params,
      optState: decodeState(ck.metadata.opt_state!, ck.extra),
      epoch: Number(ck.metadata.epoch),
      best: JSON.parse(ck.metadata.best!) as number | null,
    };
    const restRecords: EpochRecord[] = [];
    const resumed = run(resumedStart, 4, restRecords);

    assert.equal(resumed.epoch, 4);
    assert.deepEqual([...firstRecords, ...restRecords], straightRecords);
    const a = treeLeaves(straight.params);
    const b = treeLeaves(resumed.params);
    a.forEach((t, i) => assert.deepEqual(b[i]!.data, t.data, `parameter ${i}`));
    treeLeaves(straight.optState).forEach((t, i) =>
      assert.deepEqual(treeLeaves(resumed.optState)[i]!.data, t.data),
    );
    assert.ok(
      straightRecords.every((r) => Number.isFinite(r.train_loss) && r.val !== null && r.lr_scale !== null),
    );
  });

  it("never takes a NaN validation score as the best, and names the knobs when training diverges", () => {
    // The rollout (forward with a context) is NaN in the first validation only.
    let validations = 0;
    const flaky = Object.create(model) as WarpModel;
    flaky.forward = (p, x, o = {}) => {
      const y = model.forward(p, x, o);
      if (o.context === undefined) return y;
      validations++;
      return validations === 1 ? full(y.shape, Number.NaN, y.dtype) : y;
    };
    const improved: boolean[] = [];
    const params = model.init(randomKey(0));
    const opt = makeOpt() as GradientTransformation<unknown>;
    const end = fit(
      { params, optState: opt.init(params), epoch: 0, best: null },
      {
        model: flaky,
        optimizer: opt,
        train: data.train,
        val: data.val,
        epochs: 2,
        batchSize: 5,
        key: randomKey(3),
        validEvery: 1,
        valCriterion: "mse",
        context: 1,
        onEpoch: (_, __, better) => improved.push(better),
      },
    );
    assert.deepEqual(improved, [false, true]);
    assert.ok(end.best !== null && Number.isFinite(end.best));
    assert.match(
      new TrainingDiverged(1, 1, null, "x").message,
      /optimizer\.init_lr.*grad_norm_clip.*transition_lr_scale/,
    );
  });

  it("stops on a non-finite loss, naming the epoch, the step and the last finite loss", () => {
    // An optimiser whose 3rd update is NaN (plain small SGD steps otherwise).
    let calls = 0;
    const nanOpt: GradientTransformation<unknown> = {
      init: () => ({}),
      update: (grads, s) => {
        calls++;
        return [treeMap((g) => (calls === 3 ? full(g.shape, Number.NaN, g.dtype) : mul(g, -1e-3)), grads), s];
      },
    };
    const params = model.init(randomKey(0));
    const losses: number[] = [];
    assert.throws(
      () =>
        fit(
          { params, optState: {}, epoch: 0, best: null },
          {
            model,
            optimizer: nanOpt,
            train: data.train,
            epochs: 3,
            batchSize: 5,
            key: randomKey(3),
            validEvery: null,
            valCriterion: "mse",
            context: null,
            onStep: ({ loss }) => losses.push(loss),
          },
        ),
      (e: unknown) => {
        assert.ok(e instanceof TrainingDiverged);
        // Epoch 1 ran its 3 steps (batches of ≤ 5 out of 12); its 3rd update made the parameters NaN, so
        // epoch 2, step 1 has a NaN loss and the last finite loss is that of epoch 1, step 3 (1-based).
        assert.equal(e.epoch, 2);
        assert.equal(e.step, 1);
        assert.equal(e.lastFiniteLoss, losses[2]);
        assert.match(e.message, /training diverged at epoch 2, step 1: the loss is NaN \(last finite loss /);
        return true;
      },
    );
  });

  it("chooses the best model as the authors' main.py, or ours (schedule, criterion, ties)", () => {
    // Zero updates: every validation scores the same, so only the tie rule decides what improves.
    const still: GradientTransformation<unknown> = {
      init: () => ({}),
      update: (grads, s) => [treeMap((g) => mul(g, 0), grads), s],
    };
    const params = model.init(randomKey(0));
    const validated = (authorsSelection: boolean) => {
      const seen: [number, boolean, Record<string, number> | null][] = [];
      const end = fit(
        { params, optState: {}, epoch: 0, best: null },
        {
          model,
          optimizer: still,
          train: data.train,
          val: data.val,
          epochs: 5,
          batchSize: 6,
          key: randomKey(3),
          validEvery: 2,
          valCriterion: "mse",
          context: 1,
          authorsSelection,
          onEpoch: (r, _s, improved) => seen.push([r.epoch, improved, r.val]),
        },
      );
      return { seen, end };
    };
    const all = evaluate(model, params, data.val, { context: 1, batchSize: 6 });
    const authors = validated(true);
    // 0-based epochs 0, 2 and 4 (the last) are validated; a tie counts as an improvement.
    assert.deepEqual(
      authors.seen.filter(([, , v]) => v !== null).map(([e, i]) => [e, i]),
      [
        [1, true],
        [3, true],
        [5, true],
      ],
    );
    // The score is ½MSE over every step, context included: the rollout's error at t = 0 counts.
    const halfAll = authors.seen[0]![2]!.half_mse_all!;
    assert.equal(authors.end.best, halfAll);
    assert.notEqual(halfAll, all.mse / 2);
    const ours = validated(false);
    // After the 2nd and 4th epochs and the last; only a strict improvement counts; MSE after the context.
    assert.deepEqual(
      ours.seen.filter(([, , v]) => v !== null).map(([e, i]) => [e, i]),
      [
        [2, true],
        [4, false],
        [5, false],
      ],
    );
    assert.equal(ours.end.best, all.mse);
  });
});
