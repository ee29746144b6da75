// Epoch wall times of experiment configs measured in one process with the configs interleaved, for the
// equal wall-clock rows of RESULTS.md's structured-transition section: `rounds` times over the list, each
// config trains `epochs` epochs (a fresh run folder under tmp/epoch-times/) and every epoch's seconds
// (metrics.jsonl, training and any validation) are kept; prints per config the mean epoch time and its
// ratio to the first config of the list. Run it as the rows run (nice -n 10, WARP_NUM_THREADS=1).
// Usage: node scripts/epoch-times.mjs ROUNDS EPOCHS CONFIG[:KEY=VALUE,...]...
//   node scripts/epoch-times.mjs 2 2 msd-warp msd-warp-diag msd-warp-lowrank
// (CONFIG names one under configs/experiments/cpu/; KEY=VALUE pairs are --set overrides for it.)

import { readFileSync, rmSync } from "node:fs";
import { trainRun } from "../dist/cli/commands/train.js";

const [rounds, epochs, ...specs] = process.argv.slice(2);
if (!(Number(rounds) >= 1) || !(Number(epochs) >= 1) || specs.length === 0) {
  console.error("usage: node scripts/epoch-times.mjs ROUNDS EPOCHS CONFIG[:KEY=VALUE,...]...");
  process.exit(1);
}
const seconds = {};
for (let r = 0; r < Number(rounds); r++) {
  for (const spec of specs) {
    const [name, sets = ""] = spec.split(":");
    const dir = `tmp/epoch-times/${name}-${r}`;
    rmSync(dir, { recursive: true, force: true });
    const set = [`training.nb_epochs=${epochs}`, ...sets.split(",").filter((s) => s !== "")];
    await trainRun(`experiments/cpu/${name}`, { set, out: dir });
    const lines = readFileSync(`${dir}/metrics.jsonl`, "utf8").trim().split("\n");
    seconds[name] ??= [];
    seconds[name].push(...lines.map((l) => JSON.parse(l).seconds));
  }
}
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const first = mean(Object.values(seconds)[0]);
for (const [name, v] of Object.entries(seconds))
  console.log(`${name}\t${mean(v).toFixed(2)} s/epoch over ${v.length}\t${first === 0 ? "–" : (first / mean(v)).toFixed(2)}× faster than ${specs[0].split(":")[0]}`);
