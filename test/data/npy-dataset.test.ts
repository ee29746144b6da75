// Datasets from .npy / .npz bytes built with encodeNpy / encodeNpz: float32 as is, float64 to float32,
// a leading split axis, npz key layouts (x/y, data/labels, times), float labels, and one test per
// error (rank, dtype, split, missing key, non-integer label, NaN).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { datasetFromNpy, datasetFromNpz, encodeNpy, encodeNpz, tensor } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const seq = (n: number, T: number, D: number, dtype: "float32" | "float64" = "float32", offset = 0) =>
  tensor(
    Array.from({ length: n * T * D }, (_, i) => offset + i),
    [n, T, D],
    dtype,
  );

describe("datasetFromNpy", () => {
  it("reads an (n, T, D) float32 array", () => {
    const ds = datasetFromNpy(encodeNpy(seq(2, 3, 2)));
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [2, 3, 2, null]);
    const b = ds.batch([1]);
    assert.equal(b.x.dtype, "float32");
    assert.deepEqual(b.x.toArray(), [6, 7, 8, 9, 10, 11]);
  });

  it("converts float64 to float32", () => {
    const x = tensor([0.1, 1 / 3, -2.5], [1, 3, 1], "float64");
    const b = datasetFromNpy(encodeNpy(x)).batch([0]);
    assert.equal(b.x.dtype, "float32");
    assert.deepEqual(b.x.toArray(), [Math.fround(0.1), Math.fround(1 / 3), -2.5]);
  });

  it("selects one split of an (S, n, T, D) array", () => {
    const all = tensor(
      Array.from({ length: 2 * 2 * 3 }, (_, i) => i),
      [2, 2, 3, 1],
      "float64",
    );
    const ds = datasetFromNpy(encodeNpy(all), { split: 1 });
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize], [2, 3, 1]);
    // Split 1 holds flat values 6..11.
    assert.deepEqual(ds.batch([0, 1]).x.toArray(), [6, 7, 8, 9, 10, 11]);
    throwsWith(() => datasetFromNpy(encodeNpy(all)), "rank 4", "(2,2,3,1)", "split");
    throwsWith(() => datasetFromNpy(encodeNpy(all), { split: 2 }), "split 2", "[0, 2)");
    throwsWith(
      () => datasetFromNpy(encodeNpy(seq(2, 3, 1)), { split: 0 }),
      "split 0",
      "(S, n, T, D)",
      "(2,3,1)",
    );
  });

  it("rejects other ranks, integer arrays, non-finite values and non-npy bytes", () => {
    throwsWith(
      () => datasetFromNpy(encodeNpy(tensor([1, 2, 3, 4, 5, 6], [2, 3]))),
      "rank 2",
      "(2,3)",
      "(n, T, 1)",
    );
    throwsWith(() => datasetFromNpy(encodeNpy(tensor([1, 2], [2]))), "rank 1", "(2)");
    throwsWith(() => datasetFromNpy(encodeNpy(tensor([1, 2], [1, 2, 1], "int32"))), "int32", "(1,2,1)");
    const bad = seq(2, 2, 1);
    bad.data[3] = Number.POSITIVE_INFINITY;
    throwsWith(() => datasetFromNpy(encodeNpy(bad)), "x", "Infinity", "[1,1,0]");
    throwsWith(() => datasetFromNpy(new Uint8Array(20)), "npy", "magic");
  });
});

describe("datasetFromNpz", () => {
  it("reads x / y as inputs and targets", () => {
    const bytes = encodeNpz({ x: seq(2, 3, 1, "float64"), y: seq(2, 3, 2, "float32", 100) });
    const ds = datasetFromNpz(bytes, { xKey: "x", yKey: "y" });
    const b = ds.batch([1]);
    assert.equal(b.x.dtype, "float32");
    assert.deepEqual(b.x.toArray(), [3, 4, 5]);
    assert.deepEqual([...b.target!.shape], [1, 3, 2]);
    assert.deepEqual(b.target!.toArray(), [106, 107, 108, 109, 110, 111]);
  });

  it("reads data / labels for classification, with int32 or integral float labels", () => {
    const data = seq(3, 2, 1);
    const ds = datasetFromNpz(encodeNpz({ data, labels: tensor([2, 0, 1], [3], "int32") }), {
      xKey: "data",
      labelsKey: "labels",
    });
    assert.equal(ds.nbClasses, 3);
    assert.deepEqual(ds.batch([0, 2]).labels!.toArray(), [2, 1]);
    const fl = datasetFromNpz(encodeNpz({ data, labels: tensor([[1], [0], [4]], [3, 1], "float64") }), {
      xKey: "data",
      labelsKey: "labels",
      nbClasses: 6,
    });
    assert.equal(fl.nbClasses, 6);
    assert.equal(fl.batch([2]).labels!.dtype, "int32");
    assert.deepEqual(fl.batch([0, 1, 2]).labels!.toArray(), [1, 0, 4]);
  });

  it("reads times and applies split to x and the target", () => {
    const x = tensor(
      Array.from({ length: 8 }, (_, i) => i),
      [2, 2, 2, 1],
    );
    const y = tensor(
      Array.from({ length: 8 }, (_, i) => 10 + i),
      [2, 2, 2, 1],
    );
    const ds = datasetFromNpz(encodeNpz({ x, y, t: tensor([0, 0.5], [2], "float64") }), {
      xKey: "x",
      yKey: "y",
      timesKey: "t",
      split: 0,
    });
    const b = ds.batch([1]);
    assert.deepEqual(b.x.toArray(), [2, 3]);
    assert.deepEqual(b.target!.toArray(), [12, 13]);
    assert.deepEqual(b.times!.toArray(), [0, 0.5]);
    assert.equal(b.times!.dtype, "float32");
  });

  it("names missing keys, the archive's keys, bad labels and mismatched shapes", () => {
    const bytes = encodeNpz({ data: seq(2, 2, 1), labels: tensor([0, 1.5], [2]) });
    throwsWith(() => datasetFromNpz(bytes, { xKey: "x" }), '"x"', '"data", "labels"');
    throwsWith(() => datasetFromNpz(bytes, { xKey: "data", yKey: "y" }), '"y"', "target");
    throwsWith(() => datasetFromNpz(bytes, { xKey: "data", labelsKey: "labels" }), '"labels"', "1.5", "[1]");
    throwsWith(() => datasetFromNpz(bytes, { xKey: "labels" }), '"labels"', "rank 1");
    const mismatch = encodeNpz({ x: seq(2, 2, 1), y: seq(3, 2, 1) });
    throwsWith(() => datasetFromNpz(mismatch, { xKey: "x", yKey: "y" }), "target", "(3,2,1)", "(2,2,1)");
    const labels2d = encodeNpz({ x: seq(2, 2, 1), l: tensor([0, 1, 1, 0], [2, 2], "int32") });
    throwsWith(() => datasetFromNpz(labels2d, { xKey: "x", labelsKey: "l" }), "labels", "(2,2)");
  });
});
