// The bad-input and fault corpus of the command line: tables of cases, each asserting the exit code, the one
// line on stderr (naming the user's file, key or flag) and what is left on disk — nothing new after a refused
// start, nothing lost or overwritten after a refused resume. Then the faults of a live run: a second process
// on the same run folder, SIGINT, kill -9 and the resume after it.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeSafetensors, encodeNpy, encodeSafetensors, full, tensor } from "../../src/index.js";
import { CLI, warp } from "../helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "warp-faults-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` (relative paths), sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** Every file's bytes under `dir`, to show that a refused command changed nothing. */
function snapshot(dir: string): Map<string, string> {
  return new Map(tree(dir).map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));
}

// A short, fast run: 1-step epochs on the generated SINE data, validation only at the end.
const QUICK = ["--set", "model.root_width_size=6", "--set", "training.valid_every=1000"];

const seqs = (n: number, T: number, D: number, bad?: number) =>
  encodeNpy(
    tensor(
      Array.from({ length: n * T * D }, (_, k) => (k === bad ? Number.NaN : Math.sin(k / 3))),
      [n, T, D],
      "float32",
    ),
  );

const npyYaml = (path: string) =>
  `general:\n  dataset: "mass_spring_damper"\n  data_path: "${path}"\nmodel:\n  root_width_size: 6\ntraining:\n  use_nll_loss: false\n  nb_epochs: 2\n  batch_size: 4\n  inference_start: 2\n`;

interface Case {
  name: string;
  args: string[];
  /** Files to create in the case's fresh working folder first. */
  files?: Record<string, string | Uint8Array>;
  stderr: RegExp;
}

const START_CASES: Case[] = [
  {
    name: "misspelt --set key",
    args: ["train", "--set", "training.nb_epoch=5"],
    stderr: /^warp: --set training\.nb_epoch=5: unknown key .*did you mean "training\.nb_epochs"/,
  },
  {
    name: "invalid --set value",
    args: ["train", "--set", "training.nb_epochs=-1"],
    stderr: /^warp: --set training\.nb_epochs=-1: .*positive integer/,
  },
  {
    name: "unknown backend",
    args: ["train", "--backend", "gpu"],
    stderr: /^warp: --backend must be cpu, wasm or native, got "gpu"/,
  },
  {
    name: "a model too large for memory",
    args: ["train", "--set", "model.root_width_size=100000"],
    stderr: /^warp: model too large: .*model\.root_width_size 100000/,
  },
  {
    name: "a context longer than the sequences",
    args: ["train", "--set", "training.inference_start=17"],
    stderr: /^warp: training\.inference_start = 17 is longer than the train sequences \(T = 16\)/,
  },
  { name: "a config file that does not exist", args: ["train", "nosuch.yaml"], stderr: /nosuch\.yaml/ },
  {
    name: "--resume of a folder without a run",
    args: ["train", "--resume", "nothing"],
    stderr: /^warp: cannot resume nothing: no checkpoints\/last\.safetensors/,
  },
  {
    name: "a data folder that does not exist",
    args: ["train", "run.yaml"],
    files: { "run.yaml": npyYaml("./data/msd-typo/") },
    stderr: /data\/msd-typo\/train\.npy does not exist; generate it with `warp data msd/,
  },
  {
    name: "NaN in train.npy",
    args: ["train", "run.yaml"],
    files: { "run.yaml": npyYaml("./d/"), "d/train.npy": seqs(4, 8, 2, 5) },
    stderr: /d\/train\.npy: value NaN at \[sequence 0, step 2, channel 1\] is not finite/,
  },
  {
    name: "NaN in test.npy",
    args: ["train", "run.yaml"],
    files: { "run.yaml": npyYaml("./d/"), "d/train.npy": seqs(4, 8, 2), "d/test.npy": seqs(2, 8, 2, 0) },
    stderr: /d\/test\.npy: value NaN at \[sequence 0, step 0, channel 0\]/,
  },
  {
    name: "val.npy with another channel count",
    args: ["train", "run.yaml"],
    files: { "run.yaml": npyYaml("./d/"), "d/train.npy": seqs(4, 8, 2), "d/val.npy": seqs(2, 8, 3) },
    stderr: /d\/val\.npy: 3 channel\(s\) .* but the training data has 2/,
  },
  {
    name: "an empty train.npy",
    args: ["train", "run.yaml"],
    files: { "run.yaml": npyYaml("./d/"), "d/train.npy": seqs(0, 8, 2) },
    stderr: /d\/train\.npy: holds no data/,
  },
  {
    name: "a sine run whose data folder is misspelt (no silent generation)",
    args: ["train", "--set", "data.generate=false", "--set", "general.data_path=./data/sin/"],
    stderr: /data\/sin\/train\.npy does not exist; generate it with `warp data sine/,
  },
  {
    name: "info of a file that is not a checkpoint",
    args: ["info", "x.npy"],
    files: { "x.npy": seqs(1, 4, 1) },
    stderr: /^warp: x\.npy: not a safetensors file/,
  },
  {
    name: "info of a missing file",
    args: ["info", "nope.safetensors"],
    stderr: /^warp: nope\.safetensors: no such file or folder/,
  },
  {
    name: "an unknown flag (one line, not the whole help)",
    args: ["train", "--bogus"],
    stderr: /^warp: unknown option '--bogus' \(see warp train --help\)$/m,
  },
  {
    name: "a flag without its value",
    args: ["forecast", "run", "--input", "s.csv", "--out"],
    stderr: /^warp: option '--out <file>' argument missing \(see warp forecast --help\)$/m,
  },
  {
    name: "an unknown command",
    args: ["trian"],
    stderr: /^warp: unknown command 'trian' \(Did you mean train\?\)/,
  },
  {
    name: "a bad --context blamed on --context, not on a --set the user never wrote",
    args: ["train", "--data", "s.csv", "--context", "0", "--horizon", "3"],
    files: { "s.csv": "t,v\n1,2\n2,3\n" },
    stderr: /^warp: --context 0: data\.context = 0 is invalid/,
  },
  {
    name: "a bad model key from --set blamed on the flag, not on the built-in config",
    args: ["train", "--set", "model.root_width_size=-4"],
    stderr: /^warp: --set model\.root_width_size=-4: model\.root_width_size = -4 is invalid/,
  },
  {
    name: "--out naming a file",
    args: ["train", ...QUICK, "--out", "notes.txt"],
    files: { "notes.txt": "mine" },
    stderr: /^warp: run folder notes\.txt is a file, not a folder: choose another --out/,
  },
  {
    name: "--out naming a folder that holds the user's config.yaml and metrics.jsonl",
    args: ["train", "mine/config.yaml", ...QUICK, "--out", "mine"],
    files: {
      "mine/config.yaml": "general: {dataset: sine}\ndata: {generate: true}\n",
      "mine/metrics.jsonl": "{}\n",
    },
    stderr: /^warp: run folder mine holds config\.yaml, metrics\.jsonl but no run: .*choose another --out/,
  },
  {
    name: "more sequences than memory holds",
    args: ["data", "sine", "--out", "big.npy", "--n", "999999999999"],
    stderr:
      /^warp: train 999999999999 sequences do not fit in memory \(.*\): lower --n, --n-val or --n-test$/m,
  },
  {
    name: "an empty --out (not read as no --out)",
    args: ["train", ...QUICK, "--out", ""],
    stderr:
      /^warp: option '--out <dir>' argument '' is invalid\. --out expects a path, got "" \(see warp train --help\)$/m,
  },
  {
    name: "a column named twice",
    args: ["train", "--data", "s.csv", "--column", "v", "--column", "v", "--context", "2", "--horizon", "1"],
    files: { "s.csv": "t,v\n1,2\n2,3\n3,4\n4,5\n" },
    stderr:
      /^warp: --column v --column v: data\.columns = \["v", "v"\] is invalid: expected each column once \("v" is named twice\)$/m,
  },
  {
    name: "a value past float32's range",
    args: ["train", "--data", "s.csv", "--context", "2", "--horizon", "1"],
    files: { "s.csv": "t,v\n1,2\n2,3\n3,5e39\n4,5\n" },
    stderr:
      /^warp: \S*s\.csv: row 3, column "v": 5e\+39 is beyond float32's range \(±3\.4e38\), in which warp computes: rescale the column$/m,
  },
  {
    name: "--data naming a folder",
    args: ["train", "--data", "series", "--context", "2", "--horizon", "1"],
    files: { "series/s.csv": "t,v\n1,2\n" },
    stderr: /^warp: \S*series is a folder: a series is one file \(\.csv, \.tsv, \.txt, \.json or \.npy\)$/m,
  },
  {
    name: "an output below a file",
    args: ["data", "sine", "--out", "notes.txt/sine/", "--n", "2"],
    files: { "notes.txt": "mine" },
    stderr: /^warp: cannot write notes\.txt\/sine\/train\.npy: notes\.txt is a file, not a folder$/m,
  },
];

describe("refused starts: one line, exit 1, nothing created", () => {
  for (const c of START_CASES) {
    it(c.name, () => {
      const cwd = mkdtempSync(join(root, "start-"));
      for (const [f, data] of Object.entries(c.files ?? {})) {
        mkdirSync(join(cwd, f, ".."), { recursive: true });
        writeFileSync(join(cwd, f), data);
      }
      const before = tree(cwd);
      const r = warp(c.args, cwd);
      assert.equal(r.status, 1, `exit ${r.status}; stderr: ${r.stderr}`);
      assert.match(r.stderr, c.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, `more than one line:\n${r.stderr}`);
      assert.deepEqual(tree(cwd), before, "a refused command left files behind");
    });
  }
});

describe("a run folder's checkpoints and metrics survive every refused resume", () => {
  const cwd = join(root, "resume");
  const run = join(cwd, "run");
  const last = join(run, "checkpoints", "last.safetensors");
  before(() => {
    mkdirSync(cwd);
    const r = warp(["train", ...QUICK, "--set", "training.nb_epochs=2", "--out", "run"], cwd);
    assert.equal(r.status, 0, r.stderr);
  });

  /** Rewrites last.safetensors with changed metadata or tensors. */
  const corrupt = (edit: (m: Record<string, string>, t: Record<string, ReturnType<typeof full>>) => void) => {
    const { tensors, metadata } = decodeSafetensors(readFileSync(last));
    edit(metadata, tensors);
    writeFileSync(last, encodeSafetensors(tensors, metadata));
  };

  const cases: [string, Parameters<typeof corrupt>[0], RegExp][] = [
    [
      "config null",
      (m) => {
        m.config = "null";
      },
      /metadata config is null, not a JSON object/,
    ],
    [
      "config an array",
      (m) => {
        m.config = "[1]";
      },
      /metadata config is an array/,
    ],
    [
      "config a string",
      (m) => {
        m.config = '"wsm"';
      },
      /metadata config is a string/,
    ],
    [
      "config not JSON",
      (m) => {
        m.config = "{";
      },
      /metadata config is not valid JSON/,
    ],
    [
      "epoch missing",
      (m) => {
        delete m.epoch;
      },
      /metadata "epoch" is null, not a non-negative integer/,
    ],
    [
      "epoch not an integer",
      (m) => {
        m.epoch = "1.5";
      },
      /metadata "epoch" is "1\.5"/,
    ],
    [
      "best not a number",
      (m) => {
        m.best = '"x"';
      },
      /metadata "best" is "x"/,
    ],
    [
      "optimiser state not JSON",
      (m) => {
        m.opt_state = "{";
      },
      /optimiser state: the state skeleton is not valid JSON/,
    ],
    [
      "optimiser state of another shape",
      (m) => {
        m.opt_state = "[]";
      },
      /optimiser state does not match/,
    ],
    [
      "normalisation garbage",
      (m) => {
        m.normalization = '{"min": 1}';
      },
      /metadata "normalization" is not/,
    ],
    [
      "NaN weights",
      (_m, t) => {
        t.A = full(t.A!.shape, Number.NaN, "float32");
      },
      /parameter "A" holds NaN .*refusing non-finite weights/,
    ],
    [
      "an unexpected tensor",
      (_m, t) => {
        t.thetaZero = full([3], 0, "float32");
      },
      /tensors "thetaZero" are not parameters of this model/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      const good = readFileSync(last);
      corrupt(edit);
      const files = snapshot(run);
      const r = warp(["train", "--resume", "run"], cwd);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^warp: run\/checkpoints\/last\.safetensors: /);
      assert.match(r.stderr, message);
      assert.deepEqual(snapshot(run), files, "the refused resume changed the run folder");
      writeFileSync(last, good);
    });
  }

  it("--resume with a config argument or --out is refused, not ignored", () => {
    const files = snapshot(run);
    const a = warp(["train", "other.yaml", "--resume", "run"], cwd);
    assert.equal(a.status, 1);
    assert.match(
      a.stderr,
      /--resume run continues with the run's own config\.yaml: drop the config argument "other\.yaml"/,
    );
    const b = warp(["train", "--resume", "run", "--out", "elsewhere"], cwd);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /--resume run writes into that folder: drop --out elsewhere/);
    assert.deepEqual(snapshot(run), files);
    assert.ok(!existsSync(join(cwd, "elsewhere")));
  });

  it("a run folder held by a live process is refused, naming its pid; a dead holder's lock is taken over", () => {
    writeFileSync(join(run, ".warp-lock"), `${process.pid}\n`);
    const held = warp(["train", "--resume", "run"], cwd);
    assert.equal(held.status, 1);
    assert.match(
      held.stderr,
      new RegExp(`run folder run is in use by another warp process \\(pid ${process.pid}\\)`),
    );
    writeFileSync(join(run, ".warp-lock"), "999999999\n");
    const r = warp(["train", "--resume", "run", "--set", "training.nb_epochs=3"], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(join(run, ".warp-lock")), "the lock is released at the end");
  });

  it("trains with a context of the whole sequence (the authors' Lotka–Volterra config: inference_start = T)", () => {
    const r = warp(
      ["train", ...QUICK, "--set", "training.nb_epochs=1", "--set", "training.inference_start=16"],
      cwd,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /final metrics on the test split/);
  });

  it("eval and info take a run folder or a checkpoint inside it", () => {
    for (const target of ["run", "run/checkpoints/best.safetensors"]) {
      const e = warp(["eval", target, "--json"], cwd);
      assert.equal(e.status, 0, e.stderr);
      assert.ok(Number.isFinite((JSON.parse(e.stdout) as { mse: number }).mse));
      const i = warp(["info", target], cwd);
      assert.equal(i.status, 0, i.stderr);
      assert.match(i.stdout, /checkpoint: run\/checkpoints\/best\.safetensors/);
    }
    // a context of T feeds the truth at every step and scores every step; past T is refused
    const whole = warp(["eval", "run", "--context", "16", "--json"], cwd);
    assert.equal(whole.status, 0, whole.stderr);
    assert.ok(Number.isFinite((JSON.parse(whole.stdout) as { mse: number }).mse));
    const long = warp(["eval", "run", "--context", "17"], cwd);
    assert.equal(long.status, 1);
    assert.match(long.stderr, /--context 17 is longer than the sequences \(T = 16\)/);
    writeFileSync(join(cwd, "wide.npy"), seqs(2, 16, 3));
    const wide = warp(["eval", "run", "--data", "wide.npy"], cwd);
    assert.equal(wide.status, 1);
    assert.match(wide.stderr, /^warp: wide\.npy: 3 channel\(s\) .* but the model was trained on 1/);
    writeFileSync(join(cwd, "nan.npy"), seqs(2, 16, 1, 7));
    const nan = warp(["eval", "run", "--data", "nan.npy"], cwd);
    assert.equal(nan.status, 1);
    assert.match(nan.stderr, /^warp: nan\.npy: value NaN at flat index 7 is not finite/);
  });
});

describe("an output never replaces one of the command's inputs", () => {
  const yaml = "general: {dataset: sine}\nmodel: {root_width_size: 4, root_depth: 1}\n";
  it("predict, forecast, init, import and export refuse, naming the flag and the input", () => {
    const cwd = mkdtempSync(join(root, "inputs-"));
    writeFileSync(join(cwd, "m.yaml"), yaml);
    assert.equal(warp(["init", "m.yaml", "--out", "m.safetensors"], cwd).status, 0);
    writeFileSync(join(cwd, "x.npy"), seqs(1, 4, 1));
    writeFileSync(join(cwd, "h.csv"), "t,v\n1,2\n2,3\n");
    // A run folder: its config and checkpoint.
    mkdirSync(join(cwd, "run", "checkpoints"), { recursive: true });
    writeFileSync(join(cwd, "run", "config.yaml"), yaml);
    writeFileSync(
      join(cwd, "run", "checkpoints", "best.safetensors"),
      readFileSync(join(cwd, "m.safetensors")),
    );
    const cases: [string[], RegExp][] = [
      [
        ["predict", "m.safetensors", "--input", "x.npy", "--out", "m.safetensors"],
        /^warp: --out m\.safetensors would overwrite m\.safetensors, an input/,
      ],
      [
        ["predict", "m.safetensors", "--input", "x.npy", "--out", "./x.npy"],
        /^warp: --out \.\/x\.npy would overwrite x\.npy/,
      ],
      [
        ["forecast", "m.safetensors", "--input", "h.csv", "--horizon", "2", "--out", "h.csv"],
        /^warp: --out h\.csv would overwrite h\.csv/,
      ],
      [["init", "m.yaml", "--out", "m.yaml"], /^warp: --out m\.yaml would overwrite m\.yaml/],
      [
        ["import", "x.npy", "--config", "m.yaml", "--out", "m.yaml"],
        /^warp: --out m\.yaml would overwrite m\.yaml/,
      ],
      [["export", "run", "--out", "run"], /^warp: --out run would overwrite run\/config\.yaml/],
    ];
    for (const [args, message] of cases) {
      const files = snapshot(cwd);
      const r = warp(args, cwd);
      assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(snapshot(cwd), files, `${args.join(" ")} changed the folder`);
    }
    // predict takes a run folder as the other commands do, and names a file that is not a checkpoint.
    assert.equal(warp(["predict", "run", "--input", "x.npy", "--out", "y.npy"], cwd).status, 0);
    const notModel = warp(["predict", "x.npy", "--input", "x.npy", "--out", "z.npy"], cwd);
    assert.match(notModel.stderr, /^warp: x\.npy: not a safetensors file/);
  });
});

/** Starts `warp train …` without waiting; resolves when its stdout has matched `ready`. */
function startRun(args: string[], cwd: string, ready: RegExp) {
  const child = spawn(process.execPath, [CLI, "train", ...args], {
    cwd,
    env: { ...process.env, WARP_QUIET: "1" },
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  const matched = new Promise<void>((done, fail) => {
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
      if (ready.test(stdout)) done();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    void exited.then(() => fail(new Error(`warp train ended before ${ready}: ${stderr}`)));
  });
  return { child, matched, exited, out: () => ({ stdout, stderr }) };
}

const epochsIn = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);

describe("faults of a live run", () => {
  const LONG = [...QUICK, "--set", "training.nb_epochs=100000", "--set", "training.print_every=1"];

  it("a second warp train on a busy run folder is refused with the holder's pid", async () => {
    const cwd = mkdtempSync(join(root, "busy-"));
    const first = startRun([...LONG, "--out", "run"], cwd, /epoch 2\//);
    await first.matched;
    const second = warp(["train", ...QUICK, "--out", "run"], cwd);
    first.child.kill("SIGKILL");
    await first.exited;
    assert.equal(second.status, 1);
    assert.match(
      second.stderr,
      new RegExp(`run folder run is in use by another warp process \\(pid ${first.child.pid}\\)`),
    );
  });

  it("SIGINT and SIGTERM stop a run with the epoch and the resume command", async () => {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      const cwd = mkdtempSync(join(root, "sig-"));
      const run = startRun([...LONG, "--out", "run"], cwd, /epoch 3\//);
      await run.matched;
      run.child.kill(signal);
      assert.equal(await run.exited, code);
      assert.match(
        run.out().stderr,
        new RegExp(
          `^warp: interrupted by ${signal} during epoch \\d+/100000; checkpoints hold epoch \\d+: continue with  warp train --resume run`,
        ),
      );
      assert.ok(!existsSync(join(cwd, "run", ".warp-lock")));
    }
  });

  it("a new run interrupted before its first epoch ends leaves nothing behind, and says so", async () => {
    const cwd = mkdtempSync(join(root, "early-"));
    // Ten 1-sequence steps of a wider model: the signal lands within the first epoch.
    const slow = ["--set", "model.root_width_size=48", "--set", "training.batch_size=1"];
    const run = startRun([...slow, "--set", "training.nb_epochs=3", "--out", "run"], cwd, /run folder run;/);
    await run.matched;
    run.child.kill("SIGINT");
    assert.equal(await run.exited, 130);
    assert.match(
      run.out().stderr,
      /^warp: interrupted by SIGINT during epoch 1\/3; no epoch had finished, so nothing was kept: run the same command to start again/,
    );
    assert.deepEqual(tree(cwd), []);
  });

  it("kill -9 loses no completed epoch, and --resume removes what the kill left half-written", async () => {
    const cwd = mkdtempSync(join(root, "kill-"));
    for (let k = 0; k < 4; k++) {
      const args = k === 0 ? [...LONG, "--out", "run"] : ["--resume", "run"];
      const run = startRun(args, cwd, new RegExp(`epoch ${5 * (k + 1) + 2}/`));
      await run.matched;
      // Let it run a little past the line so the kill falls anywhere within an epoch's writes.
      await new Promise((done) => setTimeout(done, 7 * k));
      run.child.kill("SIGKILL");
      await run.exited;
      writeFileSync(join(cwd, "run", "checkpoints", "last.safetensors.tmp-0badc0de"), "partial");
      const epochs = epochsIn(join(cwd, "run"));
      const { metadata } = decodeSafetensors(
        readFileSync(join(cwd, "run", "checkpoints", "last.safetensors")),
      );
      // Every epoch with a metrics line is in the checkpoint (the line is written after it).
      assert.ok(
        Number(metadata.epoch) >= epochs[epochs.length - 1]!,
        `checkpoint ${metadata.epoch}, metrics up to ${epochs.at(-1)}`,
      );
    }
    const r = warp(["train", "--resume", "run", "--set", "training.nb_epochs=30"], cwd);
    assert.equal(r.status, 0, r.stderr);
    // Ours, and whatever the kill left half-written.
    assert.match(r.stdout, /removed [1-9]\d* unfinished temporary files?/);
    assert.deepEqual(
      epochsIn(join(cwd, "run")),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.deepEqual(tree(join(cwd, "run", "checkpoints")), ["best.safetensors", "last.safetensors"]);
  });
});
