// Browser Web Worker entry: one thread of the wasm backend (src/backends/wasm/threads.ts).

import { serveWasmThread } from "../../../src/web.js";

serveWasmThread(self);
