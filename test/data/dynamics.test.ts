// The dynamical-system generators (docs/model.md §5): MSD and MSD-Zero against the closed-form damped oscillator
// of their drawn (m, k, c) and initial state, parameter ranges of both splits, seeded determinism and
// stable prefixes; the Lotka–Volterra repeat-copy task: input zero after r, target periodic with period
// r + 50 and zeros between, the trajectory on a level set of the LV invariant, and the reference's
// min-max normalisation with training statistics.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DYNAMICS_SIZES,
  encodeNpy,
  fitMinMax,
  LOTKA_RANGES,
  lotkaDataset,
  lotkaSplits,
  MSD_RANGES,
  msdDataset,
  msdSplits,
  msdZeroDataset,
  msdZeroSplits,
  randomKey,
  repeatCopy,
  tensor,
  WarpError,
} from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";

const T = 256;
const times = Array.from({ length: T }, (_, k) => k / (T - 1));

/** Exact [x(t), v(t)] of m·x'' + c·x' + k·x = 0 from [x0, v0] (under- or overdamped). */
function oscillator(m: number, k: number, c: number, x0: number, v0: number, t: number): [number, number] {
  const g = c / (2 * m);
  const w2 = k / m;
  const disc = g * g - w2;
  const e = Math.exp(-g * t);
  const s = Math.sqrt(Math.abs(disc));
  const [co, si] = disc < 0 ? [Math.cos(s * t), Math.sin(s * t)] : [Math.cosh(s * t), Math.sinh(s * t)];
  return [e * (x0 * co + ((v0 + g * x0) / s) * si), e * (v0 * co - ((g * v0 + w2 * x0) / s) * si)];
}

/** Largest |x − exact| and |v − exact|/(1 + |v|) over every trajectory and step of `ds`. */
function closedFormError(ds: ReturnType<typeof msdDataset>): { x: number; v: number } {
  const { m, k, c } = ds.params;
  const x = ds.x.data;
  let ex = 0;
  let ev = 0;
  for (let i = 0; i < ds.size; i++) {
    for (let s = 0; s < T; s++) {
      const [xe, ve] = oscillator(m[i]!, k[i]!, c[i]!, ds.y0[2 * i]!, ds.y0[2 * i + 1]!, times[s]!);
      ex = Math.max(ex, Math.abs(x[(i * T + s) * 2]! - xe));
      ev = Math.max(ev, Math.abs(x[(i * T + s) * 2 + 1]! - ve) / (1 + Math.abs(ve)));
    }
  }
  return { x: ex, v: ev };
}

function within(values: Float64Array, [lo, hi]: readonly [number, number], what: string): void {
  for (const v of values) assert.ok(v >= lo && v < hi, `${what} ${v} outside [${lo}, ${hi})`);
}

describe("msdDataset", () => {
  it("makes float32 (n, 256, 2) trajectories from [1, 0] with times linspace(0, 1, 256)", () => {
    const ds = msdDataset(randomKey(0), 6);
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [6, T, 2, null]);
    assert.deepEqual([...ds.x.shape], [6, T, 2]);
    assert.equal(ds.x.dtype, "float32");
    const b = ds.batch([0, 5]);
    assert.deepEqual([...b.x.shape], [2, T, 2]);
    assert.equal(b.target, undefined);
    assertAllClose(b.times!, times, { atol: 1e-7, rtol: 0 });
    for (let i = 0; i < 6; i++) {
      assert.deepEqual([ds.x.data[i * T * 2], ds.x.data[i * T * 2 + 1]], [1, 0]);
      assert.deepEqual([ds.y0[2 * i], ds.y0[2 * i + 1]], [1, 0]);
    }
  });

  it("equals the closed-form damped oscillator of its drawn (m, k, c) to 1e−5 (train and test ranges)", () => {
    for (const split of ["train", "test"] as const) {
      const err = closedFormError(msdDataset(randomKey(1), 12, { split }));
      assert.ok(err.x < 1e-5 && err.v < 1e-5, `${split}: max error x ${err.x}, v ${err.v}`);
    }
    // The test ranges reach the overdamped regime (c/2m > √(k/m)): the solver must follow it too.
    const over = msdDataset(randomKey(2), 4, {
      ranges: { m: [0.01, 0.0101], k: [2, 2.02], c: [0.295, 0.3] },
    });
    for (let i = 0; i < 4; i++) {
      const { m, k, c } = over.params;
      assert.ok(c[i]! / (2 * m[i]!) > Math.sqrt(k[i]! / m[i]!), "overdamped");
    }
    const err = closedFormError(over);
    assert.ok(err.x < 1e-5 && err.v < 1e-5, `overdamped: max error x ${err.x}, v ${err.v}`);
  });

  it("the closed-form check is sharp: a 0.1% error in k is caught", () => {
    const ds = msdDataset(randomKey(1), 12);
    const k = ds.params.k.map((v) => v * 1.001);
    const err = closedFormError({ ...ds, params: { ...ds.params, k } } as typeof ds);
    assert.ok(err.x > 1e-4, `k × 1.001 gave max error x ${err.x}, v ${err.v}`);
  });

  it("draws m, k, c in the train ranges, and in the wider test ranges for the test split", () => {
    const n = 3000;
    const train = msdDataset(randomKey(3), n, { T: 2 });
    const test = msdDataset(randomKey(3), n, { T: 2, split: "test" });
    for (const p of ["m", "k", "c"] as const) {
      within(train.params[p], MSD_RANGES.train[p], `train ${p}`);
      within(test.params[p], MSD_RANGES.test[p], `test ${p}`);
      const [lo, hi] = MSD_RANGES.train[p];
      assert.ok(
        test.params[p].some((v) => v < lo || v > hi),
        `some test ${p} lies outside the train range`,
      );
      // Uniform: the sample mean is near the middle (5 standard errors).
      const [a, b] = MSD_RANGES.train[p];
      const mean = train.params[p].reduce((s, v) => s + v, 0) / n;
      assert.ok(Math.abs(mean - (a + b) / 2) < (5 * (b - a)) / Math.sqrt(12 * n), `train ${p} mean ${mean}`);
    }
  });

  it("is determined by its key (same bytes), differs across keys, and smaller sets are prefixes", () => {
    const a = msdDataset(randomKey(7), 5);
    const b = msdDataset(randomKey(7), 5);
    const c = msdDataset(randomKey(8), 5);
    assert.deepEqual(encodeNpy(a.x), encodeNpy(b.x));
    assert.notDeepEqual(encodeNpy(a.x), encodeNpy(c.x));
    const small = msdDataset(randomKey(7), 2);
    assert.deepEqual(small.x.toArray(), a.x.toArray().slice(0, 2 * T * 2));
    assert.deepEqual([...small.params.k], [...a.params.k].slice(0, 2));
  });

  it("rejects bad counts and options with WarpErrors", () => {
    assert.throws(() => msdDataset(randomKey(0), -1), WarpError);
    assert.throws(() => msdDataset(randomKey(0), 1.5), WarpError);
    assert.throws(() => msdDataset(randomKey(0), 1, { T: 0 }), WarpError);
    assert.throws(() => msdDataset(randomKey(0), 1, { split: "val" as "test" }), WarpError);
    assert.throws(
      () => msdDataset(randomKey(0), 1, { ranges: { m: [2, 1], k: [1, 2], c: [1, 2] } }),
      WarpError,
    );
  });
});

describe("msdZeroDataset", () => {
  it("starts from [1, 0] + U(−0.5, 0.5)²: x_0 ∈ [0.5, 1.5), v_0 ∈ [−0.5, 0.5), spread over the box", () => {
    const n = 2000;
    const ds = msdZeroDataset(randomKey(4), n, { T: 2 });
    const x0 = Float64Array.from({ length: n }, (_, i) => ds.y0[2 * i]!);
    const v0 = Float64Array.from({ length: n }, (_, i) => ds.y0[2 * i + 1]!);
    within(x0, [0.5, 1.5], "x_0");
    within(v0, [-0.5, 0.5], "v_0");
    for (let i = 0; i < n; i++) {
      assert.equal(ds.x.data[i * 4], Math.fround(x0[i]!));
      assert.equal(ds.x.data[i * 4 + 1], Math.fround(v0[i]!));
    }
    for (const [vals, lo] of [
      [x0, 0.5],
      [v0, -0.5],
    ] as const) {
      assert.ok(Math.min(...vals) < lo + 0.01 && Math.max(...vals) > lo + 0.99, "the box is covered");
    }
    within(ds.params.k, MSD_RANGES.train.k, "k");
  });

  it("follows the same ODE: the closed form from its own initial state", () => {
    const err = closedFormError(msdZeroDataset(randomKey(5), 8));
    assert.ok(err.x < 1e-5 && err.v < 1e-5, `max error x ${err.x}, v ${err.v}`);
  });
});

describe("msdSplits / msdZeroSplits", () => {
  it("use the reference's sizes by default and the split's ranges; splits made alone agree", () => {
    assert.deepEqual(DYNAMICS_SIZES.msd, { train: 20_480, test: 4_096 });
    assert.deepEqual(DYNAMICS_SIZES.msdZero, { train: 8_192, test: 2_048 });
    const s = msdSplits(randomKey(6), { train: 3, test: 2, T: 8 });
    assert.deepEqual([s.train.size, s.test.size], [3, 2]);
    const alone = msdSplits(randomKey(6), { train: 0, test: 2, T: 8 });
    assert.deepEqual(alone.test.x.toArray(), s.test.x.toArray());
    const z = msdZeroSplits(randomKey(6), { train: 2, test: 2, T: 8 });
    assert.ok(
      z.train.y0.some((v, i) => v !== (i % 2 === 0 ? 1 : 0)),
      "MSD-Zero initial states are random",
    );
  });
});

describe("repeatCopy", () => {
  it("clips after r and repeats the first r steps with period r + spacing, zeros between, cut at T", () => {
    const n = 2;
    const len = 20;
    const traj = tensor(
      Array.from({ length: n * len * 2 }, (_, i) => i + 1),
      [n, len, 2],
    );
    const { clipped, full } = repeatCopy(traj, [3, 4], 5);
    const at = (t: Float32Array | ArrayLike<number>, i: number, s: number, d: number) =>
      t[(i * len + s) * 2 + d]!;
    for (let i = 0; i < n; i++) {
      const r = [3, 4][i]!;
      for (let s = 0; s < len; s++) {
        for (let d = 0; d < 2; d++) {
          const src = at(traj.data, i, s % (r + 5), d);
          assert.equal(
            at(clipped.data, i, s, d),
            s < r ? at(traj.data, i, s, d) : 0,
            `clipped [${i},${s},${d}]`,
          );
          assert.equal(at(full.data, i, s, d), s % (r + 5) < r ? src : 0, `full [${i},${s},${d}]`);
        }
      }
    }
    // Trajectory 0, channel 0: copies at 0..2, 8..10, 16..18, zeros elsewhere.
    assert.deepEqual(
      Array.from({ length: len }, (_, s) => at(full.data, 0, s, 0)),
      [1, 3, 5, 0, 0, 0, 0, 0, 1, 3, 5, 0, 0, 0, 0, 0, 1, 3, 5, 0],
    );
  });
});

describe("lotkaDataset", () => {
  const n = 10;
  const ds = lotkaDataset(randomKey(9), n);

  it("makes float32 (n, 256, 2) input and target, r ∈ 32..63, parameters in the train ranges", () => {
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [n, T, 2, null]);
    assert.deepEqual([...ds.x.shape], [n, T, 2]);
    assert.deepEqual([...ds.target.shape], [n, T, 2]);
    assert.equal(ds.x.dtype, "float32");
    assert.equal(ds.target.dtype, "float32");
    assert.equal(ds.stats, null);
    const b = ds.batch([1]);
    assert.deepEqual([...b.target!.shape], [1, T, 2]);
    for (const r of ds.r) assert.ok(Number.isInteger(r) && r >= 32 && r <= 63, `r ${r}`);
    for (const p of ["a", "b", "c", "d"] as const) within(ds.params[p], LOTKA_RANGES.train[p], p);
    assert.deepEqual([ds.x.data[0], ds.x.data[1]], [1, 1], "starts from (1, 1)");
  });

  it("input = the trajectory for t < r then exact zeros; target periodic with period r + 50, zeros between", () => {
    const x = ds.x.data;
    const y = ds.target.data;
    for (let i = 0; i < n; i++) {
      const r = ds.r[i]!;
      const P = r + 50;
      for (let s = 0; s < T; s++) {
        for (let d = 0; d < 2; d++) {
          const at = (i * T + s) * 2 + d;
          if (s < r) assert.ok(x[at]! > 0, `population [${i},${s},${d}] = ${x[at]} must be positive`);
          else assert.equal(x[at], 0, `input [${i},${s},${d}] after r = ${r}`);
          const expected = s % P < r ? x[(i * T + (s % P)) * 2 + d]! : 0;
          assert.equal(y[at], expected, `target [${i},${s},${d}] with r = ${r}`);
        }
      }
      assert.equal(y[(i * T + P) * 2], 1, "a copy starts at r + 50 (from (1, 1))");
    }
  });

  it("stays on a level set of the LV invariant c·x − d·ln x + b·y − a·ln y (the right equations)", () => {
    const x = ds.x.data;
    for (let i = 0; i < n; i++) {
      const { a, b, c, d } = ds.params;
      const V = (s: number) => {
        const p = x[(i * T + s) * 2]!;
        const q = x[(i * T + s) * 2 + 1]!;
        return c[i]! * p - d[i]! * Math.log(p) + b[i]! * q - a[i]! * Math.log(q);
      };
      const v0 = V(0);
      for (let s = 1; s < ds.r[i]!; s++) {
        assert.ok(Math.abs(V(s) - v0) < 1e-4 * Math.abs(v0), `V drifts at [${i},${s}]: ${V(s)} vs ${v0}`);
      }
    }
  });

  it("is determined by its key, differs across keys, and uses the wider ranges for the test split", () => {
    const again = lotkaDataset(randomKey(9), n);
    assert.deepEqual(encodeNpy(again.x), encodeNpy(ds.x));
    assert.deepEqual(encodeNpy(again.target), encodeNpy(ds.target));
    assert.notDeepEqual(encodeNpy(lotkaDataset(randomKey(10), n).target), encodeNpy(ds.target));
    const test = lotkaDataset(randomKey(9), 2000, { split: "test", T: 2 });
    for (const p of ["a", "b", "c", "d"] as const) {
      within(test.params[p], LOTKA_RANGES.test[p], `test ${p}`);
      const [lo, hi] = LOTKA_RANGES.train[p];
      assert.ok(
        test.params[p].some((v) => v < lo || v > hi),
        `some test ${p} outside the train range`,
      );
    }
    const rs = new Set(test.r);
    assert.deepEqual([Math.min(...rs), Math.max(...rs), rs.size], [32, 63, 32], "r covers 32..63");
  });
});

describe("lotkaSplits", () => {
  it("min-max normalises both splits with the raw training target's global min/max, as the reference loader", () => {
    const key = randomKey(11);
    const raw = lotkaSplits(key, { train: 12, test: 6, normalize: false });
    const s = lotkaSplits(key, { train: 12, test: 6 });
    assert.equal(raw.stats, null);
    assert.deepEqual(s.stats, fitMinMax(raw.train.target));
    assert.equal(s.stats!.min[0], 0, "the zero padding is the raw minimum");
    const { min, max } = { min: s.stats!.min[0]!, max: s.stats!.max[0]! };
    const map = (v: number) => (2 * (v - min)) / (max - min) - 1;
    for (const split of ["train", "test"] as const) {
      for (const k of ["x", "target"] as const) {
        assertAllClose(
          s[split][k],
          Array.from(raw[split][k].data, map),
          { atol: 1e-6, rtol: 0 },
          `${split} ${k}`,
        );
      }
      assert.deepEqual([...s[split].r], [...raw[split].r]);
    }
    const y = s.train.target.data;
    assert.ok(
      y.every((v) => v >= -1 && v <= 1),
      "training values lie in [−1, 1]",
    );
    assert.ok(y.includes(-1) && y.includes(1), "the fitted range is attained");
    // The zeros after r (input) and between copies (target) become −1.
    const r0 = s.train.r[0]!;
    assert.equal(s.train.x.data[r0 * 2], -1);
    assert.equal(s.train.target.data[r0 * 2], -1);
    assert.equal(s.train.target.data[(r0 + 50) * 2], Math.fround(map(1)));
  });

  it("uses the reference's sizes by default and needs a training split to fit the statistics", () => {
    assert.deepEqual(DYNAMICS_SIZES.lotka, { train: 15_000, test: 3_000 });
    assert.throws(() => lotkaSplits(randomKey(0), { train: 0, test: 1 }), /needs train ≥ 1/);
    const given = lotkaSplits(randomKey(0), {
      train: 0,
      test: 2,
      normalize: { perChannel: false, min: [0], max: [2] },
    });
    assert.ok(given.test.x.data.every((v) => v >= -1));
  });
});
