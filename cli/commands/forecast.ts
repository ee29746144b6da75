// `warp forecast <run-dir|model.safetensors> --input history.csv|json|npy --horizon H [--column …] --out f.csv|npy`:
// continues a history past its end with a forecasting model (trained with data.context/data.horizon), in
// the history's units, with the predicted σ as an interval when the model has one. Also the forecasting
// report `warp train` and `warp eval` write for such runs: horizon-only MAE/RMSE/MASE of WARP and the
// classical baselines on the test windows (forecast-eval.{json,md}) and plots of a few test windows.

import { join } from "node:path";
import type { Command } from "commander";
import { timeValue } from "../../src/data/csv.js";
import { compareForecasts, type ForecastSpec, forecastSeries } from "../../src/forecast/forecaster.js";
import { encodeNpy, type SequenceModel, Tensor, WarpError } from "../../src/index.js";
import { forecastSpec } from "../../src/plot/specs.js";
import { checkpointTarget, metadataJson, readCheckpoint } from "../checkpoints.js";
import { readSeriesFile } from "../data-sources.js";
import { refuseOverwritingInputs, writeAtomic } from "../files.js";
import { intOption, pathOption } from "../options.js";
import { writePlot } from "../plots.js";

/** A forecasting checkpoint: its model, parameters and spec (metadata "forecast"). */
export interface ForecastModel {
  model: SequenceModel;
  params: object;
  spec: ForecastSpec;
}

/** Reads a forecasting checkpoint; a model trained without data.horizon is a clear error. */
export function loadForecastModel(file: string): ForecastModel {
  const ck = readCheckpoint<object>(file);
  if (!ck.metadata.forecast)
    throw new WarpError(
      `${file}: not a forecasting model (train one on a series with --data FILE --context L --horizon H)`,
    );
  const spec = metadataJson(file, ck, "forecast");
  if (!spec || typeof spec !== "object")
    throw new WarpError(`${file}: metadata "forecast" is not a JSON object`);
  return { model: ck.model, params: ck.params, spec: spec as ForecastSpec };
}

const fmt = (v: number) =>
  Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);

/**
 * Scores the model and the baselines on the test windows (n, L + H, D) in original units, prints the
 * table, writes forecast-eval.json and forecast-eval.md to `dir` and plots/forecast-test-{0,1,2} (WARP vs
 * the best baseline, context marked). Returns the metrics by model name.
 */
export async function writeForecastReport(
  dir: string,
  fm: ForecastModel,
  test: Tensor,
  what: string,
): Promise<Record<string, { mae: number; rmse: number; mase: number }>> {
  const { spec } = fm;
  const cmp = compareForecasts(fm.model, fm.params, spec, test);
  const { context: L, horizon: H } = spec;
  const own = fm.model.config.model_type === "wsm" ? "warp" : fm.model.config.model_type;
  const label = (k: string) => (k === "model" ? own : k);
  const rows = Object.entries(cmp.metrics).map(([name, m]) => ({ name: label(name), ...m }));
  const table = [
    `Horizon-only errors on ${cmp.windows} ${what} windows (context ${L}, horizon ${H}; ${spec.columns.join(", ")}; original units; MASE scaled by the training rows' mean |x_t − x_{t−1}|)`,
    "",
    "| model | MAE | RMSE | MASE |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.name} | ${fmt(r.mae)} | ${fmt(r.rmse)} | ${fmt(r.mase)} |`),
  ].join("\n");
  console.log(table);
  const metrics = Object.fromEntries(rows.map(({ name, ...m }) => [name, m]));
  writeAtomic(
    join(dir, "forecast-eval.json"),
    `${JSON.stringify({ windows: cmp.windows, context: L, horizon: H, metrics }, null, 2)}\n`,
  );
  writeAtomic(join(dir, "forecast-eval.md"), `${table}\n`);
  const best = rows.filter((r) => r.name !== own).sort((a, b) => a.mae - b.mae)[0]!;
  const [n, , D] = test.shape as [number, number, number];
  const T = L + H;
  const picks = [...new Set([0, Math.floor(n / 2), n - 1])];
  for (const [j, i] of picks.entries()) {
    // Forecast lines start at the last context value (NaN before it: not drawn).
    const full = (f: Tensor) =>
      Array.from({ length: D }, (_, d) =>
        Array.from({ length: T }, (_, t) =>
          t < L - 1
            ? Number.NaN
            : t === L - 1
              ? test.data[(i * T + t) * D + d]!
              : f.data[(i * H + t - L) * D + d]!,
        ),
      );
    const stdOf = (f: Tensor) =>
      Array.from({ length: D }, (_, d) =>
        Array.from({ length: T }, (_, t) => (t < L ? 0 : f.data[(i * H + t - L) * D + d]!)),
      );
    await writePlot(
      join(dir, "plots"),
      `forecast-test-${j}`,
      forecastSpec({
        times: Array.from({ length: T }, (_, t) => t - L),
        truth: Array.from({ length: D }, (_, d) =>
          Array.from({ length: T }, (_, t) => test.data[(i * T + t) * D + d]!),
        ),
        mean: full(cmp.forecasts.model!),
        std: cmp.std ? stdOf(cmp.std) : null,
        predictionName: own.toUpperCase(),
        baseline: { name: best.name, mean: full(cmp.forecasts[best.name]!) },
        context: L,
        contextLabel: `context: ${L} steps`,
        dimNames: spec.columns,
        title: `${what} window ${i} of ${n}: ${own.toUpperCase()} vs ${best.name} (steps after the context)`,
      }),
    );
  }
  return metrics;
}

/** The parts of an ISO date or time: year, month, day (null for 2024-03), time and zone (null when absent). */
const ISO = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:([T ])(\d{2}:\d{2}(?::\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Days in a month (1-based) of a year. */
const monthDays = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * A forecast's time labels: the history's last two times continued at their spacing, in their own form.
 * Numbers (steps, years) continue as numbers; ISO dates a whole number of months apart (monthly,
 * quarterly, yearly series: same day of the month, or both the month's last) by calendar months; other
 * ISO dates and times by the last interval (a time without a zone stays without one). Anything else, or
 * times that do not increase, gives +1, +2, …
 */
export function futureTimes(dates: string[] | null, steps: number): string[] {
  const next = Array.from({ length: steps }, (_, k) => `+${k + 1}`);
  if (!dates || dates.length < 2) return next;
  const p = dates[dates.length - 2]!.trim();
  const q = dates[dates.length - 1]!.trim();
  const a = timeValue(p);
  const b = timeValue(q);
  if (a === null || b === null || b <= a) return next;
  const mp = ISO.exec(p);
  const mq = ISO.exec(q);
  if (!mp || !mq) {
    // Numbers: as many decimals as the history writes.
    const decimals = /e/i.test(p + q) ? null : Math.max(...[p, q].map((x) => x.split(".")[1]?.length ?? 0));
    return next.map((_, k) => {
      const v = b + (k + 1) * (b - a);
      return decimals === null ? String(v) : v.toFixed(decimals);
    });
  }
  const [, y1, m1, d1, , t1] = mp;
  const [, y2, m2, d2, sep, t2, frac, zone] = mq;
  if (t1 === undefined && t2 === undefined && (d1 === undefined) === (d2 === undefined)) {
    const months = Number(y2) * 12 + Number(m2) - (Number(y1) * 12 + Number(m1));
    const lastDay = (y: string, m: string, d: string) => Number(d) === monthDays(Number(y), Number(m));
    if (months > 0 && (d1 === d2 || (lastDay(y1!, m1!, d1!) && lastDay(y2!, m2!, d2!)))) {
      return next.map((_, k) => {
        const total = Number(y2) * 12 + Number(m2) - 1 + (k + 1) * months;
        const y = Math.floor(total / 12);
        const m = (total % 12) + 1;
        const ym = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}`;
        if (d2 === undefined) return ym;
        // The same day of the month (the month's last when it is shorter), or the last day throughout.
        const d = d1 === d2 ? Math.min(Number(d2), monthDays(y, m)) : monthDays(y, m);
        return `${ym}-${String(d).padStart(2, "0")}`;
      });
    }
  }
  return next.map((_, k) => {
    const iso = new Date(b + (k + 1) * (b - a)).toISOString();
    if (t2 === undefined) return iso.slice(0, 10);
    if (zone !== undefined) return iso;
    // No zone: read as UTC (timeValue) and written back without one, with the history's precision.
    const len = frac !== undefined ? 23 : t2.length === 5 ? 16 : 19;
    return `${iso.slice(0, 10)}${sep}${iso.slice(11, len)}`;
  });
}

interface ForecastOptions {
  input: string;
  horizon: number;
  out: string;
  column?: string[];
  timeColumn?: string;
}

export function registerForecast(program: Command): void {
  program
    .command("forecast")
    .description("continue a series past its end with a forecasting model, in the series' units")
    .argument("<run-dir|model.safetensors>", "a forecasting run folder (its best checkpoint) or checkpoint")
    .requiredOption("--input <history>", "the history: .csv (header row), .json or .npy (T) / (T, D)")
    .requiredOption("--horizon <H>", "steps to forecast after the history's last row", intOption("--horizon"))
    .requiredOption(
      "--out <file>",
      "where to write the forecast: .csv (with σ columns) or .npy (H, D)",
      pathOption("--out"),
    )
    .option(
      "--column <name>",
      "a column of the history (repeatable; default: the columns the model was trained on)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option("--time-column <name>", "the history's time column (default: one named like date/time)")
    .addHelpText(
      "after",
      "\nExamples:\n  warp forecast runs/sales --input sales.csv --horizon 14 --out next.csv\n  warp forecast model.safetensors --input history.npy --horizon 28 --out next.npy",
    )
    .action((target: string, o: ForecastOptions) => {
      if (!/\.(csv|npy)$/i.test(o.out)) throw new WarpError(`--out ${o.out}: write a .csv or .npy file`);
      if (o.horizon < 1) throw new WarpError("--horizon must be ≥ 1");
      const { file } = checkpointTarget(target);
      refuseOverwritingInputs(
        `--out ${o.out}`,
        [o.out, o.out.replace(/\.npy$/i, ".std.npy")],
        [file, o.input],
      );
      const fm = loadForecastModel(file);
      const { spec } = fm;
      const npy = /\.npy$/i.test(o.input);
      const series = readSeriesFile(o.input, {
        columns: o.column ?? (npy ? null : spec.columns),
        timeColumn: o.timeColumn ?? null,
      });
      const D = spec.columns.length;
      if (series.columns.length !== D)
        throw new WarpError(
          `${o.input}: ${series.columns.length} column(s) (${series.columns.join(", ")}), the model was trained on ${D} (${spec.columns.join(", ")})`,
        );
      if (series.rows < spec.context)
        throw new WarpError(
          `${o.input}: ${series.rows} rows, fewer than the model's context of ${spec.context} steps`,
        );
      let f: { mean: Float64Array; std: Float64Array | null };
      try {
        f = forecastSeries(fm.model, fm.params, spec, series.values, series.rows, o.horizon);
      } catch (e) {
        if (e instanceof WarpError) throw new WarpError(`${o.input}: ${e.message}; no file written`);
        if (e instanceof RangeError)
          throw new WarpError(
            `--horizon ${o.horizon}: a forecast this long does not fit in memory (${e.message})`,
          );
        throw e;
      }
      const H = o.horizon;
      // a .npy history has no names: its columns are the model's, in the model's order
      const names = npy && !o.column ? spec.columns : series.columns;
      if (/\.npy$/i.test(o.out)) {
        writeAtomic(o.out, encodeNpy(new Tensor(f.mean, [H, D])));
        if (f.std) writeAtomic(o.out.replace(/\.npy$/i, ".std.npy"), encodeNpy(new Tensor(f.std, [H, D])));
      } else {
        const times = futureTimes(series.dates, H);
        const head = [
          "time",
          ...names.flatMap((c) => (f.std ? [c, `${c}_std`, `${c}_lower`, `${c}_upper`] : [c])),
        ];
        const lines = times.map((t, h) =>
          [
            t,
            ...names.flatMap((_, d) => {
              const m = f.mean[h * D + d]!;
              if (!f.std) return [String(m)];
              const s = f.std[h * D + d]!;
              return [String(m), String(s), String(m - s), String(m + s)];
            }),
          ].join(","),
        );
        writeAtomic(o.out, `${[head.join(","), ...lines].join("\n")}\n`);
      }
      console.log(
        `wrote ${o.out}: ${H} steps of ${series.columns.join(", ")} after row ${series.rows} of ${o.input}${f.std ? " (mean, σ, mean ± σ)" : ""}`,
      );
    });
}
