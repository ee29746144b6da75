// `warp bench gemm`: GFLOP/s of matmul on each backend for the sizes WARP's hot path uses, plus NumPy's
// sgemm (OpenBLAS) on the same machine in the same run when a python3 with numpy is available. With the
// native backend it also compares our own GEMM on every instruction set the CPU has with OpenBLAS's
// cblas_sgemm linked into the addon (when it was found at build time), on the 128-row product and the dA
// product of the recurrence (1298×1298 over N·T = 100 352 rows, A transposed), timing the variants in
// turn within each repetition so that they share the machine's load. OpenBLAS's kernels are those
// OPENBLAS_CORETYPE selects (the label says which); unset it for that one command to compare with its
// AVX-512 kernels. Where the CPU has AVX512-BF16 it also times the bf16 transition's products: on the
// 128-row product matmulBf16 (A′ packed once), on the dA product matmulBf16TN (operands rounded and
// paired as it packs them).

import { execFileSync } from "node:child_process";
import { GEMM_ISAS, loadNative } from "../src/backends/native/index.js";
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

/** Our GEMM on each instruction set vs OpenBLAS: [M, K, N, transA] and repetitions. */
const NATIVE_CASES: [number, number, number, boolean, number][] = [
  [128, 1298, 1298, false, 21],
  [1298, 100352, 1298, true, 3],
];

function f32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 1073741824 - 1;
  }
  return a;
}

/**
 * OpenBLAS's worker threads keep spinning (sched_yield) for tens of milliseconds after a call; on a 2-core
 * machine they take a core from whatever runs next (our 128-row product measured 1.7× slower right after
 * OpenBLAS's, the dA product 5 %). Each variant therefore starts after this pause, which lets them go to
 * sleep, then runs untimed for WARM_MS (at least once), which wakes its own threads and the core: the
 * 128-row product runs ~2× slower for a few calls after a pause.
 */
const QUIET_MS = 200;
const WARM_MS = 100;
const quiet = new Int32Array(new SharedArrayBuffer(4));

/**
 * Median wall ms and median CPU ms (all threads) of each variant, the variants timed one after the other
 * within each repetition so that they share the machine's load. On a shared machine the CPU time says
 * more about a kernel than the wall time: flops per CPU-second is the speed per core actually used.
 */
function interleavedMs(variants: (() => void)[], reps: number): { wall: number; cpu: number }[] {
  for (const v of variants) v();
  const wall = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    variants.forEach((v, i) => {
      Atomics.wait(quiet, 0, 0, QUIET_MS);
      for (const w0 = performance.now(); performance.now() - w0 < WARM_MS; ) v();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      v();
      wall[i]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i]!.push((c.user + c.system) / 1000);
    });
  }
  const med = (t: number[]) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
  return variants.map((_, i) => ({ wall: med(wall[i]!), cpu: med(cpu[i]!) }));
}

/** Rows for our GEMM per instruction set and OpenBLAS, with each one's speed relative to OpenBLAS. */
function benchNativeVsBlas(): BenchRecord[] {
  const nat = loadNative();
  if (!nat.ok) return [];
  const k = nat.kernels;
  const isas = GEMM_ISAS.filter((isa) => nat.setGemmIsa(isa));
  const core = /(\w+) MAX_THREADS/.exec(nat.info)?.[1] ?? "default";
  const out: BenchRecord[] = [];
  const initial = nat.gemmIsa();
  try {
    for (const [M, K, N, transA, reps] of NATIVE_CASES) {
      const a = f32(M * K, 1);
      const b = f32(K * N, 2);
      const c = new Float32Array(M * N);
      const args = { batch: 1, M, N, K, transA, transB: false, strideA: 0, strideB: 0, accumulate: false };
      // The portable kernels would take minutes on the dA product: only the 128-row one times them.
      const caseIsas = K > 10000 ? isas.filter((isa) => isa !== "generic") : isas;
      const variants = caseIsas.map((isa) => () => {
        nat.setGemmIsa(isa);
        k.matmul!(a, b, c, args);
      });
      const bf16 = nat.setGemmIsa("avx512") && nat.bf16Path() === "avx512bf16";
      if (bf16 && transA) {
        variants.push(() => {
          nat.setGemmIsa("avx512");
          k.matmulBf16TN!(a, b, c, M, N, K, false);
        });
      } else if (bf16) {
        const packed = new Float32Array(k.bf16PackedLength!(N, K));
        k.packBf16!(b, N, K, packed); // b read as the N×K transition A′
        variants.push(() => {
          nat.setGemmIsa("avx512");
          k.matmulBf16!(a, packed, c, M, N, K);
        });
      }
      const blas = nat.blasMatmul;
      if (blas) variants.push(() => blas(a, b, c, M, N, K, transA, false, false));
      const ms = interleavedMs(variants, reps);
      const blasMs = blas ? ms[ms.length - 1]! : null;
      const flops = 2 * M * K * N;
      const names = [
        ...caseIsas.map((isa) => `native-${isa}`),
        ...(bf16 ? [transA ? "native-avx512bf16 (bf16 dA)" : "native-avx512bf16 (bf16 A′)"] : []),
        ...(blas ? [`openblas-${core}`] : []),
      ];
      names.forEach((backend, i) => {
        const { wall, cpu } = ms[i]!;
        out.push({
          bench: "gemm",
          backend,
          M,
          K,
          N,
          transA: String(transA),
          ms: round(wall),
          gflops: round(flops / wall / 1e6),
          gflops_per_cpu_s: round(flops / cpu / 1e6),
          ...(blasMs !== null
            ? { vs_openblas: round(blasMs.wall / wall), vs_openblas_cpu: round(blasMs.cpu / cpu) }
            : {}),
        });
      });
    }
  } finally {
    nat.setGemmIsa(initial);
  }
  return out;
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
  if (backends.includes("native")) out.push(...benchNativeVsBlas());
  return out;
}
