// The classical baselines against hand-computed values: persistence, seasonal naive, AR(p) least squares
// (exact on a noiseless AR process) and its recursive forecast, season detection, and the horizon-only
// metrics with MASE.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  arForecast,
  detectSeason,
  fitAr,
  fitClassicalBaselines,
  horizonMetrics,
  horizonOf,
  naiveScale,
  persistenceForecast,
  seasonalNaiveForecast,
  Tensor,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

// One window, L = 4, H = 3, one channel: context 1, 2, 3, 4 then truth 5, 6, 7.
const W = new Tensor(Float64Array.from([1, 2, 3, 4, 5, 6, 7]), [1, 7, 1]);

describe("naive baselines", () => {
  it("persistence repeats the last context value", () => {
    assert.deepEqual(Array.from(persistenceForecast(W, 4, 3).data), [4, 4, 4]);
  });

  it("seasonal naive repeats the context's last season", () => {
    assert.deepEqual(Array.from(seasonalNaiveForecast(W, 4, 3, 2).data), [3, 4, 3]);
    assert.deepEqual(Array.from(seasonalNaiveForecast(W, 4, 3, 4).data), [1, 2, 3]);
    throwsWith(() => seasonalNaiveForecast(W, 4, 3, 5), "season 5");
  });

  it("detects the period of a seasonal series, and none in a trend", () => {
    const rows = 200;
    const seasonal = Float64Array.from({ length: rows }, (_, t) => [0, 5, 1, 8, 2, 3, 7][t % 7]! + 0.01 * t);
    assert.equal(detectSeason(seasonal, rows, 1, 30), 7);
    assert.equal(
      detectSeason(
        Float64Array.from({ length: rows }, (_, t) => 2 * t),
        rows,
        1,
        30,
      ),
      null,
    );
  });
});

describe("AR(p)", () => {
  it("recovers the coefficients of a noiseless AR(2) process and forecasts it recursively", () => {
    // x_t = 1 + 0.5 x_{t−1} − 0.3 x_{t−2}
    const x = [2, 1];
    for (let t = 2; t < 40; t++) x.push(1 + 0.5 * x[t - 1]! - 0.3 * x[t - 2]!);
    const ar = fitAr(Float64Array.from(x), 40, 1, 2);
    assertAllClose(ar.coef[0]!, [1, 0.5, -0.3], { atol: 1e-6, rtol: 0 });
    const win = new Tensor(Float64Array.from([3, 2, 0, 0]), [1, 4, 1]);
    // 1 + 0.5·2 − 0.3·3 = 1.1; 1 + 0.5·1.1 − 0.3·2 = 0.95
    assertAllClose(Array.from(arForecast(ar, win, 2, 2).data), [1.1, 0.95], { atol: 1e-6, rtol: 0 });
  });

  it("chooses p on the selection windows", () => {
    const x = [2, 1];
    for (let t = 2; t < 80; t++) x.push(1 + 0.5 * x[t - 1]! - 0.3 * x[t - 2]!);
    const sel = new Tensor(Float64Array.from(x.slice(60, 70)), [1, 10, 1]);
    const b = fitClassicalBaselines(Float64Array.from(x.slice(0, 60)), 60, 1, sel, 6, { maxP: 4 });
    assert.ok(b.ar.p >= 2, `p = ${b.ar.p}`);
    assert.ok(Math.abs(b.ar.coef[0]![1]! - 0.5) < 1e-3);
  });
});

describe("horizon metrics", () => {
  it("MAE, RMSE and MASE by hand", () => {
    const truth = horizonOf(W, 4);
    assert.deepEqual(Array.from(truth.data), [5, 6, 7]);
    // errors of persistence 4, 4, 4: −1, −2, −3 → MAE 2, RMSE √(14/3); MASE with scale 0.5 = 4
    const m = horizonMetrics(persistenceForecast(W, 4, 3), truth, [0.5]);
    assertAllClose([m.mae, m.rmse, m.mase], [2, Math.sqrt(14 / 3), 4], { atol: 1e-12, rtol: 0 });
    assert.deepEqual(naiveScale(Float64Array.from([1, 3, 2, 2]), 4, 1), [1]);
    throwsWith(
      () => horizonMetrics(new Tensor(Float64Array.from([Number.NaN, 1, 1]), [1, 3, 1]), truth, [1]),
      "forecast value 0",
    );
  });
});
