// `warp import` and `warp export`: a model saved by the authors' code (test/fixtures/equinox-wsm.eqx,
// made with numpy's save by tools/equinox_fixture.py) and its YAML into a warp-ts checkpoint, and back
// into a run folder their code loads, leaf for leaf; the YAML written for PyYAML keeps floats floats.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { pyYaml } from "../../cli/commands/export.js";
import { loadCheckpoint, splitNpyStream } from "../../src/index.js";
import { warp } from "../helpers/cli.js";

const fixture = (f: string) => new URL(`../../../test/fixtures/${f}`, import.meta.url).pathname;

describe("warp import / warp export", () => {
  it("imports the authors' .eqx with its YAML and exports a run folder with the same leaves", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-interop-"));
    const fx = JSON.parse(readFileSync(fixture("equinox-wsm.json"), "utf8")) as {
      config: { model: Record<string, unknown>; training: Record<string, unknown> };
    };
    writeFileSync(
      join(cwd, "their.yaml"),
      pyYaml({ ...fx.config, general: { dataset: "sine", data_path: "./data/" } }),
    );
    const imp = warp(
      ["import", fixture("equinox-wsm.eqx"), "--config", "their.yaml", "--out", "m.safetensors"],
      cwd,
    );
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /wrote m\.safetensors: WARP, root mlp 1-3-4 swish, Dθ = 22, data size 2/);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(cwd, "m.safetensors"))));
    assert.equal(ck.config.data_size, 2);
    const exp = warp(["export", "m.safetensors", "--out", "exported"], cwd);
    assert.equal(exp.status, 0, exp.stderr);
    const theirs = splitNpyStream(new Uint8Array(readFileSync(fixture("equinox-wsm.eqx"))));
    const ours = splitNpyStream(new Uint8Array(readFileSync(join(cwd, "exported/artefacts/model.eqx"))));
    assert.equal(ours.length, theirs.length);
    ours.forEach((t, i) =>
      assert.deepEqual(Array.from(t.data), Array.from(theirs[i]!.data), `leaf ${i + 1}`),
    );
    const yaml = readFileSync(join(cwd, "exported/config.yaml"), "utf8");
    assert.match(yaml, /root_final_activation:\n {4}- 1\.0\n {4}- 0\.0\n/);
    assert.match(yaml, /weights_lim: 3\.0\n/);
    const doc = parse(yaml) as { model: Record<string, unknown>; general: Record<string, unknown> };
    assert.equal(doc.general.train, false);
    assert.equal(doc.model.init_state_layers, 1);
    // A mismatching YAML is an error naming the file and the leaf.
    writeFileSync(
      join(cwd, "bad.yaml"),
      pyYaml({ ...fx.config, model: { ...fx.config.model, weights_lim: null } }),
    );
    const bad = warp(
      ["import", fixture("equinox-wsm.eqx"), "--config", "bad.yaml", "--out", "x.safetensors"],
      cwd,
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /equinox-wsm\.eqx: equinox file: 33 leaves, but the configuration's WSM has 32/);
  });

  it("imports a classifier: the class count comes from the file", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-interop-"));
    const fx = JSON.parse(readFileSync(fixture("equinox-wsm-classification.json"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    };
    writeFileSync(join(cwd, "their.yaml"), pyYaml(fx.config));
    const imp = warp(
      [
        "import",
        fixture("equinox-wsm-classification.eqx"),
        "--config",
        "their.yaml",
        "--out",
        "c.safetensors",
      ],
      cwd,
    );
    assert.equal(imp.status, 0, imp.stderr);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(cwd, "c.safetensors"))));
    assert.equal(ck.config.nb_classes, 3);
    assert.deepEqual(ck.config.conv_embedding, [3, 2, true]);
  });

  it("exports a trained run folder with its sections and the authors' optimiser chain", () => {
    const cwd = mkdtempSync(join(tmpdir(), "warp-interop-"));
    const args = ["--set", "training.nb_epochs=1", "--set", "model.root_width_size=4", "--out", "r"];
    assert.equal(warp(["train", ...args], cwd).status, 0);
    const exp = warp(["export", "r", "--out", "ex"], cwd);
    assert.equal(exp.status, 0, exp.stderr);
    const doc = parse(readFileSync(join(cwd, "ex/config.yaml"), "utf8")) as Record<
      string,
      Record<string, unknown>
    >;
    assert.equal(doc.general!.save_path, "ex/");
    assert.equal(doc.general!.dataset, "sine");
    assert.deepEqual(Object.keys(doc.optimizer!), ["init_lr", "gradients_lim", "on_plateau"]);
    assert.equal(doc.model!.root_width_size, 4);
    const ck = loadCheckpoint(new Uint8Array(readFileSync(join(cwd, "r/checkpoints/best.safetensors"))));
    const leaves = splitNpyStream(new Uint8Array(readFileSync(join(cwd, "ex/artefacts/model.eqx"))));
    assert.deepEqual(Array.from(leaves[0]!.data), Array.from(ck.params.A.data));
  });

  it("writes YAML PyYAML reads with the same types (exponents with a dot, floats with a fraction)", () => {
    const text = pyYaml({ optimizer: { init_lr: 1e-7, gradients_lim: 2, on_plateau: { rtol: 1e-4 } }, n: 3 });
    assert.equal(
      text,
      "optimizer:\n  init_lr: 1.0e-7\n  gradients_lim: 2.0\n  on_plateau:\n    rtol: 0.0001\nn: 3\n",
    );
  });
});
