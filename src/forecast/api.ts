// The forecasting library API: fitForecaster(series, { context, horizon }) trains a WARP forecaster with the
// built-in recipe (src/forecast/recipe.ts) on one long series (number[] or rows number[][]), keeping the
// parameters of the best validation epoch; the Forecaster continues histories past their end
// (`forecast`), scores itself and the classical baselines on a series (`evaluate`), and saves to bytes
// (config, weights, normalisation, baselines) that `loadForecaster` reads back. fitForecasterAsync is the
// same training, yielding to the event loop between epochs, with progress and an AbortSignal.
// No I/O: bytes in, bytes out.

import type { HorizonMetrics } from "../baselines/classical.js";
import { applyOverrides } from "../config/overrides.js";
import { modelConfigFromRun, resolveRunConfig } from "../config/run-config.js";
import type { InstanceNorm, SeriesScaling } from "../config/run-schema.js";
import { type CsvSeries, windowSeries } from "../data/csv.js";
import { createModel } from "../models.js";
import { optimizerFromConfig } from "../optim/from-config.js";
import type { SequenceModel } from "../sequence-model.js";
import { type FitState, fitSteps } from "../train/fit.js";
import { WarpError } from "../util/assert.js";
import { randomKey } from "../util/random.js";
import { loadCheckpoint, saveCheckpoint } from "../warp/checkpoint.js";
import { compareForecasts, type ForecastSpec, forecastData, forecastSeries } from "./forecaster.js";
import { globalStats } from "./normalization.js";
import { FORECAST_RECIPE } from "./recipe.js";
import { jsonSeries } from "./series.js";

/** One long series: values (one channel), or rows of D values. */
export type SeriesInput = readonly number[] | readonly (readonly number[])[];

/** Options of fitForecaster. */
export interface FitForecasterOptions {
  /** Context length L: steps read before forecasting. */
  context: number;
  /** Horizon H: steps forecast after the context. */
  horizon: number;
  /** Channel names (default "0", "1", …). */
  columns?: readonly string[];
  /** Training epochs (default: the recipe's 30). */
  epochs?: number;
  /** Seed of the initialisation and the batch order (default 0). */
  seed?: number;
  /** Steps between training window starts (default 1). */
  stride?: number;
  /** Chronological fractions [train, val, test] (default [0.7, 0.1, 0.2]). */
  split?: readonly [number, number, number];
  /** Global scaling (default "standard"). */
  scaling?: SeriesScaling;
  /** Per-window centring relative to the context (default "season": the last season, else the last value). */
  instanceNorm?: InstanceNorm;
  /** The seasonal-naive baseline's season (default: detected). */
  season?: number | null;
  /** Further recipe keys as "section.key" → value, e.g. { "optimizer.init_lr": 1e-4 }. */
  set?: Readonly<Record<string, unknown>>;
}

/** One optimiser step's report. */
export interface FitProgress {
  /** 1-based epoch and step, and their totals. */
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
}

/** Options of fitForecasterAsync. */
export interface FitForecasterAsyncOptions extends FitForecasterOptions {
  /** Called after every optimiser step. */
  onProgress?: (p: FitProgress) => void;
  /** Aborts training (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** A forecast in the series' units: means and, when the model predicts one, σ per step. */
export interface Forecast<V> {
  mean: V[];
  std: V[] | null;
}

/** Horizon-only errors of the forecaster ("warp") and the baselines on the windows of a series. */
export interface ForecastEvaluation {
  windows: number;
  metrics: Record<string, HorizonMetrics>;
}

/** The series as rows (rows, D) with names; non-finite values are errors naming row and column. */
function seriesOf(series: SeriesInput, columns?: readonly string[]): CsvSeries {
  const s = jsonSeries(series, {}, "series");
  if (!columns) return s;
  if (columns.length !== s.columns.length)
    throw new WarpError(`series: ${columns.length} column names for ${s.columns.length} columns`);
  return { ...s, columns: [...columns] };
}

/** A trained forecaster: its model, parameters and forecasting spec. */
export class Forecaster {
  private constructor(
    readonly model: SequenceModel,
    readonly params: object,
    readonly spec: ForecastSpec,
    private readonly bytes: Uint8Array,
  ) {}

  /** Reads the bytes of `save()` (a warp-ts checkpoint with the forecasting spec). */
  static load(bytes: Uint8Array): Forecaster {
    const ck = loadCheckpoint<object>(bytes);
    const meta = ck.metadata.forecast;
    if (!meta)
      throw new WarpError("loadForecaster: the checkpoint has no forecasting spec (metadata forecast)");
    return new Forecaster(ck.model, ck.params, JSON.parse(meta) as ForecastSpec, bytes);
  }

  /** The checkpoint bytes: configuration, weights, normalisation and baselines. */
  save(): Uint8Array {
    return this.bytes.slice();
  }

  /**
   * Continues `history` (at least `context` steps) `horizon` steps past its end (default: the training
   * horizon; longer horizons roll forward on the training time grid).
   */
  forecast(history: readonly number[], horizon?: number): Forecast<number>;
  forecast(history: readonly (readonly number[])[], horizon?: number): Forecast<number[]>;
  forecast(history: SeriesInput, horizon = this.spec.horizon): Forecast<number> | Forecast<number[]> {
    const s = seriesOf(history);
    const D = this.spec.columns.length;
    if (s.columns.length !== D)
      throw new WarpError(`forecast: the history has ${s.columns.length} column(s), the model ${D}`);
    const f = forecastSeries(this.model, this.params, this.spec, s.values, s.rows, horizon);
    const rows = (v: Float64Array) =>
      Array.from({ length: horizon }, (_, h) => Array.from(v.subarray(h * D, (h + 1) * D)));
    if (typeof history[0] === "number")
      return { mean: Array.from(f.mean), std: f.std ? Array.from(f.std) : null };
    return { mean: rows(f.mean), std: f.std ? rows(f.std) : null };
  }

  /** Horizon-only MAE/RMSE/MASE of the forecaster and the baselines on every window of `series`. */
  evaluate(series: SeriesInput): ForecastEvaluation {
    const s = seriesOf(series);
    const { context: L, horizon: H } = this.spec;
    const x = windowSeries(s.values, s.rows, s.columns.length, { window: L + H });
    const cmp = compareForecasts(this.model, this.params, this.spec, x);
    const { model, ...rest } = cmp.metrics;
    return { windows: cmp.windows, metrics: { warp: model!, ...rest } };
  }
}

/** A forecaster from the bytes of `Forecaster.save()`. */
export function loadForecaster(bytes: Uint8Array): Forecaster {
  return Forecaster.load(bytes);
}

/** The training loop of both forms (`fitSteps`), yielding after every epoch; best-validation parameters kept as bytes. */
function* training(series: SeriesInput, o: FitForecasterAsyncOptions): Generator<void, Forecaster> {
  const sets = Object.entries({
    "general.seed": o.seed,
    "data.stride": o.stride,
    "data.split": o.split,
    "data.scaling": o.scaling,
    "data.instance_norm": o.instanceNorm,
    "training.nb_epochs": o.epochs,
    ...o.set,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const run = resolveRunConfig(applyOverrides(FORECAST_RECIPE, sets)).config;
  const data = forecastData(seriesOf(series, o.columns), {
    context: o.context,
    horizon: o.horizon,
    stride: run.data.stride,
    split: run.data.split,
    scaling: run.data.scaling ?? "standard",
    instance: run.data.instance_norm,
    instanceScale: run.data.instance_scale,
    season: o.season,
  });
  run.training.inference_start = o.context;
  const config = modelConfigFromRun(run, data.spec.columns.length, null);
  const model = createModel(config);
  const { optimizer, lrScale } = optimizerFromConfig(run.optimizer);
  const params = model.init(randomKey(run.general.seed), "float32");
  const start: FitState<unknown[], object> = {
    params,
    optState: optimizer.init(params),
    epoch: 0,
    best: null,
  };
  const meta = { forecast: JSON.stringify(data.spec) };
  const t = run.training;
  let best: Uint8Array | null = null;
  const steps = fitSteps(start, {
    model,
    optimizer,
    train: data.train,
    val: data.val,
    epochs: t.nb_epochs,
    batchSize: t.batch_size,
    key: randomKey(run.general.seed + 1),
    validEvery: t.valid_every,
    valCriterion: t.val_criterion,
    context: o.context,
    trainContext: run.training.context_rollout ? o.context : null,
    stats: globalStats(data.spec.normalization),
    lrScale,
    onStep: (s) => {
      if (o.signal?.aborted) throw o.signal.reason;
      o.onProgress?.({ epoch: s.epoch + 1, epochs: t.nb_epochs, step: s.step, steps: s.steps, loss: s.loss });
    },
    onEpoch: (_, s, improved) => {
      if (improved || !data.val) best = saveCheckpoint(config, s.params, {}, meta);
    },
  });
  let r = steps.next();
  for (; !r.done; r = steps.next()) if (r.value.epochDone) yield;
  // No finite validation score at all: the last parameters.
  return Forecaster.load(best ?? saveCheckpoint(config, r.value.params, {}, meta));
}

/** Trains a forecaster on one long series with the built-in recipe (synchronously). */
export function fitForecaster(series: SeriesInput, options: FitForecasterOptions): Forecaster {
  const it = training(series, options);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** fitForecaster that yields to the event loop after every epoch, reports progress and can be aborted. */
export async function fitForecasterAsync(
  series: SeriesInput,
  options: FitForecasterAsyncOptions,
): Promise<Forecaster> {
  const it = training(series, options);
  for (;;) {
    options.signal?.throwIfAborted();
    const r = it.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
