// Forecasting windows: each part of the chronological split is windowed on its own, so no window holds a
// row of two parts (no test value reaches training); training windows use the stride, val/test every step.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forecastWindows } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

/** Row r of channel d holds 100·d + r, so a window's values say which rows it came from. */
const rowsOf = (rows: number, D: number) =>
  Float64Array.from({ length: rows * D }, (_, k) => 100 * (k % D) + Math.floor(k / D));

describe("forecastWindows", () => {
  it("cuts each split part on its own: windows never cross a boundary", () => {
    const w = forecastWindows(rowsOf(50, 2), 50, 2, { context: 4, horizon: 2, stride: 3 });
    assert.deepEqual(w.rows, { train: [0, 35], val: [35, 40], test: [40, 50] });
    // train: starts 0, 3, …, 27 (⌊(35 − 6)/3⌋ + 1 = 10 windows); val: 0 windows of 6 in 5 rows; test: 5.
    assert.deepEqual(w.train.shape, [10, 6, 2]);
    assert.equal(w.val, null);
    assert.deepEqual(w.test!.shape, [5, 6, 2]);
    const rowAt = (t: typeof w.train, i: number, s: number) => t.data[(i * 6 + s) * 2]!;
    for (let i = 0; i < 10; i++) {
      assert.equal(rowAt(w.train, i, 0), 3 * i);
      assert.ok(rowAt(w.train, i, 5) < 35, "a training window reaches a validation row");
      assert.equal(w.train.data[(i * 6 + 5) * 2 + 1], 100 + 3 * i + 5);
    }
    for (let i = 0; i < 5; i++) {
      assert.equal(rowAt(w.test!, i, 0), 40 + i);
      assert.ok(rowAt(w.test!, i, 5) < 50);
    }
  });

  it("takes the split fractions given", () => {
    const w = forecastWindows(rowsOf(20, 1), 20, 1, { context: 2, horizon: 1, split: [0.5, 0.25, 0.25] });
    assert.deepEqual(w.rows, { train: [0, 10], val: [10, 15], test: [15, 20] });
    assert.deepEqual([w.train.shape[0], w.val!.shape[0], w.test!.shape[0]], [8, 3, 3]);
    assert.equal(w.val!.data[0], 10);
  });

  it("rejects a training part shorter than one window, saying what to change", () => {
    throwsWith(
      () => forecastWindows(rowsOf(10, 1), 10, 1, { context: 6, horizon: 2 }),
      "training part has 7 of 10 rows",
      "context + horizon = 8",
      "data.context",
    );
    throwsWith(() => forecastWindows(rowsOf(10, 1), 10, 1, { context: 0, horizon: 2 }), "data.context");
  });
});
