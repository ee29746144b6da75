// The worker side of training off the main thread: `serveTraining(self)` in a Web Worker (or
// `serveTraining(parentPort)` under worker_threads) answers "train" requests from `trainInWorker`, posting
// one progress message per step and the result's checkpoint bytes as a transferred buffer. Cancellation is
// seen at the next step when the client shares a flag (SharedArrayBuffer: Node, cross-origin isolated
// pages), else between epochs, where the worker yields to its message queue.
// Not here: the client (client.ts), the training loop itself (train/fit.ts).

import { getBackend } from "../backends/registry.js";
import { arrayDataset } from "../data/dataset.js";
import { adam } from "../optim/optimizers.js";
import { tensor } from "../tensor/tensor.js";
import { type FitState, fit } from "../train/fit.js";
import { randomKey, splitKey } from "../util/random.js";
import { saveCheckpoint } from "../warp/checkpoint.js";
import { resolveModelConfig } from "../warp/config.js";
import { WarpModel } from "../warp/model.js";
import type { WarpParams } from "../warp/params.js";
import { type Endpoint, type FromWorker, listen, type TrainRequest, type TrainResult } from "./protocol.js";

/** Thrown inside a step to stop the run when the shared cancel flag is set. */
class Cancelled extends Error {}

const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function train(
  req: TrainRequest,
  cancelFlag: Int32Array | null,
  isCancelled: () => boolean,
  post: (m: FromWorker, transfer?: ArrayBuffer[]) => void,
): Promise<TrainResult> {
  const config = resolveModelConfig(req.model);
  const model = new WarpModel(config);
  const [kInit, kRun] = splitKey(randomKey(req.seed), 2);
  const optimizer = adam(req.learningRate);
  const params = model.init(kInit!, "float32");
  let state: FitState<unknown, WarpParams> = {
    params,
    optState: optimizer.init(params),
    epoch: 0,
    best: null,
  };
  const train = arrayDataset({ x: tensor(req.x, req.shape, "float32") });
  const epochLosses: number[] = [];
  let cancelled = false;
  for (let e = 0; e < req.epochs && !cancelled; e++) {
    try {
      state = fit(state, {
        model,
        optimizer,
        train,
        epochs: e + 1,
        batchSize: req.batchSize,
        key: kRun!,
        validEvery: null,
        valCriterion: "mse",
        context: null,
        onStep: ({ epoch, step, steps, loss }) => {
          post({ type: "progress", progress: { epoch: epoch + 1, step, steps, loss } });
          if (cancelFlag && Atomics.load(cancelFlag, 0) !== 0) throw new Cancelled();
        },
        onEpoch: (record) => epochLosses.push(record.train_loss),
      });
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      cancelled = true; // `state` holds the last completed epoch's parameters
    }
    await yieldToMessages();
    cancelled ||= isCancelled();
  }
  return { checkpoint: saveCheckpoint(config, state.params), epochLosses, cancelled, backend: getBackend() };
}

/** Serves training requests on `scope` (a worker's global scope or parentPort) until the worker ends. */
export function serveTraining(scope: Endpoint): void {
  let cancelRequested = false;
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => scope.postMessage(m, transfer);
  listen(scope, (raw) => {
    const msg = raw as { type?: string };
    if (msg.type === "cancel") {
      cancelRequested = true;
      return;
    }
    if (msg.type !== "train") return;
    const { request, cancelFlag } = raw as { request: TrainRequest; cancelFlag: Int32Array | null };
    cancelRequested = false;
    train(request, cancelFlag, () => cancelRequested, post).then(
      (result) => post({ type: "done", result }, [result.checkpoint.buffer as ArrayBuffer]),
      (err: unknown) => post({ type: "error", message: err instanceof Error ? err.message : String(err) }),
    );
  });
}
