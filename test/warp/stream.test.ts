// Streaming prediction (src/warp/stream.ts): a session fed x_0 … x_{T−1} one at a time reproduces the batch
// autoregressive forward with context T; fork(k) reproduces the batch rollout from a shorter context and
// leaves the session unchanged; reset starts over; bad input is named. float64 (exact) and float32 on every
// backend.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  concat,
  convert,
  eye,
  type Key,
  randomKey,
  reshape,
  resolveModelConfig,
  slice,
  splitKey,
  type Tensor,
  tensor,
  uniform,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";
import { assertAllClose, describeEachBackend, waves } from "../helpers/index.js";

const [N, T, D] = [2, 7, 2];

const BASE = {
  data_size: D,
  root_width_size: 5,
  root_depth: 2,
  root_activation: "tanh",
  init_state_layers: 1,
  autoregressive: true,
  input_prev_data: true,
  use_nll_loss: true,
  time_as_channel: true,
  positional_encoding: [4, 10],
  weights_lim: 0.6,
} as const;

function setup(raw: Record<string, unknown> = {}): { model: WarpModel; p: WarpParams } {
  const model = new WarpModel(resolveModelConfig({ ...BASE, ...raw }));
  const [k0, kA, kB] = splitKey(randomKey(3), 3) as [Key, Key, Key];
  const p = model.init(k0, "float64");
  const P = model.thetaDim;
  p.A = add(eye(P, "float64"), uniform(kA, [P, P], -0.5 / Math.sqrt(P), 0.5 / Math.sqrt(P), "float64"));
  p.B = uniform(kB, [P, model.inputDim], -0.5, 0.5, "float64");
  return { model, p };
}

/** x[:, t] as (N, D). */
const at = (x: Tensor, t: number): Tensor => reshape(slice(x, [0, t, 0], [N, 1, D]), [N, D]);
/** y (N, T, W) → the (N, k, D) means (or stds) at steps [t0, t0 + k). */
const part = (y: Tensor, t0: number, k: number, std: boolean): Tensor =>
  slice(y, [0, t0, std ? D : 0], [N, k, D]);

/** Pushes x_0 … x_{k−1}, returning the predictions stacked as (N, k, 2D) [means, stds]. */
function pushAll(session: ReturnType<WarpModel["stream"]>, x: Tensor, k: number): Tensor {
  const outs: Tensor[] = [];
  for (let t = 0; t < k; t++) {
    const { mean, std } = session.push(at(x, t));
    outs.push(reshape(concat([mean, std!], 1), [N, 1, 2 * D]));
  }
  return concat(outs, 1);
}

describe("model.stream", () => {
  const { model, p } = setup();
  const x = waves(N, T, D);
  const x0 = at(x, 0);

  it("push by push equals the batch forward with context T (and with given times)", () => {
    assertAllClose(pushAll(model.stream(p, { x0, length: T }), x, T), model.forward(p, x, { context: T }), {
      atol: 1e-12,
      rtol: 1e-12,
    });
    const times = [0, 0.1, 0.15, 0.4, 0.5, 0.8, 1.3];
    const batch = model.forward(p, x, { context: T, times: tensor(times, [T], "float64") });
    assertAllClose(pushAll(model.stream(p, { x0, times }), x, T), batch, { atol: 1e-12, rtol: 1e-12 });
  });

  it("fork(k) after c observations equals the batch rollout from context c, and leaves the session as it was", () => {
    const c = 3;
    const k = T - c;
    const session = model.stream(p, { x0, length: T });
    pushAll(session, x, c);
    const fork = session.fork(k);
    const batch = model.forward(p, x, { context: c });
    assertAllClose(fork.mean, part(batch, c, k, false), { atol: 1e-12, rtol: 1e-12 }, "means");
    assertAllClose(fork.std!, part(batch, c, k, true), { atol: 1e-12, rtol: 1e-12 }, "stds");
    assert.equal(session.step, c);
    // The session goes on from where it was: its next prediction is the teacher-forced one.
    const next = session.push(at(x, c));
    assertAllClose(next.mean, reshape(part(model.forward(p, x, { context: T }), c, 1, false), [N, D]), {
      atol: 1e-12,
      rtol: 1e-12,
    });
  });

  it("reset starts over, with the same or a new x_0", () => {
    const session = model.stream(p, { x0, length: T });
    const first = pushAll(session, x, 3);
    session.reset();
    assert.equal(session.step, 0);
    assertAllClose(pushAll(session, x, 3), first, { atol: 0, rtol: 0 });
    const x2 = add(x, 0.3);
    session.reset(at(x2, 0));
    assertAllClose(pushAll(session, x2, T), model.forward(p, x2, { context: T }), {
      atol: 1e-12,
      rtol: 1e-12,
    });
  });

  it("accepts plain number lists for one stream", () => {
    const one = model.stream(p, { x0: [0.2, -0.1], length: T });
    const pred = one.push([0.2, -0.1]);
    assert.deepEqual(pred.mean.shape, [1, D]);
    const batch = model.forward(p, tensor([0.2, -0.1], [1, 1, D], "float64"), { context: 1 });
    assertAllClose(pred.mean, slice(batch, [0, 0, 0], [1, 1, D]), { atol: 1e-12, rtol: 1e-12 });
  });

  it("names bad input", () => {
    const session = model.stream(p, { x0, length: 2 });
    assert.throws(() => session.push([1, 2]), /session\.push: expected \(2\) or \(2, 2\) float64, got \(2\)/);
    session.push(x0);
    session.push(x0);
    assert.throws(() => session.push(x0), /the stream's times end at step 2/);
    assert.throws(() => model.stream(p, { x0 }), /give the stream's `times` or its `length`/);
    assert.throws(() => session.fork(0), /k must be a positive integer/);
    const cls = new WarpModel(
      resolveModelConfig({ ...BASE, nb_classes: 3, use_nll_loss: false, autoregressive: false }),
    );
    assert.throws(() => cls.stream(cls.init(randomKey(0), "float64"), { x0, length: T }), /classification/);
  });
});

describeEachBackend("model.stream in float32", (it) => {
  it("equals the float32 batch forward with context T", () => {
    const { model, p: p64 } = setup({ positional_encoding: null });
    const p = {
      ...p64,
      A: convert(p64.A, "float32"),
      B: convert(p64.B, "float32"),
      phi: {
        layers: p64.phi!.layers.map((l) => ({
          weight: convert(l.weight, "float32"),
          bias: convert(l.bias, "float32"),
        })),
      },
    };
    const x = convert(waves(N, T, D), "float32");
    assertAllClose(
      pushAll(model.stream(p, { x0: at(x, 0), length: T }), x, T),
      model.forward(p, x, { context: T }),
      {
        atol: 1e-5,
        rtol: 1e-5,
      },
    );
  });
});
