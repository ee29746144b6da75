// `warp train [config.yaml|name] [--set k=v]... [--out runs/NAME] [--resume DIR] [--backend cpu|wasm|native]`:
// loads (or generates) the data, builds the model and optimiser of the run configuration, trains with
// progress output, and keeps a run folder: config.yaml, metrics.jsonl, checkpoints/{best,last}.safetensors
// (last with the optimiser state and epoch, for --resume), stats.json when the data were normalised.

import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import {
  backendInfo,
  type Checkpoint,
  convert,
  createModel,
  type Dataset,
  decodeNpy,
  denormalize,
  type EpochRecord,
  type FitState,
  type FloatDType,
  fitAsync,
  getBackend,
  type MinMaxStats,
  type ModelConfig,
  optimizerFromConfig,
  type RunConfig,
  randomKey,
  type SequenceModel,
  saveCheckpoint,
  setBackend,
  slice,
  Tensor,
  TrainingInterrupted,
  WarpError,
} from "../../src/index.js";
import { forecastSpec, imageGridSpec, lossCurveSpec } from "../../src/plot/specs.js";
import { evaluate } from "../../src/train/evaluate.js";
import { DIVERGENCE_HINT } from "../../src/train/fit.js";
import { decodeState, encodeState } from "../../src/train/state.js";
import { metadataJson, readCheckpoint } from "../checkpoints.js";
import { loadSplits, type Splits } from "../data-sources.js";
import { readBytes, readText, writeAtomic } from "../files.js";
import { checkModelSize, modelConfigOfRun, readRunConfig } from "../model-config.js";
import { intOption, pathOption } from "../options.js";
import { writePlot } from "../plots.js";
import { Progress } from "../progress.js";
import { lockRunFolder, removeStaleTemporaries } from "../run-folder.js";
import { writeForecastReport } from "./forecast.js";

/** The installed package (configs/, dist/): three levels above dist/cli/commands. */
export const PACKAGE_ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../../..");
export const CONFIG_DIR = join(PACKAGE_ROOT, "configs");

/** A config argument: a YAML path, the name of a built-in config, or nothing (the built-in default). */
export function configPath(arg: string | undefined): string {
  if (arg === undefined) return join(CONFIG_DIR, "default.yaml");
  if (existsSync(arg) || arg.endsWith(".yaml") || arg.endsWith(".yml")) return arg;
  const named = join(CONFIG_DIR, `${arg}.yaml`);
  if (existsSync(named)) return named;
  const names = readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -5));
  throw new WarpError(
    `no config file "${arg}" and no built-in config of that name (built-in: ${names.join(", ")})`,
  );
}

/** An (n, T, D) float array from a .npy file, as float32 (the models' dtype). */
export function readArray(path: string): Tensor {
  const x = decodeNpy(readBytes(path, "data file"));
  if (x.dtype === "int32" || x.ndim !== 3) {
    throw new WarpError(`${path}: expected a float array (n, T, D), got ${x.dtype} (${x.shape.join(",")})`);
  }
  return x.dtype === "float32" ? x : convert(x, "float32");
}

/** Datasets whose sequences are images (pixels in raster order, in [−1, 1]). */
const IMAGE_DATASETS = ["mnist", "mnist_fashion", "fashion_mnist", "cifar", "cifar10", "celeba"];

/** The image side of a pixel-sequence run (T = side², as for MNIST's 784 or 196 steps), or null. */
export function imageSide(run: RunConfig, seqLength: number): number | null {
  if (!IMAGE_DATASETS.includes((run.general.dataset ?? "").toLowerCase())) return null;
  const side = Math.round(Math.sqrt(seqLength));
  return side * side === seqLength ? side : null;
}

/** The epoch of a metrics.jsonl line, or null for a blank or unfinished line. */
function epochOf(line: string): number | null {
  try {
    const e = (JSON.parse(line) as EpochRecord).epoch;
    return typeof e === "number" ? e : null;
  } catch {
    return null;
  }
}

export interface TrainOptions {
  set: string[];
  /** A series file to forecast (general.data_path, with general.dataset "series"). */
  data?: string;
  column?: string[];
  timeColumn?: string;
  context?: number;
  horizon?: number;
  out?: string;
  resume?: string;
  backend?: "cpu" | "wasm" | "native";
}

function runFolder(run: RunConfig, o: TrainOptions, configFile: string): string {
  if (o.out) return o.out;
  if (run.general.save_path) return run.general.save_path;
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const base = configFile
    .split("/")
    .pop()!
    .replace(/\.ya?ml$/, "");
  return join("runs", `${stamp}-${base}`);
}

/** The forecasting flags as the `--set` overrides of their YAML keys (before the user's own --set). */
export function forecastSets(o: TrainOptions): string[] {
  return Object.keys(forecastFlags(o));
}

/** Each forecasting flag's `--set` override, mapped to the flag as the user wrote it (for errors). */
function forecastFlags(o: TrainOptions): Record<string, string> {
  const flags: Record<string, string> = {};
  if (o.data !== undefined) {
    flags[`general.data_path=${JSON.stringify(o.data)}`] = `--data ${o.data}`;
    flags["general.dataset=series"] = `--data ${o.data}`;
  }
  if (o.column)
    flags[`data.columns=${JSON.stringify(o.column)}`] = o.column.map((c) => `--column ${c}`).join(" ");
  if (o.timeColumn !== undefined)
    flags[`data.time_column=${JSON.stringify(o.timeColumn)}`] = `--time-column ${o.timeColumn}`;
  if (o.context !== undefined) flags[`data.context=${o.context}`] = `--context ${o.context}`;
  if (o.horizon !== undefined) flags[`data.horizon=${o.horizon}`] = `--horizon ${o.horizon}`;
  return flags;
}

/** Writes a checkpoint with the optimiser state, epoch, best score, the epoch's metrics record and the forecast spec. */
function writeCheckpoint(
  path: string,
  config: ModelConfig,
  state: FitState<unknown[], object>,
  stats: MinMaxStats | null,
  record: EpochRecord,
  forecast: string | null,
): void {
  const opt = encodeState(state.optState, "opt");
  writeAtomic(
    path,
    saveCheckpoint(config, state.params, opt.tensors, {
      opt_state: opt.json,
      epoch: String(state.epoch),
      best: JSON.stringify(state.best),
      record: JSON.stringify(record),
      ...(stats ? { normalization: JSON.stringify(stats) } : {}),
      ...(forecast ? { forecast } : {}),
    }),
  );
}

/**
 * plots/loss.{svg,png} from metrics.jsonl, and for regression forecast-{0,1,2}.{svg,png}: the first test
 * sequences, truth against the rollout from the context (± σ with an uncertainty head).
 */
async function writeRunPlots(
  dir: string,
  metricsPath: string,
  model: SequenceModel,
  params: object,
  test: Dataset | null,
  context: number | null,
  valName: string,
  nll: boolean,
  side: number | null,
  stats: MinMaxStats | null,
): Promise<void> {
  const plots = join(dir, "plots");
  const records = readText(metricsPath, "metrics")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochRecord);
  if (records.length > 0) await writePlot(plots, "loss", lossCurveSpec(records, { valName, logScale: !nll }));
  if (!test || model.config.nb_classes !== null) return;
  if (side !== null && test.dataSize === 1) {
    await writeCompletionGrid(plots, model, params, test, context ?? 0, side);
    return;
  }
  const n = Math.min(3, test.size);
  const batch = test.batch(Array.from({ length: n }, (_, i) => i));
  const y = model.predict(params, batch.x, { context: context ?? undefined });
  const target = batch.target ?? batch.x;
  const [, T, D] = target.shape as [number, number, number];
  const W = y.shape[2]!;
  // In the data's original units when they were normalised (σ: the scale only).
  const orig = (t: Tensor, scaleOnly = false) => (stats ? denormalize(t, stats, { scaleOnly }) : t);
  const truth = orig(target);
  const mean = orig(W === 2 * D ? slice(y, [0, 0, 0], [n, T, D]) : y);
  const std = W === 2 * D ? orig(slice(y, [0, 0, D], [n, T, D]), true) : null;
  const series = (t: Tensor, i: number) =>
    Array.from({ length: D }, (_, d) => Array.from({ length: T }, (_, s) => t.data[(i * T + s) * D + d]!));
  for (let i = 0; i < n; i++) {
    await writePlot(
      plots,
      `forecast-${i}`,
      forecastSpec({
        times: Array.from({ length: T }, (_, s) => (T > 1 ? s / (T - 1) : 0)),
        truth: series(truth, i),
        mean: series(mean, i),
        std: std ? series(std, i) : null,
        context: context ?? 0,
        title: `test sequence ${i}`,
        units: stats ? "original units" : "data units",
      }),
    );
  }
}

/**
 * plots/completion.{svg,png}: the first test images (top row) and the model's completions from the
 * context pixels (bottom row: the given pixels, then the predicted means), the context's end outlined.
 */
async function writeCompletionGrid(
  plots: string,
  model: SequenceModel,
  params: object,
  test: Dataset,
  context: number,
  side: number,
): Promise<void> {
  const n = Math.min(6, test.size);
  const batch = test.batch(Array.from({ length: n }, (_, i) => i));
  const y = model.predict(params, batch.x, { context });
  const T = side * side;
  const W = y.shape[2]!;
  const truth = Array.from({ length: n }, (_, i) => Array.from(batch.x.data.subarray(i * T, (i + 1) * T)));
  const completed = truth.map((img, i) => img.map((v, s) => (s < context ? v : y.data[(i * T + s) * W]!)));
  await writePlot(
    plots,
    "completion",
    imageGridSpec({
      images: [...truth, ...completed],
      width: side,
      height: side,
      columns: n,
      context,
      titles: [...truth.map((_, i) => `test ${i}`), ...completed.map(() => "completed")],
      title: `completion from ${context} context pixels`,
    }),
  );
}

/** What a finished `warp train` gives back: its run folder, the final held-out metrics and the wall time. */
export interface TrainResult {
  dir: string;
  /** Metrics on the test split (else validation), or null when the data have neither. */
  metrics: Record<string, number> | null;
  seconds: number;
}

/** A run stopped by SIGINT/SIGTERM: the CLI exits with `exitCode` (128 + the signal's number). */
export class RunInterrupted extends WarpError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Validated min-max statistics from a checkpoint's metadata, or null when it has none. */
export function checkpointStats(path: string, ck: Checkpoint<object>): MinMaxStats | null {
  const s = metadataJson(path, ck, "normalization") as MinMaxStats | undefined;
  if (s === undefined) return null;
  const nums = (a: unknown) =>
    Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === "number" && Number.isFinite(v));
  if (
    !s ||
    typeof s !== "object" ||
    typeof s.perChannel !== "boolean" ||
    !nums(s.min) ||
    !nums(s.max) ||
    s.min.length !== s.max.length
  )
    throw new WarpError(
      `${path}: metadata "normalization" is not {perChannel, min: [numbers], max: [numbers]}`,
    );
  return s;
}

/** The resumable state of a run's last checkpoint; every metadata entry is checked before anything is touched. */
function resumeState(
  path: string,
  config: ModelConfig,
  fresh: FitState<unknown[], object>,
): { state: FitState<unknown[], object>; record: EpochRecord | null } {
  const ck = readCheckpoint<object>(path, config);
  const epoch = Number(ck.metadata.epoch);
  if (ck.metadata.epoch === undefined || !Number.isSafeInteger(epoch) || epoch < 0)
    throw new WarpError(
      `${path}: metadata "epoch" is ${JSON.stringify(ck.metadata.epoch ?? null)}, not a non-negative integer`,
    );
  const best = metadataJson(path, ck, "best") ?? null;
  if (best !== null && typeof best !== "number")
    throw new WarpError(`${path}: metadata "best" is ${JSON.stringify(best)}, not a number or null`);
  let optState: unknown;
  try {
    optState = decodeState(ck.metadata.opt_state ?? "", ck.extra);
  } catch (e) {
    throw new WarpError(`${path}: optimiser state: ${(e as Error).message.replace(/^decodeState: /, "")}`);
  }
  // The optimiser of the config must be able to continue from it: same structure, same tensor shapes.
  const shapeOf = (x: unknown): string =>
    JSON.stringify(x, (_k, v) =>
      v instanceof Tensor ? `T${v.shape.join("x")}` : typeof v === "number" ? 0 : v,
    );
  if (shapeOf(optState) !== shapeOf(fresh.optState))
    throw new WarpError(
      `${path}: the optimiser state does not match the run's optimiser (${config.model_type}; see config.yaml's optimizer section)`,
    );
  checkpointStats(path, ck);
  const record = metadataJson(path, ck, "record") as EpochRecord | undefined;
  return {
    state: { params: ck.params, optState: optState as unknown[], epoch, best: best as number | null },
    record: record && typeof record === "object" && record.epoch === epoch ? record : null,
  };
}

/**
 * Refuses a context (training.inference_start) longer than a split's sequences. A context of exactly T
 * feeds the truth at every step (the authors' Lotka–Volterra config: inference_start 256 with T = 256),
 * and the metrics then score every step.
 */
function checkContext(run: RunConfig, data: Splits): void {
  const L = run.training.inference_start;
  if (L === null) return;
  for (const [name, ds] of [
    ["train", data.train],
    ["val", data.val],
    ["test", data.test],
  ] as const) {
    if (ds && L > ds.seqLength)
      throw new WarpError(
        `training.inference_start = ${L} is longer than the ${name} sequences (T = ${ds.seqLength})`,
      );
  }
}

/** Files a run writes at its top level, besides checkpoints/ (the lock and temporaries aside). */
const RUN_FILES = [
  "config.yaml",
  "metrics.jsonl",
  "stats.json",
  "test-metrics.json",
  "forecast-eval.json",
  "forecast-eval.md",
  "plots",
];

/**
 * Refuses a new run's folder that is a file, or that holds files of a run's names but no run (the user's
 * own config.yaml or metrics.jsonl would be overwritten). What a start stopped before its first epoch
 * left (config.yaml and an empty metrics.jsonl, after a kill -9) is taken over. A folder holding a run is
 * refused after the lock is taken (trainRun).
 */
function checkNewRunFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new WarpError(`run folder ${dir} is a file, not a folder: choose another --out`);
  if (existsSync(join(dir, "checkpoints", "last.safetensors"))) return;
  const metrics = join(dir, "metrics.jsonl");
  if (existsSync(metrics) && statSync(metrics).isFile() && statSync(metrics).size === 0) return;
  const taken = RUN_FILES.filter((f) => existsSync(join(dir, f)));
  if (taken.length > 0)
    throw new WarpError(
      `run folder ${dir} holds ${taken.join(", ")} but no run: a new run would overwrite them; choose another --out (a new or empty folder)`,
    );
}

/** `warp train`: runs (or resumes) one training run to its end. */
export async function trainRun(arg: string | undefined, o: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  // Everything is validated before the run folder is touched.
  if (o.backend !== undefined && o.backend !== "cpu" && o.backend !== "wasm" && o.backend !== "native")
    throw new WarpError(`--backend must be cpu, wasm or native, got "${o.backend}"`);
  if (o.resume && arg !== undefined)
    throw new WarpError(
      `--resume ${o.resume} continues with the run's own config.yaml: drop the config argument "${arg}" (change keys with --set)`,
    );
  if (o.resume && forecastSets(o).length > 0)
    throw new WarpError(
      `--resume ${o.resume} continues with the run's own data: drop --data/--column/--time-column/--context/--horizon`,
    );
  if (o.resume && o.out !== undefined)
    throw new WarpError(`--resume ${o.resume} writes into that folder: drop --out ${o.out}`);
  if (o.backend) setBackend(o.backend);
  const cwd = process.cwd();
  let configFile: string;
  if (o.resume) {
    configFile = join(o.resume, "config.yaml");
    if (!existsSync(join(o.resume, "checkpoints", "last.safetensors")))
      throw new WarpError(`cannot resume ${o.resume}: no checkpoints/last.safetensors there`);
  } else {
    // A series given on the command line trains with the built-in forecasting recipe by default.
    configFile = configPath(arg ?? (o.data !== undefined ? "forecast" : undefined));
  }
  const run = o.resume
    ? readRunConfig(configFile, o.set)
    : readRunConfig(configFile, [...forecastSets(o), ...o.set], forecastFlags(o));
  if (!run.general.train)
    throw new WarpError(
      `${configFile}: general.train is false (the authors' evaluate-only mode): evaluate a trained run with \`warp eval <run>\`, or set general.train: true`,
    );
  const dir = o.resume ?? runFolder(run, o, configFile);
  const data = loadSplits(run, cwd);
  const spec = data.forecast?.spec ?? null;
  // A forecasting run validates (and is scored) on the rollout from its context.
  if (spec && run.training.inference_start === null) run.training.inference_start = spec.context;
  if (run.training.context_rollout && run.training.inference_start === null)
    throw new WarpError(
      `${configFile}: training.context_rollout needs a context: training.inference_start, or a series with data.context`,
    );
  const forecastMeta = spec ? JSON.stringify(spec) : null;
  checkContext(run, data);
  const config = modelConfigOfRun(run, configFile, {
    dataSize: data.train.dataSize,
    nbClasses: data.train.nbClasses ?? undefined,
  });
  const model = createModel(config);
  checkModelSize(model, run);
  const side = imageSide(run, data.train.seqLength);
  const { optimizer, lrScale } = optimizerFromConfig(run.optimizer);
  const dtype: FloatDType = "float32";
  const params = model.init(randomKey(run.general.seed), dtype);
  const fresh: FitState<unknown[], object> = {
    params,
    optState: optimizer.init(params) as unknown[],
    epoch: 0,
    best: null,
  };
  const metricsPath = join(dir, "metrics.jsonl");
  const lastPath = join(dir, "checkpoints", "last.safetensors");
  const bestPath = join(dir, "checkpoints", "best.safetensors");
  if (!o.resume) checkNewRunFolder(dir);
  // The run folder is locked before its files are read; a refusal leaves it as it was.
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  let release = () => {};
  let state: FitState<unknown[], object>;
  let resumedRecord: EpochRecord | null = null;
  try {
    release = lockRunFolder(dir);
    if (o.resume) {
      ({ state, record: resumedRecord } = resumeState(lastPath, config, fresh));
    } else {
      if (existsSync(lastPath))
        throw new WarpError(`run folder ${dir} already holds a run: use --resume ${dir} or another --out`);
      state = fresh;
    }
  } catch (e) {
    release();
    if (created) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if (o.resume) {
      const removed = removeStaleTemporaries(dir);
      // Keep the metrics of the epochs the checkpoint covers (a line it lacks comes from the checkpoint).
      const kept = existsSync(metricsPath)
        ? readText(metricsPath, "metrics")
            .split("\n")
            .filter((l) => epochOf(l) !== null && epochOf(l)! <= state.epoch)
        : [];
      if (resumedRecord && !kept.some((l) => epochOf(l) === state.epoch))
        kept.push(JSON.stringify(resumedRecord));
      writeAtomic(metricsPath, kept.map((l) => `${l}\n`).join(""));
      console.log(
        `resuming ${dir} at epoch ${state.epoch}/${run.training.nb_epochs}${removed ? ` (removed ${removed} unfinished temporary file${removed === 1 ? "" : "s"})` : ""}; backend ${getBackend()} (${backendInfo()})`,
      );
    } else {
      writeAtomic(join(dir, "config.yaml"), stringify(run));
      writeAtomic(metricsPath, "");
      if (data.stats) writeAtomic(join(dir, "stats.json"), JSON.stringify(data.stats));
      console.log(
        `run folder ${dir}; model ${model.description}; ${data.train.size} training sequences; backend ${getBackend()} (${backendInfo()})`,
      );
    }
    const t = run.training;
    // Without a validation split the authors validate on the test split and keep the best model.
    const val = data.val ?? (t.val_on_test ? data.test : null);
    if (!data.val && val && state.epoch < t.nb_epochs)
      console.error(
        "warp: note: no validation split: validating on the test split and keeping the best model, as the authors' code does (training.val_on_test: false to skip)",
      );
    const progress = new Progress(process.stdout, t.nb_epochs, t.print_every);
    let final: FitState<unknown[], object>;
    try {
      final = await fitAsync(
        state,
        {
          model,
          optimizer,
          train: data.train,
          val,
          epochs: t.nb_epochs,
          batchSize: t.batch_size,
          key: randomKey(run.general.seed + 1),
          validEvery: t.valid_every,
          valCriterion: t.val_criterion,
          authorsSelection: run.optimizer.name === "adabelief",
          context: t.inference_start,
          trainContext: t.context_rollout ? t.inference_start : null,
          stats: data.stats,
          image: side !== null,
          lrScale,
          onStep: (s) => progress.step(s),
          onEpoch: (record, s, improved) => {
            const bad = record.val
              ? Object.entries(record.val).find(([, v]) => !Number.isFinite(v))
              : undefined;
            if (bad)
              console.error(
                `warp: warning: validation ${bad[0]} is ${bad[1]} at epoch ${record.epoch} (the rollout blows up); this epoch is not kept as best. ${DIVERGENCE_HINT}`,
              );
            // Checkpoints first, then the metrics line: a kill between them loses no epoch, since a
            // resume restores the line from the checkpoint's "record". best.safetensors exists only
            // once a validation chose it.
            if (improved) writeCheckpoint(bestPath, config, s, data.stats, record, forecastMeta);
            writeCheckpoint(lastPath, config, s, data.stats, record, forecastMeta);
            appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);
            progress.epoch(record);
          },
        },
        { signal: interrupt.signal },
      );
    } catch (e) {
      if (!(e instanceof TrainingInterrupted)) throw e;
      progress.done();
      const signal = String(interrupt.signal.reason);
      throw new RunInterrupted(
        e.epoch > 0 || o.resume
          ? `interrupted by ${signal} during epoch ${e.epoch + 1}/${t.nb_epochs}; checkpoints hold epoch ${Math.max(e.epoch, state.epoch)}: continue with  warp train --resume ${dir}`
          : `interrupted by ${signal} during epoch 1/${t.nb_epochs}; no epoch had finished, so nothing was kept: run the same command to start again`,
        signal === "SIGTERM" ? 143 : 130,
      );
    }
    progress.done();
    const test = data.test ?? data.val;
    let finalMetrics: Record<string, number> | null = null;
    if (test) {
      // With validation, the test metrics are those of the best checkpoint (the authors restore it too).
      const fromBest = val !== null && data.test !== null && existsSync(bestPath);
      const chosen = fromBest ? readCheckpoint<object>(bestPath, config) : null;
      const metrics = evaluate(model, chosen ? chosen.params : final.params, test, {
        context: t.inference_start,
        batchSize: t.batch_size,
        stats: data.stats,
        image: side !== null,
      });
      const report = {
        split: data.test ? "test" : "validation",
        checkpoint: fromBest ? "best" : "last",
        chosen_on: fromBest ? (data.val ? "validation" : "test") : null,
        epoch: chosen ? Number(chosen.metadata.epoch) : final.epoch,
        context: t.inference_start,
        sequences: test.size,
        metrics: Object.fromEntries(
          Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
        ),
      };
      writeAtomic(join(dir, "test-metrics.json"), `${JSON.stringify(report, null, 2)}\n`);
      console.log(metricsTable(report, metrics));
      finalMetrics = metrics;
      const windows = data.forecast && (data.forecast.windows.test ?? data.forecast.windows.val);
      if (spec && windows) {
        const forecastReport = await writeForecastReport(
          dir,
          { model, params: chosen ? chosen.params : final.params, spec },
          windows,
          data.test ? "test" : "validation",
        );
        for (const [name, m] of Object.entries(forecastReport))
          for (const [k, v] of Object.entries(m)) finalMetrics[`horizon_${k}_${name}`] = v;
      }
    }
    await writeRunPlots(
      dir,
      metricsPath,
      model,
      final.params,
      spec ? null : test,
      t.inference_start,
      t.val_criterion,
      config.use_nll_loss,
      side,
      data.stats,
    );
    console.log(
      `checkpoints in ${join(dir, "checkpoints")}; plots in ${join(dir, "plots")}; metrics in ${join(dir, "test-metrics.json")}`,
    );
    return { dir, metrics: finalMetrics, seconds: (performance.now() - started) / 1000 };
  } catch (e) {
    // A new run stopped before its first checkpoint (interrupted, diverged, disk full) has nothing to
    // resume: what it wrote goes, so that the folder is as it was.
    if (!o.resume && !existsSync(lastPath)) {
      if (created) rmSync(dir, { recursive: true, force: true });
      else {
        for (const f of ["config.yaml", "metrics.jsonl", "stats.json"]) rmSync(join(dir, f), { force: true });
        removeStaleTemporaries(dir);
        const checkpoints = join(dir, "checkpoints");
        if (existsSync(checkpoints) && readdirSync(checkpoints).length === 0)
          rmSync(checkpoints, { recursive: true });
      }
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    release();
  }
}

/** Final metrics as a short table: what was evaluated, then one metric a line (4 significant digits). */
export function metricsTable(
  r: {
    split: string;
    checkpoint: string;
    chosen_on: string | null;
    epoch: number;
    context: number | null;
    sequences: number;
  },
  metrics: Record<string, number>,
): string {
  const head = `final metrics on the ${r.split} split (${r.sequences} sequences; ${r.checkpoint} checkpoint${r.chosen_on ? ` (chosen on ${r.chosen_on})` : ""}, epoch ${r.epoch}; ${r.context === null ? "teacher-forced" : `rollout after ${r.context} context step${r.context === 1 ? "" : "s"}`})`;
  const fmt = (v: number) =>
    Number.isFinite(v)
      ? Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
        ? v.toExponential(3)
        : v.toPrecision(4)
      : String(v);
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  return [head, ...Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(width)}  ${fmt(v)}`)].join("\n");
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a WARP model; with no config, a small model on generated SINE data (about a minute)")
    .argument("[config]", "a YAML file in the reference format, or a built-in config name (see configs/)")
    .option(
      "--set <key=value>",
      "override a config key, e.g. training.nb_epochs=5 (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      "--out <dir>",
      "run folder (default: general.save_path, else runs/<time>-<config>)",
      pathOption("--out"),
    )
    .option("--resume <dir>", "continue the run in <dir> from its last checkpoint")
    .option("--backend <name>", "cpu, wasm or native (default: native, else wasm)")
    .option(
      "--data <file>",
      "forecast one long series (.csv, .json, .npy): general.data_path (dataset series)",
    )
    .option(
      "--column <name>",
      "a column of the series (repeatable): data.columns",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option("--time-column <name>", "the series' time column: data.time_column")
    .option("--context <L>", "steps the model reads before forecasting: data.context", intOption("--context"))
    .option("--horizon <H>", "steps to forecast after the context: data.horizon", intOption("--horizon"))
    .addHelpText(
      "after",
      "\nExamples:\n  warp train\n  warp train --data sales.csv --column units --context 56 --horizon 14\n  warp train configs/mnist.yaml --set training.nb_epochs=5\n  warp train sine --out runs/sine-1\n  warp train --resume runs/sine-1",
    )
    .action(async (arg: string | undefined, o: TrainOptions) => {
      await trainRun(arg, o);
    });
}
