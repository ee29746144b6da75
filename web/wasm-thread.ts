// One thread of the wasm backend for the demo's training worker (web/worker.ts).
import { type Endpoint, serveWasmThread } from "../src/web.js";

serveWasmThread(self as unknown as Endpoint);
