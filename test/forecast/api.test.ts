// The forecasting library API: fitForecaster on a plain array, forecast/evaluate/save/loadForecaster
// round trip, rows in give rows out, the async form's progress and cancellation, and the built-in recipe
// equal to configs/forecast.yaml.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  FORECAST_RECIPE,
  fitForecaster,
  fitForecasterAsync,
  loadForecaster,
  parseConfigYaml,
  resolveRunConfig,
} from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const series = Array.from({ length: 150 }, (_, t) => 20 + 5 * Math.sin(t / 2) + 0.05 * t);
const QUICK = { context: 8, horizon: 4, epochs: 2, stride: 4 } as const;

describe("fitForecaster", () => {
  const f = fitForecaster(series, QUICK);

  it("forecasts past the end in the series' units; save/load gives the same forecaster", () => {
    const out = f.forecast(series.slice(0, 100), 6);
    assert.equal(out.mean.length, 6);
    assert.equal(out.std!.length, 6);
    for (const v of out.mean) assert.ok(Number.isFinite(v) && Math.abs(v - 22) < 50, `forecast ${v}`);
    const again = loadForecaster(f.save()).forecast(series.slice(0, 100), 6);
    assert.deepEqual(again, out);
    const rows = f.forecast(series.slice(0, 100).map((v) => [v]));
    assert.deepEqual(
      rows.mean,
      out.mean.slice(0, 4).map((v) => [v]),
    );
    throwsWith(() => f.forecast(series.slice(0, 5)), "fewer than the model's context of 8");
  });

  it("evaluates itself and the baselines on every window of a series", () => {
    const e = f.evaluate(series.slice(100));
    assert.equal(e.windows, 50 - 12 + 1);
    assert.deepEqual(Object.keys(e.metrics).slice(0, 2), ["warp", "persistence"]);
    for (const m of Object.values(e.metrics)) assert.ok(m.mae >= 0 && m.rmse >= m.mae);
  });

  it("rejects non-finite values naming the row", () => {
    throwsWith(() => fitForecaster([1, 2, Number.NaN, 4], QUICK), "series: row 3");
  });
});

describe("fitForecasterAsync", () => {
  it("reports progress and stops when aborted", async () => {
    const ctrl = new AbortController();
    let steps = 0;
    await assert.rejects(
      fitForecasterAsync(series, {
        ...QUICK,
        signal: ctrl.signal,
        onProgress: (p) => {
          steps++;
          assert.equal(p.epochs, 2);
          ctrl.abort(new Error("stop"));
        },
      }),
      /stop/,
    );
    assert.equal(steps, 1);
    const f = await fitForecasterAsync(series, { ...QUICK, epochs: 1 });
    assert.equal(f.forecast(series).mean.length, 4);
  });
});

describe("FORECAST_RECIPE", () => {
  it("is configs/forecast.yaml", () => {
    const yaml = readFileSync(new URL("../../../configs/forecast.yaml", import.meta.url), "utf8");
    assert.deepEqual(
      resolveRunConfig(parseConfigYaml(yaml)).config,
      resolveRunConfig(FORECAST_RECIPE).config,
    );
  });
});
