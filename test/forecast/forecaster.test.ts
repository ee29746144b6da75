// Forecasting with a model: the forecast past the end of a history is the model's own rollout from the
// history's last L steps, normalised as in training and de-normalised (σ scaled only); longer horizons
// roll forward chunk by chunk; non-finite or exploding output is an error naming the window.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyAffine,
  createModel,
  forecastData,
  forecastSeries,
  jsonSeries,
  randomKey,
  resolveModelConfig,
  rolloutForecast,
  type SequenceModel,
  Tensor,
  undoAffine,
  windowAffine,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

const L = 6;
const H = 3;
const values = Array.from({ length: 120 }, (_, t) => 50 + 10 * Math.sin(t / 3) + 0.1 * t);
const data = forecastData(jsonSeries(values), {
  context: L,
  horizon: H,
  scaling: "standard",
  instance: "mean",
});
const model = createModel(
  resolveModelConfig({
    data_size: 1,
    root_width_size: 5,
    root_depth: 1,
    root_activation: "tanh",
    init_state_layers: 1,
    time_as_channel: false,
    use_nll_loss: true,
    inference_start: L,
  }),
);
const params = model.init(randomKey(4));

describe("rolloutForecast", () => {
  it("is the model's rollout from the context, de-normalised per window (σ scaled only)", () => {
    const x = data.windows.test!;
    const f = rolloutForecast(model, params, data.spec, x);
    const a = windowAffine(x, data.spec.normalization, L);
    const y = model.predict(params, applyAffine(x, a), { context: L });
    const [n] = x.shape as [number];
    const pick = (from: number) =>
      new Tensor(
        Float32Array.from(
          { length: n * H },
          (_, k) => y.data[(Math.floor(k / H) * (L + H) + L + (k % H)) * 2 + from]!,
        ),
        [n, H, 1],
      );
    assertAllClose(f.mean, undoAffine(pick(0), a), { atol: 1e-9, rtol: 1e-9 });
    assertAllClose(f.std!, undoAffine(pick(1), a, true), { atol: 1e-9, rtol: 1e-9 });
  });

  it('with instance "season", adds the context\'s last season back: a zero output is seasonal naive', () => {
    const cycle = values.map((_, t) => 50 + 10 * Math.sin((Math.PI * t) / 2) + 0.1 * t);
    const opts = { context: L, horizon: H, instance: "season", season: 4 } as const;
    const seasonal = forecastData(jsonSeries(cycle), opts);
    assert.equal(seasonal.spec.normalization.period, 4);
    // A season whose naive forecast loses to the last value on validation is not repeated.
    assert.equal(forecastData(jsonSeries(values), opts).spec.normalization.period, 1);
    const zero = Object.create(model) as SequenceModel;
    zero.predict = (_p, x) =>
      new Tensor(new Float32Array(x.shape[0]! * (L + H) * 2), [x.shape[0]!, L + H, 2]);
    const x = seasonal.windows.test!;
    const f = rolloutForecast(zero, params, seasonal.spec, x);
    const [n] = x.shape as [number];
    const naive = Array.from({ length: n * H }, (_, k) => {
      const [i, h] = [Math.floor(k / H), k % H];
      return x.data[i * (L + H) + L - 4 + (h % 4)]!;
    });
    assertAllClose(Array.from(f.mean.data), naive, { atol: 1e-9, rtol: 0 });
  });
});

describe("forecastSeries", () => {
  it("continues the history past its end with the rollout from its last L rows, chunk by chunk", () => {
    const history = Float64Array.from(values.slice(0, 40));
    const f = forecastSeries(model, params, data.spec, history, 40, 2 * H);
    const first = rolloutForecast(model, params, data.spec, new Tensor(history.slice(40 - L), [1, L, 1]));
    assertAllClose(Array.from(f.mean.subarray(0, H)), Array.from(first.mean.data), { atol: 1e-12, rtol: 0 });
    const next = Float64Array.from([...history.slice(40 - L + H), ...first.mean.data]);
    const second = rolloutForecast(model, params, data.spec, new Tensor(next, [1, L, 1]));
    assertAllClose(Array.from(f.mean.subarray(H)), Array.from(second.mean.data), { atol: 1e-12, rtol: 0 });
    assert.equal(f.std!.length, 2 * H);
    throwsWith(
      () => forecastSeries(model, params, data.spec, history, L - 1, H),
      "fewer than the model's context",
    );
  });

  it("is an error naming the window when the output is NaN or explodes", () => {
    const broken = (v: number): SequenceModel => {
      const m = Object.create(model) as SequenceModel;
      m.predict = (p, x, o) => {
        const y = model.predict(p, x, o);
        const d = Float32Array.from(y.data);
        d[(1 * (L + H) + L + 1) * 2] = v; // window 1, horizon step 1
        return new Tensor(d, y.shape);
      };
      return m;
    };
    const x = data.windows.test!;
    throwsWith(
      () => rolloutForecast(broken(Number.NaN), params, data.spec, x),
      "window 1, horizon step 1",
      "NaN",
    );
    throwsWith(() => rolloutForecast(broken(5e29), params, data.spec, x), "window 1", "exploding");
  });
});
