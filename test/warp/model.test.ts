// Tests of the WARP model (src/warp/model.ts): whole-model gradients against central differences in
// float64 for every mode and option, the parallel form against the recurrent one, inference from a
// context, seeding, a one-batch overfit, output and parameter shapes, and error messages. Each test has
// an independent expectation (finite differences, the other mode, a hand count). Not here: the parity
// with the PyTorch peer (torch-parity.test.ts), checkpoints, configuration validation.
// N sequences, T steps, D data dims, P = Dθ. Sizes are tiny so that the file runs in seconds.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adam,
  add,
  applyUpdates,
  type Batch,
  eye,
  gaussianNll,
  halfMse,
  hypernetSizes,
  type Key,
  noGrad,
  paramsToNamed,
  randomKey,
  resolveModelConfig,
  splitKey,
  type Tensor,
  tensor,
  uniform,
  valueAndGrad,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";
import { assertAllClose, shiftFrom, waves } from "../helpers/index.js";

const N = 2;
const T = 5;

function makeModel(raw: Record<string, unknown>): WarpModel {
  return new WarpModel(resolveModelConfig(raw));
}

/** Float64 parameters with A = I + noise and B ≠ 0 (the default A = I, B = 0 makes many gradients vanish). */
function perturbedParams(model: WarpModel, seed = 1): WarpParams {
  const [k0, kA, kB] = splitKey(randomKey(seed), 3) as [Key, Key, Key];
  const p = model.init(k0, "float64");
  const P = model.thetaDim;
  const s = 0.5 / Math.sqrt(P);
  p.A = add(eye(P, "float64"), uniform(kA, [P, P], -s, s, "float64"));
  p.B = uniform(kB, [P, model.inputDim], -0.5, 0.5, "float64");
  return p;
}

/** Values of a (N, T, W) tensor at steps [t0, t1). */
function steps(y: Tensor, t0: number, t1: number): number[] {
  const [n, t, w] = y.shape as [number, number, number];
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let s = t0; s < t1; s++) for (let j = 0; j < w; j++) out.push(y.data[(i * t + s) * w + j]!);
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

interface GradReport {
  worst: number;
  where: string;
  checked: number;
}

/**
 * Compares the autodiff gradient of `loss` with central differences (float64, step eps) on a handful of
 * entries of every parameter: the entry with the largest analytic gradient (which must not vanish), and
 * `perParam − 1` others spread over the tensor (all of them for tensors this small). Relative error:
 * |analytic − numeric| / max(|analytic|, |numeric|, floor).
 */
function checkGradients(
  loss: (p: WarpParams) => Tensor,
  params: WarpParams,
  { perParam = 6, eps = 1e-6, floor = 1e-6 } = {},
): GradReport {
  const { grads } = valueAndGrad(loss)(params);
  const named = paramsToNamed(params);
  const gNamed = paramsToNamed(grads);
  assert.deepEqual(Object.keys(gNamed), Object.keys(named));
  let worst = 0;
  let where = "nothing";
  let checked = 0;
  for (const [name, t] of Object.entries(named)) {
    const g = gNamed[name]!.data;
    const d = t.data;
    let big = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[big]!)) big = i;
    assert.ok(Math.abs(g[big]!) > 1e-9, `the gradient of ${name} vanishes everywhere (max |g| = ${g[big]})`);
    const idx = new Set<number>([big]);
    if (d.length <= perParam) for (let i = 0; i < d.length; i++) idx.add(i);
    for (let k = 0; idx.size < Math.min(perParam, d.length); k++) idx.add((k * 7919 + 13) % d.length);
    for (const i of idx) {
      const orig = d[i]!;
      d[i] = orig + eps;
      const up = noGrad(() => loss(params).item());
      d[i] = orig - eps;
      const down = noGrad(() => loss(params).item());
      d[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = g[i]!;
      const err = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor);
      checked++;
      if (!(err <= worst)) {
        worst = err;
        where = `${name}[${i}]: analytic ${a}, numeric ${numeric}`;
      }
    }
  }
  return { worst, where, checked };
}

/** Asserts that every parameter's gradient of model.loss(p, batch, key) matches central differences. */
function expectLossGradients(
  model: WarpModel,
  params: WarpParams,
  batch: Batch,
  key?: Key,
  tol = 1e-5,
): GradReport {
  const r = checkGradients((p) => model.loss(p, batch, key), params);
  assert.ok(
    r.worst <= tol,
    `worst relative error ${r.worst.toExponential(2)} > ${tol} at ${r.where} (${r.checked} entries checked)`,
  );
  return r;
}

// A forcing decision per (sequence, step) with both values at several steps: 1 = feed the true x_t.
const MASK = tensor(
  [
    [1, 0, 1, 1, 0],
    [1, 1, 0, 0, 1],
  ],
  [N, T],
  "float64",
);

const BASE = {
  root_width_size: 5,
  root_depth: 2,
  root_activation: "tanh",
  init_state_layers: null,
  time_as_channel: true,
} as const;

describe("whole-model gradients match central differences (float64, every parameter)", () => {
  it("in the non-autoregressive recurrent mode with the ½MSE loss", () => {
    const model = makeModel({ ...BASE, data_size: 2, autoregressive: false, use_nll_loss: false });
    const x = waves(N, T, 2);
    expectLossGradients(model, perturbedParams(model), { x });
  });

  it("in the non-autoregressive mode with the NLL head and std_lower_bound active on some outputs only", () => {
    const lb = 0.7;
    const model = makeModel({
      ...BASE,
      data_size: 2,
      autoregressive: false,
      use_nll_loss: true,
      std_lower_bound: lb,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    const out = model.forward(p, x);
    const stds = [];
    for (let i = 0; i < N * T; i++) stds.push(out.data[i * 4 + 2]!, out.data[i * 4 + 3]!);
    assert.ok(
      stds.some((s) => s === lb),
      "no std sits at the lower bound: the test would not cover it",
    );
    assert.ok(
      stds.some((s) => s > lb),
      "every std sits at the lower bound: the test would not cover softplus",
    );
    expectLossGradients(model, p, { x });
  });

  it("in the autoregressive mode with an explicit teacher-forcing mask and weights_lim clipping", () => {
    const raw = { ...BASE, data_size: 2, use_nll_loss: false, forcing_prob: 0.5 };
    const model = makeModel({ ...raw, weights_lim: 0.3 });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    // The clip must be active: the same parameters without it give other outputs.
    const unclipped = makeModel(raw).forward(p, x, { forceMask: MASK });
    assert.ok(maxAbsDiff(model.forward(p, x, { forceMask: MASK }).data, unclipped.data) > 1e-3);
    expectLossGradients(model, p, { x, forceMask: MASK });
  });

  it("in the autoregressive mode with input_prev_data and time_as_channel (NLL head)", () => {
    const model = makeModel({ ...BASE, data_size: 2, input_prev_data: true, time_as_channel: true });
    assert.equal(model.inputDim, 3);
    expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 2), forceMask: MASK });
  });

  it("in the stochastic autoregressive mode with a fixed key (sampled feedback and sampled forcing)", () => {
    const model = makeModel({
      ...BASE,
      data_size: 2,
      stochastic: true,
      use_nll_loss: true,
      forcing_prob: 0.5,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    const key = randomKey(11);
    const other = noGrad(() => model.loss(p, { x }, randomKey(12)).item());
    assert.notEqual(
      noGrad(() => model.loss(p, { x }, key).item()),
      other,
      "the key changes nothing",
    );
    expectLossGradients(model, p, { x }, key);
  });

  for (const layers of [null, 0, 1, 2] as const) {
    it(`with ${layers === null ? "a learned θ_0" : `a hypernetwork of ${layers} hidden layers`} (every φ layer included)`, () => {
      const model = makeModel({
        ...BASE,
        data_size: 2,
        init_state_layers: layers,
        autoregressive: false,
        use_nll_loss: false,
      });
      const p = perturbedParams(model);
      assert.equal(p.theta0 !== undefined, layers === null);
      assert.equal(p.phi?.layers.length ?? -1, layers === null ? -1 : layers + 1);
      expectLossGradients(model, p, { x: waves(N, T, 2) });
    });
  }

  const finals: [string, unknown][] = [
    ["tanh", "tanh"],
    ["a clip bound of 0.3", 0.3],
    ["null (identity)", null],
    ["dtanh [a, b, α, β] (its own four parameters included)", [1.3, 0.1, 0.8, -0.05]],
  ];
  for (const [what, final] of finals) {
    it(`with the final activation ${what}, fed back autoregressively`, () => {
      const model = makeModel({
        ...BASE,
        data_size: 2,
        use_nll_loss: false,
        root_final_activation: final,
        forcing_prob: 0.5,
      });
      const x = waves(N, T, 2);
      const p = perturbedParams(model);
      if (typeof final === "number") {
        const y = Array.from(model.forward(p, x, { forceMask: MASK }).data);
        assert.ok(
          y.some((v) => Math.abs(v) === final) && y.some((v) => Math.abs(v) < final),
          "clip not exercised",
        );
      }
      const r = expectLossGradients(model, p, { x, forceMask: MASK });
      if (Array.isArray(final)) {
        assert.ok(p.dtanh, "no dtanh parameter");
        assert.ok(r.checked >= 4);
      }
    });
  }

  it("with a positional encoding, in both the non-autoregressive and the autoregressive modes", () => {
    for (const autoregressive of [false, true]) {
      const model = makeModel({
        ...BASE,
        data_size: 1,
        use_nll_loss: false,
        autoregressive,
        positional_encoding: [4, 10],
      });
      assert.equal(model.root.inDim, 5);
      expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 1), forceMask: MASK });
    }
  });

  it("with noise_theta_init and a fixed key", () => {
    const model = makeModel({
      ...BASE,
      data_size: 2,
      autoregressive: false,
      use_nll_loss: false,
      noise_theta_init: 0.1,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    const key = randomKey(5);
    assert.notEqual(
      noGrad(() => model.loss(p, { x }, key).item()),
      noGrad(() => model.loss(p, { x }, randomKey(6)).item()),
      "the noise does not depend on the key",
    );
    expectLossGradients(model, p, { x }, key);
  });

  it("for classification: cross-entropy of the last step's logits", () => {
    const model = makeModel({
      ...BASE,
      data_size: 2,
      nb_classes: 3,
      autoregressive: false,
      use_nll_loss: false,
    });
    const labels = tensor(new Int32Array([0, 2]), [2]);
    expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 2), labels });
  });

  it("with nb_recons_loss_steps sampled steps and a fixed key", () => {
    const model = makeModel({ ...BASE, data_size: 1, nb_recons_loss_steps: 3, std_lower_bound: 0.1 });
    expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 1), forceMask: MASK }, randomKey(9));
  });

  it('with the physics root "sine" (data_size 1, ½MSE)', () => {
    const model = makeModel({
      ...BASE,
      data_size: 1,
      root_width_size: 4,
      root_depth: 1,
      root_physics: "sine",
      use_nll_loss: false,
      root_final_activation: null,
    });
    expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 1), forceMask: MASK });
  });

  it('with the physics root "sine_phase" (Dθ = 1)', () => {
    const model = makeModel({
      ...BASE,
      data_size: 1,
      root_physics: "sine_phase",
      use_nll_loss: false,
      root_final_activation: null,
    });
    assert.equal(model.thetaDim, 1);
    expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 1), forceMask: MASK });
  });

  for (const physics of ["msd", "msd_softplus"] as const) {
    it(`with the physics root "${physics}" (data_size 2, input_prev_data)`, () => {
      const model = makeModel({
        ...BASE,
        data_size: 2,
        root_width_size: 4,
        root_depth: 1,
        root_physics: physics,
        input_prev_data: true,
        use_nll_loss: false,
        root_final_activation: null,
      });
      expectLossGradients(model, perturbedParams(model), { x: waves(N, T, 2), forceMask: MASK });
    });
  }

  for (const causal of [true, false]) {
    it(`with a ${causal ? "causal" : "centred"} conv_embedding (non-autoregressive, ${causal ? "½MSE" : "NLL"})`, () => {
      const model = makeModel({
        ...BASE,
        data_size: 2,
        autoregressive: false,
        use_nll_loss: !causal,
        conv_embedding: [3, causal ? 2 : 3, causal],
      });
      const p = perturbedParams(model);
      assert.ok(p.conv_embedding && p.conv_de_embedding);
      // The de-embedding convolves σ too (as the reference): positive taps keep σ > 0 for the NLL.
      p.conv_de_embedding = tensor([0.3, 0.9, 0.4], [1, 1, 3], "float64");
      expectLossGradients(model, p, { x: waves(N, T, 2) });
    });
  }
});

describe("the parallel (convolutional) form", () => {
  for (const layers of [null, 2] as const) {
    it(`equals the recurrent non-autoregressive mode in outputs and every gradient (${layers === null ? "learned θ_0" : "hypernetwork"})`, () => {
      const model = makeModel({
        ...BASE,
        data_size: 2,
        init_state_layers: layers,
        autoregressive: false,
        input_prev_data: true,
      });
      const x = waves(N, T, 2);
      const p = perturbedParams(model);
      const run = (parallel: boolean) =>
        valueAndGrad((q: WarpParams) => gaussianNll(model.forward(q, x, { parallel }), x))(p);
      const rec = run(false);
      const par = run(true);
      const tol = { atol: 1e-12, rtol: 1e-10 };
      assertAllClose(model.forward(p, x, { parallel: true }), model.forward(p, x), tol, "outputs");
      assertAllClose([par.value.item()], [rec.value.item()], tol, "loss");
      const gr = paramsToNamed(rec.grads);
      const gp = paramsToNamed(par.grads);
      assert.deepEqual(Object.keys(gp), Object.keys(gr));
      for (const name of Object.keys(gr)) assertAllClose(gp[name]!, gr[name]!, tol, `d${name}`);
    });
  }

  it("is causal: changing x at step k leaves the outputs before k unchanged", () => {
    const model = makeModel({
      ...BASE,
      data_size: 2,
      init_state_layers: 2,
      autoregressive: false,
      input_prev_data: true,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    const k = 3;
    const y = model.forward(p, x, { parallel: true });
    const y2 = model.forward(p, shiftFrom(x, k, 0.5, true), { parallel: true });
    assertAllClose(steps(y2, 0, k), steps(y, 0, k), { atol: 1e-14, rtol: 0 }, "outputs before k");
    assert.ok(maxAbsDiff(steps(y2, k, T), steps(y, k, T)) > 1e-3, "the change at step k has no effect");
  });
});

describe("autoregressive inference from a context", () => {
  const model = makeModel({ ...BASE, data_size: 2, input_prev_data: true, forcing_prob: 0.25 });
  const x = waves(N, T, 2);
  const p = perturbedParams(model);

  it("with context = T equals teacher forcing at every step (forceMask of ones)", () => {
    const ones = tensor(new Float64Array(N * T).fill(1), [N, T]);
    assertAllClose(model.forward(p, x, { context: T }), model.forward(p, x, { forceMask: ones }), {
      atol: 0,
      rtol: 0,
    });
  });

  it("with context c gives outputs that do not depend on x from step c on", () => {
    const c = 2;
    const y = model.forward(p, x, { context: c });
    const y2 = model.forward(p, shiftFrom(x, c, 0.7), { context: c });
    assertAllClose(steps(y2, 0, c), steps(y, 0, c), { atol: 0, rtol: 0 }, "outputs before c");
    // The rollout feeds back its own predictions from c on, so no output sees x_c.. at all.
    assertAllClose(y2, y, { atol: 0, rtol: 0 }, "outputs from c on");
    // …while the context itself matters.
    const y3 = model.forward(p, shiftFrom(x, c - 1, 0.7, true), { context: c });
    assert.ok(maxAbsDiff(steps(y3, c - 1, T), steps(y, c - 1, T)) > 1e-3, "x inside the context is ignored");
  });

  it("through predict builds no tape even when the parameters require gradients", () => {
    const track = (t: Tensor): Tensor => {
      const v = t.view(t.shape);
      v.requiresGrad = true;
      return v;
    };
    const tracked: WarpParams = { A: track(p.A), B: track(p.B), theta0: track(p.theta0!) };
    const taped = model.forward(tracked, x, { context: 2 });
    assert.ok(taped.requiresGrad && taped.node !== null, "forward should record a tape here");
    for (const o of [{ context: 2 }, { forceMask: MASK }]) {
      const y = model.predict(tracked, x, o);
      assert.equal(y.node, null);
      assert.equal(y.requiresGrad, false);
      assertAllClose(y, model.forward(p, x, o), { atol: 0, rtol: 0 });
    }
  });
});

describe("seeding", () => {
  const model = makeModel({
    ...BASE,
    data_size: 1,
    init_state_layers: 1,
    input_prev_data: true,
    use_nll_loss: false,
    forcing_prob: 0.5,
  });
  const x = waves(N, T, 1);
  const bytes = (p: WarpParams) =>
    Object.entries(paramsToNamed(p)).map(([k, t]) => [
      k,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    ]);
  // The default B = 0 keeps θ_t = θ_0 whatever is fed back, so the forcing draw would not matter: give B
  // fixed non-zero values (the same for every seed) before computing the loss.
  const B = uniform(randomKey(99), [model.thetaDim, model.inputDim], -0.3, 0.3, "float64");
  const lossOf = (p: WarpParams, key: Key) => noGrad(() => model.loss({ ...p, B }, { x }, key).item());

  it("gives the same initialisation and the same loss for the same seed and key (forcing_prob < 1)", () => {
    const p1 = model.init(randomKey(42), "float64");
    const p2 = model.init(randomKey(42), "float64");
    assert.deepEqual(bytes(p1), bytes(p2));
    assert.equal(lossOf(p1, randomKey(3)), lossOf(p2, randomKey(3)));
  });

  it("gives a different initialisation and loss for another seed, and another loss for another key", () => {
    const p1 = model.init(randomKey(42), "float64");
    const p2 = model.init(randomKey(43), "float64");
    assert.notDeepEqual(bytes(p1), bytes(p2));
    assert.notEqual(lossOf(p1, randomKey(3)), lossOf(p2, randomKey(3)));
    assert.notEqual(lossOf(p1, randomKey(3)), lossOf(p1, randomKey(4)));
  });
});

describe("a one-batch overfit", () => {
  // 4 sine waves with different phases, float32, the default initialisation (A = I, B = 0).
  const x = tensor(
    Array.from({ length: 4 * 16 }, (_, i) =>
      Math.sin(2 * Math.PI * ((i % 16) / 15) + (Math.floor(i / 16) - 1.5) * 0.5),
    ),
    [4, 16, 1],
  );
  const overfit = (model: WarpModel, lr: number, maxSteps: number) => {
    let params = model.init(randomKey(0));
    const opt = adam(lr);
    let state = opt.init(params);
    const vg = valueAndGrad((p: WarpParams) => model.loss(p, { x }));
    const first = vg(params).value.item();
    let last = first;
    // Stop at the first parameters whose loss is 10× lower (`last` is always the loss of `params`).
    for (let s = 0; s < maxSteps; s++) {
      const { value, grads } = vg(params);
      last = value.item();
      if (last <= first / 10) break;
      const [updates, next] = opt.update(grads, state, params);
      state = next;
      params = applyUpdates(params, updates);
    }
    assert.equal(
      last,
      noGrad(() => model.loss(params, { x }).item()),
    );
    return { first, last };
  };

  it("reduces the ½MSE of a small non-autoregressive model at least 10× with Adam", () => {
    const model = makeModel({
      data_size: 1,
      root_width_size: 8,
      root_depth: 2,
      root_activation: "tanh",
      root_final_activation: null,
      init_state_layers: 1,
      autoregressive: false,
      use_nll_loss: false,
    });
    const { first, last } = overfit(model, 3e-3, 300);
    assert.ok(last <= first / 10, `loss went from ${first} to ${last}`);
  });

  // lr 3e-3: at 1e-2 every entry of the dense 97×97 A moves by ~1e-2 per step, its spectral radius soon
  // exceeds 1 and the fed-back rollout diverges (an optimisation matter, not a model bug).
  it("reduces the ½MSE of a small autoregressive model at least 10× with Adam", () => {
    const model = makeModel({
      data_size: 1,
      root_width_size: 8,
      root_depth: 2,
      root_activation: "tanh",
      root_final_activation: null,
      init_state_layers: 1,
      use_nll_loss: false,
      forcing_prob: 1,
    });
    const { first, last } = overfit(model, 3e-3, 300);
    assert.ok(last <= first / 10, `loss went from ${first} to ${last}`);
  });
});

/** Equinox's parameter count of an MLP with these layer widths: Σ (in + 1)·out. */
const eqxCount = (dims: number[]): number => dims.slice(1).reduce((s, out, i) => s + (dims[i]! + 1) * out, 0);

describe("shapes", () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ["the ½MSE head", { data_size: 2, use_nll_loss: false }, 2],
    ["the NLL head (means and stds)", { data_size: 2 }, 4],
    ["the dtanh head", { data_size: 2, use_nll_loss: false, root_final_activation: [1, 0, 1, 0] }, 2],
    ["classification logits", { data_size: 2, nb_classes: 3, autoregressive: false, use_nll_loss: false }, 3],
    ["the sine root", { data_size: 1, root_physics: "sine", use_nll_loss: false }, 1],
    ["the sine_phase root", { data_size: 1, root_physics: "sine_phase", use_nll_loss: false }, 1],
    ["the msd root", { data_size: 2, root_physics: "msd", use_nll_loss: false, input_prev_data: true }, 2],
    [
      "the conv_embedding model (½MSE)",
      { data_size: 2, conv_embedding: [3, 2, true], autoregressive: false, use_nll_loss: false },
      2,
    ],
    [
      "the conv_embedding model (NLL)",
      { data_size: 2, conv_embedding: [3, 3, false], autoregressive: false },
      4,
    ],
  ];
  for (const [what, raw, outDim] of cases) {
    it(`gives outputs (N, T, ${outDim}) for ${what}`, () => {
      const model = makeModel({ root_width_size: 4, root_depth: 1, init_state_layers: null, ...raw });
      const p = model.init(randomKey(0));
      const x = waves(N, T, raw.data_size as number, "float32");
      assert.equal(model.outDim, outDim);
      assert.deepEqual(
        model.forward(p, x, { forceMask: tensor(new Float32Array(N * T).fill(1), [N, T]) }).shape,
        [N, T, outDim],
      );
      if (model.config.autoregressive === false) {
        assert.deepEqual(model.forward(p, x, { parallel: true }).shape, [N, T, outDim]);
      }
      if (model.config.nb_classes === null && model.config.conv_embedding === null) {
        assert.deepEqual(model.predict(p, x, { context: 2 }).shape, [N, T, outDim]);
      }
    });
  }

  it("gives classification logits (N, T, nb_classes) with a conv_embedding", () => {
    const model = makeModel({
      data_size: 2,
      root_width_size: 4,
      root_depth: 1,
      nb_classes: 5,
      autoregressive: false,
      use_nll_loss: false,
      conv_embedding: [3, 2, true],
    });
    const y = model.forward(model.init(randomKey(0)), waves(N, T, 2, "float32"));
    assert.deepEqual(y.shape, [N, T, 5]);
  });

  it("handles a single-step sequence (T = 1) in both modes", () => {
    for (const autoregressive of [false, true]) {
      const model = makeModel({ data_size: 2, root_width_size: 4, root_depth: 1, autoregressive });
      const y = model.forward(model.init(randomKey(0)), waves(N, 1, 2, "float32"));
      assert.deepEqual(y.shape, [N, 1, 4]);
      assert.ok(Array.from(y.data).every(Number.isFinite));
    }
  });

  it("counts Dθ as Equinox does, Σ (in + 1)·out, for the benchmark roots", () => {
    const mnist = makeModel({
      data_size: 1,
      root_width_size: 24,
      root_depth: 3,
      root_activation: "relu",
      init_state_layers: null,
      weights_lim: 0.5,
      std_lower_bound: 0.5,
      forcing_prob: 0.15,
      nb_recons_loss_steps: 400,
    });
    assert.equal(eqxCount([1, 24, 24, 24, 2]), 1298);
    assert.equal(mnist.thetaDim, 1298);
    const sine = makeModel({
      data_size: 1,
      root_width_size: 32,
      root_depth: 2,
      root_activation: "relu",
      root_final_activation: null,
      autoregressive: false,
      use_nll_loss: false,
    });
    assert.equal(eqxCount([1, 32, 32, 1]), 1153);
    assert.equal(sine.thetaDim, 1153);
    const msd = makeModel({
      data_size: 2,
      root_width_size: 48,
      root_depth: 3,
      root_activation: "swish",
      root_final_activation: 39,
      input_prev_data: true,
      use_nll_loss: false,
      forcing_prob: 0.25,
    });
    assert.equal(eqxCount([3, 48, 48, 48, 2]), 4994);
    assert.equal(msd.thetaDim, 4994);
    // B has one column per data dim plus the time column.
    assert.equal(msd.inputDim, 3);
  });

  it("gives A (P, P), B (P, Din) and a learned θ_0 (P) with A = I and B = 0", () => {
    const model = makeModel({
      data_size: 3,
      root_width_size: 4,
      root_depth: 1,
      init_state_layers: null,
      use_nll_loss: false,
    });
    const P = eqxCount([1, 4, 3]);
    assert.equal(model.thetaDim, P);
    const p = model.init(randomKey(0));
    assert.deepEqual(p.A.shape, [P, P]);
    assert.deepEqual(p.B.shape, [P, 4]);
    assert.deepEqual(p.theta0!.shape, [P]);
    assert.deepEqual(Array.from(p.A.data), Array.from(eye(P).data));
    assert.ok(Array.from(p.B.data).every((v) => v === 0));
    // θ_0 follows the Equinox init: every entry within ±1/√fan_in of its layer (fan_in 1, then 4).
    const th = Array.from(p.theta0!.data);
    assert.ok(th.slice(0, 8).every((v) => Math.abs(v) <= 1));
    assert.ok(th.slice(8).every((v) => Math.abs(v) <= 0.5));
  });

  it("sizes the hypernetwork layers as GradualMLP: int(2/3·in + 1/3·out), int(1/3·in + 2/3·out) / int((in+out)/2)", () => {
    // Root [1, 4, 3] with data_size 3: P = 8 + 15 = 23. k=2: int(2 + 23/3) = 9, int(1 + 46/3) = 16;
    // k=1: int(13) = 13; k=0: one Linear.
    const expected: Record<number, number[]> = { 2: [3, 9, 16, 23], 1: [3, 13, 23], 0: [3, 23] };
    for (const k of [0, 1, 2] as const) {
      const model = makeModel({
        data_size: 3,
        root_width_size: 4,
        root_depth: 1,
        init_state_layers: k,
        use_nll_loss: false,
      });
      assert.equal(model.thetaDim, 23);
      const sizes = expected[k]!;
      assert.deepEqual(hypernetSizes(3, 23, k), sizes);
      const p = model.init(randomKey(1));
      assert.equal(p.theta0, undefined);
      assert.deepEqual(
        p.phi!.layers.map((l) => [l.weight.shape, l.bias.shape]),
        sizes.slice(1).map((out, i) => [[out, sizes[i]!], [out]]),
      );
      // Equinox init bounds ±1/√fan_in per layer.
      p.phi!.layers.forEach((l, i) => {
        const lim = 1 / Math.sqrt(sizes[i]!);
        assert.ok(Array.from(l.weight.data).every((v) => Math.abs(v) <= lim));
      });
    }
    assert.deepEqual(hypernetSizes(1, 1298, 2), [1, 433, 865, 1298]);
    assert.deepEqual(hypernetSizes(1, 1153, 1), [1, 577, 1153]);
  });
});

describe("errors", () => {
  const model = makeModel({ ...BASE, data_size: 2, use_nll_loss: false, forcing_prob: 0.5 });
  const p = model.init(randomKey(0), "float64");
  const x = waves(N, T, 2);

  it("rejects an x that is not (N, T, data_size)", () => {
    assert.throws(
      () => model.forward(p, tensor(new Float64Array(10), [N, T])),
      /expected x \(N, T, 2\), got \(2,5\)/,
    );
    assert.throws(() => model.forward(p, waves(N, T, 3)), /expected x \(N, T, 2\), got \(2,5,3\)/);
  });

  it("rejects an x whose dtype differs from the parameters'", () => {
    assert.throws(
      () => model.forward(p, waves(N, T, 2, "float32")),
      /x is float32 but the parameters are float64/,
    );
  });

  it("asks for a key when teacher forcing is random (forcing_prob < 1)", () => {
    assert.throws(() => model.forward(p, x), /forcing_prob < 1 needs a random key/);
    assert.throws(() => model.loss(p, { x }), /forcing_prob < 1 needs a random key/);
  });

  it("asks for a key for stochastic sampling, θ_0 noise and sampled loss steps", () => {
    const st = makeModel({ ...BASE, data_size: 2, stochastic: true });
    assert.throws(
      () => st.forward(st.init(randomKey(0), "float64"), x),
      /stochastic sampling needs a random key/,
    );
    const noisy = makeModel({ ...BASE, data_size: 2, autoregressive: false, noise_theta_init: 0.1 });
    assert.throws(
      () => noisy.forward(noisy.init(randomKey(0), "float64"), x),
      /noise_theta_init needs a random key/,
    );
    const sampled = makeModel({ ...BASE, data_size: 2, autoregressive: false, nb_recons_loss_steps: 2 });
    assert.throws(
      () => sampled.loss(sampled.init(randomKey(0), "float64"), { x }),
      /nb_recons_loss_steps needs a random key/,
    );
  });

  it("refuses the parallel form with weights_lim", () => {
    const clipped = makeModel({ ...BASE, data_size: 2, autoregressive: false, weights_lim: 1 });
    assert.throws(
      () => clipped.forward(clipped.init(randomKey(0), "float64"), x, { parallel: true }),
      /parallel form cannot clip θ \(weights_lim\)/,
    );
  });

  it("rejects a forceMask of the wrong shape, a bad context and classification without labels", () => {
    assert.throws(
      () => model.forward(p, x, { forceMask: tensor(new Float64Array(T), [1, T]) }),
      /forceMask must be \(2,5\), got \(1,5\)/,
    );
    assert.throws(
      () => model.forward(p, x, { context: -1 }),
      /context must be a non-negative integer, got -1/,
    );
    const cls = makeModel({
      ...BASE,
      data_size: 2,
      nb_classes: 3,
      autoregressive: false,
      use_nll_loss: false,
    });
    assert.throws(
      () => cls.loss(cls.init(randomKey(0), "float64"), { x }),
      /classification needs batch.labels/,
    );
  });

  it("rejects times of the wrong shape", () => {
    assert.throws(
      () => model.forward(p, x, { times: tensor(new Float64Array(T + 1)), forceMask: MASK }),
      /times must be \(T\) or \(N, T\)/,
    );
  });
});

describe("the loss", () => {
  it("is ½MSE of the forward output against x without the NLL head", () => {
    const model = makeModel({ ...BASE, data_size: 2, autoregressive: false, use_nll_loss: false });
    const x = waves(N, T, 2);
    const p = perturbedParams(model);
    const y = model.forward(p, x);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += 0.5 * (y.data[i]! - x.data[i]!) ** 2;
    assertAllClose([model.loss(p, { x }).item()], [s / y.size], { atol: 1e-14, rtol: 1e-12 });
    assertAllClose([halfMse(y, x).item()], [s / y.size], { atol: 1e-14, rtol: 1e-12 });
  });
});

// ---------------------------------------------------------------------------------------------------
// A plain per-sequence, per-step loop of the docs/model.md equations in float64 numbers, written from the
// spec (not from model.ts): the reference for the forward values of every option.

type Vec = number[];
const ACT: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  tanh: Math.tanh,
  softplus: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  swish: (v) => v / (1 + Math.exp(-v)),
  identity: (v) => v,
  sin: Math.sin,
  cos: Math.cos,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
};

/** An MLP with flat weights θ (per layer W (out×in) row-major, then b) applied to one input. */
function mlpLoop(theta: ArrayLike<number>, input: Vec, dims: number[], act: string, off = 0): Vec {
  let h = input;
  for (let l = 0; l + 1 < dims.length; l++) {
    const [nIn, nOut] = [dims[l]!, dims[l + 1]!];
    const next: Vec = [];
    for (let o = 0; o < nOut; o++) {
      let s = theta[off + nOut * nIn + o]!;
      for (let i = 0; i < nIn; i++) s += theta[off + o * nIn + i]! * h[i]!;
      next.push(l + 2 < dims.length ? ACT[act]!(s) : s);
    }
    off += nOut * nIn + nOut;
    h = next;
  }
  return h;
}

const matVec = (M: Tensor, v: Vec): Vec => {
  const [r, c] = M.shape as [number, number];
  return Array.from({ length: r }, (_, i) => v.reduce((s, x, j) => s + M.data[i * c + j]! * x, 0));
};

function refForward(
  model: WarpModel,
  p: WarpParams,
  x: Tensor,
  force?: (n: number, t: number) => boolean,
): Vec {
  const c = model.config;
  const [Nn, Tt, D] = x.shape as [number, number, number];
  const W = c.root_width_size;
  const dims = (inDim: number, out: number) => [inDim, ...new Array<number>(c.root_depth).fill(W), out];
  const xs = (n: number, t: number): Vec =>
    Array.from({ length: D }, (_, d) => x.data[(n * Tt + t) * D + d]!);
  const tau = (t: number) => (Tt > 1 ? t / (Tt - 1) : 0);
  // Optional 1-D convolution embedding: e_t[ch] = Σ_{k,d} w[ch, d, k] · x_{t − left + k}[d].
  const conv = c.conv_embedding;
  const S = conv ? conv[0] : D;
  const seq = (n: number, t: number): Vec => {
    if (!conv) return xs(n, t);
    const [C, K, causal] = conv;
    const left = causal ? K - 1 : Math.floor((K - 1) / 2);
    return Array.from({ length: C }, (_, ch) => {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const src = t - left + k;
        if (src < 0 || src >= Tt) continue;
        for (let d = 0; d < D; d++)
          s += p.conv_embedding!.data[(ch * D + d) * K + k]! * x.data[(n * Tt + src) * D + d]!;
      }
      return s;
    });
  };
  const timeIn = 1 + (c.positional_encoding ? c.positional_encoding[0] : 0);
  const rootIn = timeIn + (c.input_prev_data ? S : 0);
  const nll = c.use_nll_loss && c.nb_classes === null;
  const rawOut = c.nb_classes ?? (nll ? 2 * D : D);
  const root = (theta: Vec, inp: Vec): Vec => {
    switch (c.root_physics) {
      case "sine":
        return [
          Math.sin(2 * Math.PI * inp[0]! + mlpLoop(theta, inp, dims(rootIn, 1), c.root_activation)[0]!),
        ];
      case "sine_phase":
        return [Math.sin(2 * Math.PI * inp[0]! + theta[0]!)];
      case "msd":
      case "msd_softplus": {
        const raw = mlpLoop(theta, inp, dims(rootIn, 3), c.root_activation);
        const sp = (v: number) => Math.log1p(Math.exp(v));
        const [m0, k0, c0] = (c.root_physics === "msd" ? raw : raw.map(sp)) as [number, number, number];
        const [m, k, cc] = [m0 + 1e-6, k0 * 1000, c0 * 10];
        const [pos, vel] = [inp[rootIn - 2]!, inp[rootIn - 1]!];
        const acc = -(k / m) * pos - (cc / m) * vel;
        return [pos + vel / 256, vel + acc / 256];
      }
      default:
        return mlpLoop(theta, inp, dims(rootIn, rawOut), c.root_activation);
    }
  };
  const final = (v: number): number => {
    const f = c.root_final_activation;
    if (f === null) return v;
    if (typeof f === "number") return Math.min(Math.max(v, -f), f);
    if (Array.isArray(f)) {
      const [a, b, al, be] = Array.from(p.dtanh!.data);
      return al! * Math.tanh((v - b!) / a!) + be!;
    }
    return ACT[f]!(v);
  };
  // De-embedding: y'_t = w_0 y_{t−1} + w_1 y_t + w_2 y_{t+1} per output column, zero-padded.
  const deEmbed = (ys: Vec[]): Vec[] => {
    if (!conv) return ys;
    const w = Array.from(p.conv_de_embedding!.data);
    return ys.map((y, t) =>
      y.map((v, j) => w[0]! * (ys[t - 1]?.[j] ?? 0) + w[1]! * v + w[2]! * (ys[t + 1]?.[j] ?? 0)),
    );
  };
  const head = (r: Vec): Vec => {
    if (c.nb_classes !== null) return r;
    if (!nll) return r.map(final);
    const Dh = r.length / 2;
    const lb = c.std_lower_bound ?? 0;
    return [...r.slice(0, Dh).map(final), ...r.slice(Dh).map((v) => Math.max(ACT.softplus!(v), lb))];
  };
  // The time row of step t: [τ_t, sin/cos(t / C^{i/D})].
  const feats = (t: number): Vec => {
    const pe = c.positional_encoding;
    if (!pe) return [tau(t)];
    const f = [tau(t)];
    for (let i = 0; i < pe[0]; i += 2)
      f.push(Math.sin(t / pe[1] ** (i / pe[0])), Math.cos(t / pe[1] ** (i / pe[0])));
    return f;
  };
  const head2 = c.reference_commit === "bde9a5d";
  const lim = c.weights_lim;
  const step = (theta: Vec, inc: Vec): Vec => {
    const a = matVec(p.A, theta);
    const b = matVec(p.B, inc);
    return a.map((v, i) => (lim === null ? v + b[i]! : Math.min(Math.max(v + b[i]!, -lim), lim)));
  };
  const out: Vec = [];
  for (let n = 0; n < Nn; n++) {
    let theta: Vec;
    if (p.theta0) theta = Array.from(p.theta0.data);
    else {
      theta = seq(n, 0);
      p.phi!.layers.forEach((l, i) => {
        const h = matVec(l.weight, theta).map((v, j) => v + l.bias.data[j]!);
        theta = i + 1 < p.phi!.layers.length ? h.map(ACT[c.root_activation]!) : h;
      });
    }
    const tc = c.time_as_channel;
    if (!force) {
      // Non-autoregressive: Δ of [τ, e] with e_{−1} := e_0; the root is queried at step t's time row
      // (bde9a5d), or that row plus f_1 − f_0 (da7a0af).
      let prev = [...(tc ? [tau(0)] : []), ...seq(n, 0)];
      const ys: Vec[] = [];
      for (let t = 0; t < Tt; t++) {
        const cur = [...(tc ? [tau(t)] : []), ...seq(n, t)];
        theta = step(
          theta,
          cur.map((v, i) => v - prev[i]!),
        );
        prev = cur;
        const q = head2 || Tt < 2 ? feats(t) : feats(t).map((v, i) => v + feats(1)[i]! - feats(0)[i]!);
        ys.push(head(root(theta, [...q, ...(c.input_prev_data ? seq(n, t) : [])])));
      }
      out.push(...deEmbed(ys).flat());
    } else {
      // Autoregressive: feed x_t when forced, else the last predicted mean; x_prev ← the fed-back mean.
      let mean = xs(n, 0);
      let xPrev = xs(n, 0);
      let tPrev = tau(0);
      for (let t = 0; t < Tt; t++) {
        const cand = force(n, t) ? xs(n, t) : mean;
        const dx = cand.map((v, i) => v - xPrev[i]!);
        const dt = tc ? [tau(t) - tPrev] : [];
        theta = step(theta, head2 ? [...dx, ...dt] : [...dt, ...dx]);
        const fPrev = feats(Math.max(t - 1, 0));
        const q = feats(t).map((v, i) => 2 * v - fPrev[i]!);
        const y = head(root(theta, [...q, ...(c.input_prev_data ? xPrev : [])]));
        out.push(...y);
        xPrev = mean;
        mean = y.slice(0, D);
        tPrev = tau(t);
      }
    }
  }
  return out;
}

describe("the forward pass equals a plain loop of the docs/model.md equations (float64)", () => {
  const mask = (n: number, t: number) => MASK.data[n * T + t] === 1;
  const cases: [string, Record<string, unknown>, "nonar" | "ar" | "parallel"][] = [
    [
      "non-AR, NLL with std_lower_bound, time_as_channel, input_prev_data, positional encoding, 1-layer φ",
      {
        data_size: 2,
        autoregressive: false,
        std_lower_bound: 0.6,
        input_prev_data: true,
        positional_encoding: [4, 10],
        init_state_layers: 1,
      },
      "nonar",
    ],
    [
      "non-AR parallel form, dtanh head, learned θ_0",
      {
        data_size: 2,
        autoregressive: false,
        use_nll_loss: false,
        root_final_activation: [1.3, 0.1, 0.8, -0.05],
      },
      "parallel",
    ],
    [
      "non-AR with weights_lim and a sigmoid final activation, swish root",
      {
        data_size: 1,
        autoregressive: false,
        use_nll_loss: false,
        weights_lim: 0.3,
        root_final_activation: "sigmoid",
        root_activation: "swish",
      },
      "nonar",
    ],
    [
      "AR with a forcing mask, time_as_channel, input_prev_data, positional encoding and a clip head",
      {
        data_size: 2,
        use_nll_loss: false,
        input_prev_data: true,
        positional_encoding: [2, 100],
        root_final_activation: 0.4,
      },
      "ar",
    ],
    [
      "AR with NLL, dtanh on the mean, θ clipping and a 2-layer φ",
      {
        data_size: 1,
        root_final_activation: [0.9, -0.2, 1.1, 0.1],
        weights_lim: 0.35,
        init_state_layers: 2,
        std_lower_bound: 0.2,
      },
      "ar",
    ],
    [
      "classification (raw logits)",
      { data_size: 2, nb_classes: 3, autoregressive: false, use_nll_loss: false },
      "nonar",
    ],
    [
      'the "sine" root (AR)',
      { data_size: 1, root_physics: "sine", use_nll_loss: false, root_final_activation: null },
      "ar",
    ],
    [
      'the "sine_phase" root (non-AR)',
      {
        data_size: 1,
        root_physics: "sine_phase",
        use_nll_loss: false,
        autoregressive: false,
        root_final_activation: "tanh",
      },
      "nonar",
    ],
    [
      'the "msd" root (AR, input_prev_data)',
      {
        data_size: 2,
        root_physics: "msd",
        use_nll_loss: false,
        input_prev_data: true,
        root_final_activation: null,
      },
      "ar",
    ],
    [
      'the "msd_softplus" root (AR, input_prev_data)',
      {
        data_size: 2,
        root_physics: "msd_softplus",
        use_nll_loss: false,
        input_prev_data: true,
        root_final_activation: null,
      },
      "ar",
    ],
    [
      "a causal conv_embedding (non-AR, ½MSE)",
      { data_size: 2, conv_embedding: [3, 2, true], autoregressive: false, use_nll_loss: false },
      "nonar",
    ],
    [
      "a centred conv_embedding with NLL and input_prev_data (non-AR)",
      { data_size: 2, conv_embedding: [3, 3, false], autoregressive: false, input_prev_data: true },
      "nonar",
    ],
    [
      "the older commit da7a0af (non-AR, time_as_channel, positional encoding)",
      {
        data_size: 2,
        autoregressive: false,
        positional_encoding: [2, 10],
        reference_commit: "da7a0af",
      },
      "nonar",
    ],
    [
      "the older commit da7a0af (AR, time_as_channel, positional encoding)",
      { data_size: 2, positional_encoding: [2, 10], reference_commit: "da7a0af" },
      "ar",
    ],
  ];
  for (const [what, raw, mode] of cases) {
    it(`for ${what}`, () => {
      const model = makeModel({ ...BASE, root_depth: 1, root_width_size: 4, ...raw });
      const x = waves(N, T, raw.data_size as number);
      const p = perturbedParams(model, 3);
      const y =
        mode === "ar"
          ? model.forward(p, x, { forceMask: MASK })
          : model.forward(p, x, { parallel: mode === "parallel" });
      assertAllClose(y, refForward(model, p, x, mode === "ar" ? mask : undefined), {
        atol: 1e-11,
        rtol: 1e-9,
      });
    });
  }

  it("for a stochastic model with smooth_inference: inference feeds back the means and needs no key", () => {
    const model = makeModel({ ...BASE, root_depth: 1, data_size: 2, stochastic: true, forcing_prob: 0.3 });
    const x = waves(N, T, 2);
    const p = perturbedParams(model, 5);
    assertAllClose(
      model.predict(p, x, { context: 3 }),
      refForward(model, p, x, (_n, t) => t < 3),
      {
        atol: 1e-11,
        rtol: 1e-9,
      },
    );
  });

  it("for a stochastic model without smooth_inference: inference samples (needs a key, differs from the means)", () => {
    const model = makeModel({
      ...BASE,
      root_depth: 1,
      data_size: 2,
      stochastic: true,
      smooth_inference: false,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model, 5);
    assert.throws(() => model.predict(p, x, { context: 3 }), /stochastic sampling needs a random key/);
    const sampled = model.predict(p, x, { context: 3, key: randomKey(1) });
    const means = refForward(model, p, x, (_n, t) => t < 3);
    assert.ok(maxAbsDiff(sampled.data, means) > 1e-6, "sampled inference equals the mean rollout");
    assertAllClose(sampled, model.predict(p, x, { context: 3, key: randomKey(1) }), { atol: 0, rtol: 0 });
  });

  it("for AR inference from a context c: the true x_t while t < c, then the model's own means", () => {
    const model = makeModel({
      ...BASE,
      root_depth: 1,
      data_size: 2,
      input_prev_data: true,
      forcing_prob: 0.3,
    });
    const x = waves(N, T, 2);
    const p = perturbedParams(model, 4);
    assertAllClose(
      model.predict(p, x, { context: 2 }),
      refForward(model, p, x, (_n, t) => t < 2),
      { atol: 1e-11, rtol: 1e-9 },
    );
  });
});
