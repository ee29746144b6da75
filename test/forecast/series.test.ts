// Series from the formats a user brings: CSV (bad and missing cells are errors naming line and column,
// interpolation only when asked, a column with a stray cell is never dropped silently), JSON (values,
// rows, records) and .npy (T) / (T, D).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeNpy, jsonSeries, parseSeries, seriesFormat, Tensor } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("parseSeries: CSV", () => {
  it("reads the chosen column and the time column", () => {
    const s = parseSeries(bytes("date,units,price\n2024-01-01,3,1.5\n2024-01-02,4,1.25\n"), "csv", {
      columns: ["units"],
    });
    assert.deepEqual(
      [s.columns, Array.from(s.values), s.dates],
      [["units"], [3, 4], ["2024-01-01", "2024-01-02"]],
    );
  });

  it("rejects a non-numeric or non-finite cell naming line and column, even among default columns", () => {
    throwsWith(
      () => parseSeries(bytes("t,units\n1,3\n2,oops\n3,5\n4,6\n"), "csv"),
      "line 3",
      '"units"',
      "oops",
    );
    throwsWith(() => parseSeries(bytes("units\n3\nInfinity\n5\n"), "csv"), "line 3", "Infinity");
  });

  it("rejects missing cells unless interpolate is set", () => {
    // A blank line is no record: the first missing cell is the NA on line 5.
    throwsWith(
      () => parseSeries(bytes("units\n3\n\n5\nNA\n"), "csv"),
      "line 5",
      "missing value",
      "data.interpolate",
    );
    const s = parseSeries(bytes("a,units\n1,3\n2,\n3,5\n"), "csv", { columns: ["units"], interpolate: true });
    assert.deepEqual(Array.from(s.values), [3, 4, 5]);
    assert.throws(
      () => parseSeries(bytes("a,units\n1,3\n2,\n3,5\n"), "csv", { columns: ["units"] }),
      /line 3/,
    );
  });
});

describe("parseSeries: JSON and npy", () => {
  it("reads arrays of values, rows and records", () => {
    assert.deepEqual(Array.from(jsonSeries([1, 2, 3]).values), [1, 2, 3]);
    const rows = jsonSeries([
      [1, 10],
      [2, 20],
    ]);
    assert.deepEqual(
      [rows.columns, Array.from(rows.values)],
      [
        ["0", "1"],
        [1, 10, 2, 20],
      ],
    );
    const rec = parseSeries(
      bytes('[{"date":"d1","units":1,"note":"x"},{"date":"d2","units":2,"note":"y"}]'),
      "json",
    );
    assert.deepEqual([rec.columns, rec.dates, Array.from(rec.values)], [["units"], ["d1", "d2"], [1, 2]]);
  });

  it("names the row and column of a bad JSON value", () => {
    throwsWith(() => jsonSeries([1, "oops", 3]), "row 2", "oops");
    throwsWith(() => jsonSeries([{ units: 1 }, { units: null }]), "row 2", '"units"', "missing");
    assert.deepEqual(Array.from(jsonSeries([1, null, 3], { interpolate: true }).values), [1, 2, 3]);
    throwsWith(() => parseSeries(bytes("[1, 2"), "json"), "json:");
  });

  it("reads (T) and (T, D) arrays and rejects NaN naming its row", () => {
    const s = parseSeries(encodeNpy(new Tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2])), "npy", {
      columns: [1],
    });
    assert.deepEqual([s.columns, Array.from(s.values)], [["1"], [2, 4, 6]]);
    const bad = encodeNpy(new Tensor(Float32Array.from([1, Number.NaN, 3]), [3]));
    throwsWith(() => parseSeries(bad, "npy"), "row 2");
    throwsWith(
      () => parseSeries(encodeNpy(new Tensor(new Float32Array(8), [2, 2, 2])), "npy"),
      "(T) or (T, D)",
    );
  });

  it("knows formats by extension", () => {
    assert.deepEqual(["a.csv", "b.JSON", "c.npy", "d.xlsx"].map(seriesFormat), ["csv", "json", "npy", null]);
  });
});
