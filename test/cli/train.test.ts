// `warp train` end to end on the built-in default (generated SINE): the run folder's files, and a run
// resumed with --resume ending with exactly the checkpoint and metrics of the uninterrupted run.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeSafetensors, encodeNpy, loadCheckpoint, tensor } from "../../src/index.js";
import { CLI, warp } from "../helpers/cli.js";

const SHORT = ["--set", "training.valid_every=2", "--set", "model.root_width_size=6"];
const metricsOf = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      delete r.seconds;
      return r;
    });

/** The run's test-metrics.json. */
const testMetricsOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "test-metrics.json"), "utf8")) as {
    split: string;
    checkpoint: string;
    chosen_on: string | null;
    epoch: number;
    context: number | null;
    metrics: Record<string, number>;
  };

// A configuration in the reference's own format (every key as the authors' files spell it, including keys
// warp-ts does not use), with small sizes.
const REFERENCE_YAML = `# General settings
general:
  seed: 2026
  classification: False
  train: True
  dataset: "sine"
  data_path: "./data/dynamics/sine/"
  save_path: null

# Data hyperparameters
data:
  normalize: False

# Model hyperparameters
model:
  root_width_size: 8
  root_depth: 2
  root_activation: "swish"
  root_final_activation: null
  init_state_layers: 2
  input_prev_data: False
  model_type: "wsm"
  nb_rnn_layers: 1
  weights_lim: null
  time_as_channel: False
  forcing_prob: 1.0
  noise_theta_init: null
  std_lower_bound: null

# Optimizer hyperparameters
optimizer:
  init_lr: 1.0e-4
  gradients_lim: 1.0e-7
  on_plateau:
    factor: 0.5
    min_scale: 1.0e-2
    patience: 20
    cooldown: 0
    rtol: 1.0e-4
    accum_size: 50

# Training/Inference configurations
training:
  nb_epochs: 3
  batch_size: 10
  autoregressive: True
  print_every: 1
  valid_every: 1
  save_every: 1
  checkpoint_every: 1
  nb_recons_loss_steps: null
  use_nll_loss: False
  inference_start: 1
  stochastic: False
  smooth_inference: True
  val_criterion: "mse"
`;

describe("warp train", () => {
  it("trains a configuration written in the reference's format unchanged, noting the unused keys once", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    writeFileSync(join(cwd, "reference.yaml"), REFERENCE_YAML);
    // A reference config reads its data folder: a missing one is an error naming it and the command that makes it.
    const missing = warp(["train", "reference.yaml", "--out", "ref"], cwd);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /data\/dynamics\/sine\/train\.npy.*warp data sine --out/);
    assert.ok(!existsSync(join(cwd, "ref")), "a failed start leaves no run folder");
    assert.equal(warp(["data", "sine", "--out", "data/dynamics/sine/", "--n", "10"], cwd).status, 0);
    const r = spawnSync(process.execPath, [CLI, "train", "reference.yaml", "--out", "ref"], {
      cwd,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const notes = r.stderr.split("\n").filter((l) => l.includes("keys accepted but not used"));
    assert.equal(notes.length, 1, r.stderr);
    assert.match(notes[0]!, /model\.nb_rnn_layers/);
    assert.match(notes[0]!, /training\.checkpoint_every/);
    const m = metricsOf(join(cwd, "ref"));
    assert.equal(m.length, 3);
    // The reference chain: clip → AdaBelief → reduce-on-plateau (scale 1 until a plateau).
    assert.ok(m.every((x) => x.lr_scale === 1 && Number.isFinite(x.train_loss as number)));
  });

  it("trains the built-in default and writes the run folder", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    const r = warp(["train", ...SHORT, "--set", "training.nb_epochs=4", "--out", "run"], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /run folder run; model WARP, root mlp 1-6-6-1 swish, Dθ = 61; 10 training sequences/,
    );
    assert.match(
      r.stdout,
      /final metrics on the test split \(1000 sequences; best checkpoint \(chosen on validation\), epoch 4; rollout after 1 context step\)\n {2}mse {3}[0-9.e-]+\n {2}mae {3}[0-9.e-]+\n {2}rmse {2}[0-9.e-]+\n/,
    );
    const saved = testMetricsOf(join(cwd, "run"));
    assert.deepEqual(
      [saved.split, saved.checkpoint, saved.chosen_on, saved.epoch, saved.context],
      ["test", "best", "validation", 4, 1],
    );
    assert.deepEqual(Object.keys(saved.metrics), ["mse", "mae", "rmse"]);
    for (const f of [
      "config.yaml",
      "metrics.jsonl",
      "checkpoints/last.safetensors",
      "checkpoints/best.safetensors",
    ]) {
      assert.ok(existsSync(join(cwd, "run", f)), f);
    }
    const m = metricsOf(join(cwd, "run"));
    assert.deepEqual(
      m.map((x) => x.epoch),
      [1, 2, 3, 4],
    );
    assert.ok(m.every((x) => typeof x.train_loss === "number" && Number.isFinite(x.train_loss)));
    assert.equal(m[0]!.val, null);
    assert.deepEqual(Object.keys(m[1]!.val as object), ["mse", "mae", "rmse"]);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(cwd, "run/checkpoints/last.safetensors"))));
    assert.equal(ck.metadata.epoch, "4");
    assert.ok(ck.metadata.opt_state);
    assert.match(readFileSync(join(cwd, "run/config.yaml"), "utf8"), /root_width_size: 6/);
    // warp eval on the run folder scores its best checkpoint on the run's test split.
    const ev = warp(["eval", "run", "--json"], cwd);
    assert.equal(ev.status, 0, ev.stderr);
    const metrics = JSON.parse(ev.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(metrics), ["mse", "mae", "rmse"]);
    assert.ok(Math.abs(metrics.rmse! - Math.sqrt(metrics.mse!)) < 1e-9);
    const info = warp(["info", "run/checkpoints/best.safetensors"], cwd);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /model: WARP, root mlp 1-6-6-1 swish, Dθ = 61\nparameters: \d+ \(float32\)/);
    assert.match(info.stdout, /trained epochs: \d/);
    const bad = warp(["eval", "nowhere"], cwd);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /nowhere: no such file or folder/);
  });

  it("does not train a config whose general.train is false (the authors' evaluate-only mode)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    const r = warp(["train", ...SHORT, "--set", "general.train=false", "--out", "run"], cwd);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /general\.train is false \(the authors' evaluate-only mode\): evaluate a trained run with `warp eval <run>`/,
    );
    assert.ok(!existsSync(join(cwd, "run")));
  });

  it("resumed with --resume ends exactly where the uninterrupted run does", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    assert.equal(
      warp(["train", ...SHORT, "--set", "training.nb_epochs=4", "--out", "straight"], cwd).status,
      0,
    );
    assert.equal(warp(["train", ...SHORT, "--set", "training.nb_epochs=2", "--out", "split"], cwd).status, 0);
    const r = warp(["train", "--resume", "split", "--set", "training.nb_epochs=4"], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /resuming split at epoch 2\/4/);
    // Same parameters, optimiser state and metadata; only the wall times in the epoch record differ.
    const ck = (dir: string) => {
      const { tensors, metadata } = decodeSafetensors(
        readFileSync(join(cwd, dir, "checkpoints/last.safetensors")),
      );
      const record = JSON.parse(metadata.record!) as Record<string, unknown>;
      delete record.seconds;
      return { tensors, metadata: { ...metadata, record } };
    };
    assert.deepEqual(ck("split"), ck("straight"));
    assert.deepEqual(metricsOf(join(cwd, "split")), metricsOf(join(cwd, "straight")));
  });

  it("trains on .npy arrays, normalised to [−1, 1], and reports metrics in original units too", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    mkdirSync(join(cwd, "data"));
    // Values span exactly [0, 10] in the training split: denormalising scales errors by 5.
    const wave = (n: number, phase: number) =>
      tensor(
        Array.from({ length: n * 12 * 2 }, (_, i) => 5 + 5 * Math.sin(i * 0.3 + phase)),
        [n, 12, 2],
        "float64",
      );
    const train = wave(6, 0);
    train.data[0] = 0;
    train.data[1] = 10;
    writeFileSync(join(cwd, "data/train.npy"), encodeNpy(train));
    writeFileSync(join(cwd, "data/test.npy"), encodeNpy(wave(3, 1)));
    const yaml = [
      "general: { seed: 1, dataset: null, data_path: ./data/ }",
      "data: { normalize: true }",
      "model: { root_width_size: 5, root_depth: 1, init_state_layers: 0, time_as_channel: false, root_final_activation: null }",
      "optimizer: { name: adam, init_lr: 0.001 }",
      "training: { nb_epochs: 2, batch_size: 3, autoregressive: false, use_nll_loss: false }",
    ].join("\n");
    writeFileSync(join(cwd, "npy.yaml"), yaml);
    const r = warp(["train", "npy.yaml", "--out", "run"], cwd);
    assert.equal(r.status, 0, r.stderr);
    const metrics = testMetricsOf(join(cwd, "run")).metrics;
    assert.ok(Math.abs(metrics.mse_orig! / metrics.mse! - 25) < 1e-6, JSON.stringify(metrics));
    assert.ok(Math.abs(metrics.mae_orig! / metrics.mae! - 5) < 1e-6, JSON.stringify(metrics));
    assert.ok(existsSync(join(cwd, "run/stats.json")));
    // The forecast plot is in the data's units: the truth spans about [0, 10], not [−1, 1].
    const svg = readFileSync(join(cwd, "run/plots/forecast-0.svg"), "utf8");
    assert.match(svg, /dim 0 \(original units\)/);
    assert.match(svg, /end of context/);
    assert.match(svg, />10</);
  });

  it("stops a diverging run with one line naming where, keeping the last good checkpoint", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    const r = warp(
      ["train", "--set", "optimizer.init_lr=1e8", "--set", "training.nb_epochs=5", "--out", "nan"],
      cwd,
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^warp: training diverged at epoch 2, step 1: the loss is NaN \(last finite loss [0-9.]+\)\. What usually helps: a lower optimizer\.init_lr.*\n$/,
    );
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(cwd, "nan/checkpoints/last.safetensors"))));
    assert.equal(ck.metadata.epoch, "1");
    assert.ok(Array.from(ck.params.A.data).every(Number.isFinite));
  });

  it("refuses a misspelt key with a suggestion and an occupied run folder", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    const bad = warp(["train", "--set", "training.nb_epoch=3"], cwd);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /training\.nb_epoch.*did you mean "training\.nb_epochs"/);
    assert.equal(warp(["train", ...SHORT, "--set", "training.nb_epochs=1", "--out", "r"], cwd).status, 0);
    const again = warp(["train", ...SHORT, "--set", "training.nb_epochs=1", "--out", "r"], cwd);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /run folder r already holds a run: use --resume r or another --out/);
  });
  it("trains a classification run (UEA layout) with accuracy, error rate and macro-F1 validation", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    const made = warp(
      ["data", "uea-fixture", "--out", "u/", "--n", "60", "--n-val", "20", "--n-test", "20"],
      cwd,
    );
    assert.equal(made.status, 0, made.stderr);
    writeFileSync(
      join(cwd, "uea.yaml"),
      [
        "general: {seed: 1, dataset: uea, data_path: ./u/, classification: True}",
        "data: {normalize: True}",
        "model: {root_width_size: 6, root_depth: 1, init_state_layers: 0}",
        "optimizer: {name: adam, init_lr: 1.0e-3}",
        "training: {nb_epochs: 2, batch_size: 20, valid_every: 1, autoregressive: False, use_nll_loss: False}",
      ].join("\n"),
    );
    const r = warp(["train", "uea.yaml", "--out", "run"], cwd);
    assert.equal(r.status, 0, r.stderr);
    const records = metricsOf(join(cwd, "run"));
    assert.equal(records.length, 2);
    for (const rec of records) {
      const val = rec.val as Record<string, number>;
      assert.deepEqual(Object.keys(val).sort(), ["accuracy", "cross_entropy", "error_rate", "f1_score"]);
      assert.ok(Math.abs(val.accuracy! + val.error_rate! - 1) < 1e-12);
    }
    assert.match(
      r.stdout,
      /final metrics on the test split \(20 sequences; best checkpoint \(chosen on validation\), epoch \d; teacher-forced\)\n {2}accuracy/,
    );
    const ev = warp(["eval", "run", "--json"], cwd);
    assert.equal(ev.status, 0, ev.stderr);
    assert.ok((JSON.parse(ev.stdout) as Record<string, number>).f1_score! >= 0);
  });

  it("reports bpd for MNIST completion and draws the completion grid", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-train-"));
    writeFileSync(
      join(cwd, "mnist.yaml"),
      [
        "general: {seed: 1, dataset: mnist, data_path: ./none/}",
        "data: {downsample_factor: 2, limit: 12}",
        "model: {root_width_size: 4, root_depth: 1, std_lower_bound: 0.05}",
        "optimizer: {name: adam, init_lr: 1.0e-4}",
        "training: {nb_epochs: 1, batch_size: 6, use_nll_loss: True, nb_recons_loss_steps: 8, inference_start: 50}",
      ].join("\n"),
    );
    const r = warp(["train", "mnist.yaml", "--out", "run"], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /12 training sequences/);
    // No validation split: the test split chooses the best model, as the authors' code, and says so.
    assert.match(r.stderr, /no validation split: validating on the test split and keeping the best model/);
    const metrics = testMetricsOf(join(cwd, "run")).metrics;
    assert.ok(metrics.bpd! > 0 && Number.isFinite(metrics.bpd!), r.stdout);
    assert.ok(Math.abs(metrics.image_mse! - metrics.mse! / 4) < 1e-9);
    const png = readFileSync(join(cwd, "run", "plots", "completion.png"));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.match(
      readFileSync(join(cwd, "run", "plots", "completion.svg"), "utf8"),
      /completion from 50 context pixels/,
    );
    // With training.val_on_test false nothing validates: no best checkpoint, and eval reads the last one.
    const plain = warp(["train", "mnist.yaml", "--out", "plain", "--set", "training.val_on_test=false"], cwd);
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /validating on the test split/);
    assert.ok(!existsSync(join(cwd, "plain", "checkpoints", "best.safetensors")));
    const ev = warp(["eval", "plain", "--json"], cwd);
    assert.equal(ev.status, 0, ev.stderr);
    assert.match(ev.stderr, /no validation chose a best model; using checkpoints\/last\.safetensors/);
  });
});
