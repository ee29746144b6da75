// Tests of WARP's structured transitions (src/warp/transition.ts): in every mode (non-AR recurrent and
// parallel, AR with teacher forcing, stochastic AR, clipped AR, inference rollout) a diagonal, lowrank,
// block or stable model equals the dense model whose A is the same matrix, outputs and gradients (the
// structured gradients are the dense dA pulled back through the structure); identity initialisation;
// checkpoint names and round trip; transition_lr_scale; size errors. float64, tiny sizes.
// N sequences, T steps, P = Dθ.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyUpdates,
  decodeSafetensors,
  denseTransition,
  eye,
  type Key,
  loadCheckpoint,
  type ModelConfig,
  mul,
  optimizerFromConfig,
  randomKey,
  resolveModelConfig,
  saveCheckpoint,
  splitKey,
  sum,
  type Tensor,
  uniform,
  valueAndGrad,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";
import { assertAllClose, waves } from "../helpers/index.js";

const N = 2;
const T = 6;
const BASE = { data_size: 2, root_width_size: 4, root_depth: 1 }; // P = 28 with the NLL head, 26 without

const STRUCTURES: [string, Record<string, unknown>][] = [
  ["diagonal", { transition: "diagonal" }],
  ["stable diagonal", { transition: "diagonal", transition_stable: true }],
  ["lowrank", { transition: "lowrank", transition_rank: 3 }],
  ["stable lowrank", { transition: "lowrank", transition_rank: 2, transition_stable: true }],
  ["block (ragged last block)", { transition: "block", transition_block: 5 }],
  ["block (k divides P)", { transition: "block", transition_block: 2 }],
];

const MODES: [string, Record<string, unknown>, { context?: number; parallel?: boolean }][] = [
  ["non-AR", { autoregressive: false, use_nll_loss: false }, {}],
  ["non-AR clipped", { autoregressive: false, use_nll_loss: false, weights_lim: 0.6 }, {}],
  ["AR with teacher forcing", { forcing_prob: 0.5 }, {}],
  ["AR clipped", { forcing_prob: 0.5, weights_lim: 0.6 }, {}],
  ["stochastic AR", { stochastic: true, forcing_prob: 0.3 }, {}],
  ["inference rollout", {}, { context: 3 }],
];

/** Random float64 structured parameters far from the identity, and B ≠ 0. */
function randomParams(model: WarpModel, seed: number): WarpParams {
  const c = model.config;
  const [k0, kA, kU, kV, kB] = splitKey(randomKey(seed), 5) as Key[];
  const p = model.init(k0!, "float64");
  const P = model.thetaDim;
  if (c.transition === "block") {
    p.A = uniform(kA!, p.A.shape, -0.3, 0.3, "float64");
  } else {
    p.A = c.transition_stable ? uniform(kA!, [P], -4, 1, "float64") : uniform(kA!, [P], 0.7, 1.05, "float64");
  }
  if (p.AU) p.AU = uniform(kU!, p.AU.shape, -0.2, 0.2, "float64");
  if (p.AV) p.AV = uniform(kV!, p.AV.shape, -0.2, 0.2, "float64");
  p.B = uniform(kB!, [P, model.inputDim], -0.5, 0.5, "float64");
  return p;
}

/** The dense model with the same matrix A, and its parameters. */
function denseTwin(model: WarpModel, p: WarpParams): [WarpModel, WarpParams] {
  const c: ModelConfig = {
    ...model.config,
    transition: "dense",
    transition_rank: null,
    transition_block: null,
    transition_stable: false,
  };
  const { AU: _u, AV: _v, ...rest } = p;
  return [new WarpModel(c), { ...rest, A: denseTransition(model.config, p, model.thetaDim) }];
}

describe("structured transitions equal the dense path with the same A", () => {
  for (const [what, structure] of STRUCTURES) {
    for (const [mode, raw, opts] of MODES) {
      it(`${what}, ${mode}: outputs and gradients`, () => {
        const model = new WarpModel(resolveModelConfig({ ...BASE, ...raw, ...structure }));
        const p = randomParams(model, 7);
        const [dense, dp] = denseTwin(model, p);
        const x = waves(N, T, 2);
        const key = randomKey(11);
        const tol = { atol: 1e-10, rtol: 1e-9 };
        const o = { ...opts, key };
        assertAllClose(model.forward(p, x, o), dense.forward(dp, x, o), tol, "outputs");
        if (opts.context !== undefined) return;
        const W = waves(N, T, model.forward(p, x, o).shape[2]!, "float64", 0.3);
        const loss = (m: WarpModel) => (q: WarpParams) => sum(mul(m.forward(q, x, o), W));
        const g = valueAndGrad(loss(model))(p).grads as WarpParams;
        const gd = valueAndGrad(loss(dense))(dp).grads as WarpParams;
        assertAllClose(g.B, gd.B, tol, "dB");
        // The structured gradients are dA pulled back through p ↦ A(p).
        const pulled = valueAndGrad((q: WarpParams) =>
          sum(mul(denseTransition(model.config, q, model.thetaDim), gd.A)),
        )(p).grads as WarpParams;
        assertAllClose(g.A, pulled.A, tol, "dA (structured)");
        if (p.AU) assertAllClose(g.AU!, pulled.AU!, tol, "dU");
        if (p.AV) assertAllClose(g.AV!, pulled.AV!, tol, "dV");
        assert.ok(
          Math.max(...g.A.toArray().map(Math.abs)) > 1e-6,
          "the structured gradient vanishes: the test checks nothing",
        );
      });
    }
  }
  it("diagonal, non-AR parallel scan: equal to the dense recurrent and parallel forms", () => {
    for (const stable of [false, true]) {
      const raw = { ...BASE, autoregressive: false, use_nll_loss: false, transition: "diagonal" };
      const model = new WarpModel(resolveModelConfig({ ...raw, transition_stable: stable }));
      const p = randomParams(model, 9);
      const [dense, dp] = denseTwin(model, p);
      const x = waves(N, 17, 2);
      const tol = { atol: 1e-10, rtol: 1e-9 };
      const y = model.forward(p, x, { parallel: true });
      assertAllClose(y, dense.forward(dp, x), tol, "vs dense recurrent");
      assertAllClose(y, dense.forward(dp, x, { parallel: true }), tol, "vs dense parallel");
      // model.parallel_scan selects the same form from the configuration.
      const viaConfig = new WarpModel(
        resolveModelConfig({ ...raw, transition_stable: stable, parallel_scan: true }),
      );
      assertAllClose(viaConfig.forward(p, x), y, { atol: 0, rtol: 0 }, "parallel_scan");
      const g = valueAndGrad((q: WarpParams) => sum(model.forward(q, x, { parallel: true })))(p)
        .grads as WarpParams;
      const gs = valueAndGrad((q: WarpParams) => sum(model.forward(q, x)))(p).grads as WarpParams;
      assertAllClose(g.A, gs.A, tol, "dA parallel vs sequential");
    }
  });
});

describe("structured transition parameters", () => {
  it("start at the identity (a = exp(−softplus(ν)) ≈ 0.999 when stable)", () => {
    for (const [what, structure] of STRUCTURES) {
      const model = new WarpModel(resolveModelConfig({ ...BASE, ...structure }));
      const p = model.init(randomKey(0), "float64");
      const A = denseTransition(model.config, p, model.thetaDim);
      const I = eye(model.thetaDim, "float64");
      const tol = model.config.transition_stable ? { atol: 1.1e-3, rtol: 0 } : { atol: 0, rtol: 0 };
      assertAllClose(A, I, tol, what);
      if (p.AV)
        assert.ok(
          p.AV.toArray().some((v) => v !== 0),
          `${what}: V must be random so U learns`,
        );
    }
  });

  it("are stored under their own checkpoint names and round-trip bit for bit", () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ transition: "diagonal" }, ["A.diag"]],
      [{ transition: "diagonal", transition_stable: true }, ["A.nu"]],
      [{ transition: "lowrank", transition_rank: 3 }, ["A.U", "A.V", "A.diag"]],
      [{ transition: "block", transition_block: 5 }, ["A.blocks"]],
    ];
    for (const [structure, names] of cases) {
      const config = resolveModelConfig({ ...BASE, ...structure });
      const model = new WarpModel(config);
      const p = randomParams(model, 3);
      const bytes = saveCheckpoint(config, p);
      const stored = Object.keys(decodeSafetensors(bytes).tensors).filter((k) => k.startsWith("A"));
      assert.deepEqual(stored.sort(), names);
      const ck = loadCheckpoint(bytes);
      assert.deepEqual(ck.config, config);
      assert.ok(Buffer.from(saveCheckpoint(ck.config, ck.params)).equals(Buffer.from(bytes)));
      const x = waves(N, T, 2);
      assertAllClose(ck.model.forward(ck.params, x, { context: 2 }), model.forward(p, x, { context: 2 }), {
        atol: 0,
        rtol: 0,
      });
      // A dense checkpoint does not load as a structured model.
      const dense = resolveModelConfig(BASE);
      assert.throws(
        () => loadCheckpoint(saveCheckpoint(dense, new WarpModel(dense).init(randomKey(1))), config),
        /saved with transition = "dense"/,
      );
    }
  });

  it("move transition_lr_scale times as fast as without it (A, U and V)", () => {
    const model = new WarpModel(resolveModelConfig({ ...BASE, transition: "lowrank", transition_rank: 2 }));
    const p = randomParams(model, 4);
    const x = waves(N, T, 2);
    const { grads } = valueAndGrad((q: WarpParams) => model.loss(q, { x }, randomKey(2)))(p);
    const step = (scale: number | null) => {
      const { optimizer } = optimizerFromConfig({
        name: "sgd",
        init_lr: 0.1,
        adabelief_rule: "optax-0.2.3",
        gradients_lim: null,
        grad_norm_clip: null,
        weight_decay: 0,
        transition_lr_scale: scale,
        on_plateau: null,
      });
      const [u] = optimizer.update(grads, optimizer.init(p), p);
      return u as unknown as Record<string, Tensor>;
    };
    const plain = step(null);
    const slow = step(0.01);
    for (const k of ["A", "AU", "AV"]) {
      assertAllClose(
        slow[k]!,
        plain[k]!.toArray().map((v) => v * 0.01),
        { atol: 1e-15, rtol: 1e-12 },
        k,
      );
      assert.ok(
        plain[k]!.toArray().some((v) => v !== 0),
        `${k}: no update`,
      );
    }
    assertAllClose(slow.B!, plain.B!, { atol: 0, rtol: 0 }, "B is not slowed");
    assert.ok(applyUpdates(p, slow as never));
  });

  it("reject a rank or block larger than Dθ with an error naming the key", () => {
    assert.throws(
      () => new WarpModel(resolveModelConfig({ ...BASE, transition: "lowrank", transition_rank: 29 })),
      /model\.transition_rank = 29 is invalid: expected at most Dθ = 28/,
    );
    assert.throws(
      () => new WarpModel(resolveModelConfig({ ...BASE, transition: "block", transition_block: 40 })),
      /model\.transition_block = 40 is invalid: expected at most Dθ = 28/,
    );
  });
});
