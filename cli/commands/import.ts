// `warp import <model.eqx> --config <their.yaml> --out model.safetensors`: a WARP model saved by the
// authors' JAX code (Equinox tree_serialise_leaves of their WSM, src/io/equinox.ts) and the YAML it was
// trained with, into a warp-ts checkpoint. The data size and class count come from the file itself.

import type { Command } from "commander";
import {
  createModel,
  equinoxSizes,
  modelConfigFromRun,
  readEquinoxWarp,
  saveCheckpoint,
  splitNpyStream,
  WarpError,
  WarpModel,
} from "../../src/index.js";
import { readBytes, refuseOverwritingInputs, writeAtomic } from "../files.js";
import { modelConfigOfRun, readRunConfig } from "../model-config.js";
import { pathOption } from "../options.js";

/** Runs f, prefixing a WarpError's message with the file it is about. */
function about<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WarpError) throw new WarpError(`${file}: ${e.message}`);
    throw e;
  }
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("convert a model saved by the authors' JAX code (.eqx + its YAML) into a warp-ts checkpoint")
    .argument("<model.eqx>", "the authors' checkpoint, e.g. <run>/artefacts/model.eqx")
    .requiredOption("--config <config.yaml>", "the YAML the model was trained with (<run>/config.yaml)")
    .requiredOption("--out <model.safetensors>", "the warp-ts checkpoint to write", pathOption("--out"))
    .addHelpText(
      "after",
      "\nExample:\n  warp import runs/mnist/artefacts/model.eqx --config runs/mnist/config.yaml --out mnist.safetensors",
    )
    .action((file: string, o: { config: string; out: string }) => {
      refuseOverwritingInputs(`--out ${o.out}`, [o.out], [file, o.config]);
      const run = readRunConfig(o.config);
      const bytes = readBytes(file, "model");
      // The layout up to the data size depends only on keys the YAML gives.
      const probe = about(o.config, () => modelConfigFromRun(run, 1, run.general.classification ? 2 : null));
      const sizes = about(file, () =>
        equinoxSizes(splitNpyStream(bytes), {
          initStateLayers: probe.init_state_layers,
          rootDepth: probe.root_depth,
          classification: run.general.classification,
        }),
      );
      const config = modelConfigOfRun(run, o.config, {
        dataSize: sizes.dataSize,
        nbClasses: sizes.nbClasses ?? undefined,
      });
      const model = createModel(config);
      if (!(model instanceof WarpModel))
        throw new WarpError(
          `${o.config}: model_type "${config.model_type}": only WARP ("wsm") models import`,
        );
      const params = about(file, () => readEquinoxWarp(model, bytes, "float32"));
      writeAtomic(o.out, saveCheckpoint(config, params, {}, { imported_from: file }));
      console.log(`wrote ${o.out}: ${model.description}, data size ${config.data_size}`);
    });
}
