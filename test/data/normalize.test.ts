// Min-max normalisation to [−1, 1]: values against hand-computed ones (global and per channel), the
// round trip, scale-only denormalisation for stds, constant data without NaN, JSON-able statistics,
// and the errors (non-finite data, stats that do not fit the tensor).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  denormalize,
  fitMinMax,
  type MinMaxStats,
  normalize,
  randomKey,
  tensor,
  uniform,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

// x (1, 2, 2): channel 0 holds 1, 3; channel 1 holds 10, 30.
const x = () => tensor([1, 10, 3, 30], [1, 2, 2], "float64");

describe("fitMinMax / normalize / denormalize", () => {
  it("fits one global min/max and maps it to [−1, 1]", () => {
    const stats = fitMinMax(x());
    assert.deepEqual(stats, { perChannel: false, min: [1], max: [30] });
    // y = 2(x − 1)/29 − 1: 1 → −1; 10 → 18/29 − 1 = −11/29; 3 → 4/29 − 1 = −25/29; 30 → 1.
    assertAllClose(normalize(x(), stats), [-1, -11 / 29, -25 / 29, 1], { atol: 1e-15, rtol: 0 });
  });

  it("with symmetric ranges normalising is a pure scaling x / max|x| (zero stays zero)", () => {
    const v = tensor([-2, 10, 3, -30], [1, 2, 2], "float64");
    assert.deepEqual(fitMinMax(v, { symmetric: true }), { perChannel: false, min: [-30], max: [30] });
    const per = fitMinMax(v, { symmetric: true, perChannel: true });
    assert.deepEqual(per, { perChannel: true, min: [-3, -30], max: [3, 30] });
    assertAllClose(normalize(v, per), [-2 / 3, 1 / 3, 1, -1], { atol: 1e-15, rtol: 0 });
    assertAllClose(normalize(tensor([0, 0], [1, 1, 2], "float64"), per), [0, 0], { atol: 1e-15, rtol: 0 });
  });

  it("fits one min/max per channel (last axis)", () => {
    const stats = fitMinMax(x(), { perChannel: true });
    assert.deepEqual(stats, { perChannel: true, min: [1, 10], max: [3, 30] });
    // Channel 0: 2(x − 1)/2 − 1 → 1 ↦ −1, 3 ↦ 1, 2 ↦ 0; channel 1: 2(x − 10)/20 − 1 → 10 ↦ −1, 30 ↦ 1, 20 ↦ 0.
    assertAllClose(normalize(x(), stats), [-1, -1, 1, 1], { atol: 0, rtol: 0 });
    assertAllClose(normalize(tensor([2, 20, 5, 0], [2, 2]), stats), [0, 0, 3, -2], { atol: 1e-6, rtol: 0 });
  });

  it("round-trips through denormalize (float64, global and per channel)", () => {
    const data = uniform(randomKey(4), [5, 7, 3], -40, 90, "float64");
    for (const perChannel of [false, true]) {
      const stats = fitMinMax(data, { perChannel });
      const y = normalize(data, stats);
      assert.equal(y.dtype, "float64");
      for (const v of y.data)
        assert.ok(v >= -1 - 1e-12 && v <= 1 + 1e-12, `normalised value ${v} outside [−1, 1]`);
      assertAllClose(denormalize(y, stats), data, { atol: 1e-12, rtol: 1e-12 });
    }
  });

  it("keeps float32 as float32", () => {
    const f = tensor([0, 5, 10], [3]);
    const y = normalize(f, fitMinMax(f));
    assert.equal(y.dtype, "float32");
    assert.deepEqual(y.toArray(), [-1, 0, 1]);
  });

  it("denormalizes stds with the scale only", () => {
    const stats: MinMaxStats = { perChannel: true, min: [1, 10], max: [3, 30] };
    // Scale (max − min)/2: channel 0 → 1, channel 1 → 10; no shift.
    assertAllClose(
      denormalize(tensor([0.5, 0.5, 2, 0], [2, 2]), stats, { scaleOnly: true }),
      [0.5, 5, 2, 0],
      {
        atol: 0,
        rtol: 0,
      },
    );
    // Global range 29: 0.5·29/2 = 7.25.
    assertAllClose(
      denormalize(tensor([0.5], [1]), { perChannel: false, min: [1], max: [30] }, { scaleOnly: true }),
      [7.25],
    );
  });

  it("maps constant data to 0 without NaN and back", () => {
    const c = tensor([5, 5, 5, 5], [2, 2, 1]);
    const stats = fitMinMax(c);
    assert.deepEqual(stats, { perChannel: false, min: [5], max: [5] });
    const y = normalize(c, stats);
    assert.deepEqual(y.toArray(), [0, 0, 0, 0]);
    // Other values shift by the constant with scale 1: 7 ↦ 2, 4 ↦ −1.
    assert.deepEqual(normalize(tensor([7, 4], [2]), stats).toArray(), [2, -1]);
    assert.deepEqual(denormalize(y, stats).toArray(), [5, 5, 5, 5]);
    assert.deepEqual(denormalize(tensor([2], [1]), stats).toArray(), [7]);
    assert.deepEqual(denormalize(tensor([0.25], [1]), stats, { scaleOnly: true }).toArray(), [0.25]);
    // One constant channel beside a varying one.
    const mixed = tensor([3, 0, 3, 4], [2, 2]);
    const ms = fitMinMax(mixed, { perChannel: true });
    assert.deepEqual(normalize(mixed, ms).toArray(), [0, -1, 0, 1]);
  });

  it("stores statistics as plain JSON", () => {
    const stats = fitMinMax(x(), { perChannel: true });
    const back = JSON.parse(JSON.stringify(stats)) as MinMaxStats;
    assert.deepEqual(back, stats);
    assert.deepEqual(normalize(x(), back).toArray(), normalize(x(), stats).toArray());
  });

  it("rejects non-finite data and stats that do not fit", () => {
    throwsWith(() => fitMinMax(tensor([0, Number.NaN, 1], [3])), "fitMinMax", "NaN", "flat index 1");
    throwsWith(() => fitMinMax(tensor([], [0])), "fitMinMax", "empty");
    const perCh: MinMaxStats = { perChannel: true, min: [0, 0, 0], max: [1, 1, 1] };
    throwsWith(() => normalize(x(), perCh), "normalize", "3 channels", "(1,2,2)");
    throwsWith(() => normalize(x(), { perChannel: false, min: [0, 1], max: [1, 2] }), "normalize", "one min");
    throwsWith(
      () => denormalize(x(), { perChannel: false, min: [2], max: [1] }),
      "denormalize",
      "min 2",
      "max 1",
    );
    throwsWith(() => normalize(tensor([1, 2], [2], "int32"), fitMinMax(x())), "normalize", "int32");
  });
});
