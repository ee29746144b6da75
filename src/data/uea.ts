// The UEA/UCR time-series archive: its `.ts` text format (sktime's), and the reference's preprocessed `.npz`
// layout (entries `data` (n, T, D) and `labels` (n), from log-neural-cdes). `.ts` files may have missing
// values ("?", "NaN" or empty) and series of unequal lengths; both are made regular here (see parseUeaTs)
// so the result is an (n, T, D) float32 array with int32 labels numbered in the header's class order.
// Not here: reading files, normalisation and Datasets (layouts.ts fits per-channel min/max on train).

import { decodeNpz } from "../io/npy.js";
import { convert, Tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import { fillGaps } from "./csv.js";

/** One parsed `.ts` file, made regular: (n, T, D) values and labels in the header's class order. */
export interface UeaData {
  /** @problemName, or null when the header has none. */
  problemName: string | null;
  /** Values (n, T, D), float32, every value finite. */
  x: Tensor;
  /** Class indices int32 (n) into `classNames`, or null for a file without class labels. */
  labels: Tensor | null;
  /** The class labels of the header (@classLabel true …), in order: label i is classNames[i]. */
  classNames: string[];
  /** Observed length of each sequence (the longest of its dimensions), before padding to T. */
  lengths: Int32Array;
  /** Number of missing values filled by interpolation (see parseUeaTs). */
  missing: number;
  /** Number of values added to pad sequences to T. */
  padded: number;
  /** Regression targets (@targetLabel true), one per sequence, else null. */
  targets: Float64Array | null;
}

/** Options of `parseUeaTs`. */
export interface UeaParseOptions {
  /** Pad every sequence to this many steps (default: the longest in the file); longer ones are errors. */
  length?: number;
  /** Class labels to number by (default: the file's @classLabel list), e.g. the training file's. */
  classNames?: readonly string[];
}

interface RawTs {
  problemName: string | null;
  classNames: string[];
  hasLabels: boolean;
  hasTargets: boolean;
  /** Per sequence, per dimension: the values read (NaN for missing). */
  series: number[][][];
  /** Per sequence: its class label text, or its target text. */
  tags: string[];
  lines: number[];
}

const truthy = (what: string, v: string | undefined, line: number): boolean => {
  const s = (v ?? "").toLowerCase();
  assert(
    s === "true" || s === "false",
    () => `uea .ts: line ${line}: ${what} must be true or false, got "${v ?? ""}"`,
  );
  return s === "true";
};

/** Splits a data line at ':' outside parentheses (timestamps such as (2007-01-01 00:00:00,1.5) hold ':'). */
function splitDims(line: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === ":" && depth === 0) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out;
}

const MISSING = new Set(["?", "nan", ""]);

function parseValue(s: string, line: number, dim: number): number {
  const t = s.trim();
  if (MISSING.has(t.toLowerCase())) return Number.NaN;
  const v = Number(t);
  assert(
    /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && Number.isFinite(v),
    () => `uea .ts: line ${line}, dimension ${dim}: "${t}" is not a number or "?"`,
  );
  return v;
}

function parseDim(s: string, timestamps: boolean, line: number, dim: number): number[] {
  if (!timestamps) return s.trim() === "" ? [] : s.split(",").map((v) => parseValue(v, line, dim));
  const out: number[] = [];
  const re = /\(([^()]*)\)/g;
  let m: RegExpExecArray | null = re.exec(s);
  while (m) {
    const inner = m[1]!;
    const comma = inner.lastIndexOf(",");
    assert(
      comma >= 0,
      () => `uea .ts: line ${line}, dimension ${dim}: "(${inner})" is not (timestamp,value)`,
    );
    out.push(parseValue(inner.slice(comma + 1), line, dim));
    m = re.exec(s);
  }
  assert(
    out.length > 0 || s.trim() === "",
    () =>
      `uea .ts: line ${line}, dimension ${dim}: @timeStamps is true but no (timestamp,value) pair was found`,
  );
  return out;
}

function readTs(text: string): RawTs {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  let problemName: string | null = null;
  let timestamps = false;
  let univariate: boolean | null = null;
  let dimensions: number | null = null;
  let equalLength = false;
  let seriesLength: number | null = null;
  let hasLabels = false;
  let hasTargets = false;
  let classNames: string[] = [];
  let inData = false;
  const series: number[][][] = [];
  const tags: string[] = [];
  const lineNos: number[] = [];
  let D: number | null = null;
  for (let li = 0; li < lines.length; li++) {
    const no = li + 1;
    const line = lines[li]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!inData) {
      assert(
        line.startsWith("@"),
        () => `uea .ts: line ${no}: expected a header tag (@…) before @data, got "${line.slice(0, 40)}"`,
      );
      const [tag, ...rest] = line.split(/\s+/);
      const t = tag!.toLowerCase();
      if (t === "@problemname") problemName = rest.join(" ") || null;
      else if (t === "@timestamps") timestamps = truthy("@timeStamps", rest[0], no);
      else if (t === "@missing") truthy("@missing", rest[0], no);
      else if (t === "@univariate") univariate = truthy("@univariate", rest[0], no);
      else if (t === "@dimension" || t === "@dimensions") {
        dimensions = Number(rest[0]);
        assert(
          Number.isInteger(dimensions) && dimensions >= 1,
          () => `uea .ts: line ${no}: bad ${tag} "${rest[0] ?? ""}"`,
        );
      } else if (t === "@equallength") equalLength = truthy("@equalLength", rest[0], no);
      else if (t === "@serieslength") {
        seriesLength = Number(rest[0]);
        assert(
          Number.isInteger(seriesLength) && seriesLength >= 1,
          () => `uea .ts: line ${no}: bad @seriesLength "${rest[0] ?? ""}"`,
        );
      } else if (t === "@classlabel") {
        hasLabels = truthy("@classLabel", rest[0], no);
        classNames = hasLabels ? rest.slice(1) : [];
        assert(
          !hasLabels || classNames.length > 0,
          () => `uea .ts: line ${no}: @classLabel true lists no class`,
        );
        assert(
          new Set(classNames).size === classNames.length,
          () => `uea .ts: line ${no}: @classLabel lists a class twice (${classNames.join(" ")})`,
        );
      } else if (t === "@targetlabel") hasTargets = truthy("@targetLabel", rest[0], no);
      else if (t === "@data") inData = true;
      // Other tags (e.g. @timeStamps variants of other tools) are ignored.
      continue;
    }
    const fields = splitDims(line);
    let tag = "";
    if (hasLabels || hasTargets) {
      assert(fields.length >= 2, () => `uea .ts: line ${no}: expected dimensions then a label, found no ':'`);
      tag = fields.pop()!.trim();
    }
    const dims = fields.map((f, d) => parseDim(f, timestamps, no, d));
    if (D === null) {
      D = dims.length;
      if (dimensions !== null)
        assert(
          D === dimensions,
          () => `uea .ts: line ${no}: ${D} dimensions, but the header declares @dimensions ${dimensions}`,
        );
      if (univariate === true)
        assert(D === 1, () => `uea .ts: line ${no}: ${D} dimensions in a file declared @univariate true`);
    } else
      assert(
        dims.length === D,
        () => `uea .ts: line ${no}: ${dims.length} dimensions, the first series has ${D}`,
      );
    if (equalLength && seriesLength !== null)
      dims.forEach((v, d) =>
        assert(
          v.length === seriesLength,
          () =>
            `uea .ts: line ${no}, dimension ${d}: ${v.length} values, but @equalLength true and @seriesLength ${seriesLength}`,
        ),
      );
    series.push(dims);
    tags.push(tag);
    lineNos.push(no);
  }
  assert(inData, () => "uea .ts: no @data line (is this a .ts file of the UEA/UCR archive?)");
  assert(series.length > 0, () => "uea .ts: no series after @data");
  return { problemName, classNames, hasLabels, hasTargets, series, tags, lines: lineNos };
}

/** The longest series (over sequences and dimensions) of a raw file. */
const longest = (raw: RawTs) => raw.series.reduce((m, s) => Math.max(m, ...s.map((v) => v.length)), 0);

function labelIndex(names: readonly string[], tag: string, line: number): number {
  let i = names.indexOf(tag);
  if (i < 0 && tag !== "" && Number.isFinite(Number(tag)))
    i = names.findIndex((n) => n !== "" && Number(n) === Number(tag));
  assert(
    i >= 0,
    () => `uea .ts: line ${line}: class label "${tag}" is not one of the header's (${names.join(" ")})`,
  );
  return i;
}

function assemble(raw: RawTs, T: number, classNames: readonly string[]): UeaData {
  const n = raw.series.length;
  const D = raw.series[0]!.length;
  // Channel means over every observed value: the fill for a dimension with no value in some sequence.
  const sum = new Float64Array(D);
  const count = new Float64Array(D);
  for (const s of raw.series)
    s.forEach((v, d) => {
      for (const x of v)
        if (!Number.isNaN(x)) {
          sum[d] += x;
          count[d]++;
        }
    });
  const out = new Float32Array(n * T * D);
  const lengths = new Int32Array(n);
  let missing = 0;
  let padded = 0;
  const buf = new Float64Array(T);
  raw.series.forEach((s, i) => {
    const len = Math.max(...s.map((v) => v.length));
    assert(
      len <= T,
      () =>
        `uea .ts: line ${raw.lines[i]}: a series of ${len} steps is longer than the length ${T} asked for`,
    );
    lengths[i] = len;
    s.forEach((v, d) => {
      const m = v.length;
      for (let t = 0; t < m; t++) buf[t] = v[t]!;
      const f = fillGaps(buf, m);
      if (f < 0 || m === 0) {
        buf.fill(count[d]! > 0 ? sum[d]! / count[d]! : 0, 0, Math.max(m, 1));
        missing += m;
      } else missing += f;
      const last = buf[Math.max(m - 1, 0)]!;
      for (let t = Math.max(m, 1); t < T; t++) buf[t] = last;
      padded += T - m;
      for (let t = 0; t < T; t++) out[(i * T + t) * D + d] = buf[t]!;
    });
  });
  let labels: Tensor | null = null;
  if (raw.hasLabels) {
    const l = new Int32Array(n);
    raw.tags.forEach((tag, i) => {
      l[i] = labelIndex(classNames, tag, raw.lines[i]!);
    });
    labels = new Tensor(l, [n]).keep();
  }
  let targets: Float64Array | null = null;
  if (raw.hasTargets) {
    targets = new Float64Array(n);
    raw.tags.forEach((tag, i) => {
      const v = Number(tag);
      assert(
        tag !== "" && Number.isFinite(v),
        () => `uea .ts: line ${raw.lines[i]}: target "${tag}" is not a number`,
      );
      targets![i] = v;
    });
  }
  return {
    problemName: raw.problemName,
    x: new Tensor(out, [n, T, D]).keep(),
    labels,
    classNames: [...classNames],
    lengths,
    missing,
    padded,
    targets,
  };
}

/**
 * Parses the text of a UEA/UCR `.ts` file into (n, T, D) float32 values and int32 labels.
 * - Header: @problemName, @timeStamps, @missing, @univariate, @dimensions, @equalLength, @seriesLength,
 *   @classLabel true <labels…> | false, @targetLabel, then @data; '#' lines are comments. Declared
 *   @dimensions / @univariate / @seriesLength (with @equalLength true) are checked against the data.
 * - Data lines: dimensions separated by ':', values by ','; the class label last. With @timeStamps true,
 *   values are (timestamp,value) pairs: the timestamps are dropped and the values kept in file order.
 * - Labels: the index of the line's label in the header's @classLabel list (or `options.classNames`),
 *   so labels are 0..C−1 in header order; an unknown label is an error naming the line.
 * - Missing values ("?", "NaN", empty): linear interpolation between the nearest observed values of the
 *   same sequence and dimension; before the first observation its value, after the last the last value.
 *   A dimension with no observed value in a sequence is filled with that dimension's mean over the file.
 * - Unequal lengths: every dimension of every sequence is padded to T (options.length, default the
 *   longest series in the file) by repeating its last value; a longer series is an error.
 * Other errors name the line: a wrong number of dimensions, a value that is not a number, a malformed tag.
 */
export function parseUeaTs(text: string, options: UeaParseOptions = {}): UeaData {
  const raw = readTs(text);
  const T = options.length ?? longest(raw);
  assert(Number.isInteger(T) && T >= 1, () => `parseUeaTs: length must be a positive integer, got ${T}`);
  return assemble(raw, T, options.classNames ?? raw.classNames);
}

/**
 * A UEA problem's `<Name>_TRAIN.ts` and `<Name>_TEST.ts` texts, parsed with one length T (the longest
 * series in either file) and the training file's class list, so both have the same shape (·, T, D) and
 * class numbering. The two files must have the same number of dimensions. Errors in a file start with
 * its name from `names`.
 */
export function parseUeaTsPair(
  trainText: string,
  testText: string,
  names: readonly [string, string] = ["training file", "test file"],
): { train: UeaData; test: UeaData } {
  const read = (text: string, name: string) => {
    try {
      return readTs(text);
    } catch (e) {
      if (e instanceof WarpError) throw new WarpError(`${name}: ${e.message}`);
      throw e;
    }
  };
  const rawTrain = read(trainText, names[0]);
  const rawTest = read(testText, names[1]);
  const D = rawTrain.series[0]!.length;
  const Dt = rawTest.series[0]!.length;
  assert(D === Dt, () => `uea .ts: ${names[0]} has ${D} dimensions, ${names[1]} has ${Dt}`);
  assert(
    rawTrain.hasLabels === rawTest.hasLabels,
    () =>
      `uea .ts: ${rawTrain.hasLabels ? names[0] : names[1]} has class labels and ${rawTrain.hasLabels ? names[1] : names[0]} has none`,
  );
  const T = Math.max(longest(rawTrain), longest(rawTest));
  return {
    train: assemble(rawTrain, T, rawTrain.classNames),
    test: assemble(rawTest, T, rawTrain.classNames),
  };
}

/**
 * The reference's UEA `.npz` (entries `data` (n, T, D) float and `labels` (n) or (n, 1), integers or
 * integral floats): x as float32 and labels as int32. A missing entry lists the archive's keys; wrong
 * ranks, dtypes or non-integer labels are WarpErrors naming them.
 */
export function ueaArraysFromNpz(bytes: Uint8Array): { x: Tensor; labels: Tensor } {
  const arrays = decodeNpz(bytes);
  const keys = Object.keys(arrays);
  for (const k of ["data", "labels"])
    assert(
      Object.hasOwn(arrays, k),
      () =>
        `uea .npz: no entry "${k}" (the archive holds ${keys.map((s) => JSON.stringify(s)).join(", ") || "nothing"})`,
    );
  const data = arrays.data!;
  assert(
    data.ndim === 3 && data.dtype !== "int32",
    () => `uea .npz: "data" must be a float array (n, T, D), got ${data.dtype} ${fmtShape(data.shape)}`,
  );
  const x = (data.dtype === "float32" ? data : convert(data, "float32")).keep();
  const lab = arrays.labels!;
  const n = data.shape[0]!;
  assert(
    (lab.ndim === 1 || (lab.ndim === 2 && lab.shape[1] === 1)) && lab.shape[0] === n,
    () =>
      `uea .npz: "labels" must be (${n}) or (${n}, 1) to match data ${fmtShape(data.shape)}, got ${fmtShape(lab.shape)}`,
  );
  const l = new Int32Array(n);
  lab.data.forEach((v, i) => {
    assert(
      Number.isInteger(v) && v >= 0,
      () => `uea .npz: label ${v} at index [${i}] is not a non-negative integer`,
    );
    l[i] = v;
  });
  return { x, labels: new Tensor(l, [n]).keep() };
}
