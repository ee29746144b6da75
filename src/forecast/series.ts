// One long series from the formats a user brings: CSV text (src/data/csv.ts), JSON (an array of numbers,
// of rows, or of records {column: value}), NumPy .npy bytes (T) or (T, D), or plain arrays in the library.
// Every value must be a finite number: a bad cell is a WarpError naming its row (1-based, as a person
// counts) and column; missing cells (null, empty) are errors unless `interpolate` fills them. Rows must be
// in time order: a time column (numbers or ISO 8601 dates) that goes back or repeats is an error.
// Not here: reading files (cli/), windowing and normalisation.

import { type CsvSeries, checkTimeOrder, decodeCsvText, fillGaps, parseCsvSeries } from "../data/csv.js";
import { decodeNpy } from "../io/npy.js";
import { assert, WarpError } from "../util/assert.js";

/** Options of `parseSeries`. */
export interface SeriesOptions {
  /** Columns to keep (names or 0-based indices); default every numeric column. */
  columns?: ReadonlyArray<string | number> | null;
  /** The time column (name or index), kept as text; null/undefined: detected (CSV) or none. */
  timeColumn?: string | number | null;
  /** Fill missing cells by linear interpolation instead of rejecting them (default false). */
  interpolate?: boolean;
}

/** File formats of `parseSeries`. */
export type SeriesFormat = "csv" | "json" | "npy";

/** The format of a file name by its extension (.csv/.tsv/.txt, .json, .npy), or null. */
export function seriesFormat(name: string): SeriesFormat | null {
  if (/\.(csv|tsv|txt)$/i.test(name)) return "csv";
  if (/\.json$/i.test(name)) return "json";
  if (/\.npy$/i.test(name)) return "npy";
  return null;
}

/** A series from a file's bytes in one of the formats. */
export function parseSeries(bytes: Uint8Array, format: SeriesFormat, o: SeriesOptions = {}): CsvSeries {
  if (format === "npy") return selectColumns(npySeries(bytes), o.columns);
  if (format === "csv")
    return parseCsvSeries(decodeCsvText(bytes), {
      columns: o.columns ?? undefined,
      dateColumn: o.timeColumn ?? undefined,
      missing: o.interpolate ? "interpolate" : "error",
    });
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new WarpError(`json: ${(e as Error).message}`);
  }
  return jsonSeries(doc, o);
}

/** A (T) or (T, D) .npy array as a series with columns "0", "1", …; non-finite values are errors. */
function npySeries(bytes: Uint8Array): CsvSeries {
  const x = decodeNpy(bytes);
  assert(
    x.ndim === 1 || x.ndim === 2,
    () => `npy: expected a series (T) or (T, D), got shape (${x.shape.join(", ")})`,
  );
  const rows = x.shape[0]!;
  const D = x.ndim === 2 ? x.shape[1]! : 1;
  const values = Float64Array.from(x.data as ArrayLike<number>);
  values.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new WarpError(`npy: row ${Math.floor(i / D) + 1}, column ${i % D}: ${v} is not a finite number`);
  });
  return {
    columns: Array.from({ length: D }, (_, d) => String(d)),
    rows,
    values,
    dates: null,
    missing: 0,
  };
}

/** Keeps the named or indexed columns of a series, in that order. */
function selectColumns(s: CsvSeries, columns: ReadonlyArray<string | number> | null | undefined): CsvSeries {
  if (!columns) return s;
  const D = s.columns.length;
  const idx = columns.map((c) => {
    const i = typeof c === "number" ? c : s.columns.indexOf(c);
    assert(
      Number.isInteger(i) && i >= 0 && i < D,
      () => `no column ${JSON.stringify(c)} (the series has: ${s.columns.join(", ")})`,
    );
    return i;
  });
  const values = new Float64Array(s.rows * idx.length);
  for (let r = 0; r < s.rows; r++) idx.forEach((i, j) => (values[r * idx.length + j] = s.values[r * D + i]!));
  return { ...s, columns: idx.map((i) => s.columns[i]!), values };
}

/**
 * A series from JSON-like data: [1, 2, …] (one column "0"), [[1, 10], [2, 20], …] (columns "0", "1", …),
 * or [{date: "…", units: 3}, …] (columns by key; the time column's values kept as text; default every key
 * whose values are numbers). null/undefined cells are missing; any other non-number is an error.
 */
export function jsonSeries(doc: unknown, o: SeriesOptions = {}, what = "json"): CsvSeries {
  assert(
    Array.isArray(doc) && doc.length > 0,
    () => `${what}: expected a non-empty array of values, rows or records`,
  );
  const rows = doc.length;
  const first = doc[0];
  let names: string[];
  let get: (r: number, c: string) => unknown;
  let dates: string[] | null = null;
  if (first !== null && typeof first === "object" && !Array.isArray(first)) {
    const keys = Object.keys(first as object);
    const time =
      o.timeColumn === null || o.timeColumn === undefined
        ? (keys.find((k) => /date|time/i.test(k)) ?? null)
        : typeof o.timeColumn === "number"
          ? (keys[o.timeColumn] ?? null)
          : o.timeColumn;
    const rec = (r: number): Record<string, unknown> => {
      const v = doc[r];
      assert(
        v !== null && typeof v === "object" && !Array.isArray(v),
        () => `${what}: row ${r + 1} is not a record`,
      );
      return v as Record<string, unknown>;
    };
    get = (r, c) => rec(r)[c];
    if (time !== null) {
      dates = doc.map((_, r) => String(rec(r)[time] ?? ""));
      checkTimeOrder(
        dates,
        time,
        what,
        (r) => `row ${r + 1}`,
        o.timeColumn !== null && o.timeColumn !== undefined,
      );
    }
    names = keys.filter((k) => k !== time && doc.some((_, r) => typeof rec(r)[k] === "number"));
  } else {
    const width = Array.isArray(first) ? first.length : 0;
    const row = (r: number): unknown[] => {
      const v = doc[r];
      if (width === 0) return [v];
      assert(
        Array.isArray(v) && v.length === width,
        () => `${what}: row ${r + 1} is not an array of ${width} values`,
      );
      return v as unknown[];
    };
    names = Array.from({ length: Math.max(width, 1) }, (_, d) => String(d));
    get = (r, c) => row(r)[Number(c)];
  }
  if (o.columns) {
    names = o.columns.map((c) => {
      const name = typeof c === "number" ? names[c] : names.includes(c) ? c : undefined;
      if (name === undefined)
        throw new WarpError(`${what}: no column ${JSON.stringify(c)} (the series has: ${names.join(", ")})`);
      return name;
    });
  }
  assert(names.length > 0, () => `${what}: no numeric column`);
  const D = names.length;
  const values = new Float64Array(rows * D);
  let missing = 0;
  names.forEach((c, j) => {
    for (let r = 0; r < rows; r++) {
      const v = get(r, c);
      if (v === null || v === undefined) {
        if (!o.interpolate)
          throw new WarpError(
            `${what}: row ${r + 1}, column "${c}": missing value (set data.interpolate: true to fill missing cells)`,
          );
        values[r * D + j] = Number.NaN;
        missing++;
        continue;
      }
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new WarpError(
          `${what}: row ${r + 1}, column "${c}": ${JSON.stringify(v)} is not a finite number`,
        );
      values[r * D + j] = v;
    }
    if (fillGaps(values, rows, j, D) < 0) throw new WarpError(`${what}: column "${c}" has no value at all`);
  });
  return { columns: names, rows, values, dates, missing };
}
