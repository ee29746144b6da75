// `warp init <config.yaml> --out model.safetensors [--seed S]`: builds an initialised model and saves it.

import type { Command } from "commander";
import { createModel, randomKey, saveCheckpoint } from "../../src/index.js";
import { refuseOverwritingInputs, writeAtomic } from "../files.js";
import { checkModelSize, modelConfigOfRun, readRunConfig } from "../model-config.js";
import { intOption, pathOption } from "../options.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("build a model from a YAML configuration with the reference initialisation and save it")
    .argument(
      "<config.yaml>",
      "reference-style configuration (sections general/data/model/optimizer/training)",
    )
    .requiredOption("--out <file>", "output checkpoint (.safetensors)", pathOption("--out"))
    .option("--seed <n>", "random seed (default: the config's general.seed)", intOption("--seed"))
    .option("--data-size <n>", "observation size when the config does not imply it", intOption("--data-size"))
    .option("--nb-classes <n>", "number of classes for a classification config", intOption("--nb-classes"))
    .addHelpText(
      "after",
      "\nExamples:\n  warp init configs/mnist.yaml --out mnist.safetensors\n  warp init my.yaml --out m.safetensors --seed 3 --data-size 2",
    )
    .action((path: string, o: { out: string; seed?: number; dataSize?: number; nbClasses?: number }) => {
      refuseOverwritingInputs(`--out ${o.out}`, [o.out], [path]);
      const run = readRunConfig(path);
      const config = modelConfigOfRun(run, path, { dataSize: o.dataSize, nbClasses: o.nbClasses });
      const model = createModel(config);
      checkModelSize(model, run);
      const params = model.init(randomKey(o.seed ?? run.general.seed));
      writeAtomic(o.out, saveCheckpoint(config, params));
      const named = model.namedParams(params);
      const count = Object.values(named).reduce((n, t) => n + t.size, 0);
      console.log(`model: ${model.description}`);
      console.log(
        `parameters: ${count} (${Object.entries(named)
          .map(([k, t]) => `${k} ${t.size}`)
          .join(", ")})`,
      );
      console.log(`wrote ${o.out}`);
    });
}
