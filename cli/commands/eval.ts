// `warp eval <run-dir|model.safetensors> [--data x.npy] [--context L] [--json]` and
// `warp info <model.safetensors>`: metrics of a trained model, and what a checkpoint holds.

import { join } from "node:path";
import type { Command } from "commander";
import {
  arrayDataset,
  compareForecasts,
  type Dataset,
  evaluate,
  normalize,
  type Tensor,
  treeLeaves,
  WarpError,
  windowSeries,
} from "../../src/index.js";
import { checkpointTarget, readCheckpoint } from "../checkpoints.js";
import { loadSplits, readSeriesFile } from "../data-sources.js";
import { readRunConfig } from "../model-config.js";
import { intOption } from "../options.js";
import { loadForecastModel, writeForecastReport } from "./forecast.js";
import { checkpointStats, imageSide, readArray } from "./train.js";

/**
 * A forecasting model: horizon-only MAE/RMSE/MASE of the model and the baselines in original units, on the
 * run's test windows (written to the run folder with plots) or on every window of a --data series file.
 */
async function evalForecast(file: string, runDir: string | null, data: string | undefined): Promise<void> {
  const fm = loadForecastModel(file);
  const { context: L, horizon: H, columns } = fm.spec;
  if (data) {
    const s = readSeriesFile(data, { columns: /\.npy$/i.test(data) ? null : columns });
    if (s.rows < L + H)
      throw new WarpError(
        `${data}: ${s.rows} rows, fewer than one window of the model's context + horizon = ${L + H}`,
      );
    let x: Tensor;
    try {
      x = windowSeries(s.values, s.rows, s.columns.length, { window: L + H });
    } catch (e) {
      throw new WarpError(`${data}: ${(e as Error).message}`);
    }
    const n = x.shape[0]!;
    const cmp = compareForecasts(fm.model, fm.params, fm.spec, x);
    console.log(`Horizon-only errors on ${n} windows of ${data} (context ${L}, horizon ${H})`);
    for (const [k, m] of Object.entries(cmp.metrics))
      console.log(`${(k === "model" ? "warp" : k).padEnd(20)} mae ${m.mae}  rmse ${m.rmse}  mase ${m.mase}`);
    return;
  }
  if (!runDir) throw new WarpError("give --data series.csv to evaluate a checkpoint outside its run folder");
  const split = loadSplits(readRunConfig(join(runDir, "config.yaml")), process.cwd());
  const w = split.forecast?.windows;
  const test = w?.test ?? w?.val;
  if (!test)
    throw new WarpError(`${runDir}: the run's series has no test or validation windows: give --data`);
  await writeForecastReport(runDir, fm, test, w?.test ? "test" : "validation");
  console.log(`wrote ${join(runDir, "forecast-eval.md")}, forecast-eval.json and plots/forecast-test-*`);
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "print the metrics of a trained model (a run folder's best checkpoint, else its last, or a .safetensors file)",
    )
    .argument("<run-dir|model.safetensors>")
    .option("--data <x.npy>", "evaluate on this (N, T, D) array instead of the run's test split")
    .option(
      "--context <L>",
      "rollout context length (default: the config's inference_start)",
      intOption("--context"),
    )
    .option("--json", "print the metrics as one JSON object")
    .addHelpText(
      "after",
      "\nExamples:\n  warp eval runs/sine-1\n  warp eval model.safetensors --data test.npy --context 100 --json",
    )
    .action(async (target: string, o: { data?: string; context?: number; json?: boolean }) => {
      const { file, runDir } = checkpointTarget(target);
      const ck = readCheckpoint<object>(file);
      if (ck.metadata.forecast) {
        await evalForecast(file, runDir, o.data);
        return;
      }
      const stats = checkpointStats(file, ck);
      let data: Dataset;
      const run = runDir ? readRunConfig(join(runDir, "config.yaml")) : null;
      if (o.data) {
        const x = readArray(o.data);
        const D = x.shape[2]!;
        if (D !== ck.config.data_size)
          throw new WarpError(
            `${o.data}: ${D} channel(s) (shape ${x.shape.join("×")}) but the model was trained on ${ck.config.data_size}`,
          );
        const bad = x.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0)
          throw new WarpError(`${o.data}: value ${x.data[bad]} at flat index ${bad} is not finite`);
        data = arrayDataset({ x: stats ? normalize(x, stats) : x });
      } else {
        if (!runDir)
          throw new WarpError(
            `${file} is not inside a run folder (<run>/checkpoints/ beside <run>/config.yaml): give --data x.npy`,
          );
        const split = loadSplits(run!, process.cwd());
        const held = split.test ?? split.val;
        if (!held)
          throw new WarpError(`${runDir}: the run's data has no test or validation split: give --data`);
        data = held;
      }
      const context = o.context ?? ck.config.inference_start;
      if (context !== null && context > data.seqLength)
        throw new WarpError(
          `${o.context !== undefined ? "--context" : "the model's inference_start"} ${context} is longer than the sequences (T = ${data.seqLength}${o.data ? ` in ${o.data}` : ""})`,
        );
      const image = run !== null && imageSide(run, data.seqLength) !== null;
      const metrics = evaluate(ck.model, ck.params, data, { context, batchSize: 256, stats, image });
      if (o.json) console.log(JSON.stringify(metrics));
      else for (const [k, v] of Object.entries(metrics)) console.log(`${k.padEnd(14)} ${v}`);
    });

  program
    .command("info")
    .description("show a checkpoint's configuration and sizes (a run folder: its best checkpoint)")
    .argument("<run-dir|model.safetensors>")
    .action((target: string) => {
      const { file } = checkpointTarget(target);
      const ck = readCheckpoint<object>(file);
      console.log(`checkpoint: ${file}`);
      const leaves = treeLeaves(ck.params);
      const count = leaves.reduce((n, t) => n + t.size, 0);
      console.log(`model: ${ck.model.description}`);
      console.log(`parameters: ${count} (${leaves[0]!.dtype})`);
      if (ck.metadata.epoch) console.log(`trained epochs: ${ck.metadata.epoch}`);
      console.log(`config: ${JSON.stringify(ck.config, null, 2)}`);
    });
}
