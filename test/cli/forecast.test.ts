// Forecasting a user's own series end to end through the CLI: `warp train --data FILE --column …
// --context L --horizon H` with the built-in recipe, the run folder's forecasting report (WARP and the
// baselines), `warp forecast` past the end of the history (equal to the library's forecast of the same
// checkpoint, dates continued, σ columns), `warp eval`, `warp predict` in original units, and bad input
// (a bad cell names file, line and column; no file is written).

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { futureTimes } from "../../cli/commands/forecast.js";
import { decodeNpy, encodeNpy, loadForecaster, Tensor } from "../../src/index.js";
import { warp, warpAsync } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "warp-forecast-"));
const ROWS = 160;
const day = (t: number) => new Date(Date.UTC(2024, 0, 1) + t * 86_400_000).toISOString().slice(0, 10);
const units = (t: number) => 100 + 20 * Math.sin((2 * Math.PI * t) / 7) + 0.5 * t + ((t * 37) % 11) / 4;
const csv = (rows: number, bad?: number) =>
  `date,units,note\n${Array.from({ length: rows }, (_, t) => `${day(t)},${t === bad ? "oops" : units(t).toFixed(3)},x`).join("\n")}\n`;
writeFileSync(join(dir, "sales.csv"), csv(ROWS));
writeFileSync(join(dir, "bad.csv"), csv(ROWS, 42));
const TRAIN = [
  "--column",
  "units",
  "--context",
  "14",
  "--horizon",
  "7",
  "--set",
  "training.nb_epochs=2",
  "--set",
  "data.stride=3",
];

describe("warp train --data (forecasting)", () => {
  before(async () => {
    const r = await warpAsync(["train", "--data", "sales.csv", ...TRAIN, "--out", "run"], dir);
    assert.equal(r.status, 0, r.stderr);
  });

  it("trains with the built-in recipe and reports WARP beside the baselines on the test windows", () => {
    const cfg = readFileSync(join(dir, "run", "config.yaml"), "utf8");
    for (const k of [
      "context: 14",
      "horizon: 7",
      "instance_norm: season",
      "context_rollout: true",
      "inference_start: 14",
      "dataset: series",
    ])
      assert.ok(cfg.includes(k), `config.yaml lacks ${k}`);
    const report = JSON.parse(readFileSync(join(dir, "run", "forecast-eval.json"), "utf8"));
    // test rows 128..160 → 32 − 21 + 1 windows
    assert.equal(report.windows, 12);
    const names = Object.keys(report.metrics);
    assert.deepEqual(names.slice(0, 2), ["warp", "persistence"]);
    assert.ok(names.includes("seasonal_naive(7)"), names.join(", "));
    assert.ok(names.some((n) => /^ar\(\d+\)$/.test(n)));
    for (const m of Object.values(report.metrics) as { mae: number }[]) assert.ok(Number.isFinite(m.mae));
    assert.ok(existsSync(join(dir, "run", "forecast-eval.md")));
    assert.ok(existsSync(join(dir, "run", "plots", "forecast-test-0.svg")));
    const svg = readFileSync(join(dir, "run", "plots", "forecast-test-0.svg"), "utf8");
    const best = Object.entries(report.metrics as Record<string, { mae: number }>)
      .filter(([n]) => n !== "warp")
      .sort((a, b) => a[1].mae - b[1].mae)[0]![0];
    assert.ok(svg.includes("context: 14 steps") && svg.includes(`WARP, ${best}`), `legend lacks ${best}`);
  });

  it("warp forecast continues the history in its units, as the library does with the same checkpoint", () => {
    const r = warp(["forecast", "run", "--input", "sales.csv", "--horizon", "10", "--out", "next.csv"], dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(join(dir, "next.csv"), "utf8").trim().split("\n");
    assert.equal(lines[0], "time,units,units_std,units_lower,units_upper");
    assert.equal(lines.length, 11);
    assert.equal(lines[1]!.split(",")[0], day(ROWS));
    const f = loadForecaster(readFileSync(join(dir, "run", "checkpoints", "best.safetensors")));
    const history = Array.from({ length: ROWS }, (_, t) => Number(units(t).toFixed(3)));
    const lib = f.forecast(history, 10);
    lines.slice(1).forEach((l, h) => {
      const [, m, s, lo, hi] = l.split(",").map(Number);
      assert.ok(Math.abs(m! - lib.mean[h]!) < 1e-9 && Math.abs(s! - lib.std![h]!) < 1e-9);
      assert.ok(Math.abs(lo! - (m! - s!)) < 1e-9 && Math.abs(hi! - (m! + s!)) < 1e-9);
    });
    // .npy output: (H, 1) means and the σ beside them
    assert.equal(
      warp(["forecast", "run", "--input", "sales.csv", "--horizon", "3", "--out", "n.npy"], dir).status,
      0,
    );
    assert.deepEqual(decodeNpy(readFileSync(join(dir, "n.npy"))).shape, [3, 1]);
    assert.ok(existsSync(join(dir, "n.std.npy")));
    // a .npy history (no names): the forecast's columns are the model's, the same numbers as from the CSV
    writeFileSync(join(dir, "h.npy"), encodeNpy(new Tensor(Float64Array.from(history), [ROWS, 1])));
    const n = warp(["forecast", "run", "--input", "h.npy", "--horizon", "10", "--out", "from-npy.csv"], dir);
    assert.equal(n.status, 0, n.stderr);
    const fromNpy = readFileSync(join(dir, "from-npy.csv"), "utf8").trim().split("\n");
    assert.equal(fromNpy[0], "time,units,units_std,units_lower,units_upper");
    fromNpy.slice(1).forEach((l, h) => assert.equal(l.split(",")[1], lines[h + 1]!.split(",")[1]));
  });

  it("warp eval reports WARP and the baselines; warp predict works in original units", () => {
    const e = warp(["eval", "run"], dir);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /\| persistence \|/);
    const w = Float32Array.from({ length: 21 }, (_, t) => units(100 + t));
    writeFileSync(join(dir, "w.npy"), encodeNpy(new Tensor(w, [1, 21, 1])));
    const p = warp(
      ["predict", "run/checkpoints/best.safetensors", "--input", "w.npy", "--out", "y.npy"],
      dir,
    );
    assert.equal(p.status, 0, p.stderr);
    const y = decodeNpy(readFileSync(join(dir, "y.npy")));
    const f = loadForecaster(readFileSync(join(dir, "run", "checkpoints", "best.safetensors")));
    const lib = f.forecast(Array.from(w.subarray(0, 14)), 7);
    for (let h = 0; h < 7; h++)
      assert.ok(Math.abs(y.data[14 + h]! - lib.mean[h]!) < 1e-3 * Math.abs(lib.mean[h]!));
    const long = warp(
      [
        "predict",
        "run/checkpoints/best.safetensors",
        "--input",
        "w.npy",
        "--out",
        "z.npy",
        "--context",
        "30",
      ],
      dir,
    );
    assert.notEqual(long.status, 0);
    assert.match(long.stderr, /--context 30 is longer than the input's 21 steps/);
    assert.ok(!existsSync(join(dir, "z.npy")));
  });

  it("labels the forecast's steps by continuing the history's times in their own form", () => {
    // Monthly dates continue by calendar months, a numeric step column as numbers.
    const month = (t: number) => `${2010 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, "0")}-01`;
    writeFileSync(
      join(dir, "monthly.csv"),
      `date,units\n${Array.from({ length: 30 }, (_, t) => `${month(t)},${units(t).toFixed(3)}`).join("\n")}\n`,
    );
    writeFileSync(
      join(dir, "steps.csv"),
      `time,units\n${Array.from({ length: 30 }, (_, t) => `${t + 1},${units(t).toFixed(3)}`).join("\n")}\n`,
    );
    const times = (input: string) => {
      const r = warp(["forecast", "run", "--input", input, "--horizon", "3", "--out", "t.csv"], dir);
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(join(dir, "t.csv"), "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",")[0]);
    };
    assert.deepEqual(times("monthly.csv"), ["2012-07-01", "2012-08-01", "2012-09-01"]);
    assert.deepEqual(times("steps.csv"), ["31", "32", "33"]);
    const cases: [string[], string[]][] = [
      [
        ["1900", "1901"],
        ["1902", "1903"],
      ],
      [
        ["2009-11", "2009-12"],
        ["2010-01", "2010-02"],
      ],
      [
        ["2023-11-30", "2023-12-31"],
        ["2024-01-31", "2024-02-29"],
      ],
      [
        ["2024-01-15", "2024-04-15"],
        ["2024-07-15", "2024-10-15"],
      ],
      [
        ["2024-01-01", "2024-01-08"],
        ["2024-01-15", "2024-01-22"],
      ],
      [
        ["2024-03-10 01:00", "2024-03-10 02:00"],
        ["2024-03-10 03:00", "2024-03-10 04:00"],
      ],
      [
        ["2024-01-01T00:00:00Z", "2024-01-01T00:30:00Z"],
        ["2024-01-01T01:00:00.000Z", "2024-01-01T01:30:00.000Z"],
      ],
      [
        ["0.1", "0.2"],
        ["0.3", "0.4"],
      ],
      [
        ["week 1", "week 2"],
        ["+1", "+2"],
      ],
    ];
    for (const [history, expected] of cases)
      assert.deepEqual(futureTimes(history, 2), expected, history.join(", "));
  });

  it("a history out of time order, or with a time twice, is one error naming file, line and column", () => {
    const rows = Array.from({ length: ROWS }, (_, t) => `${day(t)},${units(t).toFixed(3)},x`);
    writeFileSync(join(dir, "newest-first.csv"), `date,units,note\n${[...rows].reverse().join("\n")}\n`);
    writeFileSync(join(dir, "twice.csv"), `date,units,note\n${[...rows, rows.at(-1)].join("\n")}\n`);
    const t = warp(["train", "--data", "newest-first.csv", ...TRAIN, "--out", "sorted-run"], dir);
    assert.equal(t.status, 1);
    assert.match(
      t.stderr,
      /^warp: \S*newest-first\.csv: csv: line 3, column "date": "2024-06-07" comes before "2024-06-08" on line 2: the rows must be in time order/,
    );
    assert.ok(!existsSync(join(dir, "sorted-run")));
    const f = warp(
      ["forecast", "run", "--input", "twice.csv", "--horizon", "3", "--out", "twice-out.csv"],
      dir,
    );
    assert.equal(f.status, 1);
    assert.match(
      f.stderr,
      new RegExp(
        `^warp: twice\\.csv: csv: line ${ROWS + 2}, column "date": "${day(ROWS - 1)}" repeats the time of line ${ROWS + 1}`,
      ),
    );
    assert.ok(!existsSync(join(dir, "twice-out.csv")));
  });

  it("reads a history saved as UTF-16 (with its BOM) or Windows-1252 as the UTF-8 one", () => {
    const text = csv(ROWS);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    writeFileSync(join(dir, "utf16.csv"), utf16);
    writeFileSync(join(dir, "latin1.csv"), Buffer.from(text.replace("units", "unités"), "latin1"));
    const out = (input: string, ...more: string[]) => {
      const r = warp(
        ["forecast", "run", "--input", input, "--horizon", "3", "--out", "enc.csv", ...more],
        dir,
      );
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(join(dir, "enc.csv"), "utf8").split("\n").slice(1).join("\n");
    };
    const utf8 = out("sales.csv");
    assert.equal(out("utf16.csv"), utf8);
    assert.equal(out("latin1.csv", "--column", "unités"), utf8);
  });

  it("a horizon too long for memory and a series too short to evaluate name the flag or file", () => {
    const f = warp(
      ["forecast", "run", "--input", "sales.csv", "--horizon", "99999999999", "--out", "huge.csv"],
      dir,
    );
    assert.equal(f.status, 1);
    assert.match(f.stderr, /^warp: --horizon 99999999999: a forecast this long does not fit in memory \(/);
    assert.ok(!existsSync(join(dir, "huge.csv")));
    writeFileSync(join(dir, "few.csv"), csv(15));
    const e = warp(["eval", "run", "--data", "few.csv"], dir);
    assert.equal(e.status, 1);
    assert.match(
      e.stderr,
      /^warp: few\.csv: 15 rows, fewer than one window of the model's context \+ horizon = 21\n$/,
    );
  });

  it("a bad cell is one error naming file, line and column; nothing is written", () => {
    const t = warp(["train", "--data", "bad.csv", ...TRAIN, "--out", "badrun"], dir);
    assert.notEqual(t.status, 0);
    assert.match(t.stderr, /bad\.csv: csv: line 44, column "units": "oops" is not a finite number/);
    assert.ok(!existsSync(join(dir, "badrun")));
    const f = warp(["forecast", "run", "--input", "bad.csv", "--horizon", "3", "--out", "nope.csv"], dir);
    assert.match(f.stderr, /bad\.csv: csv: line 44/);
    assert.ok(!existsSync(join(dir, "nope.csv")));
    const short = warp(
      ["forecast", "run", "--input", "short.csv", "--horizon", "3", "--out", "nope.csv"],
      dir,
    );
    assert.notEqual(short.status, 0);
    writeFileSync(join(dir, "short.csv"), csv(10));
    const s2 = warp(["forecast", "run", "--input", "short.csv", "--horizon", "3", "--out", "nope.csv"], dir);
    assert.match(s2.stderr, /10 rows, fewer than the model's context of 14/);
    assert.ok(!existsSync(join(dir, "nope.csv")));
    const season = warp(
      ["train", "--data", "sales.csv", ...TRAIN, "--set", "data.season=30", "--out", "s"],
      dir,
    );
    assert.notEqual(season.status, 0);
    assert.match(
      season.stderr,
      /^warp: --set data\.season=30: data\.season = 30 .*at most data\.context \(14\)/,
    );
    assert.ok(!existsSync(join(dir, "s")));
  });
});
