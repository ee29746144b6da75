// Min-max normalisation to [−1, 1] as the reference does it: statistics fitted on the training split (one
// global min/max, or one per channel = last axis, as for UEA), applied to every split, and undone on
// predictions (means, or stds with the scale only). Statistics are plain JSON-able numbers.
// Not here: standardisation (mean/std), per-sequence scaling, or any state beyond MinMaxStats.

import { allocate, type DType, Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";

/** Min-max statistics: plain numbers, safe to JSON.stringify into a run's files and read back. */
export interface MinMaxStats {
  /** true: one (min, max) pair per channel (the last axis); false: a single pair for every value. */
  perChannel: boolean;
  /** Minimum per channel (length C), or [global minimum]. */
  min: number[];
  /** Maximum per channel (length C), or [global maximum]. */
  max: number[];
}

/** Options of `fitMinMax`. */
export interface FitMinMaxOptions {
  /** One (min, max) per channel (last axis of x) instead of one for all values (default false). */
  perChannel?: boolean;
  /**
   * Widen each range to be symmetric about 0, (−M, M) with M = max(|min|, |max|), so that normalising
   * is a pure scaling x/M and 0 stays 0 (linear dynamics keep their form; default false).
   */
  symmetric?: boolean;
}

/** Options of `denormalize`. */
export interface DenormalizeOptions {
  /** Undo the scale only, not the shift: for standard deviations and other differences (default false). */
  scaleOnly?: boolean;
}

const isFloat = (dtype: DType) => dtype === "float32" || dtype === "float64";

/**
 * Min and max of `x` (any shape, e.g. (n, T, D) of the training split): over all values, or per channel
 * c = last axis (min over every index but the last). A NaN or ±Infinity is an error naming its flat
 * index. Example: x = [[1, 10], [3, 30]] (shape (2, 2)) gives {min: [1], max: [30]} globally and
 * {min: [1, 10], max: [3, 30]} per channel.
 */
export function fitMinMax(
  x: Tensor,
  { perChannel = false, symmetric = false }: FitMinMaxOptions = {},
): MinMaxStats {
  assert(x.ndim >= 1 && x.size > 0, () => `fitMinMax: x ${fmtShape(x.shape)} is empty or 0-d`);
  const C = perChannel ? x.shape[x.ndim - 1]! : 1;
  const min = new Array<number>(C).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(C).fill(Number.NEGATIVE_INFINITY);
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    assert(
      Number.isFinite(v),
      () => `fitMinMax: non-finite value ${v} at flat index ${i} of x ${fmtShape(x.shape)}`,
    );
    const c = i % C;
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  }
  if (symmetric) {
    for (let c = 0; c < C; c++) {
      const m = Math.max(Math.abs(min[c]!), Math.abs(max[c]!));
      min[c] = -m;
      max[c] = m;
    }
  }
  return { perChannel, min, max };
}

/** Checks `stats` (which may come from JSON) against x's shape; returns the channel count C. */
function checkStats(what: string, x: Tensor, stats: MinMaxStats): number {
  const { min, max, perChannel } = stats;
  assert(
    Array.isArray(min) && Array.isArray(max) && min.length === max.length && min.length >= 1,
    () => `${what}: stats.min and stats.max must be arrays of equal, non-zero length`,
  );
  min.forEach((lo, c) => {
    const hi = max[c]!;
    assert(
      Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi,
      () => `${what}: stats channel ${c} has min ${lo} and max ${hi} (need finite min ≤ max)`,
    );
  });
  assert(isFloat(x.dtype), () => `${what}: expected a float32 or float64 tensor, got ${x.dtype}`);
  if (!perChannel) {
    assert(min.length === 1, () => `${what}: global stats must hold one min and one max, got ${min.length}`);
    return 1;
  }
  const C = x.shape[x.ndim - 1];
  assert(
    x.ndim >= 1 && C === min.length,
    () =>
      `${what}: per-channel stats for ${min.length} channels, but x ${fmtShape(x.shape)} has ${C} on its last axis`,
  );
  return C!;
}

function mapChannels(x: Tensor, C: number, f: (v: number, c: number) => number): Tensor {
  const src = x.data;
  const out = allocate(x.dtype, src.length, false);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!, i % C);
  return new Tensor(out, x.shape);
}

/**
 * y = 2·(x − min)/(max − min) − 1 per channel (or globally), so the fitted range maps to [−1, 1]
 * (values of other splits may fall outside). Constant data (max = min): y = x − min, i.e. the constant
 * maps to 0 with scale 1, never NaN. Same shape and dtype as x.
 */
export function normalize(x: Tensor, stats: MinMaxStats): Tensor {
  const C = checkStats("normalize", x, stats);
  const { min, max } = stats;
  return mapChannels(x, C, (v, c) => {
    const lo = min[c]!;
    const range = max[c]! - lo;
    return range === 0 ? v - lo : (2 * (v - lo)) / range - 1;
  });
}

/**
 * The inverse of `normalize`: x = (y + 1)/2·(max − min) + min (x = y + min when max = min). With
 * `scaleOnly` (for standard deviations and other differences): s·(max − min)/2 (s when max = min).
 * Same shape and dtype as y; per-channel stats apply along y's last axis.
 */
export function denormalize(
  y: Tensor,
  stats: MinMaxStats,
  { scaleOnly = false }: DenormalizeOptions = {},
): Tensor {
  const C = checkStats("denormalize", y, stats);
  const { min, max } = stats;
  return mapChannels(y, C, (v, c) => {
    const lo = min[c]!;
    const range = max[c]! - lo;
    const scale = range === 0 ? 1 : range / 2;
    return scaleOnly ? v * scale : range === 0 ? v + lo : ((v + 1) / 2) * range + lo;
  });
}
