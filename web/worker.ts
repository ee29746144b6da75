// The demo's Web Worker: serves training requests from the page (warp-ts serveTraining), on the wasm backend
// with 2 threads when the page is cross-origin isolated (the Vite server sends COOP/COEP), else one. Requests
// that arrive while the threads start are held and replayed.
import { type Endpoint, initWasmThreads, serveTraining, setBackend } from "../src/web.js";

const held: MessageEvent[] = [];
const hold = (e: MessageEvent) => held.push(e);
self.addEventListener("message", hold);
const spawn = () => new Worker(new URL("./wasm-thread.ts", import.meta.url), { type: "module" });
await initWasmThreads(spawn, Math.min(2, navigator.hardwareConcurrency || 1)).catch(() => "");
try {
  setBackend("wasm");
} catch {
  setBackend("cpu");
}
self.removeEventListener("message", hold);
serveTraining(self as unknown as Endpoint);
for (const e of held) self.dispatchEvent(new MessageEvent("message", { data: e.data }));
