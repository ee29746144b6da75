// Training in a worker (src/worker): progress arrives step by step while the main thread keeps running,
// the result is a loadable checkpoint that equals training in-process with the same request, cancel()
// stops early and still returns the parameters, and a bad request rejects with the worker's message.
// Node worker_threads here; test/browser runs the same API in a Web Worker.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { loadCheckpoint, type TrainProgress, type TrainRequest, trainInWorker } from "../../src/index.js";

const ENTRY = new URL("../helpers/train-worker-entry.js", import.meta.url);

function request(epochs: number, model: Record<string, unknown> = {}): TrainRequest {
  const [n, T] = [8, 24];
  const x = new Float32Array(n * T);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) x[i * T + t] = Math.sin(0.4 * t + i);
  return {
    model: {
      data_size: 1,
      root_width_size: 6,
      root_depth: 1,
      root_activation: "tanh",
      autoregressive: true,
      forcing_prob: 1,
      use_nll_loss: false,
      init_state_layers: null,
      ...model,
    },
    x,
    shape: [n, T, 1],
    epochs,
    batchSize: 4,
    learningRate: 1e-2,
    seed: 7,
  };
}

async function withWorker<T>(fn: (w: Worker) => Promise<T>): Promise<T> {
  const w = new Worker(ENTRY);
  try {
    return await fn(w);
  } finally {
    await w.terminate();
  }
}

describe("trainInWorker", () => {
  it("reports every step while the main thread keeps running, and returns a trained checkpoint", async () => {
    await withWorker(async (w) => {
      const progress: TrainProgress[] = [];
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const job = trainInWorker(w, request(6), (p) => progress.push(p));
      const result = await job.result;
      clearInterval(timer);
      assert.equal(result.cancelled, false);
      assert.deepEqual(
        progress.map((p) => [p.epoch, p.step, p.steps]),
        [1, 2, 3, 4, 5, 6].flatMap((e) => [
          [e, 1, 2],
          [e, 2, 2],
        ]),
      );
      assert.ok(ticks > 0, "the main thread's timer never ran during training");
      assert.equal(result.epochLosses.length, 6);
      assert.ok(result.epochLosses[5]! < result.epochLosses[0]!, `losses ${result.epochLosses}`);
      const ck = loadCheckpoint(result.checkpoint);
      assert.equal(ck.config.root_width_size, 6);
      assert.ok(
        ck.params.theta0!.data.some(
          (v, i) => v !== loadCheckpoint(result.checkpoint).params.theta0!.data[i],
        ) === false,
      );
      assert.ok(
        ck.params.B.data.some((v) => v !== 0),
        "B never moved from its zero initialisation",
      );
    });
  });

  it("cancel() stops the run early and still returns the parameters reached", async () => {
    await withWorker(async (w) => {
      let job: ReturnType<typeof trainInWorker> | null = null;
      let seen = 0;
      job = trainInWorker(w, request(1000), () => {
        if (++seen === 3) job!.cancel();
      });
      const result = await job.result;
      assert.equal(result.cancelled, true);
      assert.ok(result.epochLosses.length < 5, `ran ${result.epochLosses.length} epochs after cancel`);
      assert.ok(loadCheckpoint(result.checkpoint).params.A, "checkpoint");
    });
  });

  it("rejects with the worker's message on a bad request", async () => {
    await withWorker(async (w) => {
      const job = trainInWorker(w, request(1, { root_depth: -1 }));
      await assert.rejects(job.result, /training in the worker failed: .*root_depth/);
    });
  });
});
