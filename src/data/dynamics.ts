// The dynamical-system datasets of docs/model.md §5, integrated with `odeSolve` on t = linspace(0, 1, T)
// (T = 256): MSD (mass-spring-damper from [1, 0]), MSD-Zero (the same from a random initial state) and the
// Lotka–Volterra repeat-copy task (input: the first r steps then zeros; target: those r steps repeated
// with period r + 50, zeros between). Parameters are drawn from explicit keys: same key, same numbers.
// Not here: file I/O (the CLI writes .npy/.npz), the reference's exact random stream (NumPy's generator
// differs: same distributions, not the same numbers), or its loose RK45 tolerances (we solve tighter).
// n trajectories, T steps, D = 2 state dimensions.

import { Tensor } from "../tensor/tensor.js";
import { assert } from "../util/assert.js";
import { type Key, randint, splitKey, uniform } from "../util/random.js";
import { arrayDataset, type Dataset } from "./dataset.js";
import { fitMinMax, type MinMaxStats, normalize } from "./normalize.js";
import { odeSolve } from "./ode.js";

/** Which of the reference's parameter ranges to draw from: training, or the wider test ranges. */
export type DynamicsSplit = "train" | "test";

/** A half-open interval [lo, hi) of a uniform draw. */
export type Interval = readonly [lo: number, hi: number];

/** Mass m, stiffness k and damping c ranges of the MSD datasets. */
export interface MsdRanges {
  readonly m: Interval;
  readonly k: Interval;
  readonly c: Interval;
}

/** Lotka–Volterra rates: x' = a·x − b·x·y, y' = c·x·y − d·y. */
export interface LotkaRanges {
  readonly a: Interval;
  readonly b: Interval;
  readonly c: Interval;
  readonly d: Interval;
}

/** The reference's MSD / MSD-Zero ranges: the test split is wider (partly out of distribution). */
export const MSD_RANGES: Readonly<Record<DynamicsSplit, MsdRanges>> = {
  train: { m: [0.02, 0.04], k: [4, 16], c: [0.01, 0.2] },
  test: { m: [0.01, 0.05], k: [2, 18], c: [0.01, 0.3] },
};

/** The reference's Lotka–Volterra ranges: the test split is wider. */
export const LOTKA_RANGES: Readonly<Record<DynamicsSplit, LotkaRanges>> = {
  train: { a: [20, 50], b: [80, 120], c: [80, 120], d: [20, 50] },
  test: { a: [10, 60], b: [70, 130], c: [70, 130], d: [10, 60] },
};

/** The reference's number of trajectories per split. */
export const DYNAMICS_SIZES = {
  msd: { train: 20_480, test: 4_096 },
  msdZero: { train: 8_192, test: 2_048 },
  lotka: { train: 15_000, test: 3_000 },
} as const;

/** Options shared by the dynamical-system generators. */
export interface DynamicsOptions {
  /** Draw the parameters from this split's ranges (default "train"). */
  split?: DynamicsSplit;
  /** Output steps on t = linspace(0, 1, T) (default 256). */
  T?: number;
  /** Tolerances of `odeSolve` (defaults 1e−8 and 1e−10: ~1e−7 from the exact MSD solution). */
  rtol?: number;
  atol?: number;
}

/** Options of `msdDataset` / `msdZeroDataset`. */
export interface MsdOptions extends DynamicsOptions {
  /** Parameter ranges (default MSD_RANGES[split]). */
  ranges?: MsdRanges;
  /** Initial state [1, 0] + U(−h, h)² per trajectory (default h = 0: MSD; MSD-Zero uses 0.5). */
  initialNoise?: number;
}

/** Options of `lotkaDataset`. */
export interface LotkaOptions extends DynamicsOptions {
  /** Parameter ranges (default LOTKA_RANGES[split]). */
  ranges?: LotkaRanges;
  /** Zero steps between two copies in the target (default 50). */
  spacing?: number;
  /** r ~ U{lo, …, hi − 1} (default [32, 64): 32..63 as the reference's randint(32, 64)). */
  rRange?: Interval;
  /** Min-max statistics to map x and target with (default null: raw values, as the reference stores them). */
  stats?: MinMaxStats | null;
}

/** Options of `msdSplits` / `msdZeroSplits`. */
export interface MsdSplitsOptions extends Omit<MsdOptions, "split" | "ranges"> {
  /** Training trajectories (default 20,480 for MSD, 8,192 for MSD-Zero). */
  train?: number;
  /** Test trajectories (default 4,096 for MSD, 2,048 for MSD-Zero). */
  test?: number;
}

/** Options of `lotkaSplits`. */
export interface LotkaSplitsOptions extends Omit<LotkaOptions, "split" | "ranges" | "stats"> {
  /** Training trajectories (default 15,000). */
  train?: number;
  /** Test trajectories (default 3,000). */
  test?: number;
  /**
   * true (default): fit one global min-max on the raw training target and map both splits with it, as
   * the reference's loader does; given stats: use those; false: raw values.
   */
  normalize?: boolean | MinMaxStats;
}

/** An MSD or MSD-Zero dataset: x (n, T, 2) float32 = [position, velocity], not normalised. */
export interface MsdDataset extends Dataset {
  /** The trajectories (n, T, 2), float32, owned by the dataset. */
  readonly x: Tensor;
  /** t = linspace(0, 1, T), float32 (T). */
  readonly times: Tensor;
  /** The drawn m, k, c of each trajectory, float64 (n). */
  readonly params: { readonly m: Float64Array; readonly k: Float64Array; readonly c: Float64Array };
  /** The initial state [x_0, v_0] of each trajectory, float64 (n·2, row-major). */
  readonly y0: Float64Array;
}

/** A Lotka–Volterra repeat-copy dataset: x = the input (`clipped`), target = the repeated copy (`full`). */
export interface LotkaDataset extends Dataset {
  /** Input (n, T, 2) float32: [prey, predator] for t < r, then zeros (mapped by `stats` when set). */
  readonly x: Tensor;
  /** Target (n, T, 2) float32: step t is x at t mod (r + spacing) when that is < r, else zero (mapped). */
  readonly target: Tensor;
  /** t = linspace(0, 1, T), float32 (T). */
  readonly times: Tensor;
  /** The drawn a, b, c, d of each trajectory, float64 (n). */
  readonly params: {
    readonly a: Float64Array;
    readonly b: Float64Array;
    readonly c: Float64Array;
    readonly d: Float64Array;
  };
  /** The copied length r of each trajectory (n). */
  readonly r: Int32Array;
  /** Zero steps between copies. */
  readonly spacing: number;
  /** The min-max statistics x and target were mapped with, or null for raw values. */
  readonly stats: MinMaxStats | null;
}

function checkCount(what: string, n: number): void {
  assert(Number.isInteger(n) && n >= 0, () => `${what}: n must be a non-negative integer, got ${n}`);
}

function checkCommon(what: string, T: number, rtol: number, atol: number): number[] {
  assert(Number.isInteger(T) && T >= 1, () => `${what}: T must be a positive integer, got ${T}`);
  assert(rtol > 0 && atol >= 0, () => `${what}: need rtol > 0 and atol ≥ 0, got ${rtol}, ${atol}`);
  return Array.from({ length: T }, (_, k) => (T === 1 ? 0 : k / (T - 1)));
}

function checkRanges(what: string, ranges: object): void {
  for (const [name, iv] of Object.entries(ranges) as [string, Interval][]) {
    assert(
      Array.isArray(iv) &&
        iv.length === 2 &&
        Number.isFinite(iv[0]) &&
        Number.isFinite(iv[1]) &&
        iv[0] <= iv[1],
      () => `${what}: range ${name} must be [lo, hi] with finite lo ≤ hi, got ${JSON.stringify(iv)}`,
    );
  }
}

/** n float64 draws from U[lo, hi) under `key` (draw i depends only on i: prefixes are stable). */
function draw(key: Key, n: number, [lo, hi]: Interval): Float64Array {
  const t = uniform(key, [n], lo, hi, "float64");
  const out = Float64Array.from(t.data);
  t.dispose();
  return out;
}

/** t = linspace(0, 1, T) as a float32 tensor kept out of any enclosing tidy(). */
function timesTensor(t: number[]): Tensor {
  return new Tensor(Float32Array.from(t), [t.length]).keep();
}

/**
 * n mass-spring-damper trajectories m·x'' + c·x' + k·x = 0, state [x, v], solved by `odeSolve` on
 * t = linspace(0, 1, T) (T = 256) from y0 = [1, 0] + U(−h, h)² (h = `initialNoise`, default 0), with
 * m, k, c ~ U of `ranges` (default MSD_RANGES[split]: train m ∈ [0.02, 0.04), k ∈ [4, 16),
 * c ∈ [0.01, 0.2)). x is float32 (n, T, 2), not normalised; batches carry times (T). Counter-based draws:
 * with the same key, the first m trajectories of a dataset of n ≥ m are exactly the dataset of m.
 */
export function msdDataset(key: Key, n: number, options: MsdOptions = {}): MsdDataset {
  const { split = "train", T = 256, rtol = 1e-8, atol = 1e-10, initialNoise = 0 } = options;
  const ranges = options.ranges ?? MSD_RANGES[split];
  checkCount("msdDataset", n);
  assert(ranges !== undefined, () => `msdDataset: split must be "train" or "test", got ${split}`);
  checkRanges("msdDataset", ranges);
  assert(
    Number.isFinite(initialNoise) && initialNoise >= 0,
    () => `msdDataset: initialNoise must be finite and ≥ 0, got ${initialNoise}`,
  );
  const t = checkCommon("msdDataset", T, rtol, atol);
  const [km, kk, kc, ky] = splitKey(key, 4) as [Key, Key, Key, Key];
  const m = draw(km, n, ranges.m);
  const k = draw(kk, n, ranges.k);
  const c = draw(kc, n, ranges.c);
  const y0 = new Float64Array(2 * n);
  const noise = initialNoise > 0 ? draw(ky, 2 * n, [-initialNoise, initialNoise]) : null;
  for (let i = 0; i < n; i++) {
    y0[2 * i] = 1 + (noise ? noise[2 * i]! : 0);
    y0[2 * i + 1] = noise ? noise[2 * i + 1]! : 0;
  }
  const x = new Float32Array(n * T * 2);
  for (let i = 0; i < n; i++) {
    const km_ = k[i]! / m[i]!;
    const cm = c[i]! / m[i]!;
    const y = odeSolve(
      (_t, s, ds) => {
        ds[0] = s[1]!;
        ds[1] = -km_ * s[0]! - cm * s[1]!;
      },
      [y0[2 * i]!, y0[2 * i + 1]!],
      t,
      { rtol, atol },
    );
    x.set(y, i * T * 2);
  }
  // Owned by the dataset: kept out of any enclosing tidy() so they outlive it.
  const xt = new Tensor(x, [n, T, 2]).keep();
  const times = timesTensor(t);
  const ds = arrayDataset({ x: xt, times });
  return Object.assign(ds, { x: xt, times, params: { m, k, c }, y0 });
}

/**
 * MSD-Zero: `msdDataset` with a random initial state y0 = [1, 0] + U(−0.5, 0.5)² per trajectory
 * (so x_0 ∈ [0.5, 1.5), v_0 ∈ [−0.5, 0.5)); the same ODE, ranges and time grid.
 */
export function msdZeroDataset(key: Key, n: number, options: MsdOptions = {}): MsdDataset {
  return msdDataset(key, n, { initialNoise: 0.5, ...options });
}

/**
 * The input / target of the repeat-copy task from trajectories `traj` (n, T, D) and lengths r (n):
 * clipped[i, t] = traj[i, t] for t < r_i, else 0; full[i, t] = traj[i, t mod (r_i + spacing)] when
 * t mod (r_i + spacing) < r_i, else 0 (the first r_i steps repeated with period r_i + spacing, zeros
 * between, the last copy cut at T). Both (n, T, D) float32.
 */
export function repeatCopy(
  traj: Tensor,
  r: Int32Array | readonly number[],
  spacing = 50,
): { clipped: Tensor; full: Tensor } {
  assert(traj.ndim === 3, () => `repeatCopy: traj must be (n, T, D), got rank ${traj.ndim}`);
  const [n, T, D] = traj.shape as [number, number, number];
  assert(r.length === n, () => `repeatCopy: ${r.length} lengths for ${n} trajectories`);
  assert(
    Number.isInteger(spacing) && spacing >= 0,
    () => `repeatCopy: spacing must be a non-negative integer, got ${spacing}`,
  );
  const src = traj.data;
  const clipped = new Float32Array(n * T * D);
  const full = new Float32Array(n * T * D);
  for (let i = 0; i < n; i++) {
    const ri = r[i]!;
    assert(
      Number.isInteger(ri) && ri >= 1,
      () => `repeatCopy: r[${i}] must be a positive integer, got ${ri}`,
    );
    const period = ri + spacing;
    const base = i * T * D;
    for (let s = 0; s < T; s++) {
      const phase = s % period;
      for (let d = 0; d < D; d++) {
        if (s < ri) clipped[base + s * D + d] = src[base + s * D + d]!;
        if (phase < ri) full[base + s * D + d] = src[base + phase * D + d]!;
      }
    }
  }
  return { clipped: new Tensor(clipped, [n, T, D]), full: new Tensor(full, [n, T, D]) };
}

/**
 * n Lotka–Volterra repeat-copy sequences: x' = a·x − b·x·y, y' = c·x·y − d·y from (1, 1), solved on
 * t = linspace(0, 1, T) (T = 256) with a, b, c, d ~ U of `ranges` (default LOTKA_RANGES[split]: train
 * a, d ∈ [20, 50), b, c ∈ [80, 120)) and r ~ U{32..63}; x (the reference's `clipped`) and target (its
 * `full`) are `repeatCopy` of the trajectory, float32 (n, T, 2). Raw values (as the reference stores
 * them: its loader normalises) unless `stats` is given, which maps both with `normalize`. Batches carry
 * x, target and times (T). With the same key, the first m sequences of n ≥ m are the dataset of m.
 */
export function lotkaDataset(key: Key, n: number, options: LotkaOptions = {}): LotkaDataset {
  const { split = "train", T = 256, rtol = 1e-8, atol = 1e-10, spacing = 50, rRange = [32, 64] } = options;
  const stats = options.stats ?? null;
  const ranges = options.ranges ?? LOTKA_RANGES[split];
  checkCount("lotkaDataset", n);
  assert(ranges !== undefined, () => `lotkaDataset: split must be "train" or "test", got ${split}`);
  checkRanges("lotkaDataset", ranges);
  assert(
    Number.isInteger(rRange[0]) && Number.isInteger(rRange[1]) && rRange[0] >= 1 && rRange[0] < rRange[1],
    () => `lotkaDataset: rRange must be integers [lo, hi) with 1 ≤ lo < hi, got ${JSON.stringify(rRange)}`,
  );
  const t = checkCommon("lotkaDataset", T, rtol, atol);
  const [ka, kb, kc, kd, kr] = splitKey(key, 5) as [Key, Key, Key, Key, Key];
  const a = draw(ka, n, ranges.a);
  const b = draw(kb, n, ranges.b);
  const c = draw(kc, n, ranges.c);
  const d = draw(kd, n, ranges.d);
  const rt = randint(kr, [n], rRange[0], rRange[1]);
  const r = Int32Array.from(rt.data);
  rt.dispose();
  const traj = new Float32Array(n * T * 2);
  for (let i = 0; i < n; i++) {
    const [ai, bi, ci, di] = [a[i]!, b[i]!, c[i]!, d[i]!];
    const y = odeSolve(
      (_t, s, ds) => {
        const xy = s[0]! * s[1]!;
        ds[0] = ai * s[0]! - bi * xy;
        ds[1] = ci * xy - di * s[1]!;
      },
      [1, 1],
      t,
      { rtol, atol },
    );
    traj.set(y, i * T * 2);
  }
  const trajT = new Tensor(traj, [n, T, 2]);
  const raw = repeatCopy(trajT, r, spacing);
  trajT.dispose();
  let x = raw.clipped;
  let target = raw.full;
  if (stats) {
    x = normalize(raw.clipped, stats);
    target = normalize(raw.full, stats);
    raw.clipped.dispose();
    raw.full.dispose();
  }
  // Owned by the dataset: kept out of any enclosing tidy() so they outlive it.
  x.keep();
  target.keep();
  const times = timesTensor(t);
  const ds = arrayDataset({ x, target, times });
  return Object.assign(ds, { x, target, times, params: { a, b, c, d }, r, spacing, stats });
}

/**
 * MSD train / test splits from one key (splitKey(key, 2): one key per split), with the reference's
 * sizes (20,480 / 4,096) and ranges (MSD_RANGES.train / .test). A split of size 0 costs nothing, and
 * each split depends only on its key and size, so splits made separately agree with splits made together.
 */
export function msdSplits(
  key: Key,
  { train = DYNAMICS_SIZES.msd.train, test = DYNAMICS_SIZES.msd.test, ...options }: MsdSplitsOptions = {},
): { train: MsdDataset; test: MsdDataset } {
  const [kTrain, kTest] = splitKey(key, 2) as [Key, Key];
  return {
    train: msdDataset(kTrain, train, { ...options, split: "train" }),
    test: msdDataset(kTest, test, { ...options, split: "test" }),
  };
}

/** MSD-Zero train / test splits (8,192 / 2,048 by default), as `msdSplits` with random initial states. */
export function msdZeroSplits(
  key: Key,
  {
    train = DYNAMICS_SIZES.msdZero.train,
    test = DYNAMICS_SIZES.msdZero.test,
    ...options
  }: MsdSplitsOptions = {},
): { train: MsdDataset; test: MsdDataset } {
  return msdSplits(key, { initialNoise: 0.5, ...options, train, test });
}

/**
 * Lotka–Volterra repeat-copy train / test splits (15,000 / 3,000 by default) from splitKey(key, 2). With
 * `normalize` true (default) this is what the reference's loader hands the model: one global min and max
 * of the raw training target, and both arrays of both splits mapped to 2·(v − min)/(max − min) − 1 with
 * it (training values land in [−1, 1]; test values may fall outside; the zero padding maps to −1 when
 * min = 0). Returns the statistics (null when not normalised).
 */
export function lotkaSplits(
  key: Key,
  {
    train = DYNAMICS_SIZES.lotka.train,
    test = DYNAMICS_SIZES.lotka.test,
    normalize: norm = true,
    ...options
  }: LotkaSplitsOptions = {},
): { train: LotkaDataset; test: LotkaDataset; stats: MinMaxStats | null } {
  const [kTrain, kTest] = splitKey(key, 2) as [Key, Key];
  let trainDs = lotkaDataset(kTrain, train, { ...options, split: "train" });
  let stats: MinMaxStats | null = null;
  if (norm === true) {
    assert(train >= 1, () => "lotkaSplits: fitting the normalisation needs train ≥ 1 (or pass stats)");
    stats = fitMinMax(trainDs.target);
  } else if (norm !== false) stats = norm;
  if (stats) {
    const raw = trainDs;
    const x = normalize(raw.x, stats).keep();
    const target = normalize(raw.target, stats).keep();
    const ds = arrayDataset({ x, target, times: raw.times });
    trainDs = Object.assign(ds, {
      x,
      target,
      times: raw.times,
      params: raw.params,
      r: raw.r,
      spacing: raw.spacing,
      stats,
    });
    raw.x.dispose();
    raw.target.dispose();
  }
  return { train: trainDs, test: lotkaDataset(kTest, test, { ...options, split: "test", stats }), stats };
}
