// The forecasting normalisation: each global scaling's statistics by hand, the per-window maps, and the
// round trip x → (x − shift)/scale → x for every combination; σ is scaled, never shifted; the global part
// agrees with min-max `normalize` through globalStats.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyAffine,
  fitSeriesNormalization,
  globalStats,
  INSTANCE_NORMS,
  normalize,
  SERIES_SCALINGS,
  Tensor,
  undoAffine,
  windowAffine,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

// Two channels, 4 rows: (1, 10), (3, 10), (5, 10), (7, 10) — the second one constant.
const ROWS = Float64Array.from([1, 10, 3, 10, 5, 10, 7, 10]);

describe("fitSeriesNormalization", () => {
  it("fits each global scaling on the training rows (constant channels get scale 1)", () => {
    const f = (scaling: (typeof SERIES_SCALINGS)[number]) => fitSeriesNormalization(ROWS, 4, 2, { scaling });
    assert.deepEqual(
      [f("minmax").shift, f("minmax").scale],
      [
        [4, 10],
        [3, 1],
      ],
    );
    assert.deepEqual(
      [f("symmetric").shift, f("symmetric").scale],
      [
        [0, 0],
        [7, 10],
      ],
    );
    assert.deepEqual(
      [f("standard").shift, f("standard").scale],
      [
        [4, 10],
        [Math.sqrt(5), 1],
      ],
    );
    assert.deepEqual(
      [f("none").shift, f("none").scale],
      [
        [0, 0],
        [1, 1],
      ],
    );
  });

  it("globalStats reproduces (x − shift)/scale through min-max normalize", () => {
    const n = fitSeriesNormalization(ROWS, 4, 2, { scaling: "standard" });
    const x = new Tensor(Float64Array.from([2, 11, -4, 9]), [1, 2, 2]);
    const a = windowAffine(x, n, 2);
    assertAllClose(normalize(x, globalStats(n)!), applyAffine(x, a), { atol: 1e-6, rtol: 1e-6 });
    assert.equal(globalStats({ ...n, instance: "mean" }), null);
  });

  it("instance_scale needs instance_norm", () => {
    throwsWith(() => fitSeriesNormalization(ROWS, 4, 2, { instanceScale: true }), "data.instance_norm");
  });
});

describe("windowAffine / applyAffine / undoAffine", () => {
  // Window 0: 2, 4, 6 | 100; window 1: 5, 5, 5 | −3 (context 3, one channel).
  const x = new Tensor(Float64Array.from([2, 4, 6, 100, 5, 5, 5, -3]), [2, 4, 1]);
  const norm = fitSeriesNormalization(Float64Array.from([0, 10]), 2, 1, { scaling: "minmax" });

  it("per-window shift and scale relative to the context", () => {
    const mean = windowAffine(x, { ...norm, instance: "mean" }, 3);
    assert.deepEqual([...mean.shift, ...mean.scale], [4, 5, 5, 5]);
    const last = windowAffine(x, { ...norm, instance: "last" }, 3);
    assert.deepEqual([...last.shift], [6, 5]);
    const scaled = windowAffine(x, { ...norm, instance: "mean", instanceScale: true }, 3);
    // σ of (2, 4, 6) = √(8/3); a flat context is floored at 1e-2 × the global scale 5.
    assertAllClose([...scaled.scale], [Math.sqrt(8 / 3), 0.05], { atol: 1e-12, rtol: 0 });
  });

  it("season: the context's last m steps tiled over the window; y = 0 is the seasonal-naive forecast", () => {
    // Context 1, 2, 3, 4 | horizon 9, 9, 9 (one channel), season 2: pattern (3, 4) at t − 4 ≡ 0, 1 (mod 2).
    const w = new Tensor(Float64Array.from([1, 2, 3, 4, 9, 9, 9]), [1, 7, 1]);
    const n = fitSeriesNormalization(Float64Array.from([0, 10]), 2, 1, { instance: "season", period: 2 });
    const a = windowAffine(w, n, 4);
    assert.deepEqual([...a.pattern!, a.period, ...a.shift], [3, 4, 2, 0]);
    assertAllClose(
      applyAffine(w, a).data,
      [-2, -2, 0, 0, 6, 5, 6].map((v) => v / 5),
      { atol: 1e-6, rtol: 0 },
    );
    // Zeros for the horizon (steps 4.., `from` = 4) give back 3, 4, 3: seasonal naive.
    assert.deepEqual(
      [...undoAffine(new Tensor(new Float64Array(3), [1, 3, 1]), a, false, 4).data],
      [3, 4, 3],
    );
    assert.equal(
      fitSeriesNormalization(Float64Array.from([0, 10]), 2, 1, { instance: "last" }).period,
      undefined,
    );
    throwsWith(() => windowAffine(w, { ...n, period: 5 }, 4), "season 5", "context 4");
  });

  it("round-trips every scaling × instance combination; σ only scales", () => {
    for (const scaling of SERIES_SCALINGS)
      for (const instance of INSTANCE_NORMS)
        for (const instanceScale of instance === "none" ? [false] : [false, true]) {
          const n = fitSeriesNormalization(Float64Array.from([0, 10, -2]), 3, 1, {
            scaling,
            instance,
            instanceScale,
            period: 2,
          });
          const a = windowAffine(x, n, 3);
          const y = applyAffine(x, a);
          assertAllClose(undoAffine(y, a), x, { atol: 1e-4, rtol: 1e-6 });
          const sigma = new Tensor(Float64Array.from([1, 1, 1, 1, 2, 2, 2, 2]), [2, 4, 1]);
          const back = undoAffine(sigma, a, true);
          for (let k = 0; k < 8; k++)
            assert.equal(back.data[k], sigma.data[k]! * a.scale[Math.floor(k / 4)]!);
        }
  });
});
