// `warp data <name> --out <path> [--n N] [--n-val N] [--n-test N] [--seed S] [--split train|val|test]`:
// generates one of the paper's synthetic datasets (sine, msd, msd-zero, lotka), or a UEA-style
// classification fixture (uea-fixture), as NumPy arrays: one split to a .npy (lotka: a .npz with `clipped`
// and `full`; uea-fixture: `data` and `labels`), or the reference's folder layout (train/[val/]test)
// that the authors' loaders and general.data_path read. Everything is generated before anything is written.

import { existsSync, rmSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { Command } from "commander";
import {
  DYNAMICS_SIZES,
  encodeNpy,
  encodeNpz,
  type Key,
  lotkaSplits,
  msdSplits,
  msdZeroSplits,
  oscillationClasses,
  randomKey,
  sineSplits,
  splitKey,
  type Tensor,
  WarpError,
} from "../../src/index.js";
import { writeAtomic } from "../files.js";
import { pathOption } from "../options.js";

type Split = "train" | "val" | "test";
type Arrays = Record<string, Tensor>;

interface Generator {
  /** Splits of the reference folder layout, in order. */
  splits: Split[];
  /** Default number of sequences per split. */
  sizes: Partial<Record<Split, number>>;
  /** File extension of one split. */
  ext: ".npy" | ".npz";
  /** The arrays of each split with a non-zero count (splits of count 0 are not generated). */
  make(key: Key, counts: Partial<Record<Split, number>>): Partial<Record<Split, Arrays>>;
}

const GENERATORS: Record<string, Generator> = {
  sine: {
    splits: ["train", "val", "test"],
    sizes: { train: 10, val: 1000, test: 1000 },
    ext: ".npy",
    make(key, { train = 0, val = 0, test = 0 }) {
      const s = sineSplits(key, { train, val, test });
      const x = (ds: typeof s.train) => ({ x: ds.batch(Array.from({ length: ds.size }, (_, i) => i)).x });
      return { train: x(s.train), val: x(s.val), test: x(s.test) };
    },
  },
  msd: {
    splits: ["train", "test"],
    sizes: DYNAMICS_SIZES.msd,
    ext: ".npy",
    make(key, { train = 0, test = 0 }) {
      const s = msdSplits(key, { train, test });
      return { train: { x: s.train.x }, test: { x: s.test.x } };
    },
  },
  "msd-zero": {
    splits: ["train", "test"],
    sizes: DYNAMICS_SIZES.msdZero,
    ext: ".npy",
    make(key, { train = 0, test = 0 }) {
      const s = msdZeroSplits(key, { train, test });
      return { train: { x: s.train.x }, test: { x: s.test.x } };
    },
  },
  lotka: {
    splits: ["train", "test"],
    sizes: DYNAMICS_SIZES.lotka,
    ext: ".npz",
    make(key, { train = 0, test = 0 }) {
      // Raw values, as the reference's datagen stores them: its loader (and ours) min-max normalises.
      const s = lotkaSplits(key, { train, test, normalize: false });
      return {
        train: { full: s.train.target, clipped: s.train.x },
        test: { full: s.test.target, clipped: s.test.x },
      };
    },
  },
  "uea-fixture": {
    splits: ["train", "val", "test"],
    sizes: { train: 600, val: 200, test: 200 },
    ext: ".npz",
    make(key, counts) {
      // The reference's UEA layout (keys data, labels): 3 classes of noisy multichannel oscillations.
      const keys = splitKey(key, 3);
      const out: Partial<Record<Split, Arrays>> = {};
      (["train", "val", "test"] as const).forEach((s, i) => {
        if (counts[s]) {
          const { x, labels } = oscillationClasses(keys[i]!, counts[s]!);
          out[s] = { data: x, labels };
        }
      });
      return out;
    },
  },
};

/** The reference's folder and dataset names, accepted as aliases. */
const ALIASES: Record<string, string> = {
  mass_spring_damper: "msd",
  "mass-spring-damper": "msd",
  "mass-spring-damper-2": "msd-zero",
  msd_zero: "msd-zero",
};

function intArg(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    const what = min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : "an integer";
    throw new WarpError(`${flag} expects ${what}, got "${value}"`);
  }
  return n;
}

interface DataOptions {
  out: string;
  n?: string;
  nVal?: string;
  nTest?: string;
  seed?: string;
  split?: string;
}

const shapeOf = (t: Tensor) => `(${t.shape.join(", ")})`;

export function registerData(program: Command): void {
  program
    .command("data")
    .description("generate a synthetic dataset of the paper (sine, msd, msd-zero, lotka) as NumPy arrays")
    .argument(
      "<name>",
      "sine | msd | msd-zero | lotka | uea-fixture (the reference's names: mass_spring_damper and mass-spring-damper = msd, mass-spring-damper-2 = msd-zero)",
    )
    .requiredOption(
      "--out <path>",
      "a .npy file (lotka: .npz with clipped/full; uea-fixture: .npz with data/labels) for one split, or a directory (existing, or ending in /) for train/[val/]test files",
      pathOption("--out"),
    )
    .option(
      "--n <N>",
      "sequences in the training split, or with --split in the split written (default: the paper's)",
    )
    .option("--n-val <N>", "sequences in the val split (sine: default 1000; uea-fixture: 200)")
    .option("--n-test <N>", "sequences in the test split (default: the paper's)")
    .option("--seed <S>", "random seed (default 0): the same seed gives the same bytes")
    .option("--split <split>", "train | test (sine also val); default: train for a file, all for a directory")
    .addHelpText(
      "after",
      [
        "",
        "Defaults (the paper's): sine train 10 / val 1000 / test 1000 (T 16); msd 20480 / 4096,",
        "msd-zero 8192 / 2048, lotka 15000 / 3000 (T 256, D 2; test splits use wider parameter ranges).",
        "msd and msd-zero are not normalised. lotka is written raw, as the reference stores it: the",
        "reference's loader maps clipped and full to [-1, 1] with the min/max of the training full.",
        "uea-fixture (ours, no paper counterpart): 600 / 200 / 200 sequences (T 64, D 3) of 3 classes,",
        "the reference's UEA layout (data, labels).",
        "",
        "Examples:",
        "  warp data msd --out data/dynamics/mass-spring-damper/",
        "  warp data sine --out data/sine/ --n 100",
        "  warp data msd-zero --out data/small/ --n 1024 --n-test 512",
        "  warp data lotka --out lotka-test.npz --split test --n 500 --seed 3",
        "  warp data msd --out x.npy --n 64",
      ].join("\n"),
    )
    .action((rawName: string, o: DataOptions) => {
      const name = ALIASES[rawName] ?? rawName;
      const gen = GENERATORS[name];
      if (!gen) {
        throw new WarpError(
          `unknown dataset "${rawName}" (known: ${Object.keys(GENERATORS).join(", ")}; aliases: ${Object.keys(ALIASES).join(", ")})`,
        );
      }
      const split = o.split as Split | undefined;
      if (split !== undefined && !gen.splits.includes(split)) {
        throw new WarpError(`--split for ${name} must be one of ${gen.splits.join(", ")}, got "${o.split}"`);
      }
      const seed = o.seed === undefined ? 0 : intArg("--seed", o.seed, Number.MIN_SAFE_INTEGER);
      const count = (flag: string, v: string | undefined) =>
        v === undefined ? undefined : intArg(flag, v, 1);
      const n = count("--n", o.n);
      const given: Partial<Record<Split, number>> = {
        train: split === undefined ? n : undefined,
        val: count("--n-val", o.nVal),
        test: count("--n-test", o.nTest),
      };
      if (given.val !== undefined && !gen.splits.includes("val"))
        throw new WarpError(`--n-val: ${name} has no val split (splits: ${gen.splits.join(", ")})`);
      if (split !== undefined && n !== undefined) given[split] = n;
      const isDir =
        o.out.endsWith("/") || o.out.endsWith(sep) || (existsSync(o.out) && statSync(o.out).isDirectory());
      if (!isDir && !o.out.endsWith(gen.ext)) {
        throw new WarpError(
          `--out ${o.out}: ${name} writes a ${gen.ext} file${gen.ext === ".npz" ? ` (keys ${name === "lotka" ? "clipped, full" : "data, labels"})` : ""}, or a directory (existing, or ending in /) for the folder layout`,
        );
      }
      const splits = isDir && split === undefined ? gen.splits : [split ?? "train"];
      const counts: Partial<Record<Split, number>> = {};
      for (const s of splits) counts[s] = given[s] ?? gen.sizes[s]!;
      const start = performance.now();
      let arrays: ReturnType<Generator["make"]>;
      try {
        arrays = gen.make(randomKey(seed), counts);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        const sizes = splits.map((s) => `${s} ${counts[s]}`).join(", ");
        throw new WarpError(
          `${sizes} sequences do not fit in memory (${e.message}): lower --n, --n-val or --n-test`,
        );
      }
      const total = splits.reduce((acc, s) => acc + counts[s]!, 0);
      console.log(
        `generated ${name}: ${total} sequences (seed ${seed}) in ${((performance.now() - start) / 1000).toFixed(2)} s`,
      );
      const outputs = splits.map((s) => [isDir ? join(o.out, `${s}${gen.ext}`) : o.out, arrays[s]!] as const);
      const written: string[] = [];
      const lines: string[] = [];
      try {
        for (const [path, a] of outputs) {
          const keys = Object.keys(a);
          writeAtomic(path, gen.ext === ".npz" ? encodeNpz(a) : encodeNpy(a.x!));
          written.push(path);
          const first = a[keys[0]!]!;
          const shapes =
            gen.ext === ".npz" ? keys.map((k) => `${k} ${shapeOf(a[k]!)}`).join(", ") : shapeOf(first);
          lines.push(`wrote ${path}: ${shapes} ${first.dtype}`);
        }
      } catch (e) {
        for (const path of written) rmSync(path, { force: true });
        throw e;
      }
      for (const line of lines) console.log(line);
    });
}
