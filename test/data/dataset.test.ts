// arrayDataset / batches / subset: shapes and fields, batch contents by index, every validation error
// (naming the array, its shape, the bad index), seeded epoch order (each sequence once, dropLast,
// determinism per key), and that an epoch's order survives a tidy() around the first batch.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  arrayDataset,
  batches,
  type Dataset,
  randomKey,
  subset,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

/** x (n, T, D) with x[i, t, d] = 100·i + 10·t + d, so every value names its position. */
function indexed(n: number, T: number, D: number): Tensor {
  const v = new Float32Array(n * T * D);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) v[(i * T + t) * D + d] = 100 * i + 10 * t + d;
  return tensor(v, [n, T, D]);
}

/** The sequence index of each row of a batch made from `indexed` data (x[i, 0, 0] / 100). */
const rowsOf = (x: Tensor) => {
  const [N, T, D] = x.shape as [number, number, number];
  return Array.from({ length: N }, (_, j) => x.data[j * T * D]! / 100);
};

const epoch = (ds: Dataset, bs: number, key: ReturnType<typeof randomKey> | null, dropLast = false) =>
  [...batches(ds, bs, key, { dropLast })].map((b) => rowsOf(b.x));

describe("arrayDataset", () => {
  it("reports size, seqLength, dataSize and nbClasses", () => {
    const ds = arrayDataset({ x: indexed(3, 4, 2), labels: tensor([0, 2, 1], [3], "int32") });
    assert.deepEqual([ds.size, ds.seqLength, ds.dataSize, ds.nbClasses], [3, 4, 2, 3]);
    assert.equal(arrayDataset({ x: indexed(3, 4, 2) }).nbClasses, null);
    const five = arrayDataset(
      { x: indexed(3, 4, 2), labels: tensor([0, 2, 1], [3], "int32") },
      { nbClasses: 5 },
    );
    assert.equal(five.nbClasses, 5);
  });

  it("returns the sequences at the given indices, in that order, with target, labels and times", () => {
    const x = indexed(3, 2, 2);
    const target = indexed(3, 2, 1);
    const ds = arrayDataset({
      x,
      target,
      labels: tensor([7, 8, 9], [3], "int32"),
      times: tensor([0, 0.5], [2]),
    });
    const b = ds.batch([2, 0, 2]);
    assert.deepEqual([...b.x.shape], [3, 2, 2]);
    // Rows 2, 0, 2 of x: 200 + 10t + d, then 0 + 10t + d, then 200 + 10t + d.
    assert.deepEqual(b.x.toArray(), [200, 201, 210, 211, 0, 1, 10, 11, 200, 201, 210, 211]);
    assert.deepEqual([...b.target!.shape], [3, 2, 1]);
    assert.deepEqual(b.target!.toArray(), [200, 210, 0, 10, 200, 210]);
    assert.equal(b.labels!.dtype, "int32");
    assert.deepEqual(b.labels!.toArray(), [9, 7, 9]);
    assert.deepEqual(b.times!.toArray(), [0, 0.5]);
    // The batch owns its tensors: disposing them leaves the dataset usable.
    b.x.dispose();
    b.times!.dispose();
    assert.deepEqual(ds.batch(new Int32Array([1])).x.toArray(), [100, 101, 110, 111]);
    assert.deepEqual(ds.batch([1]).times!.toArray(), [0, 0.5]);
  });

  it("gathers per-sequence times (n, T)", () => {
    const ds = arrayDataset({ x: indexed(2, 3, 1), times: tensor([0, 1, 2, 0, 2, 4], [2, 3]) });
    assert.deepEqual(ds.batch([1, 0]).times!.toArray(), [0, 2, 4, 0, 1, 2]);
  });

  it("rejects bad shapes and dtypes, naming the array and the shapes", () => {
    throwsWith(() => arrayDataset({ x: zeros([2, 3]) }), "x", "(n, T, D)", "(2,3)");
    throwsWith(() => arrayDataset({ x: zeros([2, 3, 1], "int32") }), "x", "int32");
    throwsWith(
      () => arrayDataset({ x: zeros([2, 3, 1]), target: zeros([2, 4, 1]) }),
      "target",
      "(2,4,1)",
      "(2,3,1)",
    );
    throwsWith(
      () => arrayDataset({ x: zeros([2, 3, 1]), labels: zeros([3], "int32") }),
      "labels",
      "(3)",
      "(2)",
    );
    throwsWith(() => arrayDataset({ x: zeros([2, 3, 1]), labels: zeros([2]) }), "labels", "int32", "float32");
    throwsWith(
      () => arrayDataset({ x: zeros([2, 3, 1]), labels: tensor([0, -1], [2], "int32") }),
      "labels",
      "-1",
      "[1]",
    );
    throwsWith(() => arrayDataset({ x: zeros([2, 3, 1]), times: zeros([4]) }), "times", "(4)", "(3)");
    throwsWith(
      () => arrayDataset({ x: zeros([2, 3, 1]), labels: tensor([0, 3], [2], "int32") }, { nbClasses: 3 }),
      "nbClasses",
      "3",
    );
  });

  it("rejects NaN and Infinity, naming the array and the first bad index", () => {
    const x = zeros([2, 3, 2]);
    x.data[(1 * 3 + 2) * 2 + 0] = Number.NaN; // [1,2,0]
    x.data[(1 * 3 + 2) * 2 + 1] = Number.NaN; // a later one, not reported
    throwsWith(() => arrayDataset({ x }), "x", "NaN", "[1,2,0]");
    const target = zeros([2, 3, 1]);
    target.data[4] = Number.NEGATIVE_INFINITY; // [1,1,0]
    throwsWith(() => arrayDataset({ x: zeros([2, 3, 2]), target }), "target", "-Infinity", "[1,1,0]");
  });

  it("rejects out-of-range and non-integer batch indices", () => {
    const ds = arrayDataset({ x: indexed(3, 1, 1) });
    throwsWith(() => ds.batch([0, 3]), "index 3", "[0, 3)");
    throwsWith(() => ds.batch([-1]), "index -1");
    throwsWith(() => ds.batch([0.5]), "index 0.5");
  });
});

describe("batches", () => {
  const ds = arrayDataset({ x: indexed(10, 2, 1) });

  it("visits every sequence exactly once per epoch, in batches of batchSize then the remainder", () => {
    const groups = epoch(ds, 3, randomKey(1));
    assert.deepEqual(
      groups.map((g) => g.length),
      [3, 3, 3, 1],
    );
    assert.deepEqual(
      groups.flat().sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(groups.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "a seeded order should be shuffled");
  });

  it("keeps the order for a null key", () => {
    assert.deepEqual(epoch(ds, 4, null), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it("drops the short last batch with dropLast, and nothing else", () => {
    const groups = epoch(ds, 3, randomKey(1), true);
    assert.deepEqual(
      groups.map((g) => g.length),
      [3, 3, 3],
    );
    assert.deepEqual(groups, epoch(ds, 3, randomKey(1)).slice(0, 3));
    assert.equal(new Set(groups.flat()).size, 9);
    assert.deepEqual(epoch(ds, 5, null, true), [
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    assert.deepEqual(epoch(ds, 11, null, true), []);
    assert.deepEqual(epoch(ds, 11, null), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it("gives the same batches for the same key and different ones for another key", () => {
    assert.deepEqual(epoch(ds, 3, randomKey(7)), epoch(ds, 3, randomKey(7)));
    assert.notDeepEqual(epoch(ds, 3, randomKey(7)), epoch(ds, 3, randomKey(8)));
  });

  it("rejects a non-positive or fractional batch size", () => {
    throwsWith(() => batches(ds, 0, null).next(), "batchSize", "0");
    throwsWith(() => batches(ds, 2.5, null).next(), "batchSize", "2.5");
  });

  it("keeps its order when the first batch is taken inside tidy() and buffers are recycled", () => {
    const n = 5000; // above the buffer pool's threshold, so a disposed order buffer would be reused
    const big = arrayDataset({ x: indexed(n, 1, 1) });
    const gen = batches(big, 1000, randomKey(3));
    const seen: number[] = [];
    tidy(() => {
      const first = gen.next();
      assert.ok(!first.done);
      seen.push(...rowsOf(first.value.x));
    });
    // Takes the pooled int32 buffer of n elements, if any, and zero-fills it.
    const reused = zeros([n], "int32");
    for (const b of gen) seen.push(...rowsOf(b.x));
    reused.dispose();
    assert.equal(seen.length, n);
    assert.equal(new Set(seen).size, n, "some sequences repeated: the epoch order was overwritten");
  });
});

describe("subset", () => {
  const ds = arrayDataset({ x: indexed(6, 1, 1), labels: tensor([0, 1, 2, 0, 1, 2], [6], "int32") });

  it("maps its indices onto the parent's and keeps the parent's fields", () => {
    const sub = subset(ds, [5, 1, 3]);
    assert.deepEqual([sub.size, sub.seqLength, sub.dataSize, sub.nbClasses], [3, 1, 1, 3]);
    assert.deepEqual(rowsOf(sub.batch([0, 2]).x), [5, 3]);
    assert.deepEqual(sub.batch([1]).labels!.toArray(), [1]);
    // An epoch over the subset visits exactly its sequences.
    assert.deepEqual(
      epoch(sub, 2, randomKey(0))
        .flat()
        .sort((a, b) => a - b),
      [1, 3, 5],
    );
  });

  it("copies the indices and checks them", () => {
    const idx = [0, 1];
    const sub = subset(ds, idx);
    idx[0] = 4;
    assert.deepEqual(rowsOf(sub.batch([0]).x), [0]);
    throwsWith(() => subset(ds, [6]), "subset", "index 6", "[0, 6)");
    throwsWith(() => sub.batch([2]), "index 2", "[0, 2)");
  });
});
