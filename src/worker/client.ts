// The page's side of training in a worker: `trainInWorker(worker, request, onProgress)` sends the request
// (its data buffer transferred), reports each step's progress, and resolves with the trained checkpoint;
// `cancel()` stops the run at the next step (or epoch, without SharedArrayBuffer) and still resolves, with
// `cancelled: true` and the parameters reached. The main thread never trains, so the page keeps answering.
// Not here: the worker's side (train-worker.ts).

import { WarpError } from "../util/assert.js";
import type { Endpoint, FromWorker, ToWorker, TrainProgress, TrainRequest, TrainResult } from "./protocol.js";
import { listen } from "./protocol.js";

export interface TrainJob {
  /** Resolves with the result (also after cancel()); rejects with the worker's error message. */
  result: Promise<TrainResult>;
  cancel(): void;
}

/** A shared cancel flag where SharedArrayBuffer is usable (Node, cross-origin isolated pages), else null. */
function sharedFlag(): Int32Array | null {
  const g = globalThis as { SharedArrayBuffer?: typeof SharedArrayBuffer; crossOriginIsolated?: boolean };
  if (typeof g.SharedArrayBuffer !== "function" || g.crossOriginIsolated === false) return null;
  return new Int32Array(new g.SharedArrayBuffer(4));
}

/**
 * Starts a training run in `worker` (a Worker running `serveTraining`). `request.x` is transferred: the
 * caller's array is detached afterwards. One run per worker at a time.
 */
export function trainInWorker(
  worker: Endpoint,
  request: TrainRequest,
  onProgress?: (p: TrainProgress) => void,
): TrainJob {
  const flag = sharedFlag();
  let stop: () => void = () => {};
  const result = new Promise<TrainResult>((resolve, reject) => {
    stop = listen(worker, (raw) => {
      const msg = raw as FromWorker;
      if (msg.type === "progress") onProgress?.(msg.progress);
      else if (msg.type === "done") {
        stop();
        resolve(msg.result);
      } else if (msg.type === "error") {
        stop();
        reject(new WarpError(`training in the worker failed: ${msg.message}`));
      }
    });
  });
  const message: ToWorker = { type: "train", request, cancelFlag: flag };
  worker.postMessage(message, [request.x.buffer as ArrayBuffer]);
  return {
    result,
    cancel() {
      if (flag) Atomics.store(flag, 0, 1);
      worker.postMessage({ type: "cancel" } satisfies ToWorker);
    },
  };
}
