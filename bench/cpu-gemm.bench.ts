// Throughput of the pure-TS cpu gemm on WARP's hot-path sizes, for each transpose combination and
// both float dtypes: one JSON line per case (median of 5 runs after a warm-up). Single-threaded.
// Not here: other backends or the autodiff overhead around matmul (see gemm.bench.ts).

import { gemm } from "../src/backends/cpu/gemm.js";
import { medianMs, round } from "./timing.js";

const SIZES: [number, number, number][] = [
  [128, 1298, 1298],
  [1024, 1024, 1024],
];
const TRANS = ["NN", "NT", "TN"] as const;

for (const F of [Float32Array, Float64Array]) {
  const dtype = F === Float32Array ? "float32" : "float64";
  for (const [M, K, N] of SIZES) {
    const a = new F(M * K).map(() => Math.random() - 0.5);
    const b = new F(K * N).map(() => Math.random() - 0.5);
    const c = new F(M * N);
    for (const trans of TRANS) {
      const tA = trans[0] === "T";
      const tB = trans[1] === "T";
      const ms = medianMs(() => gemm(tA, tB, M, N, K, 1, a, 0, tA ? M : K, b, 0, tB ? K : N, 0, c, 0, N), {
        reps: 5,
        warmup: 1,
      });
      const gflops = (2 * M * N * K) / (ms * 1e6);
      console.log(
        JSON.stringify({
          bench: "gemm",
          backend: "cpu",
          dtype,
          M,
          K,
          N,
          trans,
          ms: round(ms),
          gflops: round(gflops),
        }),
      );
    }
  }
}
