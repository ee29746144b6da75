// The messages between `trainInWorker` (client.ts, the page or main thread) and `serveTraining`
// (train-worker.ts, inside a Web Worker or a Node worker_threads Worker), and the duck-typed endpoints both
// sides accept. Plain data only (structured clone); large buffers are transferred, not copied.

/** What to train: a WARP model on windows x (n, T, D) with Adam, in float32. */
export interface TrainRequest {
  /** Model configuration keys (as a run config's model section; defaults filled by resolveModelConfig). */
  model: Record<string, unknown>;
  /** The training windows, row-major float32 values of shape `shape` = [n, T, D]. */
  x: Float32Array;
  shape: [number, number, number];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the initialisation, shuffling and teacher forcing. */
  seed: number;
}

/** One training step's progress (1-based epoch and step). */
export interface TrainProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

/** The outcome: a checkpoint (saveCheckpoint bytes) of the parameters reached, the mean loss per epoch. */
export interface TrainResult {
  checkpoint: Uint8Array;
  epochLosses: number[];
  /** True when cancel() stopped the run early (the checkpoint then holds the parameters so far). */
  cancelled: boolean;
  /** The backend the worker trained on. */
  backend: string;
}

export type ToWorker =
  | { type: "train"; request: TrainRequest; cancelFlag: Int32Array | null }
  | { type: "cancel" };

export type FromWorker =
  | { type: "progress"; progress: TrainProgress }
  | { type: "done"; result: TrainResult }
  | { type: "error"; message: string };

/**
 * Either end of a message channel: a browser Worker or worker scope (addEventListener, event.data) or a
 * Node worker_threads Worker or parentPort (on, the message itself).
 */
export interface Endpoint {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: the DOM's and Node's listener types differ; both pass `data`
  addEventListener?(type: "message", listener: (event: any) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  removeEventListener?(type: "message", listener: (event: any) => void): void;
  on?(type: "message", listener: (message: unknown) => void): void;
  off?(type: "message", listener: (message: unknown) => void): void;
}

/** Subscribes to an endpoint's messages; returns the unsubscribe function. */
export function listen(ep: Endpoint, handler: (message: unknown) => void): () => void {
  if (ep.on && ep.off) {
    ep.on("message", handler);
    return () => ep.off!("message", handler);
  }
  const listener = (event: { data: unknown }) => handler(event.data);
  ep.addEventListener!("message", listener);
  return () => ep.removeEventListener!("message", listener);
}
