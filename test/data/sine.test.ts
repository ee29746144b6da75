// SINE generator (docs/model.md §5): shape (n, 16, 1), x = sin(2π·t + φ) on t = linspace(0, 1, 16) with
// φ ∈ [−π/6, π/6) (so x_0 = sin φ), phase moments for 20k draws within 5 standard errors, seeded
// determinism, nested training subsets, and the splits.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomKey, sineDataset, sineSplits, WarpError } from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("sineDataset", () => {
  it("makes (n, 16, 1) sequences sin(2π·k/15 + φ) with times linspace(0, 1, 16)", () => {
    const ds = sineDataset(randomKey(0), 50);
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [50, 16, 1, null]);
    const b = ds.batch(all(50));
    assert.deepEqual([...b.x.shape], [50, 16, 1]);
    assert.equal(b.x.dtype, "float32");
    assert.equal(b.target, undefined);
    assertAllClose(
      b.times!,
      all(16).map((k) => k / 15),
      { atol: 1e-7, rtol: 0 },
    );
    const expected = new Float64Array(50 * 16);
    for (let i = 0; i < 50; i++)
      for (let k = 0; k < 16; k++) expected[i * 16 + k] = Math.sin((2 * Math.PI * k) / 15 + ds.phases[i]!);
    assertAllClose(b.x, expected, { atol: 1e-6, rtol: 0 });
  });

  it("draws phases in [−π/6, π/6), so x_0 = sin φ ∈ [−½, ½] and x_15 = x_0", () => {
    const ds = sineDataset(randomKey(1), 2000);
    const x = ds.batch(all(2000)).x.data;
    for (let i = 0; i < 2000; i++) {
      const phi = ds.phases[i]!;
      assert.ok(phi >= -Math.PI / 6 && phi < Math.PI / 6, `phase ${phi} outside [−π/6, π/6)`);
      assert.ok(Math.abs(x[i * 16]! - Math.sin(phi)) < 1e-7, `x_0 ${x[i * 16]} ≠ sin φ ${Math.sin(phi)}`);
      assert.ok(Math.abs(x[i * 16]!) <= 0.5 + 1e-7);
      assert.ok(Math.abs(x[i * 16 + 15]! - x[i * 16]!) < 1e-6, "sin(2π + φ) = sin φ");
    }
  });

  it("has the moments of U(−π/6, π/6): mean 0, variance (π/6)²/3", () => {
    const n = 20_000;
    const phases = sineDataset(randomKey(2), n).phases;
    const a = Math.PI / 6;
    const mean = phases.reduce((s, v) => s + v, 0) / n;
    const variance = phases.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    // SE of the mean: σ/√n with σ² = a²/3; SE of the variance: √((μ4 − σ⁴)/n), μ4 = a⁴/5.
    const sigma2 = (a * a) / 3;
    assert.ok(Math.abs(mean) < 5 * Math.sqrt(sigma2 / n), `mean ${mean}`);
    const seVar = Math.sqrt((a ** 4 / 5 - sigma2 ** 2) / n);
    assert.ok(Math.abs(variance - sigma2) < 5 * seVar, `variance ${variance} vs ${sigma2}`);
    assert.ok(Math.min(...phases) < -a + 0.01 && Math.max(...phases) > a - 0.01, "the range is covered");
  });

  it("is determined by its key; other keys differ; smaller sets are prefixes of larger ones", () => {
    const a = sineDataset(randomKey(5), 100);
    const b = sineDataset(randomKey(5), 100);
    assert.deepEqual(a.batch(all(100)).x.toArray(), b.batch(all(100)).x.toArray());
    const c = sineDataset(randomKey(6), 100);
    assert.notDeepEqual(a.phases, c.phases);
    const small = sineDataset(randomKey(5), 10);
    assert.deepEqual(small.batch(all(10)).x.toArray(), a.batch(all(10)).x.toArray());
  });

  it("takes another T and rejects bad sizes", () => {
    const ds = sineDataset(randomKey(0), 3, { T: 5 });
    assert.deepEqual([...ds.batch([0, 1, 2]).x.shape], [3, 5, 1]);
    assert.deepEqual(ds.batch([0]).times!.toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.throws(() => sineDataset(randomKey(0), -1), WarpError);
    assert.throws(() => sineDataset(randomKey(0), 2, { T: 0 }), WarpError);
  });
});

describe("sineSplits", () => {
  it("gives 10 / 1000 / 1000 sequences by default, from independent keys", () => {
    const s = sineSplits(randomKey(9));
    assert.deepEqual([s.train.size, s.val.size, s.test.size], [10, 1000, 1000]);
    assert.notDeepEqual(s.train.phases, s.val.phases.subarray(0, 10));
    assert.notDeepEqual(s.val.phases, s.test.phases);
  });

  it("keeps val/test fixed across training sizes and nests the training subsets", () => {
    const one = sineSplits(randomKey(9), { train: 1 });
    const hundred = sineSplits(randomKey(9), { train: 100, val: 1000, test: 1000 });
    assert.deepEqual(one.val.phases, hundred.val.phases);
    assert.deepEqual(one.test.phases, hundred.test.phases);
    assert.deepEqual(one.train.phases, hundred.train.phases.subarray(0, 1));
    const other = sineSplits(randomKey(10), { train: 1 });
    assert.notDeepEqual(other.train.phases, one.train.phases);
  });
});
