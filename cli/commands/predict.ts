// `warp predict <model.safetensors> --input x.npy [--context L] --out y.npy`: runs a saved model on a
// NumPy array (N, T, D) and writes the predicted means (and, for models with an uncertainty head, the
// standard deviations beside them as <out>.std.npy; for classifiers, the last step's logits). Inputs and
// outputs are in the data's original units: a model trained on normalised data (data.normalize, or a
// forecasting run's global and per-window normalisation) gets its inputs normalised as in training and
// its outputs de-normalised (σ scaled only). Non-finite outputs are an error and no file is written.

import { rmSync } from "node:fs";
import type { Command } from "commander";
import {
  applyAffine,
  cast,
  decodeNpy,
  denormalize,
  encodeNpy,
  type ForecastSpec,
  normalize,
  reshape,
  slice,
  type Tensor,
  treeLeaves,
  undoAffine,
  WarpError,
  type WindowAffine,
  windowAffine,
} from "../../src/index.js";
import { checkpointTarget, metadataJson, readCheckpoint } from "../checkpoints.js";
import { readBytes, refuseOverwritingInputs, writeAtomic } from "../files.js";
import { intOption, pathOption } from "../options.js";
import { checkpointStats } from "./train.js";

function stdPath(out: string): string {
  return out.endsWith(".npy") ? `${out.slice(0, -4)}.std.npy` : `${out}.std.npy`;
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("run a saved model on a .npy array (N, T, D) and write its predictions as .npy")
    .argument(
      "<run-dir|model.safetensors>",
      "checkpoint written by warp init / warp train, or a run folder (its best checkpoint)",
    )
    .requiredOption("--input <x.npy>", "inputs, float32 or float64, shape (N, T, D)")
    .requiredOption("--out <y.npy>", "where to write the predicted means (N, T, D)", pathOption("--out"))
    .option(
      "--context <L>",
      "autoregressive rollout fed the true x_t for t < L, then its own predictions (default: the config's inference_start for autoregressive models)",
      intOption("--context"),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  warp predict model.safetensors --input x.npy --out y.npy\n  warp predict mnist.safetensors --input digits.npy --context 300 --out completed.npy",
    )
    .action((modelPath: string, o: { input: string; out: string; context?: number }) => {
      const { file } = checkpointTarget(modelPath);
      refuseOverwritingInputs(`--out ${o.out}`, [o.out, stdPath(o.out)], [file, o.input]);
      const ckpt = readCheckpoint<object>(file);
      const { model, params, config } = ckpt;
      const spec = (metadataJson(file, ckpt, "forecast") as ForecastSpec | undefined) ?? null;
      if (spec !== null && (typeof spec !== "object" || !spec.normalization))
        throw new WarpError(`${file}: metadata "forecast" is not a forecasting spec`);
      const stats = checkpointStats(file, ckpt);
      const dtype = treeLeaves(params)[0]!.dtype as "float32" | "float64";
      let x: Tensor;
      try {
        x = decodeNpy(readBytes(o.input, "input"));
      } catch (e) {
        if (e instanceof WarpError && !e.message.startsWith("cannot read"))
          throw new WarpError(`${o.input}: ${e.message}`);
        throw e;
      }
      if (x.dtype === "int32")
        throw new WarpError(`${o.input}: expected float32 or float64 values, got integers`);
      if (x.ndim !== 3 || x.shape[2] !== config.data_size) {
        throw new WarpError(
          `${o.input}: expected shape (N, T, ${config.data_size}), got (${x.shape.join(",")})`,
        );
      }
      for (const v of x.data) {
        if (!Number.isFinite(v)) throw new WarpError(`${o.input}: contains NaN or infinite values`);
      }
      const context =
        o.context ??
        (config.nb_classes === null && config.autoregressive
          ? (config.inference_start ?? undefined)
          : undefined);
      if (context !== undefined && config.nb_classes !== null)
        throw new WarpError("--context applies to regression models only");
      if (context !== undefined && context > x.shape[1]!)
        throw new WarpError(
          `--context ${context} is longer than the input's ${x.shape[1]} steps: give at least ${context} steps or a shorter --context`,
        );
      // Normalised as in training: the forecasting spec's map per sequence (from its context), else the
      // global min-max statistics.
      let affine: WindowAffine | null = null;
      if (spec) {
        if (context === undefined || context < 1)
          throw new WarpError(
            "--context must be ≥ 1 for a forecasting model (its inputs are normalised per window)",
          );
        affine = windowAffine(x, spec.normalization, context);
        x = applyAffine(x, affine);
      } else if (stats) x = normalize(x, stats);
      if (x.dtype !== dtype) x = cast(x, dtype);
      const y = model.predict(params, x, { context });
      const [N, T, W] = y.shape as [number, number, number];
      for (let k = 0; k < y.size; k++)
        if (!Number.isFinite(y.data[k]!))
          throw new WarpError(
            `${o.input}: the prediction of sequence ${Math.floor(k / (T * W))} is ${y.data[k]} at step ${Math.floor(k / W) % T} (the rollout diverges); no file written`,
          );
      if (config.nb_classes !== null) {
        const logits = reshape(slice(y, [0, T - 1, 0], [N, 1, W]), [N, W]);
        writeAtomic(o.out, encodeNpy(logits));
        console.log(`wrote ${o.out}: last-step logits (${N}, ${W})`);
        return;
      }
      const D = config.data_size;
      const hasStd = W === 2 * D;
      // Back to the data's units; σ is scaled, never shifted.
      const orig = (t: Tensor, scaleOnly: boolean): Tensor =>
        affine ? undoAffine(t, affine, scaleOnly) : stats ? denormalize(t, stats, { scaleOnly }) : t;
      const part = (from: number): Tensor => slice(y, [0, 0, from], [N, T, D]);
      const outputs: [string, Tensor][] = [[o.out, orig(hasStd ? part(0) : y, false)]];
      if (hasStd) outputs.push([stdPath(o.out), orig(part(D), true)]);
      const written: string[] = [];
      try {
        for (const [path, t] of outputs) {
          writeAtomic(path, encodeNpy(t));
          written.push(path);
        }
      } catch (e) {
        for (const path of written) rmSync(path, { force: true });
        throw e;
      }
      console.log(
        `wrote ${outputs.map(([p]) => p).join(" and ")}: (${N}, ${T}, ${D})${context !== undefined ? `, context ${context}` : ""}`,
      );
    });
}
