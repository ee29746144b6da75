// Browser page: trains a small model in a Web Worker while the main thread counts timer ticks; the outcome
// (progress seen, ticks, result) lands in globalThis.__warpWorker.

import { loadCheckpoint, trainInWorker } from "../../../src/index.js";

const [n, T] = [8, 24];
const x = new Float32Array(n * T);
for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) x[i * T + t] = Math.sin(0.4 * t + i);
const worker = new Worker("./train-worker.js", { type: "module" });
const progress = [];
let ticks = 0;
const timer = setInterval(() => ticks++, 5);
const g = globalThis;
g.__warpProgress = () => progress.length;
const job = trainInWorker(
  worker,
  {
    model: {
      data_size: 1,
      root_width_size: 6,
      root_depth: 1,
      root_activation: "tanh",
      autoregressive: true,
      forcing_prob: 1,
      use_nll_loss: false,
      init_state_layers: null,
    },
    x,
    shape: [n, T, 1],
    epochs: 40,
    batchSize: 4,
    learningRate: 1e-2,
    seed: 7,
  },
  (p) => progress.push(p),
);
job.result.then(
  (r) => {
    clearInterval(timer);
    const ck = loadCheckpoint(r.checkpoint);
    g.__warpWorker = {
      ok: true,
      steps: progress.length,
      ticks,
      epochs: r.epochLosses.length,
      first: r.epochLosses[0],
      last: r.epochLosses[r.epochLosses.length - 1],
      backend: r.backend,
      isolated: globalThis.crossOriginIsolated === true,
      width: ck.config.root_width_size,
    };
  },
  (e) => {
    g.__warpWorker = { ok: false, error: String(e) };
  },
);
