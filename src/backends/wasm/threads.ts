// Threads of the wasm backend: instances of the same module on one shared WebAssembly.Memory, each with its own
// GEMM scratch, that run one slice of a kernel each while the calling thread runs the first slice. The hand-off
// is a generation counter and a countdown in a small SharedArrayBuffer (Atomics.wait/notify; a page's main
// thread, which may not block, spins). In Node the workers are worker_threads started synchronously (the
// backend is ready when loadWasm returns); elsewhere the page passes a spawn function (initWasmThreads).
// Not here: how kernels are split (index.ts), the slices themselves (wasm/assembly/threads.ts).

import { type Endpoint, listen } from "../../worker/protocol.js";

/** The module exports a slice may call, by index in a job. */
export const THREAD_FUNCTIONS = [
  "gemmColumns",
  "matmulPrepackedColumns",
  "linearRecurrence",
  "recurrenceGradRows",
];
export type ThreadFunction = (typeof THREAD_FUNCTIONS)[number];

/** Control words: generation, slices still running, slices in this job, a failed slice's flag, threads ready. */
const GEN = 0;
const REMAINING = 1;
const ACTIVE = 2;
const FAILED = 3;
const READY = 4;
const STOP = -1;
/** Float64 argument slots per thread (function index, then the arguments). */
const SLOTS = 16;

/** What a thread worker receives first. */
export interface ThreadInit {
  type: "warp-wasm-thread";
  module: object;
  memory: object;
  control: SharedArrayBuffer;
  args: SharedArrayBuffer;
  index: number;
  scratch: number;
}

type Fn = (...a: number[]) => void;

/**
 * The worker side: `serveWasmThread(self)` in a Web Worker, or `serveWasmThread(parentPort)` under
 * worker_threads. After the init message it blocks serving slices until the pool stops.
 */
export function serveWasmThread(endpoint: Endpoint): void {
  const stop = listen(endpoint, (msg) => {
    const init = msg as ThreadInit;
    if (init?.type !== "warp-wasm-thread") return;
    stop();
    const W = (
      globalThis as unknown as {
        WebAssembly: { Instance: new (m: object, i: object) => { exports: unknown } };
      }
    ).WebAssembly;
    const ex = new W.Instance(init.module, { env: { memory: init.memory } }).exports as Record<string, Fn>;
    ex.setScratch!(init.scratch);
    const ctl = new Int32Array(init.control);
    const args = new Float64Array(init.args);
    let seen = Atomics.load(ctl, GEN);
    Atomics.add(ctl, READY, 1);
    Atomics.notify(ctl, READY);
    for (;;) {
      Atomics.wait(ctl, GEN, seen);
      seen = Atomics.load(ctl, GEN);
      if (seen === STOP) return;
      if (init.index >= Atomics.load(ctl, ACTIVE)) continue;
      const row = init.index * SLOTS;
      try {
        const fn = ex[THREAD_FUNCTIONS[args[row]!]!]!;
        fn(...Array.from(args.subarray(row + 1, row + SLOTS)));
      } catch {
        Atomics.store(ctl, FAILED, 1);
      }
      if (Atomics.sub(ctl, REMAINING, 1) === 1) Atomics.notify(ctl, REMAINING);
    }
  });
}

/** The calling thread's side: `threads` − 1 workers and the job hand-off. */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  /** Whether this thread may block in Atomics.wait (not on a page's main thread). */
  private readonly canBlock: boolean;

  constructor(
    private readonly ex: Record<string, unknown>,
    readonly threads: number,
    control: SharedArrayBuffer,
    args: SharedArrayBuffer,
    private readonly workers: { terminate(): unknown }[],
  ) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(args);
    this.canBlock = typeof (globalThis as { document?: unknown }).document === "undefined";
  }

  /** Runs slices[i] on thread i (slice 0 here) and returns when all are done. */
  run(slices: [ThreadFunction, ...number[]][]): void {
    const others = slices.length - 1;
    for (let i = 1; i <= others; i++) {
      const [name, ...a] = slices[i]!;
      const row = i * SLOTS;
      this.args[row] = THREAD_FUNCTIONS.indexOf(name);
      for (let k = 0; k < a.length; k++) this.args[row + 1 + k] = a[k]!;
    }
    Atomics.store(this.ctl, FAILED, 0);
    Atomics.store(this.ctl, ACTIVE, slices.length);
    Atomics.store(this.ctl, REMAINING, others);
    if (others > 0) {
      Atomics.add(this.ctl, GEN, 1);
      Atomics.notify(this.ctl, GEN);
    }
    const [name, ...a] = slices[0]!;
    (this.ex[name] as Fn)(...a);
    for (let r = Atomics.load(this.ctl, REMAINING); r !== 0; r = Atomics.load(this.ctl, REMAINING)) {
      if (this.canBlock) Atomics.wait(this.ctl, REMAINING, r);
    }
    if (Atomics.load(this.ctl, FAILED)) throw new Error("wasm backend: a thread's slice failed");
  }

  /** Stops and terminates the workers. */
  close(): void {
    Atomics.store(this.ctl, GEN, STOP);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
  }
}

/** A started worker: an endpoint to post the init to, and terminate. */
export type ThreadWorker = Endpoint & { terminate(): unknown; unref?(): void };

/**
 * Starts `threads` − 1 workers from `spawn` on `memory` (shared), each with `scratchBytes` of GEMM scratch at
 * scratch[i − 1]. Waits for them synchronously when this thread may block, else returns a promise. Null when
 * they were not all ready within `timeoutMs`.
 */
export function startThreads(
  ex: Record<string, unknown>,
  module: object,
  memory: object,
  threads: number,
  scratch: number[],
  spawn: () => ThreadWorker,
  timeoutMs = 20_000,
): ThreadPool | Promise<ThreadPool | null> | null {
  const control = new SharedArrayBuffer(8 * 4);
  const args = new SharedArrayBuffer(threads * SLOTS * 8);
  const ctl = new Int32Array(control);
  const workers: ThreadWorker[] = [];
  for (let i = 1; i < threads; i++) {
    const w = spawn();
    w.unref?.();
    const init: ThreadInit = {
      type: "warp-wasm-thread",
      module,
      memory,
      control,
      args,
      index: i,
      scratch: scratch[i - 1]!,
    };
    w.postMessage(init);
    workers.push(w);
  }
  const pool = new ThreadPool(ex, threads, control, args, workers);
  const ready = () => Atomics.load(ctl, READY) === threads - 1;
  const fail = () => {
    pool.close();
    return null;
  };
  if (typeof (globalThis as { document?: unknown }).document === "undefined") {
    const end = Date.now() + timeoutMs;
    for (let r = Atomics.load(ctl, READY); !ready() && Date.now() < end; r = Atomics.load(ctl, READY)) {
      Atomics.wait(ctl, READY, r, Math.max(1, end - Date.now()));
    }
    return ready() ? pool : fail();
  }
  return new Promise((resolve) => {
    const end = Date.now() + timeoutMs;
    const poll = () => {
      if (ready()) resolve(pool);
      else if (Date.now() > end) resolve(fail());
      else setTimeout(poll, 5);
    };
    poll();
  });
}
