// Entry of the wasm backend's worker_threads workers (Node): serves slices of kernels on the shared memory
// (threads.ts). Started by loadWasm when the wasm backend runs with more than one thread.

import type { Endpoint } from "../../worker/protocol.js";
import { serveWasmThread } from "./threads.js";

const wt = (
  process as unknown as { getBuiltinModule(id: string): { parentPort: Endpoint | null } }
).getBuiltinModule("worker_threads");
if (wt.parentPort) serveWasmThread(wt.parentPort);
