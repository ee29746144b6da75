// CSV series written in the test: header, date column skipped, text column skipped, quoted fields, column
// choice, missing values interpolated, errors naming line/column; windows with stride; the chronological
// split (half-to-even rounding) and per-part windows.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  chronologicalSplit,
  fillGaps,
  parseCsvSeries,
  splitSeriesWindows,
  windowSeries,
} from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const WEATHER = `date,temp,"wind, m/s",weather
2020-01-01,1.5,3,rain
2020-01-02,,4,"sun, clouds"
2020-01-03,3.5,NA,snow
2020-01-04,4.5,6,fog\r
`;

describe("parseCsvSeries", () => {
  it("refuses dates out of order; numbers only in a column named as the time", () => {
    throwsWith(
      () => parseCsvSeries("date,v\n2020-01-02,1\n2020-01-01,2\n"),
      'csv: line 3, column "date": "2020-01-01" comes before "2020-01-02" on line 2',
    );
    throwsWith(() => parseCsvSeries("date,v\n2020-01-01,1\n2020-01-01,2\n"), "repeats the time of line 2");
    // found by its name, a column of numbers may be a measurement (a response time), not a clock
    const measured = "response_time,v\n0.5,1\n0.2,2\n0.9,3\n";
    assert.equal(parseCsvSeries(measured).rows, 3);
    throwsWith(
      () => parseCsvSeries(measured, { dateColumn: "response_time" }),
      'comes before "0.5" on line 2',
    );
  });

  it("keeps the numeric columns, skips the date and text columns, fills missing values", () => {
    const s = parseCsvSeries(WEATHER);
    assert.deepEqual(s.columns, ["temp", "wind, m/s"]);
    assert.equal(s.rows, 4);
    assert.deepEqual(s.dates, ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]);
    assert.deepEqual(Array.from(s.values), [1.5, 3, 2.5, 4, 3.5, 5, 4.5, 6]);
    assert.equal(s.missing, 2);
  });

  it("takes columns by name or index, in the order given", () => {
    const s = parseCsvSeries(WEATHER, { columns: ["wind, m/s", 1] });
    assert.deepEqual(s.columns, ["wind, m/s", "temp"]);
    assert.deepEqual(Array.from(s.values.subarray(0, 4)), [3, 1.5, 4, 2.5]);
  });

  it("detects tab and semicolon separators, and has no date column when none is named so", () => {
    const s = parseCsvSeries("a\tb\n1\t2\n3\t4\n");
    assert.deepEqual([s.columns, Array.from(s.values), s.dates], [["a", "b"], [1, 2, 3, 4], null]);
    const t = parseCsvSeries("x;y\n1e3;-2.5\n");
    assert.deepEqual(Array.from(t.values), [1000, -2.5]);
    const u = parseCsvSeries("year,co2\n1958,315\n1959,316\n", { dateColumn: "year" });
    assert.deepEqual([u.columns, u.dates], [["co2"], ["1958", "1959"]]);
  });

  it("reads a whitespace table (a logger's header with spaces over tab-separated rows)", () => {
    const log = "Reading# Mote-ID Humidity Temperature\n1\t3\t35.3\t33.25\n\n2\t3   35.33 33.5\r\n";
    const s = parseCsvSeries(log, { columns: ["Temperature"] });
    assert.deepEqual([s.columns, Array.from(s.values)], [["Temperature"], [33.25, 33.5]]);
    throwsWith(() => parseCsvSeries(`${log}3\t3\t1\n`), "line 5", "3 fields", "header has 4");
    // One column whose name has a space stays one column.
    const one = parseCsvSeries("units sold\n5\n6\n");
    assert.deepEqual([one.columns, Array.from(one.values)], [["units sold"], [5, 6]]);
  });

  it("names the line, column and text of a problem", () => {
    throwsWith(() => parseCsvSeries("a,b\n1,2\n3\n"), "line 3", "1 fields", "header has 2");
    throwsWith(() => parseCsvSeries(WEATHER, { columns: ["weather"] }), "line 2", '"weather"', '"rain"');
    throwsWith(() => parseCsvSeries(WEATHER, { columns: ["pressure"] }), 'no column "pressure"', "temp");
    throwsWith(() => parseCsvSeries(WEATHER, { columns: [9] }), "no column 9");
    throwsWith(() => parseCsvSeries("a,b\n?,1\nNA,2\n", { columns: ["a"] }), 'column "a" has no value');
    throwsWith(() => parseCsvSeries('a\n"1\n'), "never closed");
    throwsWith(() => parseCsvSeries("name\nx\ny\n"), "no numeric column");
    throwsWith(() => parseCsvSeries(""), "no header");
  });
});

describe("fillGaps", () => {
  it("interpolates inner gaps, extends the ends, and reports an all-missing sequence", () => {
    const v = new Float64Array([Number.NaN, 1, Number.NaN, Number.NaN, 4, Number.NaN]);
    assert.equal(fillGaps(v, 6), 4);
    assert.deepEqual(Array.from(v), [1, 1, 2, 3, 4, 4]);
    // Strided: column 1 of a (3, 2) array.
    const w = new Float64Array([0, 10, 0, Number.NaN, 0, 30]);
    assert.equal(fillGaps(w, 3, 1, 2), 1);
    assert.equal(w[3], 20);
    assert.equal(fillGaps(new Float64Array([Number.NaN, Number.NaN]), 2), -1);
  });
});

describe("windowSeries", () => {
  it("cuts (n, window, D) windows with a stride", () => {
    // 5 rows of D = 2: row r = (r, 10r).
    const values = [0, 0, 1, 10, 2, 20, 3, 30, 4, 40];
    const w = windowSeries(values, 5, 2, { window: 3 });
    assert.deepEqual(w.shape, [3, 3, 2]);
    assert.deepEqual(Array.from(w.data.subarray(6, 12)), [1, 10, 2, 20, 3, 30]);
    const s = windowSeries(values, 5, 2, { window: 2, stride: 2 });
    assert.deepEqual(s.shape, [2, 2, 2]);
    assert.deepEqual(Array.from(s.data), [0, 0, 1, 10, 2, 20, 3, 30]);
    throwsWith(() => windowSeries(values, 5, 2, { window: 6 }), "5 rows", "window of 6");
    throwsWith(() => windowSeries(values, 5, 2, { window: 2, stride: 0 }), "stride");
  });
});

describe("chronologicalSplit and splitSeriesWindows", () => {
  it("splits rows in time order with half-to-even rounding", () => {
    assert.deepEqual(chronologicalSplit(10, [0.7, 0.1, 0.2]), { train: [0, 7], val: [7, 8], test: [8, 10] });
    // 0.25 · 10 = 2.5 rounds to 2, 0.25 · 14 = 3.5 to 4.
    assert.deepEqual(chronologicalSplit(10, [0.25, 0.25, 0.5]).val, [2, 4]);
    assert.deepEqual(chronologicalSplit(14, [0.25, 0.25, 0.5]).train, [0, 4]);
    throwsWith(() => chronologicalSplit(10, [0.5, 0.5, 0.5]), "sum to 1");
  });

  it("windows each part separately; a part shorter than a window is null", () => {
    const rows = 20;
    const series = {
      columns: ["v"],
      rows,
      values: Float64Array.from({ length: rows }, (_, r) => r),
      dates: null,
      missing: 0,
    };
    const w = splitSeriesWindows(series, { window: 3 });
    // Rows 0–13 train (12 windows), 14–15 val (too short: null), 16–19 test (2 windows).
    assert.deepEqual(w.train.shape, [12, 3, 1]);
    assert.equal(w.val, null);
    assert.deepEqual(Array.from(w.test!.data), [16, 17, 18, 17, 18, 19]);
    assert.deepEqual(w.rows, { train: [0, 14], val: [14, 16], test: [16, 20] });
    throwsWith(() => splitSeriesWindows(series, { window: 15 }), "14 of 20 rows", "window of 15");
  });
});
