// The fused autoregressive rollout (ops/ar-rollout.ts) against its reference, the op-by-op rollout
// (WarpModel.forward with `fused: false`, differentiated by the tape): outputs and the gradient of every
// parameter, for every transition it runs (dense, bf16 dense, diagonal, stable diagonal, low-rank, block), every
// head (NLL with a std floor that binds, MSE; final activations none, named, clip bound, dtanh), teacher
// forcing, stochastic noise, input_prev_data, time_as_channel in both reference orders, θ clipping and a
// hypernetwork θ_0 — in float64 to 1e-9 and in float32 on every backend; the fused gradients against
// central differences; inference from a context; and which configurations fall back to the op-by-op loop.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  bernoulli,
  cos,
  eye,
  type FloatDType,
  type Key,
  mul,
  normal,
  randomKey,
  resolveModelConfig,
  splitKey,
  sum,
  type Tensor,
  tensor,
  uniform,
  valueAndGrad,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";
import { arRollout } from "../../src/ops/ar-rollout.js";
import { assertAllClose, assertGradcheck, describeEachBackend, waves } from "../helpers/index.js";

const [N, T] = [9, 7]; // N ≥ 8: a dense A multiplies packed (PACK_MIN_ROWS)

/** [name, model keys]: each a configuration the fused rollout runs. */
const CASES: [string, Record<string, unknown>][] = [
  [
    "dense, NLL with a binding std floor, tanh mean, forcing",
    { use_nll_loss: true, std_lower_bound: 0.72, root_final_activation: "tanh" },
  ],
  [
    "dense, MSE, θ clipped, input_prev_data, time_as_channel (bde9a5d)",
    {
      use_nll_loss: false,
      weights_lim: 0.3,
      input_prev_data: true,
      time_as_channel: true,
      root_activation: "relu",
    },
  ],
  [
    "dense, time_as_channel (da7a0af), clip-bound final activation, hypernetwork θ_0",
    {
      use_nll_loss: false,
      time_as_channel: true,
      reference_commit: "da7a0af",
      root_final_activation: 0.4,
      init_state_layers: 1,
    },
  ],
  [
    "dense, stochastic NLL with noise, dtanh final activation",
    { use_nll_loss: true, stochastic: true, root_final_activation: [1.5, 0.1, 0.8, -0.05] },
  ],
  ["dense bf16", { use_nll_loss: true, transition_dtype: "bf16", weights_lim: 0.5, input_prev_data: true }],
  [
    "diagonal, θ clipped, swish root, softplus final activation",
    { transition: "diagonal", weights_lim: 0.3, root_activation: "swish", root_final_activation: "softplus" },
  ],
  [
    "stable diagonal, stochastic, sigmoid final activation",
    {
      transition: "diagonal",
      transition_stable: true,
      use_nll_loss: true,
      stochastic: true,
      root_final_activation: "sigmoid",
    },
  ],
  [
    "low-rank r = 3, θ clipped, input_prev_data, time_as_channel",
    {
      transition: "lowrank",
      transition_rank: 3,
      weights_lim: 0.3,
      input_prev_data: true,
      time_as_channel: true,
      use_nll_loss: true,
    },
  ],
  [
    "block k = 4 (a shorter last block), θ clipped, input_prev_data",
    {
      transition: "block",
      transition_block: 4,
      weights_lim: 0.3,
      input_prev_data: true,
      use_nll_loss: false,
    },
  ],
];

const BASE = {
  data_size: 2,
  root_width_size: 6,
  root_depth: 2,
  root_activation: "tanh",
  init_state_layers: null,
  autoregressive: true,
  forcing_prob: 0.5,
  time_as_channel: false,
};

/** Parameters with every tensor moved off its initialisation (A near I, B ≠ 0, U ≠ 0). */
function params(model: WarpModel, dtype: FloatDType): WarpParams {
  const ks = splitKey(randomKey(11), 6) as Key[];
  const p = model.init(ks[0]!, dtype);
  const P = model.thetaDim;
  const s = 0.5 / Math.sqrt(P);
  if (model.config.transition === "dense") p.A = add(eye(P, dtype), uniform(ks[1]!, [P, P], -s, s, dtype));
  else p.A = add(p.A, uniform(ks[1]!, p.A.shape, -0.3, 0.05, dtype));
  if (p.AU) p.AU = uniform(ks[2]!, p.AU.shape, -s, s, dtype);
  p.B = uniform(ks[3]!, [P, model.inputDim], -0.5, 0.5, dtype);
  if (p.theta0) p.theta0 = uniform(ks[4]!, [P], -0.6, 0.6, dtype);
  return p;
}

/** Σ y ⊙ w and the outputs y of one forward pass, fused or op by op. */
function run(model: WarpModel, dtype: FloatDType, fused: boolean, segment?: number, n = N) {
  const x = waves(n, T, 2, dtype);
  const [kF, kE] = splitKey(randomKey(4), 2) as [Key, Key];
  const forceMask = bernoulli(kF, 0.5, [n, T], dtype);
  const noise = model.config.stochastic ? normal(kE, [n, T, 2], 0, 1, dtype) : undefined;
  let y: Tensor | null = null;
  const f = (p: WarpParams) => {
    y = model.forward(p, x, { forceMask, noise, fused, segment, key: randomKey(2) });
    const w = cos(
      tensor(
        Array.from({ length: y.size }, (_, i) => i * 0.37),
        y.shape,
        dtype,
      ),
    );
    return sum(mul(y, w));
  };
  const { value, grads } = valueAndGrad(f)(params(model, dtype));
  assert.equal(y!.node?.op === "arRollout", fused, "the fused op ran exactly when asked");
  return { value: value.item(), y: Float64Array.from(y!.data), grads: model.namedParams(grads) };
}

function assertSame(got: ReturnType<typeof run>, want: ReturnType<typeof run>, rtol: number): void {
  assertAllClose(got.y, want.y, { atol: rtol, rtol }, "outputs");
  for (const [name, g] of Object.entries(want.grads)) {
    let scale = 0;
    for (const v of g.data) scale = Math.max(scale, Math.abs(v));
    assert.ok(scale > 0, `the gradient of ${name} vanishes`);
    assertAllClose(got.grads[name]!.data, g.data, { atol: rtol * scale, rtol }, `gradient of ${name}`);
  }
}

const model = (keys: Record<string, unknown>) => new WarpModel(resolveModelConfig({ ...BASE, ...keys }));

describe("arRollout equals the op-by-op rollout in float64", () => {
  for (const [name, keys] of CASES) {
    it(name, () => {
      const m = model(keys);
      assertSame(run(m, "float64", true), run(m, "float64", false), 1e-9);
    });
  }
});

describeEachBackend("arRollout equals the op-by-op rollout in float32", (it) => {
  for (const [name, keys] of CASES) {
    it(name, () => {
      const m = model(keys);
      assertSame(run(m, "float32", true), run(m, "float32", false), 2e-4);
    });
  }
});

// Diagonal and low-rank rollouts may keep θ_t only every `segment` steps and recompute the others in the
// backward: the recomputation must give the forward's states bit for bit, so every number is equal.
describeEachBackend("arRollout with states kept every few steps", (it) => {
  // low-rank: segments are whole chunks of its dU, dV products (2048 rows: 2 steps of 1024 sequences)
  const rows = (k: Record<string, unknown>) => (k.transition === "lowrank" ? 1024 : N);
  for (const [name, keys] of CASES.filter(
    ([, k]) => k.transition === "diagonal" || k.transition === "lowrank",
  )) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`${name}, ${dtype}: segments of 2, 3 and T steps give the numbers of keeping every state`, () => {
        const m = model(keys);
        const all = run(m, dtype, true, 1, rows(keys));
        for (const segment of [2, 3, T]) {
          const got = run(m, dtype, true, segment, rows(keys));
          assert.equal(got.value, all.value, `segment ${segment}: loss`);
          assert.deepEqual(got.y, all.y, `segment ${segment}: outputs`);
          for (const [p, g] of Object.entries(all.grads)) {
            assert.deepEqual(got.grads[p]!.data, g.data, `segment ${segment}: gradient of ${p}`);
          }
        }
      });
    }
  }
  it("refuses a segment that is not a positive integer", () => {
    const m = model({ transition: "diagonal" });
    for (const segment of [0, 1.5, -2])
      assert.throws(() => run(m, "float32", true, segment), /segment must be an integer/);
  });
});

describe("arRollout gradients against central differences", () => {
  it("dense, stochastic NLL, dtanh, clip, input_prev_data, time_as_channel", () => {
    const m = model({ ...CASES[3]![1], weights_lim: 0.9, input_prev_data: true, time_as_channel: true });
    const cfg = (
      m as unknown as { rolloutConfig(x: Tensor, t: Tensor): Parameters<typeof arRollout>[1] }
    ).rolloutConfig(waves(2, 4, 2), waves(2, 4, 1));
    const P = m.thetaDim;
    const ks = splitKey(randomKey(5), 8) as Key[];
    const x = waves(2, 4, 2);
    const consts = {
      x,
      force: bernoulli(ks[0]!, 0.5, [2, 4], "float64"),
      noise: normal(ks[1]!, [2, 4, 2], 0, 1, "float64"),
      query: uniform(ks[2]!, [2, 4, 1], 0, 1, "float64"),
      dTime: uniform(ks[3]!, [2, 4], 0, 0.3, "float64"),
    };
    const theta0 = uniform(ks[4]!, [2, P], -0.5, 0.5, "float64");
    const A = add(eye(P, "float64"), uniform(ks[5]!, [P, P], -0.1, 0.1, "float64"));
    const B = uniform(ks[6]!, [P, 3], -0.5, 0.5, "float64");
    const dtanh = tensor([1.5, 0.1, 0.8, -0.05], [4], "float64");
    assertGradcheck(
      (th, a, b, d) => arRollout({ theta0: th!, A: a!, B: b!, dtanh: d!, ...consts }, cfg),
      [theta0, A, B, dtanh],
    );
  });
});

describe("arRollout at inference", () => {
  it("a rollout from a context equals the op-by-op one, and records no tape", () => {
    const m = model(CASES[0]![1]);
    const p = params(m, "float64");
    const x = waves(N, T, 2, "float64");
    const fused = m.predict(p, x, { context: 3 });
    const ref = m.predict(p, x, { context: 3, fused: false });
    assert.ok(!fused.node);
    assertAllClose(fused, ref, { atol: 1e-12, rtol: 1e-12 });
  });

  it("falls back to the op-by-op loop for a physics root", () => {
    for (const keys of [{ root_physics: "msd", use_nll_loss: false, input_prev_data: true }]) {
      const m = model(keys);
      const r = run(m, "float64", false);
      const p = params(m, "float64");
      p.A.requiresGrad = true;
      const y = m.forward(p, waves(N, T, 2, "float64"), {
        forceMask: bernoulli(randomKey(1), 0.5, [N, T], "float64"),
      });
      assert.ok(y.node && y.node.op !== "arRollout", JSON.stringify(keys));
      assert.ok(r.y.every(Number.isFinite));
    }
  });
});
