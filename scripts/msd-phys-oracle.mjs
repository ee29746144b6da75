// What the WARP-Phys mass–spring–damper root can score at best with its own formula: the explicit Euler
// step of the `msd` root (Δt = 1/256) driven by each trajectory's TRUE (m, k, c), rolled out
// autoregressively from the last context step as the test rollout is, against the generated trajectory;
// beside it the zero predictor. MSE over both channels in original units, steps 100..T−1 (RESULTS.md).
// With `--minmax LO HI` the formula runs, as in a training on min-max-normalised data, on values mapped
// to [−1, 1] by that global range (a run's stats.json) and its output is mapped back before scoring. With
// `--from-start` the rollout starts at x_0 instead of the last context step: the chain the root actually
// sees with input_prev_data, which feeds it the model's own previous prediction at every step (as the
// authors' code does), scored after the context all the same.
// Usage: node scripts/msd-phys-oracle.mjs [n = 512] [zero] [--minmax LO HI] [--from-start]
//   ("zero": MSD-Zero's random initial states)

import { msdDataset, msdZeroDataset, randomKey } from "../dist/src/index.js";

const fromStart = process.argv.includes("--from-start");
const args = process.argv.slice(2).filter((a) => a !== "--from-start");
const mm = args.indexOf("--minmax");
const [lo, hi] = mm >= 0 ? [Number(args[mm + 1]), Number(args[mm + 2])] : [null, null];
const rest = mm >= 0 ? args.filter((_, i) => i < mm || i > mm + 2) : args;
const n = Number(rest[0] ?? 512);
const zero = rest[1] === "zero";
const ds = (zero ? msdZeroDataset : msdDataset)(randomKey(7), n, { split: "test" });
const [T, ctx, dt] = [256, 100, 1 / 256];
const [shift, scale] = lo === null ? [0, 1] : [(hi + lo) / 2, (hi - lo) / 2];
const x = ds.x.data;
const { m, k, c } = ds.params;
let [euler, none, count] = [0, 0, 0];
for (let i = 0; i < n; i++) {
  const at = (t, d) => x[(i * T + t) * 2 + d];
  // the state the formula sees: normalised when --minmax is given
  const t0 = fromStart ? 0 : ctx - 1;
  let [pos, vel] = [(at(t0, 0) - shift) / scale, (at(t0, 1) - shift) / scale];
  for (let t = t0 + 1; t < T; t++) {
    const acc = -(k[i] / m[i]) * pos - (c[i] / m[i]) * vel;
    [pos, vel] = [pos + vel * dt, vel + acc * dt];
    if (t < ctx) continue;
    euler += (pos * scale + shift - at(t, 0)) ** 2 + (vel * scale + shift - at(t, 1)) ** 2;
    none += at(t, 0) ** 2 + at(t, 1) ** 2;
    count += 2;
  }
}
const f = (v) => ((100 * v) / count).toFixed(0);
const where = `${lo === null ? "in original units" : `on values min-max normalised with [${lo}, ${hi}]`}, from ${fromStart ? "x_0" : "the last context step"}`;
console.log(
  `${zero ? "MSD-Zero" : "MSD"}, ${n} test-range trajectories, the formula ${where}: Euler root with the true (m, k, c) ${f(euler)} ×10⁻², predicting 0 ${f(none)} ×10⁻²`,
);
