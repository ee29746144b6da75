// `warp bench recurrence`: forward and backward time of the fused linear recurrence, with GFLOP/s counted
// as 3·2·N·P²·T (forward GEMMs, backward carry GEMMs, the dA GEMM) and the process's peak RSS.
// N sequences, T steps, P state size.

import {
  add,
  type BackendName,
  backward,
  eye,
  linearRecurrence,
  mul,
  tidy,
  withBackend,
} from "../src/index.js";
import { rand } from "./inputs.js";
import { type BenchRecord, peakRssMb, round } from "./timing.js";

/** The paper's MNIST size on native (Dθ = 1298, 784 steps, batch 128), mnist-ar-small's on wasm, a small size on cpu. */
const CASES: Record<BackendName, [number, number, number][]> = {
  cpu: [[16, 64, 256]],
  wasm: [
    [16, 64, 256],
    [32, 196, 1298],
  ],
  native: [
    [16, 64, 256],
    [128, 784, 1298],
  ],
};

export function benchRecurrence(backends: BackendName[]): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const backend of backends) {
    for (const [N, T, P] of CASES[backend]) {
      withBackend(backend, () =>
        tidy(() => {
          const A = add(mul(eye(P), 0.95), rand([P, P], 0.05 / Math.sqrt(P)));
          const U = rand([N, T, P], 0.01);
          const theta0 = rand([N, P], 0.1);
          const W = rand([N, T, P]);
          A.requiresGrad = true;
          U.requiresGrad = true;
          theta0.requiresGrad = true;
          const fwd: number[] = [];
          const bwd: number[] = [];
          for (let rep = 0; rep < 3; rep++) {
            tidy(() => {
              const t0 = performance.now();
              const states = linearRecurrence(A, U, theta0, { clip: 0.5 });
              const t1 = performance.now();
              // Backward from the cotangent W of all states: only the fused VJP runs.
              backward(states, [A, U, theta0], W);
              const t2 = performance.now();
              fwd.push(t1 - t0);
              bwd.push(t2 - t1);
            });
          }
          const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
          const msFwd = med(fwd);
          const msBwd = med(bwd);
          const flops = 3 * 2 * N * P * P * T;
          out.push({
            bench: "recurrence",
            backend,
            N,
            T,
            P,
            ms_fwd: round(msFwd),
            ms_bwd: round(msBwd),
            gflops: round(flops / (msFwd + msBwd) / 1e6),
            peak_rss_mb: peakRssMb(),
          });
        }),
      );
    }
  }
  return out;
}
