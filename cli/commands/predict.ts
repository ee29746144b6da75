// `warp predict <model.safetensors> --input x.npy [--context L] --out y.npy`: runs a saved model on a
// NumPy array (N, T, D) and writes the predicted means (and, for models with an uncertainty head, the
// standard deviations beside them as <out>.std.npy; for classifiers, the last step's logits).

import { rmSync } from "node:fs";
import type { Command } from "commander";
import {
  cast,
  decodeNpy,
  encodeNpy,
  loadCheckpoint,
  reshape,
  slice,
  type Tensor,
  treeLeaves,
  WarpError,
} from "../../src/index.js";
import { readBytes, writeAtomic } from "../files.js";
import { intOption } from "../options.js";

function stdPath(out: string): string {
  return out.endsWith(".npy") ? `${out.slice(0, -4)}.std.npy` : `${out}.std.npy`;
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("run a saved model on a .npy array (N, T, D) and write its predictions as .npy")
    .argument("<model.safetensors>", "checkpoint written by warp init / warp train")
    .requiredOption("--input <x.npy>", "inputs, float32 or float64, shape (N, T, D)")
    .requiredOption("--out <y.npy>", "where to write the predicted means (N, T, D)")
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
      const ckpt = loadCheckpoint<object>(readBytes(modelPath, "model"));
      const { model, params, config } = ckpt;
      const dtype = treeLeaves(params)[0]!.dtype as "float32" | "float64";
      let x = decodeNpy(readBytes(o.input, "input"));
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
      if (x.dtype !== dtype) x = cast(x, dtype);
      const context =
        o.context ??
        (config.nb_classes === null && config.autoregressive
          ? (config.inference_start ?? undefined)
          : undefined);
      if (context !== undefined && config.nb_classes !== null)
        throw new WarpError("--context applies to regression models only");
      const y = model.predict(params, x, { context });
      const [N, T, W] = y.shape as [number, number, number];
      if (config.nb_classes !== null) {
        const logits = reshape(slice(y, [0, T - 1, 0], [N, 1, W]), [N, W]);
        writeAtomic(o.out, encodeNpy(logits));
        console.log(`wrote ${o.out}: last-step logits (${N}, ${W})`);
        return;
      }
      const D = config.data_size;
      const part = (from: number): Tensor => slice(y, [0, 0, from], [N, T, D]);
      const hasStd = W === 2 * D;
      const outputs: [string, Tensor][] = [[o.out, hasStd ? part(0) : y]];
      if (hasStd) outputs.push([stdPath(o.out), part(D)]);
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
