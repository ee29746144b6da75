#!/usr/bin/env node
// The `warp` command line: flags → library calls; all printing and file access live here.
// Every error is one line on stderr and a non-zero exit.

import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerData } from "./commands/data.js";
import { registerEval } from "./commands/eval.js";
import { registerExperiment } from "./commands/experiment.js";
import { registerExport } from "./commands/export.js";
import { registerForecast } from "./commands/forecast.js";
import { registerImport } from "./commands/import.js";
import { registerInit } from "./commands/init.js";
import { registerPredict } from "./commands/predict.js";
import { registerResults } from "./commands/results.js";
import { registerTrain } from "./commands/train.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command()
  .name("warp")
  .description("WARP (Weight-space Adaptive Recurrent Prediction) in TypeScript")
  .version(pkg.version, "-V, --version");

registerTrain(program);
registerEval(program);
registerInit(program);
registerPredict(program);
registerForecast(program);
registerBench(program);
registerData(program);
registerExperiment(program);
registerResults(program);
registerImport(program);
registerExport(program);

// A usage error (unknown option or command, missing or invalid value) is one line naming the flag, as every
// other error is, with where to find the usage instead of the whole help text.
for (const command of [program, ...program.commands]) {
  const help = command === program ? "warp --help" : `warp ${command.name()} --help`;
  command.configureOutput({
    outputError: (message, write) =>
      write(
        `warp: ${message
          .replace(/^error: /, "")
          .replace(/\s*\n\s*/g, " ")
          .trim()} (see ${help})\n`,
      ),
  });
}

try {
  await program.parseAsync();
} catch (e) {
  console.error(`warp: ${e instanceof Error ? e.message : String(e)}`);
  process.exit((e as { exitCode?: number }).exitCode ?? 1);
}
