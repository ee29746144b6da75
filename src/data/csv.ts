// Multivariate time series from CSV text: a header row, one row per time step, numeric columns chosen by
// name or index (a date/time column and text columns are skipped unless asked for), missing values filled
// by linear interpolation, rows in time order (a date/time column that goes back or repeats is an error);
// then windows (n, window, D) cut with a stride, and a chronological train/val/test
// split of the rows (windows never cross a split boundary, so no test step leaks into training).
// Not here: reading files, normalisation and Datasets (layouts.ts builds those from the windows).

import { Tensor } from "../tensor/tensor.js";
import { assert, WarpError } from "../util/assert.js";

/** A parsed series: `rows` time steps of D = columns.length values, row-major. */
export interface CsvSeries {
  /** The chosen columns' header names, in output order. */
  columns: string[];
  /** Number of rows (time steps). */
  rows: number;
  /** Values (rows, D), row-major, float64, every value finite (missing ones filled). */
  values: Float64Array;
  /** The date/time column's text per row, or null when there is none. */
  dates: string[] | null;
  /** How many missing cells were filled by interpolation. */
  missing: number;
}

/** Options of `parseCsvSeries`. */
export interface CsvOptions {
  /**
   * Columns to keep, by header name or 0-based index, in this order. Default: every column whose
   * non-missing cells are all numbers, except the date column.
   */
  columns?: ReadonlyArray<string | number>;
  /**
   * The date/time column (name or index), skipped from the values and returned as `dates`; null for
   * none. Default: the first column whose header contains "date" or "time" (any case), if any.
   */
  dateColumn?: string | number | null;
  /**
   * Field separator, or WHITESPACE for runs of spaces and tabs (default: detected — ",", tab or ";" from
   * the header, else whitespace when the header and the first row split into the same number of fields).
   */
  delimiter?: string;
  /**
   * Missing cells (empty, "NA", "NaN", …): "interpolate" fills them linearly (default), "error" rejects
   * the first one with a WarpError naming its line and column.
   */
  missing?: "interpolate" | "error";
}

/**
 * The text of a CSV file's bytes, in the encodings spreadsheets write: UTF-8 (a BOM dropped), UTF-16
 * with its BOM ("Unicode text"), else, when the bytes are not valid UTF-8, Windows-1252 (Latin-1 exports).
 */
export function decodeCsvText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/** Cell texts read as missing values (besides the empty cell). */
export const MISSING_TOKENS: readonly string[] = ["?", "na", "n/a", "nan", "null", "none", "-"];

/** Splits CSV text into records of fields (RFC 4180 quoting: "a,b" and "" for a quote); keeps line numbers. */
function records(text: string, delim: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === "")) out.push({ fields, line: start });
    fields = [];
    field = "";
  };
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === "") {
      quoted = true;
      field = "";
    } else if (text.startsWith(delim, i)) {
      fields.push(field);
      field = "";
      i += delim.length - 1;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else field += ch;
  }
  assert(!quoted, () => `csv: a quoted field opened on line ${start} is never closed`);
  if (field !== "" || fields.length > 0) endRecord();
  return out;
}

/** The delimiter meaning "runs of spaces and tabs" (text tables such as sensor logs; no quoting). */
export const WHITESPACE = "whitespace";

/**
 * ",", tab or ";" when the header has one (in that order); else runs of whitespace when the header and
 * the first data line both split on whitespace into the same number (> 1) of fields (a header written
 * with spaces over tab-separated rows, as loggers do); else "," (a single column).
 */
function detectDelimiter(text: string): string {
  const lines = text
    .replace(/^\ufeff/, "")
    .split(/\r?\n/, 64)
    .filter((l) => l.trim() !== "");
  const first = lines[0] ?? "";
  if (first.includes(",")) return ",";
  if (first.includes("\t")) return "\t";
  if (first.includes(";")) return ";";
  const fields = (l: string) => l.trim().split(/[ \t]+/).length;
  if (lines.length >= 2 && fields(first) > 1 && fields(first) === fields(lines[1]!)) return WHITESPACE;
  return ",";
}

/** Records of a whitespace-separated table: each non-blank line split on runs of spaces and tabs. */
function whitespaceRecords(text: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  text
    .replace(/^\ufeff/, "")
    .split(/\r?\n|\r/)
    .forEach((l, i) => {
      if (l.trim() !== "") out.push({ fields: l.trim().split(/[ \t]+/), line: i + 1 });
    });
  return out;
}

const isMissing = (cell: string) => cell === "" || MISSING_TOKENS.includes(cell.toLowerCase());
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** ISO 8601 dates and times: 2024-03, 2024-03-01, 2024-03-01 12:00, 2024-03-01T12:00:00.5+01:00. */
const ISO_TIME =
  /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?)?$/;

/**
 * A time cell as a number to order rows by: an ISO 8601 date or time as epoch milliseconds (a time without
 * a zone read as UTC, so that the machine's zone and its daylight saving changes play no part), a number as
 * itself (a step, a year) when `numbers`, anything else (other date formats, "week 1") null: not ordered.
 */
export function timeValue(cell: string, numbers = true): number | null {
  const s = cell.trim();
  if (NUMBER.test(s)) return numbers ? Number(s) : null;
  const m = ISO_TIME.exec(s);
  if (!m) return null;
  const t = Date.parse(m[4] === undefined ? s : `${s.slice(0, 10)}T${m[4]}${m[5] ?? "Z"}`);
  return Number.isFinite(t) ? t : null;
}

/**
 * Checks that the times of consecutive rows increase (pairs where either is not a time, see timeValue,
 * are not compared): a row before its predecessor or with the same time is a WarpError starting with
 * `what` ("csv") and naming both rows through `where(r)` ("line 12" or "row 11"). Numbers are times only
 * when `numbers`: a column the user named as the time; one found by its name ("response_time") may hold
 * measurements.
 */
export function checkTimeOrder(
  times: readonly string[],
  column: string,
  what: string,
  where: (r: number) => string,
  numbers: boolean,
): void {
  for (let r = 1; r < times.length; r++) {
    const a = timeValue(times[r - 1]!, numbers);
    const b = timeValue(times[r]!, numbers);
    if (a === null || b === null || b > a) continue;
    const at = `${what}: ${where(r)}, column "${column}"`;
    throw new WarpError(
      b === a
        ? `${at}: "${times[r]}" repeats the time of ${where(r - 1)}: a series needs one row per time step (remove or aggregate the duplicates)`
        : `${at}: "${times[r]}" comes before "${times[r - 1]}" on ${where(r - 1)}: the rows must be in time order, oldest first (sort them)`,
    );
  }
}

/**
 * Parses CSV text into a numeric series. Cells may be quoted; blank lines are skipped; every row must have
 * the header's number of fields (else a WarpError naming the line). Empty cells and "?", "NA", "NaN",
 * "null", … are missing values, filled per column by linear interpolation between the nearest observed
 * rows (the first observed value before the first observation, the last after the last; a column with
 * no value at all is an error), or rejected with `missing: "error"`. Any other non-numeric cell in a
 * chosen column is a WarpError naming the line, column and text; by default the chosen columns are those
 * whose non-missing cells are mostly numbers, so a stray "oops" or "Infinity" is reported, never a reason
 * to drop its column. Unknown column names or indices are errors listing the header. The date column's
 * times (ISO 8601 dates; numbers too when the column was named) must increase from row to row (see
 * checkTimeOrder).
 */
export function parseCsvSeries(text: string, options: CsvOptions = {}): CsvSeries {
  const delim = options.delimiter ?? detectDelimiter(text);
  assert(delim.length > 0, () => "csv: the delimiter must not be empty");
  const recs = delim === WHITESPACE ? whitespaceRecords(text) : records(text, delim);
  assert(recs.length >= 1, () => "csv: no header row (the text is empty)");
  const header = recs[0]!.fields.map((h) => h.trim());
  const body = recs.slice(1);
  body.forEach((r) =>
    assert(
      r.fields.length === header.length,
      () => `csv: line ${r.line} has ${r.fields.length} fields, the header has ${header.length}`,
    ),
  );
  const resolve = (c: string | number, what: string): number => {
    const idx = typeof c === "number" ? c : header.indexOf(c);
    assert(
      Number.isInteger(idx) && idx >= 0 && idx < header.length,
      () => `csv: no ${what} ${JSON.stringify(c)} (the header has: ${header.join(", ")})`,
    );
    return idx;
  };
  let dateCol: number | null;
  if (options.dateColumn === undefined) {
    const d = header.findIndex((h) => /date|time/i.test(h));
    dateCol = d >= 0 ? d : null;
  } else dateCol = options.dateColumn === null ? null : resolve(options.dateColumn, "date column");
  const cell = (r: number, c: number) => body[r]!.fields[c]!.trim();
  let cols: number[];
  if (options.columns) {
    assert(options.columns.length >= 1, () => "csv: columns is empty");
    cols = options.columns.map((c) => resolve(c, "column"));
  } else {
    // A column is numeric when most of its non-missing cells are numbers: its stray cells are then
    // errors below, never a reason to drop the column without a word.
    cols = header
      .map((_, c) => c)
      .filter((c) => {
        if (c === dateCol) return false;
        let given = 0;
        let numbers = 0;
        for (let r = 0; r < body.length; r++) {
          const s = cell(r, c);
          if (isMissing(s)) continue;
          given++;
          if (NUMBER.test(s)) numbers++;
        }
        return given > 0 && numbers * 2 > given;
      });
    assert(
      cols.length >= 1,
      () => `csv: no numeric column (the header has: ${header.join(", ")}); choose columns explicitly`,
    );
  }
  const rows = body.length;
  const D = cols.length;
  const values = new Float64Array(rows * D);
  let missing = 0;
  cols.forEach((c, j) => {
    for (let r = 0; r < rows; r++) {
      const s = cell(r, c);
      if (isMissing(s)) {
        assert(
          options.missing !== "error",
          () =>
            `csv: line ${body[r]!.line}, column "${header[c]}": missing value "${s}" (set data.interpolate: true to fill missing cells by linear interpolation)`,
        );
        values[r * D + j] = Number.NaN;
        missing++;
        continue;
      }
      const v = Number(s);
      assert(
        NUMBER.test(s) && Number.isFinite(v),
        () => `csv: line ${body[r]!.line}, column "${header[c]}": "${s}" is not a finite number`,
      );
      values[r * D + j] = v;
    }
    const filled = fillGaps(values, rows, j, D);
    assert(
      filled >= 0 || rows === 0,
      () => `csv: column "${header[c]}" has no value at all (every cell is missing)`,
    );
  });
  const dates = dateCol === null ? null : body.map((_, r) => cell(r, dateCol));
  if (dates !== null) {
    const named = options.dateColumn !== undefined;
    checkTimeOrder(dates, header[dateCol!]!, "csv", (r) => `line ${body[r]!.line}`, named);
  }
  return { columns: cols.map((c) => header[c]!), rows, values, dates, missing };
}

/**
 * Fills the NaNs of the strided sequence values[offset + k·stride], k = 0..n−1, in place: linear
 * interpolation between the nearest observed neighbours, the first observed value before it, the last
 * after it. Returns the number of values filled, or −1 when every value is NaN (nothing is changed).
 */
export function fillGaps(values: Float64Array | Float32Array, n: number, offset = 0, stride = 1): number {
  const at = (k: number) => offset + k * stride;
  let prev = -1;
  let filled = 0;
  for (let k = 0; k < n; k++) {
    if (Number.isNaN(values[at(k)]!)) continue;
    if (k - prev > 1) {
      const lo = prev >= 0 ? values[at(prev)]! : values[at(k)]!;
      const hi = values[at(k)]!;
      for (let g = prev + 1; g < k; g++) {
        values[at(g)] = prev >= 0 ? lo + ((hi - lo) * (g - prev)) / (k - prev) : hi;
        filled++;
      }
    }
    prev = k;
  }
  if (prev < 0) return n === 0 ? 0 : -1;
  for (let g = prev + 1; g < n; g++) {
    values[at(g)] = values[at(prev)]!;
    filled++;
  }
  return filled;
}

/** Options of `windowSeries`. */
export interface WindowOptions {
  /** Steps per window T ≥ 1. */
  window: number;
  /** Steps between the starts of consecutive windows (default 1; = window for non-overlapping windows). */
  stride?: number;
}

/**
 * Cuts rows [0, rows) of a row-major (rows, D) series into windows (n, window, D), float32, starting at
 * rows 0, stride, 2·stride, … while a whole window fits: n = ⌊(rows − window)/stride⌋ + 1. Fewer rows
 * than one window is a WarpError naming both numbers.
 */
export function windowSeries(
  values: ArrayLike<number>,
  rows: number,
  D: number,
  { window, stride = 1 }: WindowOptions,
): Tensor {
  assert(Number.isInteger(window) && window >= 1, () => `windowSeries: window must be ≥ 1, got ${window}`);
  assert(Number.isInteger(stride) && stride >= 1, () => `windowSeries: stride must be ≥ 1, got ${stride}`);
  assert(
    values.length >= rows * D,
    () => `windowSeries: ${values.length} values cannot hold ${rows} rows of ${D}`,
  );
  assert(rows >= window, () => `windowSeries: ${rows} rows are fewer than one window of ${window} steps`);
  const n = Math.floor((rows - window) / stride) + 1;
  const out = new Float32Array(n * window * D);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < window * D; k++) out[i * window * D + k] = values[i * stride * D + k]!;
  return new Tensor(out, [n, window, D]).keep();
}

/** The three parts of a chronological split, as half-open row ranges [start, end). */
export interface RowSplit {
  train: [number, number];
  val: [number, number];
  test: [number, number];
}

/**
 * Chronological split of `rows` rows with fractions [train, val, test] (non-negative, summing to 1 within
 * 1e-9): train = the first ⌊rows·f₀⌉ rows, then val = the next ⌊rows·f₁⌉, test = the rest
 * (⌊·⌉ rounds half to even, as Python's round does).
 */
export function chronologicalSplit(rows: number, fractions: readonly [number, number, number]): RowSplit {
  const [a, b, c] = fractions;
  assert(
    fractions.every((f) => Number.isFinite(f) && f >= 0) && Math.abs(a + b + c - 1) < 1e-9,
    () => `chronologicalSplit: fractions [${fractions.join(", ")}] must be ≥ 0 and sum to 1`,
  );
  const nTrain = roundHalfEven(rows * a);
  const nVal = Math.min(rows - nTrain, roundHalfEven(rows * b));
  return { train: [0, nTrain], val: [nTrain, nTrain + nVal], test: [nTrain + nVal, rows] };
}

/** Rounds to the nearest integer, ties to even (Python's round). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Options of `splitSeriesWindows`. */
export interface SeriesSplitOptions extends WindowOptions {
  /** Fractions of the rows for [train, val, test] (default [0.7, 0.1, 0.2]). */
  split?: readonly [number, number, number];
}

/** Windows of each split: train always, val and test null when their part is shorter than one window. */
export interface WindowSplits {
  train: Tensor;
  val: Tensor | null;
  test: Tensor | null;
  /** The row range of each part. */
  rows: RowSplit;
}

/**
 * Splits a series chronologically (see `chronologicalSplit`) and windows each part on its own (see
 * `windowSeries`), so no window spans two parts. A training part shorter than one window is a WarpError;
 * a shorter val or test part gives null.
 */
export function splitSeriesWindows(series: CsvSeries, options: SeriesSplitOptions): WindowSplits {
  const D = series.columns.length;
  const parts = chronologicalSplit(series.rows, options.split ?? [0.7, 0.1, 0.2]);
  const cut = ([s, e]: [number, number]) => series.values.subarray(s * D, e * D);
  const [s0, e0] = parts.train;
  assert(
    e0 - s0 >= options.window,
    () =>
      `splitSeriesWindows: the training part has ${e0 - s0} of ${series.rows} rows, fewer than one window of ${options.window}`,
  );
  const part = (r: [number, number]) =>
    r[1] - r[0] >= options.window ? windowSeries(cut(r), r[1] - r[0], D, options) : null;
  return { train: part(parts.train)!, val: part(parts.val), test: part(parts.test), rows: parts };
}
