// The experiment registry and `warp experiment` / `warp results`: every row has a CPU-scale and a
// paper-scale config that resolve to the row's model; RESULTS.md rows are mean ± sample std of the runs'
// metrics with the paper's number beside them; a short real experiment writes summary.json (seeds skipped
// when rerun) and `warp results` tabulates it.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ExperimentSummary } from "../../cli/commands/experiment.js";
import { meanStd, mergeResults, previousTasks, resultsMarkdown } from "../../cli/commands/results.js";
import { EXPERIMENTS, experimentConfig } from "../../cli/experiments.js";
import { modelConfigOfRun, readRunConfig } from "../../cli/model-config.js";
import { warp } from "../helpers/cli.js";

const CONFIGS = new URL("../../../configs/", import.meta.url).pathname;

/** Observation size and classes of each row's data (what the loaders would report). */
const DATA: Record<string, { dataSize: number; nbClasses?: number }> = {
  sine: { dataSize: 1 },
  mass_spring_damper: { dataSize: 2 },
  lotka: { dataSize: 2 },
  mnist: { dataSize: 1 },
  uea: { dataSize: 3, nbClasses: 3 },
  co2_concentration: { dataSize: 1 },
};

describe("experiment registry", () => {
  for (const e of EXPERIMENTS) {
    it(`${e.name}: cpu and paper configs resolve to a ${e.model} model`, () => {
      for (const scale of ["cpu", "paper"] as const) {
        const file = join(CONFIGS, `${experimentConfig(e, scale)}.yaml`);
        assert.ok(existsSync(file), `missing ${file}`);
        const run = readRunConfig(file);
        const data = DATA[run.general.dataset ?? ""];
        assert.ok(data, `${file}: unexpected dataset ${run.general.dataset}`);
        const config = modelConfigOfRun(run, file, data);
        const want = e.model.startsWith("GRU") ? "gru" : e.model.startsWith("LSTM") ? "lstm" : "wsm";
        assert.equal(config.model_type, want, file);
        assert.equal(config.root_physics !== null, e.model === "WARP-Phys", file);
      }
    });
  }
});

describe("warp results", () => {
  it("gives mean ± sample std", () => {
    assert.equal(meanStd([1, 2, 3]), "2.00 ± 1.0");
    assert.equal(meanStd([0.5]), "0.500");
    assert.equal(meanStd([1000, 1032]), "1016 ± 23");
  });

  it("tabulates every finished row with the paper's number, the seeds and the command", () => {
    const summary = (name: string, values: number[]): ExperimentSummary => ({
      name,
      task: EXPERIMENTS.find((e) => e.name === name)!.task,
      model: EXPERIMENTS.find((e) => e.name === name)!.model,
      scale: "cpu",
      config: `experiments/cpu/${name}`,
      command: `warp experiment ${name} --seeds ${values.length} --scale cpu`,
      commit: "abc1234",
      machine: "test machine",
      runs: values.map((v, seed) => ({ seed, dir: `d${seed}`, metrics: { mse: v }, seconds: 30 })),
    });
    const md = resultsMarkdown([summary("sine-gru", [3e-4, 5e-4]), summary("sine-warp", [1e-4, 2e-4, 3e-4])]);
    const lines = md.split("\n");
    const warpRow = lines.find((l) => l.startsWith("| WARP |"))!;
    assert.match(warpRow, /^\| WARP \| 2\.00 ± 1\.0 \| 2\.77 \| 0, 1, 2 \| 30 s \|$/);
    const gruRow = lines.find((l) => l.startsWith("| GRU |"))!;
    assert.match(gruRow, /^\| GRU \| 4\.00 ± 1\.4 \| 4\.9 \| 0, 1 \| 30 s \|$/);
    assert.ok(lines.indexOf(warpRow) < lines.indexOf(gruRow), "rows in the registry's order");
    // A diverged seed is named beside the seeds of the mean.
    const lost = resultsMarkdown([
      {
        ...summary("sine-warp", [1e-4, 3e-4]),
        diverged: [{ seed: 2, dir: "d2", epoch: 1221, message: "m" }],
      },
    ]);
    assert.ok(lost.includes("| WARP | 2.00 ± 1.4 | 2.77 | 0, 1; 2 diverged (epoch 1221) | 30 s |"), lost);
    assert.ok(md.includes("`warp experiment sine-warp --seeds 3 --scale cpu`"));
    assert.ok(md.includes("commit abc1234; test machine"));
    assert.ok(!md.includes("MSD"), "no section for tasks without runs");
    assert.ok(!md.includes("## Notes"));
    // Every metric has the paper's number beside it (MNIST: MSE and BPD, both with σ ≥ 0.5 as in the paper).
    const mnist = resultsMarkdown([
      {
        ...summary("mnist-600", [0]),
        runs: [{ seed: 0, dir: "d", metrics: { image_mse: 0.05, bpd: -0.2 }, seconds: 9 }],
      },
    ]);
    assert.ok(mnist.includes("| model | MSE | paper MSE | BPD | paper BPD | seeds | time/seed |"), mnist);
    const withNotes = resultsMarkdown([summary("sine-warp", [1e-4])], "WARP-Phys wins here.\n");
    assert.ok(withNotes.endsWith("## Notes\n\nWARP-Phys wins here.\n"), withNotes);
    // Regenerating keeps the hand-maintained sections of the previous file, and only those.
    const previous = `${withNotes}\n## Forecasting real series\n\n| a | b |\n\n## Structured\n\nrows\n`;
    const regenerated = resultsMarkdown([summary("sine-warp", [3e-4])], "New notes.\n");
    assert.equal(
      mergeResults(previous, regenerated),
      `${regenerated.split("## Notes")[0]}## Notes\n\nNew notes.\n\n## Forecasting real series\n\n| a | b |\n\n## Structured\n\nrows\n`,
    );
    // Hand-maintained sections stay where they were; a generated section that is new goes after the last one.
    const between = "# Results\n\n## CPU scale (minutes on 2 cores)\n\nold\n\n## Mine\n\nkept\n";
    assert.equal(
      mergeResults(between, withNotes),
      `${withNotes.split("## Notes")[0]}## Notes\n\nWARP-Phys wins here.\n\n## Mine\n\nkept\n`,
    );
    assert.equal(mergeResults("", withNotes), withNotes);
    // Tasks without runs keep their tables from the previous file; tasks with runs are regenerated.
    const old = previousTasks(`${mnist}\n## Notes\n\nx\n`);
    assert.deepEqual([...old.keys()], ["CPU scale (minutes on 2 cores)\nMNIST completion"]);
    const both = resultsMarkdown([summary("sine-warp", [2e-4])], "", old);
    assert.ok(both.includes("| WARP | 2.00 | 2.77 | 0 |"), both);
    assert.ok(both.includes(old.values().next().value!), both);
    assert.ok(both.indexOf("### SINE") < both.indexOf("### MNIST"), "tables in the registry's order");
    const rerun = resultsMarkdown(
      [
        {
          ...summary("mnist-600", [0]),
          runs: [{ seed: 0, dir: "d", metrics: { image_mse: 0.05, bpd: 0.6 }, seconds: 9 }],
        },
      ],
      "",
      old,
    );
    assert.ok(rerun.includes("| 0.600 |") && !rerun.includes("-0.200"), "a task with runs is regenerated");
  });

  it("refuses a folder without runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-results-"));
    const r = warp(["results", "--runs", join(dir, "none")], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no experiment runs in .*none/);
  });
});

describe("warp experiment", () => {
  it("makes the data, trains each seed, keeps summary.json, skips finished seeds, and feeds warp results", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-exp-"));
    const args = ["experiment", "sine-warp", "--seeds", "2", "--set", "training.nb_epochs=3"];
    const r = warp(args, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, "data", "sine", "train.npy")), "the row's data were made");
    const path = join(dir, "runs", "experiments", "cpu", "sine-warp", "summary.json");
    const s = JSON.parse(readFileSync(path, "utf8")) as ExperimentSummary;
    assert.deepEqual(
      s.runs.map((x) => x.seed),
      [0, 1],
    );
    assert.equal(s.command, "warp experiment sine-warp --seeds 2 --scale cpu --set training.nb_epochs=3");
    for (const run of s.runs) {
      assert.ok(run.metrics.mse! > 0 && Number.isFinite(run.metrics.mse!));
      assert.ok(existsSync(join(dir, run.dir, "checkpoints", "best.safetensors")));
    }
    assert.notEqual(s.runs[0]!.metrics.mse, s.runs[1]!.metrics.mse, "seeds differ");
    const again = warp(args, dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /seed 0: done already/);
    assert.match(again.stdout, /seed 1: done already/);
    const res = warp(["results", "--out", "R.md"], dir);
    assert.equal(res.status, 0, res.stderr);
    const md = readFileSync(join(dir, "R.md"), "utf8");
    const row = meanStd(s.runs.map((x) => x.metrics.mse! / 1e-4));
    assert.ok(md.includes(`| WARP | ${row} | 2.77 | 0, 1 |`), md);
  });

  it("records a diverged seed, goes on with the others, and skips it on a rerun", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-exp-"));
    // A learning rate that makes every seed diverge in its second epoch (after one step).
    const args = ["experiment", "sine-warp", "--seeds", "2", "--set", "training.nb_epochs=3"];
    const r = warp([...args, "--set", "optimizer.init_lr=1e12"], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /sine-warp seed 0: training diverged at epoch 2/);
    assert.match(r.stderr, /sine-warp seed 1: training diverged at epoch 2/);
    assert.match(r.stderr, /every seed diverged \(0, 1\): no result/);
    const path = join(dir, "runs", "experiments", "cpu", "sine-warp", "summary.json");
    const s = JSON.parse(readFileSync(path, "utf8")) as ExperimentSummary;
    assert.deepEqual(s.runs, []);
    assert.deepEqual(
      s.diverged?.map((d) => [d.seed, d.epoch]),
      [
        [0, 2],
        [1, 2],
      ],
    );
    const again = warp([...args, "--set", "optimizer.init_lr=1e12"], dir);
    assert.equal(again.status, 1);
    assert.match(again.stdout, /seed 0: diverged already at epoch 2/);
    assert.match(again.stdout, /seed 1: diverged already at epoch 2/);
    // A third seed still trains and is the mean.
    const more = warp(["experiment", "sine-warp", "--seeds", "3", "--set", "training.nb_epochs=2"], dir);
    assert.equal(more.status, 0, more.stderr);
    const s3 = JSON.parse(readFileSync(path, "utf8")) as ExperimentSummary;
    assert.deepEqual(
      s3.runs.map((x) => x.seed),
      [2],
    );
    assert.equal(s3.diverged?.length, 2);
  });

  it("rejects an unknown experiment with the list of names", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-exp-"));
    const r = warp(["experiment", "nope"], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no experiment "nope" \(known: sine-warp, /);
  });
});
