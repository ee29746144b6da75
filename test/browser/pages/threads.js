// Browser page (cross-origin isolated): the wasm backend on 2 threads (initWasmThreads with Web Workers running
// serveWasmThread) against 1 thread, bitwise, on matmuls and the recurrence; results in globalThis.__warpThreads.

import { initWasm, loadWasm, wasmInstance } from "../../../src/backends/wasm/index.js";
import { initWasmThreads } from "../../../src/web.js";

await initWasm();
const one = wasmInstance(1).kernels;
const info = await initWasmThreads(() => new Worker("./wasm-thread.js", { type: "module" }), 2);
const two = loadWasm().kernels;
const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => (((i + 1) * s) % 1009) / 1009 - 0.5);
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const checks = {};
for (const [M, N, K, transA, transB] of [
  [64, 300, 200, false, false],
  [32, 290, 260, false, true],
  [200, 150, 120, true, false],
]) {
  const [a, b] = [rnd(M * K, 7919), rnd(K * N, 104729)];
  const args = { batch: 1, M, N, K, transA, transB, strideA: 0, strideB: 0, accumulate: false };
  const [o1, o2] = [new Float32Array(M * N), new Float32Array(M * N)];
  one.matmul(a, b, o1, args);
  two.matmul(a, b, o2, args);
  checks[`matmul ${M}x${N}x${K}`] = same(o1, o2);
}
const [N, T, P] = [5, 9, 120];
const A = rnd(P * P, 13).map((v) => v * 0.1);
const [U, theta0, dOut] = [rnd(N * T * P, 17), rnd(N * P, 19), rnd(N * T * P, 23)];
const run = (k) => {
  const out = new Float32Array(N * T * P);
  const [dA, dU, d0] = [new Float32Array(P * P), new Float32Array(N * T * P), new Float32Array(N * P)];
  k.linearRecurrence(A, U, theta0, out, { N, T, P, clip: 0.4 });
  k.linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, d0, { N, T, P, clip: 0.4 });
  return [out, dA, dU, d0];
};
const [r1, r2] = [run(one), run(two)];
checks.recurrence = r1.every((x, i) => same(x, r2[i]));
globalThis.__warpThreads = { info, isolated: globalThis.crossOriginIsolated, checks };
