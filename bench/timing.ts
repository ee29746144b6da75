// Shared benchmark helpers: median wall time of repeated runs after warm-up, and peak resident memory.
// Benchmarks print figures; nothing here asserts a time.

/** Median milliseconds of `reps` runs of fn after `warmup` untimed runs. */
export function medianMs(fn: () => void, { reps = 5, warmup = 1 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Rounds to a few significant decimals for printing. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** One benchmark result line. */
export type BenchRecord = Record<string, string | number>;
