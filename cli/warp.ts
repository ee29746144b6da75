#!/usr/bin/env node
// The `warp` command line: flags → library calls; all printing and file access live here.
// Commands so far: bench. (Training, init, predict and eval arrive with the model and trainer.)

import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { benchGemm } from "../bench/gemm.bench.js";
import { benchRecurrence } from "../bench/recurrence.bench.js";
import type { BenchRecord } from "../bench/timing.js";
import { availableBackends, type BackendName, backendInfo, nativeUnavailableReason } from "../src/index.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const SUITES: Record<string, (backends: BackendName[]) => BenchRecord[]> = {
  gemm: benchGemm,
  recurrence: benchRecurrence,
};

function parseBackends(value: string): BackendName[] {
  const list = value.split(",").map((s) => s.trim());
  for (const b of list) {
    if (b !== "cpu" && b !== "native") throw new InvalidArgumentError(`unknown backend "${b}" (cpu, native)`);
    if (!availableBackends().includes(b)) {
      throw new InvalidArgumentError(`backend "${b}" is not available here: ${nativeUnavailableReason()}`);
    }
  }
  return list as BackendName[];
}

function printTable(rows: BenchRecord[]): void {
  for (const r of rows) {
    console.log(
      Object.entries(r)
        .map(([k, v]) => `${k}=${v}`)
        .join("  "),
    );
  }
}

const program = new Command()
  .name("warp")
  .description("WARP (Weight-space Adaptive Recurrent Prediction) in TypeScript")
  .version(pkg.version, "-V, --version")
  .showHelpAfterError();

program
  .command("bench")
  .description("run benchmarks and print their figures (never asserted)")
  .argument("<suite>", `one of: ${Object.keys(SUITES).join(", ")}, all`)
  .option("--json", "print one JSON object per line")
  .option("--backend <list>", "comma-separated backends to run (default: every available one)", parseBackends)
  .addHelpText(
    "after",
    "\nExamples:\n  warp bench gemm --json\n  warp bench recurrence --backend native\n  warp bench all",
  )
  .action((suite: string, opts: { json?: boolean; backend?: BackendName[] }) => {
    const names = suite === "all" ? Object.keys(SUITES) : [suite];
    for (const n of names) {
      if (!SUITES[n])
        program.error(
          `warp bench: unknown suite "${n}" (choose from ${Object.keys(SUITES).join(", ")}, all)`,
        );
    }
    const backends = opts.backend ?? availableBackends();
    if (!opts.json) console.log(`# backends: ${backends.join(", ")}; active: ${backendInfo()}`);
    for (const n of names) {
      for (const row of SUITES[n]!(backends)) {
        if (opts.json) console.log(JSON.stringify(row));
        else printTable([row]);
      }
    }
  });

try {
  await program.parseAsync();
} catch (e) {
  console.error(`warp: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
