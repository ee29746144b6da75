// PEMS-style traffic on small generated arrays: windows of the raw (T, N, F) series (feature 0, 12 + 12
// steps), the reference's split sizes with Python rounding, the processed {x, y} layout joined along time,
// and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeNpz, pemsWindows, roundHalfEven, tensor, trafficSequencesFromNpz } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

/** Raw (T, N, F) values: value(t, s, f) = 1000·f + 10·t + s, so every entry says where it came from. */
function raw(T: number, N: number, F: number, dtype: "float32" | "float64" = "float64") {
  return tensor(
    Array.from({ length: T * N * F }, (_, k) => {
      const f = k % F;
      const s = Math.floor(k / F) % N;
      const t = Math.floor(k / (F * N));
      return 1000 * f + 10 * t + s;
    }),
    [T, N, F],
    dtype,
  );
}

describe("pemsWindows", () => {
  it("cuts 12 + 12-step windows of feature 0 and splits them 60/20/20 in time order", () => {
    const T = 60;
    const N = 3;
    const w = pemsWindows(encodeNpz({ data: raw(T, N, 2) }));
    // n = T − 24 + 1 = 37 windows: train round(22.2) = 22, test round(7.4) = 7, val the remaining 8.
    assert.deepEqual(w.train.shape, [22, 24, N]);
    assert.deepEqual(w.val.shape, [8, 24, N]);
    assert.deepEqual(w.test.shape, [7, 24, N]);
    // Window i of the whole sequence starts at step i: value(t, s) = 10·(i + t) + s (feature 0).
    const at = (x: typeof w.train, i: number, t: number, s: number) => x.data[(i * 24 + t) * N + s]!;
    assert.equal(at(w.train, 0, 0, 0), 0);
    assert.equal(at(w.train, 5, 23, 2), 10 * (5 + 23) + 2);
    assert.equal(at(w.val, 0, 0, 1), 10 * 22 + 1);
    assert.equal(at(w.test, 6, 23, 2), 10 * (36 + 23) + 2); // the last window ends at step T − 1
    assert.equal(w.train.dtype, "float32");
  });

  it("gives PEMS08's split sizes for its 17856 steps: 10700 / 3566 / 3567 (Python rounding)", () => {
    const w = pemsWindows(encodeNpz({ data: raw(17856, 1, 1, "float32") }));
    assert.deepEqual([w.train.shape[0], w.val.shape[0], w.test.shape[0]], [10700, 3566, 3567]);
  });

  it("uses another feature, window lengths and split when asked, and 2-d data as one feature", () => {
    const w = pemsWindows(encodeNpz({ data: raw(20, 2, 3) }), {
      inputSteps: 2,
      outputSteps: 3,
      feature: 2,
      split: [0.5, 0.25],
    });
    // n = 16: train 8, test 4, val 4.
    assert.deepEqual(
      [w.train.shape, w.val.shape, w.test.shape],
      [
        [8, 5, 2],
        [4, 5, 2],
        [4, 5, 2],
      ],
    );
    assert.equal(w.val.data[0], 2000 + 10 * 8);
    const flat = pemsWindows(encodeNpz({ data: tensor([...Array(40).keys()], [20, 2]) }), {
      inputSteps: 1,
      outputSteps: 1,
    });
    assert.equal(flat.train.shape[2], 2);
    assert.equal(flat.val.data[0], 2 * flat.train.shape[0]!);
  });

  it("names a missing entry, a bad feature, too short a series and non-finite values", () => {
    throwsWith(() => pemsWindows(encodeNpz({ flow: raw(30, 2, 1) })), 'no entry "data"', '"flow"');
    throwsWith(() => pemsWindows(encodeNpz({ data: raw(30, 2, 1) }), { feature: 1 }), "feature 1", "[0, 1)");
    throwsWith(() => pemsWindows(encodeNpz({ data: raw(25, 2, 1) })), "25 time steps", "2 windows");
    const bad = raw(30, 2, 1);
    bad.data[7] = Number.NaN;
    throwsWith(() => pemsWindows(encodeNpz({ data: bad })), "non-finite", "[3,1,0]");
  });
});

describe("roundHalfEven", () => {
  it("rounds ties to even like Python's round", () => {
    assert.deepEqual(
      [0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6, 10699.8].map(roundHalfEven),
      [0, 2, 2, 4, 0, 2, 3, 10700],
    );
  });
});

describe("trafficSequencesFromNpz", () => {
  it("joins x's feature 0 and y along time into (n, Ti + To, N)", () => {
    const n = 2;
    const N = 2;
    // x (n, 3, N, 2): feature 0 = 100·i + 10·t + s, feature 1 = −1; y (n, 2, N, 1) = 500 + 100·i + 10·t + s.
    const x = tensor(
      Array.from({ length: n * 3 * N * 2 }, (_, k) => {
        const f = k % 2;
        const s = Math.floor(k / 2) % N;
        const t = Math.floor(k / (2 * N)) % 3;
        const i = Math.floor(k / (2 * N * 3));
        return f === 0 ? 100 * i + 10 * t + s : -1;
      }),
      [n, 3, N, 2],
    );
    const y = tensor(
      Array.from(
        { length: n * 2 * N },
        (_, k) => 500 + 100 * Math.floor(k / (2 * N)) + 10 * (Math.floor(k / N) % 2) + (k % N),
      ),
      [n, 2, N, 1],
    );
    const seq = trafficSequencesFromNpz(encodeNpz({ x, y }));
    assert.deepEqual(seq.shape, [n, 5, N]);
    assert.deepEqual(
      Array.from(seq.data.subarray(10, 20)),
      [100, 101, 110, 111, 120, 121, 600, 601, 610, 611],
    );
    // y without its trailing feature axis reads the same.
    const y3 = tensor(Array.from(y.data), [n, 2, N]);
    assert.deepEqual(Array.from(trafficSequencesFromNpz(encodeNpz({ x, y: y3 })).data), Array.from(seq.data));
  });

  it("names missing entries and mismatched shapes", () => {
    const x = tensor(new Array(2 * 3 * 4).fill(0), [2, 3, 4, 1]);
    throwsWith(() => trafficSequencesFromNpz(encodeNpz({ x })), 'no entry "y"', '"x"');
    throwsWith(
      () => trafficSequencesFromNpz(encodeNpz({ x, y: tensor(new Array(2 * 3 * 5).fill(0), [2, 3, 5, 1]) })),
      "y must be (2, T_out, 4, 1)",
      "(2,3,5,1)",
    );
    throwsWith(
      () =>
        trafficSequencesFromNpz(encodeNpz({ x, y: tensor(new Array(2 * 3 * 4 * 2).fill(0), [2, 3, 4, 2]) })),
      "y must be",
    );
  });
});
