// `warp bench gemm`: GFLOP/s of matmul on each backend for the sizes WARP's hot path uses, plus NumPy's
// sgemm (OpenBLAS) on the same machine in the same run when a python3 with numpy is available.

import { execFileSync } from "node:child_process";
import { type BackendName, matmul, tidy, withBackend } from "../src/index.js";
import { rand } from "./inputs.js";
import { type BenchRecord, medianMs, round } from "./timing.js";

const SIZES: [number, number, number][] = [
  [128, 1298, 1298],
  [1024, 1024, 1024],
];

const NUMPY_SCRIPT = `
import sys, time, json, numpy as np
M, K, N = map(int, sys.argv[1:4])
a = np.random.rand(M, K).astype(np.float32); b = np.random.rand(K, N).astype(np.float32)
a @ b
ts = []
for _ in range(7):
    t0 = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t0)
print(json.dumps(sorted(ts)[3] * 1000))
`;

function numpyMs(M: number, K: number, N: number): number | null {
  for (const py of [process.env.WARP_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!py) continue;
    try {
      const out = execFileSync(py, ["-c", NUMPY_SCRIPT, String(M), String(K), String(N)], {
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 120_000,
      });
      return Number(out.toString().trim());
    } catch {
      // try the next interpreter
    }
  }
  return null;
}

export function benchGemm(backends: BackendName[]): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const [M, K, N] of SIZES) {
    const flops = 2 * M * K * N;
    for (const backend of backends) {
      const ms = withBackend(backend, () => {
        const a = rand([M, K]);
        const b = rand([K, N]);
        const reps = backend === "cpu" ? 3 : 7;
        return medianMs(() => tidy(() => void matmul(a, b)), { reps });
      });
      out.push({ bench: "gemm", backend, M, K, N, ms: round(ms), gflops: round(flops / ms / 1e6) });
    }
    const np = numpyMs(M, K, N);
    if (np !== null)
      out.push({ bench: "gemm", backend: "numpy", M, K, N, ms: round(np), gflops: round(flops / np / 1e6) });
  }
  return out;
}
