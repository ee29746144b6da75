// The `warp` command line end to end: init from a reference-style YAML, predict on a .npy file, and the
// one-line errors (non-zero exit, no partial output) for bad configs and bad inputs.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeNpy, encodeNpy, loadCheckpoint, tensor } from "../../src/index.js";
import { warp } from "../helpers/cli.js";

const CONFIGS = new URL("../../../configs/", import.meta.url).pathname;

const SMALL = `
general:
  seed: 1
  dataset: "sine"
model:
  root_width_size: 4
  root_depth: 1
  root_activation: "tanh"
  root_final_activation: "tanh"
  init_state_layers: 1
  time_as_channel: False
  std_lower_bound: 0.1
training:
  autoregressive: True
  use_nll_loss: True
  inference_start: 3
`;

describe("warp init and warp predict", () => {
  it("init writes a checkpoint and prints Dθ and the parameter counts", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-cli-"));
    const r = warp(["init", join(CONFIGS, "mnist.yaml"), "--out", "m.safetensors", "--seed", "3"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Dθ = 1298/);
    assert.match(r.stdout, /parameters: 1687400 \(A 1684804, B 1298, theta0 1298\)/);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(dir, "m.safetensors"))));
    assert.equal(ck.config.root_width_size, 24);
    assert.equal(ck.config.inference_start, 300);
    assert.deepEqual(ck.params.A.shape, [1298, 1298]);
  });

  it("predict writes means and stds of the rollout from the configured context", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-cli-"));
    writeFileSync(join(dir, "small.yaml"), SMALL);
    assert.equal(warp(["init", "small.yaml", "--out", "m.safetensors"], dir).status, 0);
    const x = tensor(
      Array.from({ length: 2 * 6 }, (_, i) => Math.sin(i)),
      [2, 6, 1],
      "float64",
    );
    writeFileSync(join(dir, "x.npy"), encodeNpy(x));
    const r = warp(["predict", "m.safetensors", "--input", "x.npy", "--out", "y.npy"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote y\.npy and y\.std\.npy: \(2, 6, 1\), context 3/);
    const mean = decodeNpy(new Uint8Array(readFileSync(join(dir, "y.npy"))));
    const std = decodeNpy(new Uint8Array(readFileSync(join(dir, "y.std.npy"))));
    assert.deepEqual(mean.shape, [2, 6, 1]);
    assert.equal(mean.dtype, "float32");
    assert.ok(
      mean.toArray().every((v) => Math.abs(v) <= 1),
      "tanh means lie in [−1, 1]",
    );
    assert.ok(
      std.toArray().every((v) => v >= Math.fround(0.1)),
      "stds respect std_lower_bound",
    );
    // The same checkpoint and input give the same predictions (no hidden randomness at inference).
    warp(["predict", "m.safetensors", "--input", "x.npy", "--out", "y2.npy"], dir);
    assert.deepEqual(readFileSync(join(dir, "y2.npy")), readFileSync(join(dir, "y.npy")));
  });

  it("rejects bad configs with one line naming the problem and writes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-cli-"));
    const cases: [string, RegExp][] = [
      [
        SMALL.replace("root_width_size", "root_widht_size"),
        /unknown key "model.root_widht_size" \(did you mean "model.root_width_size"\?\)/,
      ],
      [SMALL.replace('"tanh"\n  root_final', '"gelu"\n  root_final'), /root_activation = "gelu" is invalid/],
      ["model: [1, 2", /invalid YAML/],
      [
        SMALL.replace('dataset: "sine"', 'dataset: "mystery"'),
        /data size is unknown: set model.data_size or pass --data-size/,
      ],
    ];
    for (const [yaml, pattern] of cases) {
      writeFileSync(join(dir, "bad.yaml"), yaml);
      const r = warp(["init", "bad.yaml", "--out", "out.safetensors"], dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    const missing = warp(["init", "nope.yaml", "--out", "out.safetensors"], dir);
    assert.match(missing.stderr, /cannot read config nope\.yaml: no such file/);
    assert.deepEqual(readdirSync(dir), ["bad.yaml"]);
  });

  it("rejects bad inputs to predict and leaves no output behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "warp-cli-"));
    writeFileSync(join(dir, "small.yaml"), SMALL);
    warp(["init", "small.yaml", "--out", "m.safetensors"], dir);
    writeFileSync(join(dir, "wide.npy"), encodeNpy(tensor(new Float32Array(12), [2, 3, 2])));
    writeFileSync(join(dir, "nan.npy"), encodeNpy(tensor(Float32Array.of(0, Number.NaN, 1), [1, 3, 1])));
    writeFileSync(join(dir, "junk.npy"), "not a numpy file");
    writeFileSync(join(dir, "junk.safetensors"), "garbage!garbage!");
    const cases: [string[], RegExp][] = [
      [
        ["predict", "m.safetensors", "--input", "wide.npy", "--out", "y.npy"],
        /wide\.npy: expected shape \(N, T, 1\), got \(2,3,2\)/,
      ],
      [
        ["predict", "m.safetensors", "--input", "nan.npy", "--out", "y.npy"],
        /nan\.npy: contains NaN or infinite values/,
      ],
      [["predict", "m.safetensors", "--input", "junk.npy", "--out", "y.npy"], /npy/i],
      [["predict", "junk.safetensors", "--input", "wide.npy", "--out", "y.npy"], /safetensors|header/i],
      [
        ["predict", "m.safetensors", "--input", "absent.npy", "--out", "y.npy"],
        /cannot read input absent\.npy: no such file/,
      ],
      [
        ["predict", "m.safetensors", "--input", "wide.npy", "--out", "y.npy", "--context", "-2"],
        /--context expects a non-negative integer/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const r = warp(args, dir);
      assert.notEqual(r.status, 0, args.join(" "));
      assert.match(r.stderr, pattern);
      assert.equal(existsSync(join(dir, "y.npy")), false);
      assert.ok(!readdirSync(dir).some((f) => f.includes(".tmp-")), "no temporary files left");
    }
  });
});
