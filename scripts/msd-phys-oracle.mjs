// What the WARP-Phys mass–spring–damper root can score at best with its own formula: the explicit Euler
// step of the `msd` root (Δt = 1/256) driven by each trajectory's TRUE (m, k, c), rolled out
// autoregressively from the last context step as the test rollout is, against the generated trajectory;
// beside it the zero predictor. MSE over both channels in original units, steps 100..T−1 (RESULTS.md).
// Usage: node scripts/msd-phys-oracle.mjs [n = 512] [zero]   ("zero": MSD-Zero's random initial states)

import { msdDataset, msdZeroDataset, randomKey } from "../dist/src/index.js";

const n = Number(process.argv[2] ?? 512);
const zero = process.argv[3] === "zero";
const ds = (zero ? msdZeroDataset : msdDataset)(randomKey(7), n, { split: "test" });
const [T, ctx, dt] = [256, 100, 1 / 256];
const x = ds.x.data;
const { m, k, c } = ds.params;
let [euler, none, count] = [0, 0, 0];
for (let i = 0; i < n; i++) {
  const at = (t, d) => x[(i * T + t) * 2 + d];
  let [pos, vel] = [at(ctx - 1, 0), at(ctx - 1, 1)];
  for (let t = ctx; t < T; t++) {
    const acc = -(k[i] / m[i]) * pos - (c[i] / m[i]) * vel;
    [pos, vel] = [pos + vel * dt, vel + acc * dt];
    euler += (pos - at(t, 0)) ** 2 + (vel - at(t, 1)) ** 2;
    none += at(t, 0) ** 2 + at(t, 1) ** 2;
    count += 2;
  }
}
const f = (v) => ((100 * v) / count).toFixed(0);
console.log(`${zero ? "MSD-Zero" : "MSD"}, ${n} test-range trajectories: Euler root with the true (m, k, c) ${f(euler)} ×10⁻², predicting 0 ${f(none)} ×10⁻²`);
