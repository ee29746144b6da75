// The "Forecasting real series" tables from the run folders of scripts/forecast-results.sh: per series,
// horizon-only MAE (original units) of WARP (mean ± sample std over its seeds), the GRU and the
// classical baselines (deterministic: the same in every run, checked), read from each forecast-eval.json.
// Usage: node scripts/forecast-results.mjs runs/forecast

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.argv[2] ?? "runs/forecast";
const runs = {};
for (const d of readdirSync(root)) {
  const m = /^(.+)-s(\d+)-(wsm|gru)-(\d+)$/.exec(d);
  const file = join(root, d, "forecast-eval.json");
  if (!m || !existsSync(file)) continue;
  const [, name, stride, model, seed] = m;
  const key = `${name} (training stride ${stride})`;
  runs[key] ??= [];
  runs[key].push({ model, seed: Number(seed), ...JSON.parse(readFileSync(file, "utf8")) });
}
const meanStd = (v) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return mean.toPrecision(3);
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return `${mean.toPrecision(3)} ± ${std.toPrecision(2)}`;
};
for (const [key, rs] of Object.entries(runs)) {
  const first = rs[0];
  const baselines = Object.keys(first.metrics).filter((k) => k !== "warp" && k !== "gru");
  for (const r of rs)
    for (const b of baselines)
      if (Math.abs(r.metrics[b].mae - first.metrics[b].mae) > 1e-9 * Math.abs(first.metrics[b].mae))
        throw new Error(`${key}: ${b} differs between runs`);
  console.log(`${key}: L = ${first.context}, H = ${first.horizon}, ${first.windows} test windows\n`);
  console.log("| model | MAE | RMSE | MASE | seeds |\n|---|---|---|---|---|");
  for (const model of ["wsm", "gru"]) {
    const own = rs.filter((r) => r.model === model).sort((a, b) => a.seed - b.seed);
    if (own.length === 0) continue;
    const name = model === "wsm" ? "warp" : "gru";
    const col = (k) => meanStd(own.map((r) => r.metrics[name][k]));
    console.log(`| ${model === "wsm" ? "WARP" : "GRU"} | ${col("mae")} | ${col("rmse")} | ${col("mase")} | ${own.map((r) => r.seed).join(", ")} |`);
  }
  for (const b of baselines) {
    const m = first.metrics[b];
    console.log(`| ${b} | ${m.mae.toPrecision(3)} | ${m.rmse.toPrecision(3)} | ${m.mase.toPrecision(3)} | – |`);
  }
  console.log("");
}
