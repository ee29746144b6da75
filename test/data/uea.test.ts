// UEA/UCR .ts text written in the test: header tags and comments, class labels numbered in header order,
// multivariate lines, missing values (interpolated), unequal lengths (padded with the last value),
// timestamps, a train/test pair sharing T and classes, one test per error; and the reference's .npz layout.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeNpz, parseUeaTs, parseUeaTsPair, tensor, ueaArraysFromNpz } from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

/** (n, T, D) values of a tensor as nested arrays [i][t][d]. */
function nested(t: { shape: readonly number[]; data: ArrayLike<number> }): number[][][] {
  const [n, T, D] = t.shape as [number, number, number];
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: T }, (_, s) => Array.from({ length: D }, (_, d) => t.data[(i * T + s) * D + d]!)),
  );
}

const EQUAL = `# A comment before the header
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true up down flat
@data
1,2,3:10,20,30:down
# a comment between series
4,5,6:40,50,60:up

7,8,9:70,80,90:flat
`;

describe("parseUeaTs", () => {
  it("reads a multivariate equal-length file with labels in header order", () => {
    const d = parseUeaTs(EQUAL);
    assert.equal(d.problemName, "Toy");
    assert.deepEqual(d.x.shape, [3, 3, 2]);
    assert.equal(d.x.dtype, "float32");
    assert.deepEqual(nested(d.x)[0], [
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    assert.deepEqual(d.classNames, ["up", "down", "flat"]);
    assert.deepEqual(d.labels!.toArray(), [1, 0, 2]);
    assert.equal(d.labels!.dtype, "int32");
    assert.deepEqual([d.missing, d.padded, Array.from(d.lengths)], [0, 0, [3, 3, 3]]);
  });

  it("interpolates missing values and pads unequal lengths with the last value", () => {
    const text = `@problemName Gaps
@missing true
@univariate true
@equalLength false
@classLabel true 1 2
@data
?,2,?,?,8,?:2
5,NaN:1
1,2,3,4,5,6,7:1
`;
    const d = parseUeaTs(text);
    assert.deepEqual(d.x.shape, [3, 7, 1]);
    const rows = nested(d.x).map((s) => s.map((v) => v[0]));
    // Leading gap: first observed value; inner gap: linear (2 → 8 over 3 steps); trailing: last value;
    // then padded with the last value to 7 steps.
    assert.deepEqual(rows[0], [2, 2, 4, 6, 8, 8, 8]);
    assert.deepEqual(rows[1], [5, 5, 5, 5, 5, 5, 5]);
    assert.deepEqual(rows[2], [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(d.labels!.toArray(), [1, 0, 0]);
    assert.deepEqual(Array.from(d.lengths), [6, 2, 7]);
    assert.equal(d.missing, 5);
    assert.equal(d.padded, 1 + 5 + 0);
    // A longer target length pads further; a shorter one is an error naming the line.
    assert.deepEqual(parseUeaTs(text, { length: 9 }).x.shape, [3, 9, 1]);
    throwsWith(() => parseUeaTs(text, { length: 6 }), "line 9", "7 steps", "length 6");
  });

  it("fills a dimension with no observed value by that dimension's mean over the file", () => {
    const d = parseUeaTs(`@classLabel false
@data
1,2:?,?
3,4:10,20
`);
    assert.equal(d.labels, null);
    assert.deepEqual(nested(d.x)[0], [
      [1, 15],
      [2, 15],
    ]);
  });

  it("reads (timestamp,value) pairs, whose timestamps may hold ':'", () => {
    const d = parseUeaTs(`@timeStamps true
@classLabel true a b
@data
(2007-01-01 00:00:00,1.5),(2007-01-01 00:05:00,2.5):(2007-01-01 00:00:00,-1),(2007-01-01 00:05:00,?):b
`);
    assert.deepEqual(nested(d.x)[0], [
      [1.5, -1],
      [2.5, -1],
    ]);
    assert.deepEqual(d.labels!.toArray(), [1]);
  });

  it("matches numeric labels written differently from the header (1.0 vs 1)", () => {
    const d = parseUeaTs("@classLabel true 1 2\n@data\n1,2:2.0\n3,4:1\n");
    assert.deepEqual(d.labels!.toArray(), [1, 0]);
  });

  it("reads @targetLabel regression targets", () => {
    const d = parseUeaTs("@targetLabel true\n@data\n1,2:0.5\n3,4:-2\n");
    assert.deepEqual(Array.from(d.targets!), [0.5, -2]);
    assert.equal(d.labels, null);
  });

  it("names the line and the problem of malformed files", () => {
    throwsWith(
      () => parseUeaTs(EQUAL.replace(":flat", ":sideways")),
      "line 15",
      '"sideways"',
      "up down flat",
    );
    throwsWith(
      () => parseUeaTs(EQUAL.replace("4,5,6:40,50,60", "4,5,6")),
      "line 13",
      "1 dimensions",
      "has 2",
    );
    throwsWith(() => parseUeaTs(EQUAL.replace("@dimensions 2", "@dimensions 3")), "@dimensions 3");
    throwsWith(() => parseUeaTs(EQUAL.replace("4,5,6", "4,x,6")), "line 13", '"x"');
    throwsWith(() => parseUeaTs(EQUAL.replace("7,8,9", "7,8")), "line 15", "@seriesLength 3");
    throwsWith(() => parseUeaTs(EQUAL.replace("@equalLength true", "@equalLength maybe")), "true or false");
    throwsWith(() => parseUeaTs("@problemName X\n1,2,3\n"), "line 2", "header tag");
    throwsWith(() => parseUeaTs("@problemName X\n"), "no @data");
    throwsWith(() => parseUeaTs("@data\n"), "no series");
    throwsWith(() => parseUeaTs("@classLabel true a a\n@data\n1:a\n"), "twice");
    throwsWith(() => parseUeaTs("@classLabel true a\n@data\n1,2\n"), "line 3", "label");
    throwsWith(() => parseUeaTs("@univariate true\n@classLabel false\n@data\n1:2\n"), "@univariate true");
  });
});

describe("parseUeaTsPair", () => {
  it("gives train and test one length and the training file's class numbering", () => {
    const train = "@classLabel true x y\n@data\n1,2,3:y\n4,5:x\n";
    const test = "@classLabel true y x\n@data\n1,2,3,4,5:x\n";
    const { train: a, test: b } = parseUeaTsPair(train, test);
    assert.deepEqual(a.x.shape, [2, 5, 1]);
    assert.deepEqual(b.x.shape, [1, 5, 1]);
    assert.deepEqual(a.labels!.toArray(), [1, 0]);
    assert.deepEqual(b.labels!.toArray(), [0]);
    throwsWith(
      () => parseUeaTsPair(train, "@classLabel true x y\n@data\n1:2:x\n"),
      "training file has 1 dimensions",
      "test file has 2",
    );
    throwsWith(
      () => parseUeaTsPair(train, "@data\n1\n"),
      "training file has class labels",
      "test file has none",
    );
  });
});

describe("ueaArraysFromNpz", () => {
  it("reads data (n, T, D) as float32 and labels as int32", () => {
    const bytes = encodeNpz({
      data: tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], "float64"),
      labels: tensor([1, 0], [2, 1], "float64"),
    });
    const { x, labels } = ueaArraysFromNpz(bytes);
    assert.equal(x.dtype, "float32");
    assertAllClose(x.data, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(labels.toArray(), [1, 0]);
    assert.equal(labels.dtype, "int32");
  });

  it("names missing entries and bad shapes or labels", () => {
    const data = tensor([1, 2, 3, 4], [2, 2, 1]);
    throwsWith(() => ueaArraysFromNpz(encodeNpz({ data })), 'no entry "labels"', '"data"');
    throwsWith(
      () => ueaArraysFromNpz(encodeNpz({ data, labels: tensor([0, 1, 2], [3], "int32") })),
      '"labels" must be (2)',
    );
    throwsWith(
      () => ueaArraysFromNpz(encodeNpz({ data, labels: tensor([0, 0.5], [2], "float64") })),
      "label 0.5",
    );
    throwsWith(
      () =>
        ueaArraysFromNpz(encodeNpz({ data: tensor([1, 2], [2, 1]), labels: tensor([0, 1], [2], "int32") })),
      "(n, T, D)",
    );
  });
});
