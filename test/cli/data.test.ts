// `warp data` end to end: one split as .npy (read back by decodeNpy), lotka as .npz with clipped/full,
// the reference folder layouts (train/[val/]test), seeded bytes, and the one-line errors (unknown name,
// bad --n, bad extension, bad --split) with exit 1 and no file left behind.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeNpy, decodeNpz } from "../../src/index.js";
import { warpAsync } from "../helpers/cli.js";

/** `warp data …args` without blocking, so the tests of this file run concurrently. */
const warp = (args: string[], cwd: string) => warpAsync(["data", ...args], cwd);

const tmp = () => mkdtempSync(join(tmpdir(), "warp-data-"));
const read = (dir: string, f: string) => new Uint8Array(readFileSync(join(dir, f)));

// Each test works in its own temporary folder: they run concurrently (each spawn loads the library).
describe("warp data", { concurrency: true }, () => {
  it("writes lotka as .npz with clipped and full (raw: zero after r), or train.npz/test.npz", async () => {
    const dir = tmp();
    const [r, l] = await Promise.all([
      warp(["lotka", "--out", "t.npz", "--split", "test", "--n", "3"], dir),
      warp(["lotka", "--out", "lv/", "--n", "2", "--n-test", "3"], dir),
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(l.status, 0, l.stderr);
    assert.deepEqual(readdirSync(join(dir, "lv")).sort(), ["test.npz", "train.npz"]);
    assert.deepEqual(decodeNpz(read(dir, "lv/train.npz")).full!.shape, [2, 256, 2]);
    assert.deepEqual(read(dir, "lv/test.npz"), read(dir, "t.npz"), "seed 0 by default; the same test split");
    assert.match(r.stdout, /wrote t\.npz: full \(3, 256, 2\), clipped \(3, 256, 2\) float32/);
    const z = decodeNpz(read(dir, "t.npz"));
    assert.deepEqual(Object.keys(z).sort(), ["clipped", "full"]);
    assert.deepEqual(z.clipped!.shape, [3, 256, 2]);
    assert.deepEqual(z.full!.shape, [3, 256, 2]);
    assert.equal(z.clipped!.data[255 * 2], 0, "the input is zero after r");
  });

  it("writes one split as float32 (n, 256, 2) .npy: same seed same bytes (alias mass_spring_damper = msd)", async () => {
    const dir = tmp();
    const runs = await Promise.all([
      warp(["mass_spring_damper", "--out", "m.npy", "--n", "4", "--seed", "1"], dir),
      warp(["msd", "--out", "n.npy", "--n", "4", "--seed", "1"], dir),
      warp(["msd", "--out", "o.npy", "--n", "4", "--seed", "2"], dir),
    ]);
    for (const r of runs) assert.equal(r.status, 0, r.stderr);
    assert.match(runs[1]!.stdout, /wrote n\.npy: \(4, 256, 2\) float32/);
    const x = decodeNpy(read(dir, "n.npy"));
    assert.deepEqual(x.shape, [4, 256, 2]);
    assert.equal(x.dtype, "float32");
    assert.deepEqual([x.data[0], x.data[1]], [1, 0]);
    assert.deepEqual(readdirSync(dir).sort(), ["m.npy", "n.npy", "o.npy"]);
    assert.deepEqual(read(dir, "m.npy"), read(dir, "n.npy"));
    assert.notDeepEqual(read(dir, "m.npy"), read(dir, "o.npy"));
  });

  it("writes the reference folder layout: train/val/test.npy for sine, train/test for msd-zero", async () => {
    const dir = tmp();
    // --n / --n-test set the split sizes; a split written alone equals the same split of the layout.
    const [r, z, t] = await Promise.all([
      warp(["sine", "--out", "sine/"], dir),
      warp(["msd-zero", "--out", "z/", "--n", "5", "--n-test", "3", "--seed", "2"], dir),
      warp(["msd-zero", "--out", "t.npy", "--split", "test", "--n", "3", "--seed", "2"], dir),
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, "sine")).sort(), ["test.npy", "train.npy", "val.npy"]);
    const shapes = ["train", "val", "test"].map((s) => decodeNpy(read(dir, `sine/${s}.npy`)).shape);
    assert.deepEqual(shapes, [
      [10, 16, 1],
      [1000, 16, 1],
      [1000, 16, 1],
    ]);
    assert.equal(z.status, 0, z.stderr);
    assert.match(z.stdout, /wrote z\/train\.npy: \(5, 256, 2\) float32/);
    assert.match(z.stdout, /wrote z\/test\.npy: \(3, 256, 2\) float32/);
    assert.deepEqual(readdirSync(join(dir, "z")).sort(), ["test.npy", "train.npy"]);
    assert.equal(t.status, 0, t.stderr);
    assert.deepEqual(read(dir, "t.npy"), read(dir, "z/test.npy"));
  });

  for (const [what, args, message] of [
    [
      "an unknown name",
      ["pendulum", "--out", "x.npy"],
      /unknown dataset "pendulum" \(known: sine, msd, msd-zero, lotka/,
    ],
    ["--n 0", ["msd", "--out", "x.npy", "--n", "0"], /--n expects a positive integer, got "0"/],
    ["--n abc", ["msd", "--out", "x.npy", "--n", "abc"], /--n expects a positive integer, got "abc"/],
    ["--n-val for msd", ["msd", "--out", "d/", "--n-val", "3"], /--n-val: msd has no val split/],
    ["a .npy for lotka", ["lotka", "--out", "x.npy"], /lotka writes a \.npz file/],
    [
      "--split val for msd",
      ["msd", "--out", "d/", "--split", "val"],
      /--split for msd must be one of train, test/,
    ],
  ] as const) {
    it(`fails on ${what} with one line, exit 1 and no file`, async () => {
      const dir = tmp();
      const r = await warp([...args], dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(readdirSync(dir), []);
    });
  }
});
