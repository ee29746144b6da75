// Vega-Lite specifications for training plots: loss curves, forecasts against the truth, and image-completion
// grids. Pure functions returning plain JSON objects (same input, same spec); they validate their input and
// throw a WarpError naming the argument. Not a renderer: cli/plots.ts turns these specs into SVG and PNG.

import type { TopLevelSpec } from "vega-lite";
import { WarpError } from "../util/assert.js";

/** A Vega-Lite specification, as plain JSON (no functions, no class instances). */
export type PlotSpec = TopLevelSpec;

/** Colours shared by the plots: the first series (train, truth) and the second (validation, prediction). */
export const PLOT_COLOURS = {
  first: "#1f77b4",
  second: "#d62728",
  context: "#7f7f7f",
  baseline: "#2ca02c",
} as const;

/**
 * One epoch as the loss curve reads it: a metrics.jsonl line. `val` is either one number or the record of
 * validation metrics (the one named by `valName` is plotted); null or absent on epochs without validation.
 * `lr_scale` is accepted (so metrics lines can be passed as they are) but not plotted.
 */
export interface LossRecord {
  epoch: number;
  train_loss: number;
  val?: number | Readonly<Record<string, number>> | null;
  lr_scale?: number | null;
}

/** Options of lossCurveSpec. */
export interface LossCurveOptions {
  /** Legend name of the validation series, and the key read when `val` is a record. Default "val". */
  valName?: string;
  /** Logarithmic loss axis; every plotted loss must then be > 0. Default false. */
  logScale?: boolean;
  /** Title above the chart. Default "Training loss". */
  title?: string;
}

function fail(message: string): never {
  throw new WarpError(message);
}

function checkFinite(value: number, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value))
    fail(`${what} must be a finite number, got ${value}`);
}

/**
 * Train and validation loss against the epoch: two line series in two colours, with a legend.
 * Non-finite losses (a diverged epoch) are left out of the lines rather than breaking the chart.
 */
const TRAIN_SERIES = "training loss";

export function lossCurveSpec(records: readonly LossRecord[], options: LossCurveOptions = {}): PlotSpec {
  const valName = options.valName ?? "val";
  const logScale = options.logScale ?? false;
  if (!Array.isArray(records) || records.length === 0) fail("records: need at least one epoch record");
  if (valName === "train") fail(`valName: "train" is taken by the training series`);
  // Say what each line is: the training loss, and the validation metric (e.g. MSE on the validation split).
  const valSeries = `validation ${valName}`;
  const values: { epoch: number; series: string; loss: number }[] = [];
  records.forEach((r, i) => {
    checkFinite(r.epoch, `records[${i}].epoch`);
    if (typeof r.train_loss !== "number") fail(`records[${i}].train_loss must be a number`);
    if (Number.isFinite(r.train_loss))
      values.push({ epoch: r.epoch, series: TRAIN_SERIES, loss: r.train_loss });
    const v = r.val;
    const val = v === null || v === undefined ? undefined : typeof v === "number" ? v : v[valName];
    if (typeof val === "number" && Number.isFinite(val))
      values.push({ epoch: r.epoch, series: valSeries, loss: val });
  });
  if (values.length === 0) fail("records: no finite loss to plot");
  if (logScale) {
    const bad = values.find((p) => p.loss <= 0);
    if (bad) fail(`logScale: ${bad.series} at epoch ${bad.epoch} is ${bad.loss}, not > 0`);
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Training loss",
    width: 480,
    height: 280,
    data: { values },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch" },
      y: {
        field: "loss",
        type: "quantitative",
        title: "loss / metric",
        scale: logScale ? { type: "log" } : { zero: false },
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: [TRAIN_SERIES, valSeries], range: [PLOT_COLOURS.first, PLOT_COLOURS.second] },
      },
    },
  };
}

/** Input of forecastSpec: per-dimension series over one time axis. */
export interface ForecastInput {
  /** Time of each step (length T). */
  times: readonly number[];
  /** Ground truth, one array of length T per dimension. */
  truth: readonly (readonly number[])[];
  /** Predicted mean, same shape as `truth`. */
  mean: readonly (readonly number[])[];
  /** Predicted standard deviation, same shape as `truth`; draws a shaded ±σ band when given. */
  std?: readonly (readonly number[])[] | null;
  /** Number of context steps (0..T); a vertical rule marks times[context], where the forecast starts. */
  context: number;
  /** Title above the chart. */
  title: string;
  /** Legend name of `mean` (default "prediction"). */
  predictionName?: string;
  /** A second forecast drawn beside `mean` (e.g. the best baseline), same shape as `truth`. */
  baseline?: { name: string; mean: readonly (readonly number[])[] } | null;
  /** Names the context rule in the legend (e.g. "context: 56 steps"); default "end of context". */
  contextLabel?: string;
  /** The units of the values plotted, for the y axes (e.g. "original units", "normalised"). */
  units?: string;
  /** Axis title of each dimension's panel (default "dim d"). */
  dimNames?: readonly string[];
}

function checkSeries(
  name: string,
  series: readonly (readonly number[])[],
  dims: number,
  steps: number,
): void {
  if (!Array.isArray(series) || series.length !== dims) {
    fail(
      `${name}: expected ${dims} dimension(s) like truth, got ${Array.isArray(series) ? series.length : "none"}`,
    );
  }
  series.forEach((s, d) => {
    if (!Array.isArray(s) || s.length !== steps) {
      fail(`${name}[${d}]: expected ${steps} values like times, got ${Array.isArray(s) ? s.length : "none"}`);
    }
  });
}

/**
 * Truth against prediction for each dimension (one panel per dimension, stacked), with a shaded ±σ band
 * when `std` is given and a dashed vertical rule where the context ends and the forecast begins.
 */
export function forecastSpec(input: ForecastInput): PlotSpec {
  const { times, truth, mean, std, context, title, baseline, units } = input;
  const predName = input.predictionName ?? "prediction";
  // The dashed rule is in the legend too: the end of the context, where the forecast starts.
  const contextLabel = input.contextLabel ?? "end of context";
  const yTitle = (d: number) => {
    const name = input.dimNames?.[d] ?? `dim ${d}`;
    return units ? `${name} (${units})` : name;
  };
  if (!Array.isArray(times) || times.length === 0) fail("times: need at least one time step");
  times.forEach((t, i) => checkFinite(t, `times[${i}]`));
  const steps = times.length;
  if (!Array.isArray(truth) || truth.length === 0) fail("truth: need at least one dimension");
  const dims = truth.length;
  checkSeries("truth", truth, dims, steps);
  checkSeries("mean", mean, dims, steps);
  if (std !== undefined && std !== null) checkSeries("std", std, dims, steps);
  if (baseline) checkSeries("baseline.mean", baseline.mean, dims, steps);
  const domain = ["truth", predName, ...(baseline ? [baseline.name] : []), contextLabel];
  const range = [
    PLOT_COLOURS.first,
    PLOT_COLOURS.second,
    ...(baseline ? [PLOT_COLOURS.baseline] : []),
    PLOT_COLOURS.context,
  ];
  if (!Number.isInteger(context) || context < 0 || context > steps) {
    fail(`context: must be an integer in 0..${steps} (the number of times), got ${context}`);
  }
  const ruleAt = times[Math.min(context, steps - 1)];
  const panels = truth.map((truthD, d) => {
    const lines: { t: number; series: string; y: number }[] = [];
    for (let i = 0; i < steps; i++) lines.push({ t: times[i], series: "truth", y: truthD[i] });
    for (let i = 0; i < steps; i++) lines.push({ t: times[i], series: predName, y: mean[d][i] });
    if (baseline)
      for (let i = 0; i < steps; i++)
        lines.push({ t: times[i], series: baseline.name, y: baseline.mean[d][i] });
    const layer: object[] = [];
    if (std) {
      const band = times.map((t, i) => ({ t, lo: mean[d][i] - std[d][i], hi: mean[d][i] + std[d][i] }));
      layer.push({
        data: { values: band },
        mark: { type: "area", color: PLOT_COLOURS.second, opacity: 0.2 },
        encoding: {
          x: { field: "t", type: "quantitative", title: "time" },
          y: { field: "lo", type: "quantitative", title: yTitle(d) },
          y2: { field: "hi" },
        },
      });
    }
    layer.push({
      data: { values: lines },
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "t", type: "quantitative", title: "time" },
        y: { field: "y", type: "quantitative", title: yTitle(d), scale: { zero: false } },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain, range },
        },
      },
    });
    layer.push({
      data: { values: [{ t: ruleAt, series: contextLabel }] },
      mark: { type: "rule", strokeDash: [4, 3] },
      encoding: {
        x: { field: "t", type: "quantitative" },
        color: { field: "series", type: "nominal", title: null, scale: { domain, range } },
      },
    });
    return { width: 480, height: 120, layer };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    vconcat: panels,
  } as PlotSpec;
}

/** Input of imageGridSpec. */
export interface ImageGridInput {
  /** Images as flat row-major pixels in [-1, 1] (values outside are clamped), each of width × height. */
  images: readonly (readonly number[])[];
  width: number;
  height: number;
  /** Images per row of the grid. */
  columns: number;
  /** Number of context pixels (row-major, 0..width×height); a red outline marks where they end. */
  context: number;
  /** One title per image, drawn above it. */
  titles?: readonly string[];
  /** Title above the grid. */
  title?: string;
  /** Side of one pixel on screen, in px. Default: about 112 px per image side. */
  pixelSize?: number;
}

/**
 * A grid of grayscale images (one rect per pixel, -1 black to 1 white), each with a red staircase outline
 * between its context pixels and the completed ones. Laid out in screen pixels (no axes).
 */
export function imageGridSpec(input: ImageGridInput): PlotSpec {
  const { images, width, height, columns, context, titles } = input;
  if (!Number.isInteger(width) || width < 1) fail(`width: must be a positive integer, got ${width}`);
  if (!Number.isInteger(height) || height < 1) fail(`height: must be a positive integer, got ${height}`);
  if (!Number.isInteger(columns) || columns < 1) fail(`columns: must be a positive integer, got ${columns}`);
  if (!Array.isArray(images) || images.length === 0) fail("images: need at least one image");
  const pixels = width * height;
  images.forEach((img, n) => {
    if (!Array.isArray(img) || img.length !== pixels) {
      fail(
        `images[${n}]: expected ${pixels} pixels (${width}×${height}), got ${Array.isArray(img) ? img.length : "none"}`,
      );
    }
  });
  if (!Number.isInteger(context) || context < 0 || context > pixels) {
    fail(`context: must be an integer in 0..${pixels} (width×height), got ${context}`);
  }
  if (titles !== undefined && (!Array.isArray(titles) || titles.length !== images.length)) {
    fail(
      `titles: expected ${images.length} (one per image), got ${Array.isArray(titles) ? titles.length : "none"}`,
    );
  }
  const px = input.pixelSize ?? Math.max(1, Math.floor(112 / Math.max(width, height)));
  if (!(px > 0) || !Number.isFinite(px)) fail(`pixelSize: must be a positive number, got ${px}`);
  const gap = 10;
  const titleBand = titles ? 16 : 0;
  const cellW = width * px + gap;
  const cellH = height * px + gap + titleBand;
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);

  const cells: { x: number; x2: number; y: number; y2: number; v: number }[] = [];
  const outline: { x: number; x2: number; y: number; y2: number }[] = [];
  const labels: { x: number; y: number; text: string }[] = [];
  const r = Math.floor(context / width);
  const c = context % width;
  images.forEach((img, n) => {
    const ox = (n % cols) * cellW;
    const oy = Math.floor(n / cols) * cellH + titleBand;
    for (let i = 0; i < pixels; i++) {
      const x = ox + (i % width) * px;
      const y = oy + Math.floor(i / width) * px;
      const v = img[i];
      cells.push({ x, x2: x + px, y, y2: y + px, v: Number.isFinite(v) ? v : 0 });
    }
    // Boundary between pixel `context - 1` and pixel `context`: below the partial row, up, then above the rest.
    const seg = (x: number, x2: number, y: number, y2: number) => {
      if (x !== x2 || y !== y2)
        outline.push({ x: ox + x * px, x2: ox + x2 * px, y: oy + y * px, y2: oy + y2 * px });
    };
    if (c === 0) seg(0, width, r, r);
    else {
      seg(0, c, r + 1, r + 1);
      seg(c, c, r, r + 1);
      seg(c, width, r, r);
    }
    if (titles) labels.push({ x: ox + (width * px) / 2, y: oy - 4, text: titles[n] });
  });

  const pixelScale = { scale: null };
  const layer: object[] = [
    {
      data: { values: cells },
      mark: { type: "rect", strokeWidth: 0 },
      encoding: {
        x: { field: "x", type: "quantitative", ...pixelScale },
        x2: { field: "x2" },
        y: { field: "y", type: "quantitative", ...pixelScale },
        y2: { field: "y2" },
        fill: {
          field: "v",
          type: "quantitative",
          scale: { domain: [-1, 1], range: ["#000000", "#ffffff"], clamp: true },
          legend: null,
        },
      },
    },
    {
      data: { values: outline },
      mark: { type: "rule", color: "#e41a1c", strokeWidth: 2 },
      encoding: {
        x: { field: "x", type: "quantitative", ...pixelScale },
        x2: { field: "x2" },
        y: { field: "y", type: "quantitative", ...pixelScale },
        y2: { field: "y2" },
      },
    },
  ];
  if (titles) {
    layer.push({
      data: { values: labels },
      mark: { type: "text", baseline: "bottom", align: "center", fontSize: 11 },
      encoding: {
        x: { field: "x", type: "quantitative", ...pixelScale },
        y: { field: "y", type: "quantitative", ...pixelScale },
        text: { field: "text", type: "nominal" },
      },
    });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(input.title !== undefined ? { title: input.title } : {}),
    width: cols * cellW - gap,
    height: rows * cellH - gap,
    config: { view: { stroke: null } },
    layer,
  } as PlotSpec;
}
