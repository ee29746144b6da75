// The demo page: streams a CLI-trained WARP checkpoint over the Mauna Loa CO₂ series shipped by vega-datasets
// (one recurrence step per new observation, next-step mean ± 2σ, a 12-step what-if fork, the running error),
// and trains a small model on a pasted CSV in a Web Worker with a live loss curve, then streams that one; the
// streamed model can be saved to IndexedDB or downloaded, and a checkpoint opened from a file or IndexedDB.
// Uses only the public browser entry (src/web.ts).

import co2Csv from "../node_modules/vega-datasets/data/co2-concentration.csv?raw";
import {
  type Checkpoint,
  downloadCheckpoint,
  fetchCheckpoint,
  getBackend,
  initWasm,
  loadCheckpoint,
  loadCheckpointFromIndexedDB,
  parseCsvSeries,
  readCheckpointFile,
  saveCheckpoint,
  saveCheckpointToIndexedDB,
  type StreamSession,
  setBackend,
  trainInWorker,
  type TrainJob,
  type WarpModel,
  type WarpParams,
} from "../src/web.js";

/** The window the models see (the CLI's co2_concentration default): a session restarts every WINDOW steps. */
const WINDOW = 48;
const FORK = 12;
/** The IndexedDB key the demo saves to and loads from. */
const STORED = "demo";

interface Loaded {
  ck: Checkpoint<WarpParams>;
  lo: number;
  hi: number;
  values: number[];
  label: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const demo = { frames: 0, backend: "", trained: false, checkpointStatus: "" };
(globalThis as { __demo?: typeof demo }).__demo = demo;

try {
  await initWasm();
  setBackend("wasm");
} catch {
  setBackend("cpu");
}
demo.backend = getBackend();
$("backend").textContent = getBackend();

/** The min/max normalisation `warp train` (and this page) store in a checkpoint's metadata, if any. */
function storedRange(ck: Checkpoint<WarpParams>): { lo: number; hi: number } | null {
  if (!ck.metadata.normalization) return null;
  const s = JSON.parse(ck.metadata.normalization) as { min: number[]; max: number[] };
  return { lo: s.min[0]!, hi: s.max[0]! };
}

const co2 = Array.from(parseCsvSeries(co2Csv, { columns: ["CO2"] }).values);
const shipped = await fetchCheckpoint("./co2.safetensors");
let current: Loaded = {
  ck: shipped,
  ...storedRange(shipped)!,
  values: co2,
  label: "checkpoint trained by warp train",
};

// ---- streaming ---------------------------------------------------------------------------------

interface Pred {
  t: number;
  mean: number;
  std: number;
}
let idx = 0;
let session: StreamSession | null = null;
let preds: Pred[] = [];
let fork: Pred[] = [];
let first = 0;

function restart(): void {
  first = Math.floor(current.values.length * 0.7);
  idx = first;
  session = null;
  preds = [];
  fork = [];
}

function step(): void {
  const m = current;
  const norm = (v: number) => (2 * (v - m.lo)) / (m.hi - m.lo) - 1;
  const unit = (m.hi - m.lo) / 2;
  if (idx >= m.values.length - 1) restart();
  const x = [norm(m.values[idx]!)];
  if (!session) session = (m.ck.model as WarpModel).stream(m.ck.params, { x0: x, length: WINDOW });
  else if (session.step >= WINDOW) session.reset(x);
  const p = session.push(x);
  preds.push({ t: idx + 1, mean: (p.mean.data[0]! + 1) * unit + m.lo, std: p.std ? p.std.data[0]! * unit : 0 });
  const k = Math.min(FORK, WINDOW - session.step);
  fork = [];
  if (k > 0) {
    const f = session.fork(k);
    for (let i = 0; i < k; i++) fork.push({ t: idx + 2 + i, mean: (f.mean.data[i]! + 1) * unit + m.lo, std: 0 });
  }
  idx++;
  draw();
  demo.frames++;
}

function draw(): void {
  const c = $<HTMLCanvasElement>("stream");
  const g = c.getContext("2d")!;
  const { values } = current;
  const t0 = Math.max(0, first - 60);
  const t1 = values.length;
  const shown = values.slice(t0, t1);
  let lo = Math.min(...shown);
  let hi = Math.max(...shown);
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const X = (t: number) => 40 + ((t - t0) / (t1 - t0)) * (c.width - 50);
  const Y = (v: number) => c.height - 20 - ((v - lo) / (hi - lo)) * (c.height - 30);
  g.clearRect(0, 0, c.width, c.height);
  g.fillStyle = "#666";
  g.font = "11px sans-serif";
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    g.fillText(v.toFixed(0), 2, Y(v) + 4);
  }
  const line = (pts: [number, number][], color: string, width = 1.5) => {
    g.strokeStyle = color;
    g.lineWidth = width;
    g.beginPath();
    pts.forEach(([t, v], i) => (i ? g.lineTo(X(t), Y(v)) : g.moveTo(X(t), Y(v))));
    g.stroke();
  };
  // ±2σ band of the next-step predictions
  if (preds.length > 1) {
    g.fillStyle = "rgba(217,72,15,0.15)";
    g.beginPath();
    preds.forEach((p, i) => (i ? g.lineTo(X(p.t), Y(p.mean + 2 * p.std)) : g.moveTo(X(p.t), Y(p.mean + 2 * p.std))));
    for (let i = preds.length - 1; i >= 0; i--) g.lineTo(X(preds[i]!.t), Y(preds[i]!.mean - 2 * preds[i]!.std));
    g.fill();
  }
  line(
    Array.from({ length: idx + 1 - t0 }, (_, i) => [t0 + i, values[t0 + i]!] as [number, number]),
    "#333",
  );
  line(
    preds.map((p) => [p.t, p.mean]),
    "#d9480f",
  );
  if (fork.length) line([[idx, values[idx]!], ...fork.map((p) => [p.t, p.mean] as [number, number])], "#1c7ed6", 2);
  const done = preds.filter((p) => p.t <= idx);
  const mae = done.reduce((s, p) => s + Math.abs(p.mean - values[p.t]!), 0) / Math.max(1, done.length);
  $("stream-status").textContent =
    `${current.label}; step ${idx - first} of ${values.length - 1 - first}; next-step MAE ${mae.toFixed(2)} ` +
    `(series units) over ${done.length} predictions`;
}

restart();
setInterval(step, 100);

// ---- checkpoints: save to IndexedDB / download the streamed model, open one from a file / IndexedDB ---------

/** The streamed model's checkpoint bytes, with the normalisation it streams under. */
function currentBytes(): Uint8Array {
  const { ck, lo, hi } = current;
  const normalization = JSON.stringify({ perChannel: true, min: [lo], max: [hi] });
  return saveCheckpoint(ck.config, ck.params, ck.extra, { ...ck.metadata, normalization });
}

/** Streams `ck` over the current series (with its stored normalisation, else the current one). */
function stream(ck: Checkpoint<WarpParams>, label: string): void {
  if (ck.config.data_size !== 1) throw new Error(`${label} has data_size ${ck.config.data_size}; this page streams 1 channel`);
  current = { ...current, ck, ...(storedRange(ck) ?? {}), label };
  restart();
}

const ckStatus = $("ck-status");
const report = (action: () => Promise<string> | string) => async () => {
  try {
    ckStatus.textContent = await action();
  } catch (e) {
    ckStatus.textContent = e instanceof Error ? e.message : String(e);
  }
  demo.checkpointStatus = ckStatus.textContent ?? "";
};
$("ck-save").addEventListener(
  "click",
  report(async () => {
    await saveCheckpointToIndexedDB(STORED, currentBytes());
    return `saved the streamed model to IndexedDB as "${STORED}"`;
  }),
);
$("ck-load").addEventListener(
  "click",
  report(async () => {
    stream(await loadCheckpointFromIndexedDB(STORED), `checkpoint "${STORED}" from IndexedDB`);
    return `streaming checkpoint "${STORED}" from IndexedDB`;
  }),
);
$("ck-download").addEventListener(
  "click",
  report(() => {
    downloadCheckpoint(currentBytes(), "warp-demo.safetensors");
    return "downloaded warp-demo.safetensors";
  }),
);
$<HTMLInputElement>("ck-file").addEventListener(
  "change",
  report(async () => {
    const file = $<HTMLInputElement>("ck-file").files?.[0];
    if (!file) return "";
    stream(await readCheckpointFile(file), `checkpoint file "${file.name}"`);
    return `streaming checkpoint file "${file.name}"`;
  }),
);

// ---- training in a worker ----------------------------------------------------------------------

$<HTMLTextAreaElement>("csv").value = co2Csv.trim();
const losses: number[] = [];
let job: TrainJob | null = null;

/** Symmetric log scale: the first steps' losses are orders of magnitude above the rest (NLL may be < 0). */
const symlog = (v: number) => Math.sign(v) * Math.log10(1 + Math.abs(v));

function drawLoss(): void {
  const c = $<HTMLCanvasElement>("loss");
  const g = c.getContext("2d")!;
  g.clearRect(0, 0, c.width, c.height);
  if (losses.length < 2) return;
  const ys = losses.map(symlog);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  g.strokeStyle = "#2f9e44";
  g.lineWidth = 1.5;
  g.beginPath();
  ys.forEach((l, i) => {
    const x = 40 + (i / (ys.length - 1)) * (c.width - 50);
    const y = c.height - 15 - ((l - lo) / (hi - lo || 1)) * (c.height - 25);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#666";
  g.font = "11px sans-serif";
  g.fillText(`loss ${Math.max(...losses).toPrecision(3)}`, 2, 12);
  g.fillText(`${Math.min(...losses).toPrecision(3)} (symlog scale)`, 2, c.height - 4);
}

$("train").addEventListener("click", () => {
  const status = $("train-status");
  let values: number[];
  try {
    const s = parseCsvSeries($<HTMLTextAreaElement>("csv").value, { columns: [$<HTMLInputElement>("column").value] });
    values = Array.from(s.values);
  } catch (e) {
    status.textContent = String(e instanceof Error ? e.message : e);
    return;
  }
  const split = Math.floor(values.length * 0.7);
  const lo = Math.min(...values.slice(0, split));
  const hi = Math.max(...values.slice(0, split));
  const windows: number[] = [];
  for (let s = 0; s + WINDOW <= split; s += 4)
    for (let t = 0; t < WINDOW; t++) windows.push((2 * (values[s + t]! - lo)) / (hi - lo) - 1);
  const n = windows.length / WINDOW;
  if (n < 1) {
    status.textContent = `need at least ${WINDOW} rows in the first 70 % of the series`;
    return;
  }
  losses.length = 0;
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  $<HTMLButtonElement>("train").disabled = true;
  $<HTMLButtonElement>("cancel").disabled = false;
  job = trainInWorker(
    worker,
    {
      model: { ...current.ck.config },
      x: Float32Array.from(windows),
      shape: [n, WINDOW, 1],
      epochs: Number($<HTMLInputElement>("epochs").value) || 60,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 0,
    },
    (p) => {
      losses.push(p.loss);
      status.textContent = `epoch ${p.epoch}, step ${p.step}/${p.steps}, loss ${p.loss.toFixed(4)}`;
      drawLoss();
    },
  );
  job.result.then(
    (r) => {
      worker.terminate();
      current = { ck: loadCheckpoint(r.checkpoint), lo, hi, values, label: "model trained in this page" };
      status.textContent = `${r.cancelled ? "cancelled" : "done"} after ${r.epochLosses.length} epochs on ${r.backend}; streaming it above`;
      demo.trained = true;
      restart();
    },
    (e: unknown) => {
      worker.terminate();
      status.textContent = String(e);
    },
  ).finally(() => {
    $<HTMLButtonElement>("train").disabled = false;
    $<HTMLButtonElement>("cancel").disabled = true;
  });
});
$("cancel").addEventListener("click", () => job?.cancel());
