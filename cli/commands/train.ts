// `warp train [config.yaml|name] [--set k=v]... [--out runs/NAME] [--resume DIR] [--backend cpu|native]`:
// loads (or generates) the data, builds the model and optimiser of the run configuration, trains with
// progress output, and keeps a run folder: config.yaml, metrics.jsonl, checkpoints/{best,last}.safetensors
// (last with the optimiser state and epoch, for --resume), stats.json when the data were normalised.

import { appendFileSync, existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import {
  convert,
  createModel,
  type Dataset,
  decodeNpy,
  denormalize,
  type FloatDType,
  loadCheckpoint,
  type MinMaxStats,
  type ModelConfig,
  optimizerFromConfig,
  type RunConfig,
  randomKey,
  type SequenceModel,
  saveCheckpoint,
  setBackend,
  slice,
  type Tensor,
  WarpError,
} from "../../src/index.js";
import { forecastSpec, imageGridSpec, lossCurveSpec } from "../../src/plot/specs.js";
import { evaluate } from "../../src/train/evaluate.js";
import { type EpochRecord, type FitState, fit } from "../../src/train/fit.js";
import { decodeState, encodeState } from "../../src/train/state.js";
import { loadSplits } from "../data-sources.js";
import { readBytes, readText, writeAtomic } from "../files.js";
import { modelConfigOfRun, readRunConfig } from "../model-config.js";
import { writePlot } from "../plots.js";
import { Progress } from "../progress.js";

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
  out?: string;
  resume?: string;
  backend?: "cpu" | "native";
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

/** Writes a checkpoint with the optimiser state, epoch and best score. */
function writeCheckpoint(
  path: string,
  config: ModelConfig,
  state: FitState<unknown[], object>,
  stats: MinMaxStats | null,
): void {
  const opt = encodeState(state.optState, "opt");
  writeAtomic(
    path,
    saveCheckpoint(config, state.params, opt.tensors, {
      opt_state: opt.json,
      epoch: String(state.epoch),
      best: JSON.stringify(state.best),
      ...(stats ? { normalization: JSON.stringify(stats) } : {}),
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
        title: `test sequence ${i}${stats ? " (original units)" : ""}`,
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

/** `warp train`: runs (or resumes) one training run to its end. */
export async function trainRun(arg: string | undefined, o: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  if (o.backend) {
    if (o.backend !== "cpu" && o.backend !== "native")
      throw new WarpError(`--backend must be cpu or native, got "${o.backend}"`);
    setBackend(o.backend);
  }
  const cwd = process.cwd();
  let configFile: string;
  let dir: string;
  if (o.resume) {
    dir = o.resume;
    configFile = join(dir, "config.yaml");
    if (!existsSync(join(dir, "checkpoints", "last.safetensors"))) {
      throw new WarpError(`cannot resume ${dir}: no checkpoints/last.safetensors there`);
    }
  } else {
    configFile = configPath(arg);
    dir = "";
  }
  const run = readRunConfig(configFile, o.set);
  if (!run.general.train)
    throw new WarpError(
      `${configFile}: general.train is false (the authors' evaluate-only mode): evaluate a trained run with \`warp eval <run>\`, or set general.train: true`,
    );
  if (!o.resume) dir = runFolder(run, o, configFile);
  const data = loadSplits(run, cwd);
  const config = modelConfigOfRun(run, configFile, {
    dataSize: data.train.dataSize,
    nbClasses: data.train.nbClasses ?? undefined,
  });
  const model = createModel(config);
  const side = imageSide(run, data.train.seqLength);
  const { optimizer, lrScale } = optimizerFromConfig(run.optimizer);
  const dtype: FloatDType = "float32";
  let state: FitState<unknown[], object>;
  if (o.resume) {
    const ck = loadCheckpoint<object>(
      readBytes(join(dir, "checkpoints", "last.safetensors"), "checkpoint"),
      config,
    );
    state = {
      params: ck.params,
      optState: decodeState(ck.metadata.opt_state ?? "", ck.extra) as unknown[],
      epoch: Number(ck.metadata.epoch),
      best: JSON.parse(ck.metadata.best ?? "null") as number | null,
    };
    // Keep the metrics of the epochs the checkpoint covers; later lines are recomputed.
    const metricsPath = join(dir, "metrics.jsonl");
    const kept = existsSync(metricsPath)
      ? readText(metricsPath, "metrics")
          .split("\n")
          .filter((l) => epochOf(l) !== null && epochOf(l)! <= state.epoch)
      : [];
    writeAtomic(metricsPath, kept.map((l) => `${l}\n`).join(""));
    console.log(`resuming ${dir} at epoch ${state.epoch}/${run.training.nb_epochs}`);
  } else {
    if (existsSync(join(dir, "checkpoints", "last.safetensors"))) {
      throw new WarpError(`run folder ${dir} already holds a run: use --resume ${dir} or another --out`);
    }
    const params = model.init(randomKey(run.general.seed), dtype);
    state = { params, optState: optimizer.init(params), epoch: 0, best: null };
    writeAtomic(join(dir, "config.yaml"), stringify(run));
    writeAtomic(join(dir, "metrics.jsonl"), "");
    if (data.stats) writeAtomic(join(dir, "stats.json"), JSON.stringify(data.stats));
    console.log(`run folder ${dir}; model ${model.description}; ${data.train.size} training sequences`);
  }
  const t = run.training;
  // Without a validation split the authors validate on the test split and keep the best model.
  const val = data.val ?? (t.val_on_test ? data.test : null);
  if (!data.val && val && state.epoch < t.nb_epochs)
    console.error(
      "no validation split: validating on the test split and keeping the best model, as the authors' code (training.val_on_test: false to skip)",
    );
  const progress = new Progress(process.stdout, t.nb_epochs, t.print_every);
  const metricsPath = join(dir, "metrics.jsonl");
  const final = fit(state, {
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
    stats: data.stats,
    image: side !== null,
    lrScale,
    onStep: (s) => progress.step(s),
    onEpoch: (record, s, improved) => {
      // One line per epoch, appended (a resume drops any line past its checkpoint, or left unfinished).
      appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);
      // As the authors' main.py: after 0-based epochs e with e % save_every = 0, and after the last.
      if ((record.epoch - 1) % t.save_every === 0 || record.epoch === t.nb_epochs)
        writeCheckpoint(join(dir, "checkpoints", "last.safetensors"), config, s, data.stats);
      // best.safetensors exists only once a validation chose it.
      if (improved) {
        writeCheckpoint(join(dir, "checkpoints", "best.safetensors"), config, s, data.stats);
      }
      progress.epoch(record);
    },
  });
  progress.done();
  const test = data.test ?? data.val;
  let finalMetrics: Record<string, number> | null = null;
  if (test) {
    // With validation, the test metrics are those of the best checkpoint (the authors restore it too).
    const best = join(dir, "checkpoints", "best.safetensors");
    const chosen =
      val && data.test && existsSync(best)
        ? loadCheckpoint<object>(readBytes(best, "checkpoint"), config).params
        : final.params;
    const metrics = evaluate(model, chosen, test, {
      context: t.inference_start,
      batchSize: t.batch_size,
      stats: data.stats,
      image: side !== null,
    });
    const which =
      chosen !== final.params
        ? `test (best checkpoint on ${data.val ? "validation" : "test"})`
        : data.test
          ? "test"
          : "validation";
    console.log(`final ${which} metrics: ${JSON.stringify(metrics)}`);
    finalMetrics = metrics;
  }
  await writeRunPlots(
    dir,
    metricsPath,
    model,
    final.params,
    test,
    t.inference_start,
    t.val_criterion,
    config.use_nll_loss,
    side,
    data.stats,
  );
  console.log(`checkpoints in ${join(dir, "checkpoints")}; plots in ${join(dir, "plots")}`);
  return { dir, metrics: finalMetrics, seconds: (performance.now() - started) / 1000 };
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
    .option("--out <dir>", "run folder (default: general.save_path, else runs/<time>-<config>)")
    .option("--resume <dir>", "continue the run in <dir> from its last checkpoint")
    .option("--backend <name>", "cpu or native (default: native when available)")
    .addHelpText(
      "after",
      "\nExamples:\n  warp train\n  warp train configs/mnist.yaml --set training.nb_epochs=5\n  warp train sine --out runs/sine-1\n  warp train --resume runs/sine-1",
    )
    .action(async (arg: string | undefined, o: TrainOptions) => {
      await trainRun(arg, o);
    });
}
