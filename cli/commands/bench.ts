// `warp bench <suite>`: prints benchmark figures (never asserted). Suites: gemm, recurrence, model, adam, all,
// and drift (the bf16 transition's loss curve beside float32's; not part of `all`: it trains).
// The model suite runs each configuration in a fresh process so every peak RSS is its own, and can time
// the PyTorch peer (a bench_torch.py given by --compare-torch) in the same run.

import { execFileSync } from "node:child_process";
import { type Command, InvalidArgumentError } from "commander";
import { benchAdam } from "../../bench/adam.bench.js";
import { benchGemm } from "../../bench/gemm.bench.js";
import {
  benchBf16Drift,
  benchModelConfig,
  CPU_MODEL_BENCHES,
  MODEL_BENCHES,
  transitionKeys,
} from "../../bench/model.bench.js";
import { benchRecurrence } from "../../bench/recurrence.bench.js";
import { type BenchRecord, round } from "../../bench/timing.js";
import {
  availableBackends,
  type BackendName,
  backendInfo,
  nativeUnavailableReason,
  WarpError,
  wasmUnavailableReason,
} from "../../src/index.js";

interface BenchOptions {
  json?: boolean;
  backend?: BackendName[];
  only?: string;
  compareTorch?: string;
  transition?: string[];
  steps?: number;
  every?: number;
}

function positive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
    return n;
  };
}

/** Training configurations (not the inference one) for the drift suite. */
function trainingConfigs(o: BenchOptions): string[] {
  const names = o.only
    ? o.only.split(",").map((n) => n.trim())
    : Object.keys(MODEL_BENCHES).filter((n) => !n.includes("infer"));
  for (const n of names) {
    if (!MODEL_BENCHES[n] || MODEL_BENCHES[n].inferContext !== undefined)
      throw new WarpError(`warp bench drift: "${n}" is not a training configuration`);
  }
  return names;
}

function parseTransitions(value: string): string[] {
  const list = value.split(",").map((s) => s.trim());
  for (const t of list) {
    if (!transitionKeys(t))
      throw new InvalidArgumentError(
        `unknown transition "${t}" (dense, dense:bf16, diagonal, lowrank[:r], block[:k])`,
      );
  }
  return list;
}

function parseBackends(value: string): BackendName[] {
  const list = value.split(",").map((s) => s.trim());
  for (const b of list) {
    if (b !== "cpu" && b !== "wasm" && b !== "native")
      throw new InvalidArgumentError(`unknown backend "${b}" (cpu, wasm, native)`);
    if (!availableBackends().includes(b)) {
      const why = b === "wasm" ? wasmUnavailableReason() : nativeUnavailableReason();
      throw new InvalidArgumentError(`backend "${b}" is not available here: ${why}`);
    }
  }
  return list as BackendName[];
}

function benchModel(backends: BackendName[], o: BenchOptions, emit: (r: BenchRecord) => void): void {
  const names = o.only ? o.only.split(",").map((n) => n.trim()) : Object.keys(MODEL_BENCHES);
  for (const n of names) {
    if (!MODEL_BENCHES[n])
      throw new WarpError(
        `warp bench model: unknown configuration "${n}" (${Object.keys(MODEL_BENCHES).join(", ")})`,
      );
  }
  const transitions = o.transition ?? ["dense"];
  // One configuration and transition runs in this process; more run one child process each, so that every
  // peak RSS is its own.
  const inProcess = names.length === 1 && transitions.length === 1;
  for (const name of names) {
    const ours: BenchRecord[] = [];
    const record = (r: BenchRecord) => {
      ours.push(r);
      emit(r);
    };
    for (const backend of backends) {
      if (backend !== "native" && !o.only && !CPU_MODEL_BENCHES.includes(name)) continue;
      for (const transition of transitions) {
        if (inProcess) {
          record(benchModelConfig(name, backend, 5, transition));
          continue;
        }
        const out = execFileSync(
          process.execPath,
          [
            process.argv[1]!,
            "bench",
            "model",
            "--only",
            name,
            "--backend",
            backend,
            "--transition",
            transition,
            "--json",
          ],
          { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
        );
        for (const line of out.trim().split("\n")) record(JSON.parse(line) as BenchRecord);
      }
    }
    if (o.compareTorch) {
      // The peer in a child python that also reports its own peak RSS after the script's JSON line.
      const probe = [
        "import json, resource, runpy, sys",
        "sys.argv = [sys.argv[1], '--configs', sys.argv[2], '--steps', '5']",
        "runpy.run_path(sys.argv[0], run_name='__main__')",
        "print(json.dumps({'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))",
      ].join("\n");
      const out = execFileSync("/usr/bin/python3", ["-c", probe, o.compareTorch, name], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE" },
      });
      const lines = out.trim().split("\n");
      const r = JSON.parse(lines.at(-2)!) as Record<string, number | string>;
      const rss = (JSON.parse(lines.at(-1)!) as { peak_rss_mb: number }).peak_rss_mb;
      const torch = Number(r.ms_per_step_median);
      emit({
        bench: "model",
        config: name,
        backend: "torch",
        N: r.batch!,
        T: r.T!,
        D: r.data_dim!,
        P: r.theta_dim!,
        ms_step: torch,
        peak_rss_mb: rss,
      });
      for (const m of ours)
        emit({
          bench: "model-vs-torch",
          config: name,
          backend: m.backend!,
          transition: m.transition!,
          step_ratio: round(Number(m.ms_step) / torch, 3),
          rss_ratio: round(Number(m.peak_rss_mb) / rss, 3),
        });
    }
  }
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("run benchmarks and print their figures (never asserted)")
    .argument("<suite>", "gemm, recurrence, model, adam, all, or drift")
    .option("--json", "print one JSON object per line")
    .option(
      "--backend <list>",
      "comma-separated backends to run (default: every available one)",
      parseBackends,
    )
    .option(
      "--only <configs>",
      `model and drift suites: comma-separated configurations (${Object.keys(MODEL_BENCHES).join(", ")})`,
    )
    .option(
      "--transition <list>",
      "model suite: comma-separated transitions to time side by side: dense, dense:bf16, diagonal, lowrank[:r], block[:k] (default dense; r, k default 32)",
      parseTransitions,
    )
    .option(
      "--compare-torch <bench_torch.py>",
      "model suite: also time the PyTorch peer's script with /usr/bin/python3",
    )
    .option("--steps <n>", "drift suite: training steps (default 300)", positive("--steps"))
    .option("--every <n>", "drift suite: print every n-th step (default 25)", positive("--every"))
    .addHelpText(
      "after",
      "\nExamples:\n  warp bench gemm --json\n  warp bench recurrence --backend native\n  warp bench model --only mnist-ar-small\n  warp bench model --only msd-ar --transition dense,diagonal,lowrank:32\n  warp bench model --json --compare-torch ../shared/bench/bench_torch.py\n  warp bench drift --only mnist-ar-small --steps 300",
    )
    .action((suite: string, o: BenchOptions) => {
      const suites: Record<string, (b: BackendName[], emit: (r: BenchRecord) => void) => void> = {
        gemm: (b, emit) => benchGemm(b).forEach(emit),
        recurrence: (b, emit) => benchRecurrence(b).forEach(emit),
        model: (b, emit) => benchModel(b, o, emit),
        adam: (b, emit) => benchAdam(b).forEach(emit),
      };
      const drift = (b: BackendName[], emit: (r: BenchRecord) => void) => {
        for (const name of trainingConfigs(o))
          for (const backend of o.backend ?? b.slice(-1)) // the last available: native when it loads
            benchBf16Drift(name, backend, o.steps ?? 300, o.every ?? 25, emit);
      };
      const names = suite === "all" ? Object.keys(suites) : [suite];
      if (suite === "drift") suites.drift = drift;
      for (const n of names) {
        if (!suites[n])
          throw new WarpError(
            `warp bench: unknown suite "${n}" (choose from ${Object.keys(suites).join(", ")}, all, drift)`,
          );
      }
      const backends = o.backend ?? availableBackends();
      if (!o.json) console.log(`# backends: ${backends.join(", ")}; default: ${backendInfo()}`);
      const emit = (r: BenchRecord) =>
        console.log(
          o.json
            ? JSON.stringify(r)
            : Object.entries(r)
                .map(([k, v]) => `${k}=${v}`)
                .join("  "),
        );
      for (const n of names) suites[n]!(backends, emit);
    });
}
