// `warp experiment <name> [--seeds N] [--scale cpu|paper]`: trains one of the paper's rows (cli/experiments.ts)
// once per seed, making its data first when missing, and keeps a summary.json beside the runs:
//   runs/experiments/<scale>/<name>/seed-<k>/   one `warp train` run folder per seed (general.seed = k)
//   runs/experiments/<scale>/<name>/summary.json  the command, commit, machine, and per seed the final
//                                                 metrics and wall time (what `warp results` reads)
// A seed already in summary.json is skipped; an interrupted seed is resumed from its last checkpoint.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { getBackend, TrainingDiverged, WarpError } from "../../src/index.js";
import {
  EXPERIMENTS,
  type Experiment,
  experimentConfig,
  findExperiment,
  type Scale,
} from "../experiments.js";
import { writeAtomic } from "../files.js";
import { intOption, pathOption } from "../options.js";
import { PACKAGE_ROOT, trainRun } from "./train.js";

export interface SeedResult {
  seed: number;
  dir: string;
  metrics: Record<string, number>;
  seconds: number;
}

/** A seed whose training diverged: not in the mean; its run folder keeps the last good epoch's checkpoints. */
export interface DivergedSeed {
  seed: number;
  dir: string;
  /** The 1-based epoch it diverged in. */
  epoch: number;
  message: string;
}

export interface ExperimentSummary {
  name: string;
  task: string;
  model: string;
  scale: Scale;
  config: string;
  command: string;
  commit: string;
  machine: string;
  runs: SeedResult[];
  /** Seeds that diverged (absent when none did). */
  diverged?: DivergedSeed[];
}

/** The checked-out commit (with "+changes" when the working tree differs), or "unknown". */
export function currentCommit(): string {
  try {
    const git = (args: string[]) =>
      execFileSync("git", args, { cwd: PACKAGE_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const head = git(["rev-parse", "--short", "HEAD"]).trim();
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]).trim() !== "";
    return dirty ? `${head}+changes` : head;
  } catch {
    return "unknown";
  }
}

/** CPU model, cores, memory, Node version and compute backend. */
export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, backend ${getBackend()}`;
}

/** Runs `warp data …` for each of the experiment's datasets whose file is missing (paths from cwd). */
function prepareData(e: Experiment, scale: Scale): void {
  for (const d of e.data?.[scale] ?? []) {
    if (existsSync(d.creates)) continue;
    console.log(`making data: warp data ${d.args.join(" ")}`);
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, "dist", "cli", "warp.js"), "data", ...d.args], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new WarpError(`warp data ${d.args.join(" ")} failed (exit ${r.status})`);
  }
}

function readSummary(path: string): ExperimentSummary | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ExperimentSummary;
  } catch {
    throw new WarpError(`${path} is not valid JSON: delete it to rerun the experiment`);
  }
}

interface ExperimentOptions {
  seeds: number;
  scale: string;
  out: string;
  set: string[];
}

async function runExperiment(e: Experiment, o: ExperimentOptions): Promise<void> {
  const scale = o.scale as Scale;
  const root = join(o.out, scale, e.name);
  const summaryPath = join(root, "summary.json");
  prepareData(e, scale);
  const previous = readSummary(summaryPath);
  const extra = o.set.map((s) => ` --set ${s}`).join("");
  const summary: ExperimentSummary = {
    name: e.name,
    task: e.task,
    model: e.model,
    scale,
    config: experimentConfig(e, scale),
    command: `warp experiment ${e.name} --seeds ${o.seeds} --scale ${scale}${extra}`,
    commit: currentCommit(),
    machine: machineDescription(),
    runs: previous?.runs ?? [],
  };
  const diverged = previous?.diverged ?? [];
  const save = () => {
    if (diverged.length > 0) summary.diverged = [...diverged].sort((a, b) => a.seed - b.seed);
    writeAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  };
  for (let seed = 0; seed < o.seeds; seed++) {
    if (summary.runs.some((r) => r.seed === seed)) {
      console.log(`${e.name} seed ${seed}: done already (${summaryPath})`);
      continue;
    }
    const failed = diverged.find((d) => d.seed === seed);
    if (failed) {
      console.log(
        `${e.name} seed ${seed}: diverged already at epoch ${failed.epoch} (${summaryPath}; to train it again, remove its "diverged" entry there and ${failed.dir})`,
      );
      continue;
    }
    const dir = join(root, `seed-${seed}`);
    console.log(`${e.name} seed ${seed} → ${dir}`);
    const resume = existsSync(join(dir, "checkpoints", "last.safetensors"));
    let result: Awaited<ReturnType<typeof trainRun>>;
    try {
      result = resume
        ? await trainRun(undefined, { set: [], resume: dir })
        : await trainRun(experimentConfig(e, scale), { set: [...o.set, `general.seed=${seed}`], out: dir });
    } catch (err) {
      // One diverged seed does not stop the others: it is recorded (and left out of the mean), so that a
      // rerun skips it instead of resuming into the same divergence.
      if (!(err instanceof TrainingDiverged)) throw err;
      diverged.push({ seed, dir, epoch: err.epoch, message: err.message });
      save();
      console.error(`warp: ${e.name} seed ${seed}: ${err.message}`);
      console.error(`warp: ${e.name} seed ${seed} is left out of the mean; ${dir} keeps its last good epoch`);
      continue;
    }
    if (!result.metrics) throw new WarpError(`${e.name}: the run has no test or validation data to report`);
    for (const m of e.metrics) {
      if (result.metrics[m.key] === undefined)
        throw new WarpError(`${e.name}: the run did not report the metric "${m.key}"`);
    }
    summary.runs = [...summary.runs, { seed, dir, metrics: result.metrics, seconds: result.seconds }].sort(
      (a, b) => a.seed - b.seed,
    );
    save();
  }
  if (summary.runs.length === 0)
    throw new WarpError(
      `${e.name}: every seed diverged (${diverged.map((d) => d.seed).join(", ")}): no result`,
    );
  for (const m of e.metrics) {
    const v = summary.runs.map((r) => r.metrics[m.key]! / m.scale);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `${e.name}: ${m.label} ${mean.toPrecision(4)} over ${v.length} seed(s) (paper: ${m.paper ?? "–"})`,
    );
  }
}

export function registerExperiment(program: Command): void {
  program
    .command("experiment")
    .description("run one of the paper's experiments (a named row) with several seeds; see `warp results`")
    .argument("<name>", `an experiment name, or "all" (${EXPERIMENTS.map((e) => e.name).join(", ")})`)
    .option("--seeds <n>", "number of seeds (0, 1, …, n−1)", intOption("--seeds"), 3)
    .option("--scale <scale>", "cpu (minutes on 2 cores) or paper (the paper's sizes)", "cpu")
    .option("--out <dir>", "folder of the experiment runs", pathOption("--out"), "runs/experiments")
    .option(
      "--set <key=value>",
      "override a config key in every run (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .addHelpText(
      "after",
      "\nExamples:\n  warp experiment sine-warp --seeds 3\n  warp experiment msd-gru --scale paper --seeds 1\n  warp experiment all && warp results",
    )
    .action(async (name: string, o: ExperimentOptions) => {
      if (o.scale !== "cpu" && o.scale !== "paper")
        throw new WarpError(`--scale must be cpu or paper, got "${o.scale}"`);
      if (o.seeds < 1) throw new WarpError("--seeds must be at least 1");
      const list = name === "all" ? EXPERIMENTS : [findExperiment(name)];
      for (const e of list) await runExperiment(e, o);
    });
}
