// Seeded random numbers: determinism per key, independence across seeds / split keys / foldIn data,
// distribution moments within 5σ of their expectations for 100k samples, ranges, and argument errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bernoulli,
  foldIn,
  type Key,
  normal,
  permutation,
  randint,
  randomBits,
  randomKey,
  splitKey,
  type Tensor,
  uniform,
} from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const N = 100_000;

function moments(t: Tensor): { mean: number; variance: number } {
  let s = 0;
  for (const v of t.data) s += v;
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, variance: q / (t.size - 1) };
}

/** |got − expected| ≤ 5σ. */
function within5Sigma(got: number, expected: number, sigma: number, what: string): void {
  assert.ok(
    Math.abs(got - expected) <= 5 * sigma,
    `${what}: ${got} is more than 5σ (σ = ${sigma}) from ${expected}`,
  );
}

function sameNumbers(a: Tensor, b: Tensor): boolean {
  return a.size === b.size && a.data.every((v, i) => Object.is(v, b.data[i]));
}

/** Every sampler, drawing 1000 values from `key`. */
const SAMPLERS: [string, (k: Key) => Tensor][] = [
  ["uniform", (k) => uniform(k, [1000])],
  ["normal", (k) => normal(k, [1000])],
  ["bernoulli", (k) => bernoulli(k, 0.5, [1000])],
  ["randint", (k) => randint(k, [1000], 0, 1_000_000)],
  ["permutation", (k) => permutation(k, 1000)],
];

describe("random keys", () => {
  it("give identical numbers for the same key in every sampler", () => {
    for (const [name, draw] of SAMPLERS) {
      const a = draw(randomKey(42));
      const b = draw(randomKey(42));
      assert.ok(sameNumbers(a, b), `${name} differs between two draws from randomKey(42)`);
    }
  });

  it("give identical numbers whatever the order of other draws", () => {
    const k = randomKey(7);
    const first = uniform(k, [50]);
    normal(randomKey(8), [123]);
    uniform(k, [999]);
    assert.ok(sameNumbers(first, uniform(k, [50])));
    // A longer draw from the same key starts with the same values.
    const longer = uniform(k, [80]);
    assert.deepEqual(longer.toArray().slice(0, 50), first.toArray());
  });

  it("give different numbers for different seeds in every sampler", () => {
    for (const [name, draw] of SAMPLERS) {
      for (const [s1, s2] of [
        [0, 1],
        [1, 2 ** 32 + 1],
        [-1, 2 ** 32 - 1],
      ] as const) {
        assert.ok(
          !sameNumbers(draw(randomKey(s1)), draw(randomKey(s2))),
          `${name}: seeds ${s1} and ${s2} collide`,
        );
      }
    }
  });

  it("split into keys that differ from each other and from the parent", () => {
    const parent = randomKey(3);
    const keys = splitKey(parent, 4);
    assert.equal(keys.length, 4);
    const all = [parent, ...keys];
    const seen = new Set(all.map((k) => `${k[0]}:${k[1]}`));
    assert.equal(seen.size, 5, "split keys collide");
    for (const [name, draw] of SAMPLERS) {
      const draws = all.map(draw);
      for (let i = 0; i < draws.length; i++) {
        for (let j = i + 1; j < draws.length; j++) {
          assert.ok(!sameNumbers(draws[i]!, draws[j]!), `${name}: keys ${i} and ${j} give the same numbers`);
        }
      }
    }
  });

  it("split deterministically, with a default of two keys", () => {
    const a = splitKey(randomKey(11));
    const b = splitKey(randomKey(11));
    assert.equal(a.length, 2);
    assert.deepEqual(
      a.map((k) => [...k]),
      b.map((k) => [...k]),
    );
  });

  it("fold in data deterministically, giving different keys for different data", () => {
    const k = randomKey(5);
    assert.deepEqual([...foldIn(k, 3)], [...foldIn(k, 3)]);
    const folded = [0, 1, 2, 3, 1000].map((d) => foldIn(k, d));
    const seen = new Set([k, ...folded].map((x) => `${x[0]}:${x[1]}`));
    assert.equal(seen.size, 6, "foldIn keys collide");
    assert.ok(!sameNumbers(uniform(foldIn(k, 1), [100]), uniform(foldIn(k, 2), [100])));
    assert.ok(!sameNumbers(uniform(foldIn(k, 1), [100]), uniform(k, [100])));
  });

  it("produce Threefry-2x32-20 bits matching the published known-answer vector", () => {
    // Random123 / JAX known-answer test: key (0, 0), counter (0, 0) → (0x6b200159, 0x99ba4efe).
    const bits = randomBits(Uint32Array.of(0, 0), 2);
    assert.deepEqual([...bits], [0x6b200159, 0x99ba4efe]);
    assert.equal(randomBits(randomKey(1), 7).length, 7);
  });
});

describe("uniform", () => {
  it("stays in [lo, hi) with mean and variance within 5σ for 100k samples", () => {
    for (const [lo, hi] of [
      [0, 1],
      [-3, 5],
      [2, 2.5],
    ] as const) {
      for (const dtype of ["float32", "float64"] as const) {
        const x = uniform(randomKey(100), [N], lo, hi, dtype);
        assert.equal(x.dtype, dtype);
        for (const v of x.data) assert.ok(v >= lo && v < hi, `${v} outside [${lo}, ${hi})`);
        const w = hi - lo;
        const { mean, variance } = moments(x);
        within5Sigma(mean, (lo + hi) / 2, Math.sqrt((w * w) / 12 / N), `mean of U[${lo},${hi}) ${dtype}`);
        within5Sigma(
          variance,
          (w * w) / 12,
          Math.sqrt(w ** 4 / 180 / N),
          `variance of U[${lo},${hi}) ${dtype}`,
        );
      }
    }
  });

  it("has the requested shape and defaults to float32 on [0, 1)", () => {
    const x = uniform(randomKey(1), [3, 5]);
    assert.deepEqual([...x.shape], [3, 5]);
    assert.equal(x.dtype, "float32");
    for (const v of x.data) assert.ok(v >= 0 && v < 1);
  });

  it("stays below hi in float32 even where rounding would reach it", () => {
    // On [1 − 2⁻²⁰, 1) about 3% of the exact values lie within 2⁻²⁵ of 1 and round to 1 in float32
    // unless the sampler keeps the interval half-open.
    const lo = 1 - 2 ** -20;
    const hi = 1;
    const x = uniform(randomKey(9), [N], lo, hi, "float32");
    for (const v of x.data) assert.ok(v >= lo && v < hi, `${v} outside [${lo}, ${hi})`);
  });

  it("rejects lo > hi", () => {
    throwsWith(() => uniform(randomKey(0), [3], 2, 1), "uniform", "2", "1");
  });
});

describe("normal", () => {
  it("has mean ≈ 0 and std ≈ 1 within 5σ for 100k samples", () => {
    const x = normal(randomKey(200), [N]);
    assert.equal(x.dtype, "float32");
    const { mean, variance } = moments(x);
    within5Sigma(mean, 0, Math.sqrt(1 / N), "mean");
    within5Sigma(variance, 1, Math.sqrt(2 / N), "variance");
    // The tails: P(|z| > 2) = 0.0455.
    const p = 0.0455;
    const tail = x.data.filter((v) => Math.abs(v) > 2).length / N;
    within5Sigma(tail, p, Math.sqrt((p * (1 - p)) / N), "P(|z| > 2)");
    for (const v of x.data) assert.ok(Number.isFinite(v), `non-finite sample ${v}`);
  });

  it("scales to N(mean, std²) and honours the float64 dtype option", () => {
    const x = normal(randomKey(201), [N], 3, 0.5, "float64");
    assert.equal(x.dtype, "float64");
    assert.ok(x.data instanceof Float64Array);
    const { mean, variance } = moments(x);
    within5Sigma(mean, 3, Math.sqrt(0.25 / N), "mean");
    within5Sigma(variance, 0.25, 0.25 * Math.sqrt(2 / N), "variance");
  });

  it("fills odd-sized shapes completely", () => {
    const x = normal(randomKey(2), [3, 5], 0, 1, "float64");
    assert.deepEqual([...x.shape], [3, 5]);
    // Box–Muller makes pairs; the last (odd) element must still be a sample, not a leftover zero.
    assert.notEqual(x.data[14], 0);
    assert.equal(new Set(x.data).size, 15);
  });
});

describe("bernoulli", () => {
  it("gives 1 with frequency ≈ p within 5σ and only the values 0 and 1", () => {
    for (const p of [0.5, 0.1, 0.9, 0.01]) {
      const x = bernoulli(randomKey(300), p, [N]);
      let ones = 0;
      for (const v of x.data) {
        assert.ok(v === 0 || v === 1, `value ${v}`);
        ones += v;
      }
      within5Sigma(ones / N, p, Math.sqrt((p * (1 - p)) / N), `frequency for p=${p}`);
    }
  });

  it("gives all zeros for p = 0 and all ones for p = 1", () => {
    assert.ok(bernoulli(randomKey(1), 0, [1000]).data.every((v) => v === 0));
    assert.ok(bernoulli(randomKey(1), 1, [1000]).data.every((v) => v === 1));
  });

  it("rejects p outside [0, 1]", () => {
    throwsWith(() => bernoulli(randomKey(0), 1.5, [3]), "bernoulli", "1.5");
    throwsWith(() => bernoulli(randomKey(0), -0.1, [3]), "bernoulli", "-0.1");
    throwsWith(() => bernoulli(randomKey(0), Number.NaN, [3]), "bernoulli", "NaN");
  });
});

describe("randint", () => {
  it("stays in [lo, hi), covers every value, with each frequency within 5σ", () => {
    const lo = -3;
    const hi = 4;
    const k = hi - lo;
    const x = randint(randomKey(400), [N], lo, hi);
    assert.equal(x.dtype, "int32");
    const counts = new Array<number>(k).fill(0);
    for (const v of x.data) {
      assert.ok(Number.isInteger(v) && v >= lo && v < hi, `value ${v} outside [${lo}, ${hi})`);
      counts[v - lo]!++;
    }
    const p = 1 / k;
    counts.forEach((c, i) => {
      assert.ok(c > 0, `value ${lo + i} never drawn`);
      within5Sigma(c / N, p, Math.sqrt((p * (1 - p)) / N), `frequency of ${lo + i}`);
    });
  });

  it("gives lo for a range of one value and has the requested shape", () => {
    const x = randint(randomKey(1), [3, 5], 7, 8);
    assert.deepEqual([...x.shape], [3, 5]);
    assert.ok(x.data.every((v) => v === 7));
  });

  it("rejects lo ≥ hi and non-integer bounds", () => {
    throwsWith(() => randint(randomKey(0), [3], 5, 5), "randint", "5");
    throwsWith(() => randint(randomKey(0), [3], 6, 2), "randint", "6", "2");
    throwsWith(() => randint(randomKey(0), [3], 0, 2.5), "randint", "2.5");
  });
});

describe("permutation", () => {
  it("is a permutation of 0..n−1 for several n", () => {
    for (const n of [0, 1, 2, 7, 1000]) {
      const p = permutation(randomKey(n), n);
      assert.equal(p.dtype, "int32");
      assert.deepEqual([...p.shape], [n]);
      const sorted = Array.from(p.data).sort((a, b) => a - b);
      assert.deepEqual(
        sorted,
        Array.from({ length: n }, (_, i) => i),
      );
    }
  });

  it("actually shuffles, putting each element first about equally often", () => {
    const n = 5;
    const trials = 20_000;
    const counts = new Array<number>(n).fill(0);
    const base = randomKey(500);
    for (let t = 0; t < trials; t++) counts[permutation(foldIn(base, t), n).data[0]!]!++;
    const p = 1 / n;
    counts.forEach((c, i) => {
      within5Sigma(c / trials, p, Math.sqrt((p * (1 - p)) / trials), `frequency of ${i} in first place`);
    });
  });

  it("rejects a negative or fractional n", () => {
    throwsWith(() => permutation(randomKey(0), -1), "permutation", "-1");
    throwsWith(() => permutation(randomKey(0), 2.5), "permutation", "2.5");
  });
});

describe("randomKey", () => {
  it("rejects a non-integer or unsafe seed", () => {
    throwsWith(() => randomKey(1.5), "randomKey", "1.5");
    throwsWith(() => randomKey(Number.NaN), "randomKey", "NaN");
    throwsWith(() => randomKey(2 ** 53), "randomKey");
  });

  it("accepts negative seeds and distinguishes them from positive ones", () => {
    assert.ok(!sameNumbers(uniform(randomKey(-5), [20]), uniform(randomKey(5), [20])));
  });
});
