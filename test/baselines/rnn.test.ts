// Tests of the GRU/LSTM baselines (src/baselines/rnn.ts): the cells, stacking, decoder and heads against a
// plain float64 per-step reference written here; every parameter's gradient against central differences
// (float64) for regression (NLL, ½MSE), classification and the teacher-forced autoregressive path; the
// rollout from a context; seeding; checkpoints; the model_type / rnn_* configuration; and a short fit on
// SINE whose loss must fall. N sequences, T steps, D data dims, H hidden units. Sizes are tiny.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adam,
  type Batch,
  createModel,
  type ForwardOptions,
  type Key,
  loadCheckpoint,
  type ModelConfig,
  modelConfigFromRun,
  RnnModel,
  type RnnParams,
  randomKey,
  resolveModelConfig,
  resolveRunConfig,
  saveCheckpoint,
  sineSplits,
  type Tensor,
  tensor,
  uniform,
  valueAndGrad,
  WarpError,
} from "../../src/index.js";
import { type EpochRecord, fit } from "../../src/train/fit.js";
import { assertAllClose, assertGradcheck, shiftFrom, waves } from "../helpers/index.js";

const N = 2;
const T = 5;

function makeModel(raw: Record<string, unknown>): RnnModel {
  const model = createModel(resolveModelConfig(raw));
  assert.ok(model instanceof RnnModel, "createModel must build an RnnModel for gru/lstm");
  return model;
}

/** Float64 parameters, larger than the default init so that every gate is away from its linear regime. */
function params(model: RnnModel, seed = 1, scale = 1.5): RnnParams {
  const p = model.init(randomKey(seed), "float64");
  const keys = Object.keys(model.namedParams(p));
  const named = model.namedParams(p);
  const scaled = Object.fromEntries(
    keys.map((k, i) => {
      const t = named[k]!;
      const lim = scale / Math.sqrt(model.hiddenSize);
      return [k, uniform(randomKey(100 * seed + i), t.shape, -lim, lim, "float64")];
    }),
  );
  return model.paramsFromNamed(scaled, p);
}

// ---- A plain float64 reference, one sequence and one step at a time ----------------------------------

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => Math.log1p(Math.exp(v));

/** y = W u + b for W (rows, cols) row-major. */
function affine(W: Tensor, u: number[], b: Tensor | null, row0 = 0, rows = W.shape[0]!): number[] {
  const cols = W.shape[1]!;
  return Array.from({ length: rows }, (_, r) => {
    let s = b ? b.data[row0 + r]! : 0;
    for (let j = 0; j < cols; j++) s += W.data[(row0 + r) * cols + j]! * u[j]!;
    return s;
  });
}

/**
 * The model's output computed step by step: x̃_t = x_t when force[n][t] (or force is null), else the
 * previous step's mean (x_0 at t = 0); u = [τ, x̃] (time_as_channel); stacked cells; decoder; head.
 */
function reference(
  model: RnnModel,
  p: RnnParams,
  x: Tensor,
  times: number[],
  force: number[][] | null,
): Float64Array {
  const c = model.config;
  const [n, t, d] = x.shape as [number, number, number];
  const H = model.hiddenSize;
  const out = new Float64Array(n * t * model.outDim);
  for (let i = 0; i < n; i++) {
    const h = p.cells.map(() => new Array<number>(H).fill(0));
    const cs = p.cells.map(() => new Array<number>(H).fill(0));
    const xt = (s: number) => Array.from({ length: d }, (_, j) => x.data[(i * t + s) * d + j]!);
    let prevMean = xt(0);
    for (let s = 0; s < t; s++) {
      const fed = force === null || force[i]![s] === 1 ? xt(s) : prevMean;
      let u = c.time_as_channel ? [times[s]!, ...fed] : fed;
      p.cells.forEach((w, l) => {
        const G = w.weight_ih.shape[0]!;
        const gi = affine(w.weight_ih, u, w.bias, 0, G);
        const gh = affine(w.weight_hh, h[l]!, null, 0, G);
        const next = new Array<number>(H);
        for (let k = 0; k < H; k++) {
          if (model.cell === "gru") {
            const r = sigmoid(gi[k]! + gh[k]!);
            const z = sigmoid(gi[H + k]! + gh[H + k]!);
            const nn = Math.tanh(gi[2 * H + k]! + r * (gh[2 * H + k]! + w.bias_n!.data[k]!));
            next[k] = (1 - z) * nn + z * h[l]![k]!;
          } else {
            const a = (q: number) => gi[q * H + k]! + gh[q * H + k]!;
            const cNew = sigmoid(a(1)) * cs[l]![k]! + sigmoid(a(0)) * Math.tanh(a(2));
            cs[l]![k] = cNew;
            next[k] = sigmoid(a(3)) * Math.tanh(cNew);
          }
        }
        h[l] = next;
        u = next;
      });
      const raw = affine(p.decoder.weight, h[h.length - 1]!, p.decoder.bias);
      let y = raw;
      if (model.head.uncertainty) {
        const lb = c.std_lower_bound ?? 0;
        y = [...raw.slice(0, d), ...raw.slice(d).map((v) => Math.max(softplus(v), lb))];
      }
      y.forEach((v, j) => {
        out[(i * t + s) * model.outDim + j] = v;
      });
      prevMean = y.slice(0, d);
    }
  }
  return out;
}

const linspace = (t: number) => Array.from({ length: t }, (_, s) => (t > 1 ? s / (t - 1) : 0));

// A forcing decision per (sequence, step) with both values at several steps: 1 = feed the true x_t.
const MASK_ROWS = [
  [1, 0, 1, 1, 0],
  [1, 1, 0, 0, 1],
];
const MASK = tensor(MASK_ROWS, [N, T], "float64");

describe("the cells against a plain float64 per-step reference", () => {
  const cases: { what: string; raw: Record<string, unknown>; force: "none" | "mask" | "context" }[] = [
    {
      what: "GRU, 1 layer, ½MSE head, true inputs",
      raw: { model_type: "gru", rnn_hidden_size: 3, autoregressive: false, use_nll_loss: false },
      force: "none",
    },
    {
      what: "GRU, 2 layers, NLL head with std_lower_bound, teacher-forced rollout (forceMask)",
      raw: { model_type: "gru", rnn_hidden_size: 4, nb_rnn_layers: 2, std_lower_bound: 0.78 },
      force: "mask",
    },
    {
      what: "LSTM, 1 layer, NLL head, true inputs, no time channel",
      raw: { model_type: "lstm", rnn_hidden_size: 3, autoregressive: false, time_as_channel: false },
      force: "none",
    },
    {
      what: "LSTM, 3 layers, ½MSE head, rollout from a context of 2",
      raw: { model_type: "lstm", rnn_hidden_size: 2, nb_rnn_layers: 3, use_nll_loss: false },
      force: "context",
    },
  ];
  for (const { what, raw, force } of cases) {
    it(what, () => {
      const model = makeModel({ data_size: 2, ...raw });
      const p = params(model);
      const x = waves(N, T, 2);
      const opts: ForwardOptions =
        force === "mask" ? { forceMask: MASK } : force === "context" ? { context: 2 } : {};
      const rows =
        force === "mask" ? MASK_ROWS : force === "context" ? [0, 1].map(() => [1, 1, 0, 0, 0]) : null;
      const y = model.forward(p, x, opts);
      assert.deepEqual(y.shape, [N, T, model.outDim]);
      const expected = reference(model, p, x, linspace(T), rows);
      assertAllClose(y, expected, { atol: 1e-12, rtol: 1e-10 }, "outputs");
      const lb = model.config.std_lower_bound;
      if (model.head.uncertainty && lb !== null) {
        const stds = [...y.data].filter((_, k) => k % 4 >= 2);
        assert.ok(stds.some((s) => s === lb) && stds.some((s) => s > lb), "the bound must bind sometimes");
      }
    });
  }

  it("reads given per-sequence times (N, T) as the time channel", () => {
    const model = makeModel({ data_size: 1, model_type: "gru", rnn_hidden_size: 3, autoregressive: false });
    const p = params(model);
    const x = waves(N, T, 1);
    const tv = [0, 0.1, 0.5, 0.55, 2];
    const times = tensor([tv, tv.map((v) => -v)], [N, T], "float64");
    const y = model.forward(p, x, { times });
    const ref0 = reference(model, p, x, tv, null);
    const ref1 = reference(
      model,
      p,
      x,
      tv.map((v) => -v),
      null,
    );
    const W = model.outDim;
    assertAllClose(y.data.slice(0, T * W), ref0.slice(0, T * W), { atol: 1e-12 }, "sequence 0");
    assertAllClose(y.data.slice(T * W), ref1.slice(T * W), { atol: 1e-12 }, "sequence 1");
  });

  it("gives classification logits (nb_classes) at every step from the true inputs", () => {
    const model = makeModel({
      data_size: 2,
      nb_classes: 3,
      model_type: "lstm",
      rnn_hidden_size: 3,
      autoregressive: false,
      use_nll_loss: false,
    });
    assert.equal(model.outDim, 3);
    const p = params(model);
    const x = waves(N, T, 2);
    // A context is ignored for classification: the inputs are all observed.
    const y = model.forward(p, x, { context: 1 });
    assertAllClose(y, reference(model, p, x, linspace(T), null), { atol: 1e-12 }, "logits");
  });
});

describe("gradients match central differences (float64, every parameter)", () => {
  /** Asserts gradcheck of model.loss over every parameter tensor, and that none of them gets a zero gradient. */
  function check(model: RnnModel, p: RnnParams, batch: Batch, key?: Key): void {
    const names = Object.keys(model.namedParams(p));
    const rebuild = (ts: Tensor[]) =>
      model.paramsFromNamed(Object.fromEntries(names.map((k, i) => [k, ts[i]!])), p);
    const { grads } = valueAndGrad((q: RnnParams) => model.loss(q, batch, key))(p);
    const g = model.namedParams(grads);
    for (const k of names) {
      const max = Math.max(...[...g[k]!.data].map(Math.abs));
      assert.ok(max > 1e-8, `the gradient of ${k} vanishes (max |g| = ${max})`);
    }
    assertGradcheck((...ts) => model.loss(rebuild(ts), batch, key), Object.values(model.namedParams(p)));
  }

  for (const cell of ["gru", "lstm"] as const) {
    it(`${cell}: regression with the NLL head and std_lower_bound, true inputs, 2 layers`, () => {
      const model = makeModel({
        data_size: 2,
        model_type: cell,
        rnn_hidden_size: 3,
        nb_rnn_layers: 2,
        autoregressive: false,
        std_lower_bound: 0.5,
      });
      check(model, params(model), { x: waves(N, T, 2) });
    });

    it(`${cell}: regression with ½MSE against a separate target`, () => {
      const model = makeModel({ data_size: 2, model_type: cell, rnn_hidden_size: 3, use_nll_loss: false });
      const x = waves(N, T, 2);
      check(model, params(model), { x, target: waves(N, T, 2, "float64", 0.4) });
    });

    it(`${cell}: classification (cross-entropy of the last step)`, () => {
      const model = makeModel({
        data_size: 2,
        nb_classes: 3,
        model_type: cell,
        rnn_hidden_size: 3,
        autoregressive: false,
        use_nll_loss: false,
      });
      check(model, params(model), { x: waves(N, T, 2), labels: tensor(new Int32Array([0, 2]), [2]) });
    });

    it(`${cell}: the autoregressive path with an explicit forceMask (NLL, 2 layers)`, () => {
      const model = makeModel({ data_size: 2, model_type: cell, rnn_hidden_size: 3, nb_rnn_layers: 2 });
      check(model, params(model), { x: waves(N, T, 2), forceMask: MASK });
    });

    it(`${cell}: random teacher forcing, stochastic feedback and sampled loss steps with a fixed key`, () => {
      const model = makeModel({
        data_size: 1,
        model_type: cell,
        rnn_hidden_size: 3,
        forcing_prob: 0.5,
        stochastic: true,
        nb_recons_loss_steps: 4,
        std_lower_bound: 0.05,
      });
      check(model, params(model), { x: waves(N, T, 1) }, randomKey(9));
    });
  }
});

describe("forward modes", () => {
  const model = makeModel({ data_size: 2, model_type: "gru", rnn_hidden_size: 4, nb_rnn_layers: 2 });
  const p = params(model);
  const x = waves(N, T, 2);

  it("from a context: the true x_t before it, then its own predictions", () => {
    for (const ctx of [1, 3]) {
      const y = model.predict(p, x, { context: ctx });
      // Values from the context on never reach the output…
      const later = model.predict(p, shiftFrom(x, ctx, 5), { context: ctx });
      assert.deepEqual(
        [...later.data],
        [...y.data],
        `context ${ctx}: x after the context changed the output`,
      );
      // …while the last observed value does, from its own step on.
      const last = model.predict(p, shiftFrom(x, ctx - 1, 0.5, true), { context: ctx });
      const W = model.outDim;
      for (let i = 0; i < N; i++)
        for (let s = 0; s < T; s++)
          for (let j = 0; j < W; j++) {
            const k = (i * T + s) * W + j;
            if (s < ctx - 1) assert.equal(last.data[k], y.data[k], `step ${s} before the change`);
            else assert.notEqual(last.data[k], y.data[k], `step ${s} ignores x_${ctx - 1}`);
          }
    }
  });

  it("feeding every true x_t agrees across the forceMask, context and non-autoregressive paths", () => {
    const ones = tensor(new Array(N * T).fill(1), [N, T], "float64");
    const masked = model.forward(p, x, { forceMask: ones });
    const ctx = model.forward(p, x, { context: T });
    const nonAr = new RnnModel({ ...model.config, autoregressive: false }).forward(p, x);
    assertAllClose(ctx, masked, { atol: 1e-13, rtol: 1e-13 }, "context T vs forceMask of ones");
    assertAllClose(nonAr, masked, { atol: 1e-13, rtol: 1e-13 }, "non-autoregressive vs forceMask of ones");
    // forcing_prob 1 (the default) feeds the truth too.
    assertAllClose(model.forward(p, x), masked, { atol: 1e-13, rtol: 1e-13 }, "forcing_prob 1");
  });

  it("a stochastic rollout takes explicit noise draws: zero noise feeds back the means", () => {
    const sto = new RnnModel({ ...model.config, stochastic: true });
    const half = tensor(
      Array.from({ length: N * T }, (_, i) => i % 2),
      [N, T],
      "float64",
    );
    const zero = tensor(new Array(N * T * 2).fill(0), [N, T, 2], "float64");
    const plain = model.forward(p, x, { forceMask: half });
    assertAllClose(sto.forward(p, x, { forceMask: half, noise: zero }), plain, { atol: 0, rtol: 0 }, "ε = 0");
    const eps = tensor(
      Array.from({ length: N * T * 2 }, (_, i) => Math.sin(i)),
      [N, T, 2],
      "float64",
    );
    const a = sto.forward(p, x, { forceMask: half, noise: eps });
    assert.notDeepEqual([...a.data], [...plain.data]);
    assert.deepEqual([...sto.forward(p, x, { forceMask: half, noise: eps }).data], [...a.data]);
    assert.throws(
      () => sto.forward(p, x, { forceMask: half, noise: tensor([0], [1], "float64") }),
      /RnnModel: noise must be \(2,5,2\), got \(1\)/,
    );
  });

  it("teacher forcing with forcing_prob < 1 is seeded by the key, and needs one", () => {
    const m = new RnnModel({ ...model.config, forcing_prob: 0.5 });
    const a = m.forward(p, x, { key: randomKey(4) });
    assert.deepEqual([...m.forward(p, x, { key: randomKey(4) }).data], [...a.data]);
    const others = [5, 6, 7].map((s) => [...m.forward(p, x, { key: randomKey(s) }).data]);
    assert.ok(
      others.some((o) => o.some((v, k) => v !== a.data[k])),
      "different keys gave the same forcing",
    );
    assert.throws(() => m.forward(p, x), /forcing_prob < 1 needs a random key/);
  });

  it("predict equals forward, and float32 follows float64", () => {
    assertAllClose(model.predict(p, x, { context: 2 }), model.forward(p, x, { context: 2 }), { atol: 0 });
    const named = model.namedParams(p);
    const p32 = model.paramsFromNamed(
      Object.fromEntries(
        Object.entries(named).map(([k, t]) => [k, tensor(Float32Array.from(t.data), t.shape)]),
      ),
      model.init(randomKey(0), "float32"),
    );
    const y32 = model.predict(p32, tensor(Float32Array.from(x.data), x.shape), { context: 2 });
    assert.equal(y32.dtype, "float32");
    assertAllClose(y32, model.predict(p, x, { context: 2 }), { atol: 1e-5, rtol: 1e-4 });
  });

  it("rejects bad inputs with clear messages", () => {
    assert.throws(() => model.forward(p, waves(N, T, 3)), /expected x \(N, T, 2\), got \(2,5,3\)/);
    assert.throws(
      () => model.forward(p, x, { forceMask: tensor(new Float64Array(T), [1, T]) }),
      /forceMask must be \(2,5\), got \(1,5\)/,
    );
    assert.throws(() => model.forward(p, x, { context: -1 }), /context must be a non-negative integer/);
    assert.throws(() => model.forward(p, tensor(Float32Array.from(x.data), x.shape)), /x is float32/);
    const cls = makeModel({
      data_size: 2,
      nb_classes: 2,
      model_type: "gru",
      autoregressive: false,
      use_nll_loss: false,
    });
    assert.throws(() => cls.loss(cls.init(randomKey(0), "float64"), { x }), /needs batch.labels/);
  });
});

describe("initialisation, names and checkpoints", () => {
  it("is seeded: same key, same parameters; Equinox's U(±1/√H) bounds and shapes", () => {
    const model = makeModel({ data_size: 2, model_type: "gru", rnn_hidden_size: 8, nb_rnn_layers: 2 });
    const a = model.namedParams(model.init(randomKey(3)));
    const b = model.namedParams(model.init(randomKey(3)));
    const c = model.namedParams(model.init(randomKey(4)));
    const shapes = Object.fromEntries(Object.entries(a).map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes, {
      "cell.weight_ih": [24, 3],
      "cell.weight_hh": [24, 8],
      "cell.bias": [24],
      "cell.bias_n": [8],
      "cell_1.weight_ih": [24, 8],
      "cell_1.weight_hh": [24, 8],
      "cell_1.bias": [24],
      "cell_1.bias_n": [8],
      "decoder.weight": [4, 8],
      "decoder.bias": [4],
    });
    const lim = 1 / Math.sqrt(8);
    const all: number[] = [];
    for (const k of Object.keys(a)) {
      assert.deepEqual([...a[k]!.data], [...b[k]!.data], `${k} differs for the same key`);
      assert.ok(
        [...a[k]!.data].some((v, i) => v !== c[k]!.data[i]),
        `${k} is the same for another key`,
      );
      all.push(...a[k]!.data);
    }
    assert.ok(all.every((v) => Math.abs(v) <= lim));
    assert.ok(Math.max(...all.map(Math.abs)) > 0.9 * lim, "the values do not fill ±1/√H");
    // Distinct tensors get distinct draws.
    assert.notDeepEqual(
      [...a["cell.weight_hh"]!.data].slice(0, 8),
      [...a["cell_1.weight_hh"]!.data].slice(0, 8),
    );
    assert.equal(model.paramCount, all.length);
    assert.equal(model.description, `GRU, hidden 8, 2 layers, ${all.length} parameters`);
  });

  it("LSTM: names, shapes and description", () => {
    const model = makeModel({ data_size: 1, model_type: "lstm", rnn_hidden_size: 5, time_as_channel: false });
    const a = model.namedParams(model.init(randomKey(0)));
    assert.deepEqual(Object.fromEntries(Object.entries(a).map(([k, t]) => [k, t.shape])), {
      "cell.weight_ih": [20, 1],
      "cell.weight_hh": [20, 5],
      "cell.bias": [20],
      "decoder.weight": [2, 5],
      "decoder.bias": [2],
    });
    // 20·1 + 20·5 + 20 + 2·5 + 2
    assert.equal(model.description, "LSTM, hidden 5, 1 layer, 152 parameters");
  });

  for (const raw of [
    { data_size: 2, model_type: "gru", rnn_hidden_size: 4, nb_rnn_layers: 2, std_lower_bound: 0.1 },
    { data_size: 1, model_type: "lstm", rnn_hidden_size: 3, use_nll_loss: false },
  ]) {
    it(`round-trips through saveCheckpoint / loadCheckpoint (${raw.model_type})`, () => {
      const config = resolveModelConfig(raw);
      const model = createModel(config) as RnnModel;
      const p = params(model, 7);
      const bytes = saveCheckpoint(config, p, {}, { epoch: "3" });
      const ck = loadCheckpoint<RnnParams>(bytes, config);
      assert.ok(ck.model instanceof RnnModel);
      assert.deepEqual(ck.config, config);
      assert.deepEqual(ck.metadata, { epoch: "3" });
      const saved = model.namedParams(p);
      const loaded = ck.model.namedParams(ck.params);
      assert.deepEqual(Object.keys(loaded).sort(), Object.keys(saved).sort());
      for (const k of Object.keys(saved)) {
        assert.equal(loaded[k]!.dtype, "float64");
        assert.deepEqual([...loaded[k]!.data], [...saved[k]!.data], k);
      }
      const x = waves(N, T, config.data_size);
      assert.deepEqual(
        [...ck.model.predict(ck.params, x, { context: 2 }).data],
        [...model.predict(p, x, { context: 2 }).data],
      );
      assert.throws(
        () => loadCheckpoint(bytes, { ...config, rnn_hidden_size: 9 }),
        /saved with rnn_hidden_size = \d+, but the configuration has rnn_hidden_size = 9/,
      );
    });
  }

  it("paramsFromNamed names a missing or mis-shaped tensor", () => {
    const model = makeModel({ data_size: 1, model_type: "gru", rnn_hidden_size: 3 });
    const p = model.init(randomKey(0));
    const named = model.namedParams(p);
    const { "cell.bias_n": _, ...missing } = named;
    assert.throws(() => model.paramsFromNamed(missing, p), /tensor "cell.bias_n" is missing/);
    assert.throws(
      () => model.paramsFromNamed({ ...named, "decoder.bias": tensor([1, 2, 3], [3]) }, p),
      /tensor "decoder.bias" is float32 \(3\) but the configuration needs float32 \(2\)/,
    );
  });
});

describe("configuration", () => {
  const errorOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof WarpError, `expected a WarpError, got ${String(e)}`);
      return e.message;
    }
    assert.fail("no error");
  };

  it("gru / lstm get rnn_hidden_size and nb_rnn_layers (defaults 64 and 1); wsm drops them", () => {
    const gru = resolveModelConfig({ data_size: 1, model_type: "gru" });
    assert.equal(gru.rnn_hidden_size, 64);
    assert.equal(gru.nb_rnn_layers, 1);
    const lstm = resolveModelConfig({
      data_size: 1,
      model_type: "lstm",
      rnn_hidden_size: 7,
      nb_rnn_layers: 3,
    });
    assert.deepEqual([lstm.rnn_hidden_size, lstm.nb_rnn_layers], [7, 3]);
    const wsm = resolveModelConfig({ data_size: 1, rnn_hidden_size: 7 });
    assert.ok(!("rnn_hidden_size" in wsm) && !("nb_rnn_layers" in wsm));
  });

  for (const [key, value] of [
    ["rnn_hidden_size", 0],
    ["rnn_hidden_size", 1.5],
    ["rnn_hidden_size", "64"],
    ["rnn_hidden_size", null],
    ["nb_rnn_layers", 0],
    ["nb_rnn_layers", -1],
  ] as const) {
    it(`${key} = ${JSON.stringify(value)} is an error naming the key, the value and "a positive integer"`, () => {
      assert.equal(
        errorOf(() => resolveModelConfig({ data_size: 1, model_type: "gru", [key]: value })),
        `model.${key} = ${JSON.stringify(value)} is invalid: expected a positive integer`,
      );
    });
  }

  it("an unknown model_type lists the allowed ones", () => {
    assert.equal(
      errorOf(() => resolveModelConfig({ data_size: 1, model_type: "transformer" })),
      'model.model_type = "transformer" is invalid: expected one of "wsm", "gru", "lstm"',
    );
  });

  it("refuses WARP-only structure (root_physics, conv_embedding) for gru / lstm", () => {
    assert.match(
      errorOf(() =>
        resolveModelConfig({ data_size: 1, model_type: "gru", root_physics: "sine", use_nll_loss: false }),
      ),
      /model\.root_physics is a WARP root: model\.model_type "gru" has none/,
    );
    assert.match(
      errorOf(() =>
        resolveModelConfig({
          data_size: 1,
          model_type: "lstm",
          conv_embedding: [4, 3, true],
          autoregressive: false,
        }),
      ),
      /model\.conv_embedding is for WARP only: model\.model_type "lstm"/,
    );
  });

  it("a run configuration passes model.rnn_* to gru / lstm and lists them as ignored for wsm only", () => {
    const doc = (model_type: string, extra: Record<string, unknown> = {}) => ({
      model: { model_type, nb_rnn_layers: 2, rnn_hidden_size: 12, ...extra },
    });
    const gru = resolveRunConfig(doc("gru"));
    assert.deepEqual(gru.ignored, []);
    const m: ModelConfig = modelConfigFromRun(gru.config, 2, null);
    assert.deepEqual([m.model_type, m.rnn_hidden_size, m.nb_rnn_layers], ["gru", 12, 2]);
    const wsm = resolveRunConfig(doc("wsm"));
    assert.deepEqual(wsm.ignored, ["model.nb_rnn_layers", "model.rnn_hidden_size"]);
    assert.equal(
      errorOf(() =>
        modelConfigFromRun(resolveRunConfig(doc("lstm", { rnn_hidden_size: 0 })).config, 2, null),
      ),
      "model.rnn_hidden_size = 0 is invalid: expected a positive integer",
    );
  });
});

describe("training", () => {
  for (const cell of ["gru", "lstm"] as const) {
    it(`fit with adam on a few SINE sequences: the ${cell} loss falls clearly`, () => {
      const config = resolveModelConfig({
        data_size: 1,
        model_type: cell,
        rnn_hidden_size: 12,
        use_nll_loss: false,
        forcing_prob: 0.5,
      });
      const model = createModel(config);
      const data = sineSplits(randomKey(21), { train: 8, val: 4, test: 1 });
      const optimizer = adam(2e-2);
      const params = model.init(randomKey(2));
      const records: EpochRecord[] = [];
      const end = fit(
        { params, optState: optimizer.init(params), epoch: 0, best: null },
        {
          model,
          optimizer,
          train: data.train,
          val: data.val,
          epochs: 40,
          batchSize: 8,
          key: randomKey(3),
          validEvery: null,
          valCriterion: "mse",
          context: 1,
          onEpoch: (r) => records.push(r),
        },
      );
      assert.equal(records.length, 40);
      const first = records[0]!.train_loss;
      const last = records[records.length - 1]!.train_loss;
      assert.ok(Number.isFinite(first) && first > 0.05, `the first loss ${first} is already small`);
      assert.ok(last < 0.1 * first, `the loss fell from ${first} to ${last} only`);
      assert.ok(records[records.length - 1]!.val !== null, "the last epoch is validated");
      assert.equal(end.epoch, 40);
    });
  }
});
