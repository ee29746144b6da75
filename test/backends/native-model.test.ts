// The whole WARP model in float32 on the native backend against the same model in float64 (which runs
// on the cpu reference kernels), loss and every parameter gradient, for every mode: non-autoregressive,
// autoregressive with teacher forcing, stochastic autoregressive, and the inference rollout from a
// context; batch 1 (single-row GEMMs at every step) and a small batch. With a dense A of a few hundred
// rows, each mode goes through the native GEMM paths (row dots / scaled-row sums at batch 1, packed
// micro-kernels otherwise). Not here: kernel-level tests (native.test.ts, native-gemm.test.ts).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import {
  add,
  availableBackends,
  convert,
  eye,
  type Key,
  nativeUnavailableReason,
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
  withBackend,
} from "../../src/index.js";
import { assertAllClose, waves } from "../helpers/index.js";

const hasNative = availableBackends().includes("native");
const skip =
  hasNative || process.env.WARP_REQUIRE_NATIVE === "1"
    ? false
    : (nativeUnavailableReason() ?? "no native backend");

const T = 9;
const BASE = {
  data_size: 2,
  root_width_size: 12,
  root_depth: 2,
  root_activation: "tanh",
  init_state_layers: null,
  time_as_channel: true,
} as const;

/** Float64 parameters with A = I + noise and B ≠ 0, so every gradient is non-trivial. */
function params64(model: WarpModel): WarpParams {
  const [k0, kA, kB] = splitKey(randomKey(3), 3) as [Key, Key, Key];
  const p = model.init(k0, "float64");
  const P = model.thetaDim;
  const s = 0.6 / Math.sqrt(P);
  p.A = add(eye(P, "float64"), uniform(kA, [P, P], -s, s, "float64"));
  p.B = uniform(kB, [P, model.inputDim], -0.5, 0.5, "float64");
  return p;
}

function toF32(model: WarpModel, p: WarpParams): WarpParams {
  const named = paramsToNamed(p);
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(named)) out[k] = convert(t, "float32");
  return model.paramsFromNamed(out, model.init(randomKey(0), "float32"));
}

/** Max |x| over all values (the tolerance scale). */
function scale(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/**
 * Loss and every parameter gradient of `loss` in float32 on native vs float64 on cpu; tolerance relative
 * to each gradient's largest entry.
 */
function compareLoss(model: WarpModel, loss: (m: WarpModel, p: WarpParams) => Tensor, rtol: number): void {
  const p64 = params64(model);
  const hi = valueAndGrad((p: WarpParams) => loss(model, p))(p64);
  const lo = withBackend("native", () => valueAndGrad((p: WarpParams) => loss(model, p))(toF32(model, p64)));
  assert.equal(lo.value.dtype, "float32");
  const v = hi.value.item();
  assertAllClose([lo.value.item()], [v], { atol: rtol * Math.abs(v), rtol: 0 }, "loss");
  const g64 = paramsToNamed(hi.grads);
  const g32 = paramsToNamed(lo.grads);
  for (const [name, g] of Object.entries(g64)) {
    const s = scale(g.data);
    assert.ok(s > 1e-6, `the gradient of ${name} vanishes: the comparison would not test it`);
    assertAllClose(g32[name]!.data, g.data, { atol: rtol * s, rtol: 0 }, `gradient of ${name}`);
  }
}

describe("the WARP model in float32 on the native backend matches float64", { skip }, () => {
  for (const N of [1, 3]) {
    const x = (m: WarpModel): Tensor => waves(N, T, m.config.data_size);
    const mask = tensor(
      Float64Array.from({ length: N * T }, (_, i) => ((i * 5) % 3 === 0 ? 1 : 0)),
      [N, T],
    );

    it(`non-autoregressive, ½MSE, N=${N}`, () => {
      const model = new WarpModel(
        resolveModelConfig({ ...BASE, autoregressive: false, use_nll_loss: false }),
      );
      assert.ok(model.thetaDim > 200, `Dθ = ${model.thetaDim}`);
      compareLoss(model, (m, p) => m.loss(p, { x: convert(x(m), p.A.dtype) }), 2e-4);
    });

    it(`autoregressive with teacher forcing (mixed mask) and weights_lim, NLL head, N=${N}`, () => {
      const model = new WarpModel(resolveModelConfig({ ...BASE, use_nll_loss: true, weights_lim: 0.5 }));
      compareLoss(
        model,
        (m, p) => m.loss(p, { x: convert(x(m), p.A.dtype), forceMask: convert(mask, p.A.dtype) }),
        2e-4,
      );
    });

    it(`stochastic autoregressive with a fixed key, N=${N}`, () => {
      const model = new WarpModel(
        resolveModelConfig({ ...BASE, stochastic: true, use_nll_loss: true, forcing_prob: 0.5 }),
      );
      compareLoss(model, (m, p) => m.loss(p, { x: convert(x(m), p.A.dtype) }, randomKey(11)), 2e-4);
    });

    it(`inference rollout from a context (predict), N=${N}`, () => {
      const model = new WarpModel(
        resolveModelConfig({ ...BASE, use_nll_loss: false, input_prev_data: true }),
      );
      const p64 = params64(model);
      const want = noGrad(() => model.predict(p64, x(model), { context: 3 }));
      const got = withBackend("native", () =>
        model.predict(toF32(model, p64), convert(x(model), "float32"), { context: 3 }),
      );
      assert.equal(got.dtype, "float32");
      assertAllClose(got.data, want.data, { atol: 2e-4 * Math.max(1, scale(want.data)), rtol: 0 }, "rollout");
    });
  }
});

// The fused diagonal step kernels split a batch's rows over the threads and sum da and dB per fixed chunk
// of rows, and a block transition's per-block products are spread over the threads: the gradients must
// not depend on the thread count. The pool's size is fixed per process, so a child process computes them
// with WARP_NUM_THREADS = 1 and another with 2 (N·P = 12 · 4353 splits; 137 blocks of 32).
describe("gradients do not depend on the native thread count", { skip }, () => {
  const index = new URL("../../src/index.js", import.meta.url).href;
  const script = (transition: string) => `
    const m = await import(${JSON.stringify(index)});
    const model = new m.WarpModel(m.resolveModelConfig({
      data_size: 1, root_width_size: 64, root_depth: 2, init_state_layers: 0, time_as_channel: false,
      transition: "${transition}", transition_rank: ${transition === "lowrank" ? 4 : "null"},
      transition_block: ${transition === "block" ? 32 : "null"}, weights_lim: 0.3,
      autoregressive: true, forcing_prob: 0.5, use_nll_loss: false }));
    const x = m.tensor(Array.from({ length: 12 * 16 }, (_, i) => Math.sin(i * 0.4) * 0.9), [12, 16, 1], "float32");
    const { value, grads } = m.withBackend("native", () =>
      m.valueAndGrad((p) => model.loss(p, { x }, m.randomKey(1)))(model.init(m.randomKey(0))));
    const named = m.paramsToNamed(grads);
    const out = { loss: value.item() };
    for (const [k, t] of Object.entries(named)) out[k] = Array.from(t.data);
    process.stdout.write(JSON.stringify(out));`;
  for (const transition of ["diagonal", "lowrank", "block"]) {
    it(`${transition} A: loss and every gradient equal on 1 and 2 threads`, () => {
      const run = (threads: string) => {
        const r = spawnSync(process.execPath, ["--input-type=module", "-e", script(transition)], {
          encoding: "utf8",
          maxBuffer: 64 << 20, // the block gradients as JSON: a few MB
          env: { ...process.env, WARP_QUIET: "1", WARP_NUM_THREADS: threads },
        });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, number | number[]>;
      };
      const [one, two] = [run("1"), run("2")];
      assert.ok(Object.keys(one).length > 3, Object.keys(one).join(", "));
      assert.deepEqual(two, one);
    });
  }
});
