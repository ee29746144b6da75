// Tests of the native backend's own GEMM (native/src/kernels/gemm*.cc) on every instruction set this CPU
// has (avx512, avx2, generic, each forced in turn): matmul over a sweep of shapes (M, N or K = 1, odd and
// prime sizes, sizes around the micro-tile and cache-block edges, both transposes, accumulate, batches)
// and the recurrence (whose A is packed once per call) against float64 loops; NaN/Inf propagation; and
// the WARP_NATIVE_ISA variable in a child process. Not here: the other kernels (native.test.ts).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cpuKernels } from "../../src/backends/cpu/index.js";
import type { Kernels, MatmulArgs } from "../../src/backends/kernels.js";
import { GEMM_ISAS, type GemmIsa, loadNative } from "../../src/backends/native/index.js";
import { matmulRef, randF32 } from "../helpers/index.js";
import { rootMlpLoop } from "./kernel-suite.js";

const native = loadNative();
const required = process.env.WARP_REQUIRE_NATIVE === "1";
const skip = native.ok || required ? false : `native addon unavailable: ${native.reason}`;

/** |got − want| ≤ atol everywhere; NaN must match NaN and infinities exactly. */
function assertClose(got: Float32Array, want: Float64Array, atol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= atol : Object.is(g, w) || g === w;
    if (!ok) assert.fail(`${what}: at ${i} got ${g}, want ${w} (atol ${atol})`);
  }
}

function kernels(): Kernels {
  if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
  return native.kernels as Kernels;
}

function select(isa: GemmIsa): void {
  if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
  assert.ok(native.setGemmIsa(isa), `cannot select ${isa}`);
  assert.equal(native.gemmIsa(), isa);
}

/** Runs one matmul case and compares it with the float64 loop. */
function checkMatmul(m: MatmulArgs, seed: number, what: string): void {
  const a = randF32((m.batch - 1) * m.strideA + m.M * m.K, seed);
  const b = randF32((m.batch - 1) * m.strideB + m.K * m.N, seed + 1);
  const init = randF32(m.batch * m.M * m.N, seed + 2);
  // Without accumulate, whatever out held (NaN here) must be overwritten, never scaled by zero.
  const out = m.accumulate ? Float32Array.from(init) : new Float32Array(init.length).fill(Number.NaN);
  kernels().matmul(a, b, out, m);
  assertClose(out, matmulRef(a, b, m.accumulate ? init : null, m), 3e-7 * (m.K + 8), what);
}

const original = native.ok ? native.gemmIsa() : null;
const supported = GEMM_ISAS.filter((isa) => native.ok && native.setGemmIsa(isa));
if (native.ok && original) native.setGemmIsa(original);

describe("native GEMM", { skip }, () => {
  after(() => {
    if (native.ok && original) native.setGemmIsa(original);
  });

  it("uses the widest instruction set the CPU has and names it in info", () => {
    if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
    assert.ok(supported.includes("generic"), "the generic kernels must always run");
    if (!process.env.WARP_NATIVE_ISA) assert.equal(original, supported[0]);
    assert.match(native.info, new RegExp(`own sgemm \\(${original}\\), \\d+ threads?`));
  });

  for (const isa of GEMM_ISAS) {
    const why = supported.includes(isa) ? false : `this CPU has no ${isa}`;
    describe(isa, { skip: why }, () => {
      // Sizes around every ISA's micro-tile (4×8, 6×16, 14×32) and 1, primes, K past one 384-block, and the
      // bounds of the small-K (≤ 8) and few-column (≤ 4) paths.
      const dims = [1, 2, 4, 5, 13, 14, 15, 17, 33, 47];
      it("matmul over M, N ∈ {1, 2, 4, 5, 13, 14, 15, 17, 33, 47}, K ∈ {1, 3, 8, 9, 31, 385}, both transposes, accumulate", () => {
        select(isa);
        let seed = 1;
        for (const M of dims) {
          for (const N of dims) {
            for (const K of [1, 3, 8, 9, 31, 385]) {
              for (const transA of [false, true]) {
                for (const transB of [false, true]) {
                  const accumulate = (M + N + K) % 2 === 0;
                  const m = { batch: 1, M, N, K, transA, transB, strideA: 0, strideB: 0, accumulate };
                  checkMatmul(
                    m,
                    seed++,
                    `${isa} ${M}×${K}·${K}×${N} tA=${transA} tB=${transB} acc=${accumulate}`,
                  );
                }
              }
            }
          }
        }
      });

      it("matmul on shapes large enough for the thread pool, batches and a K split into super-blocks", () => {
        select(isa);
        const cases: MatmulArgs[] = [
          // many tiles over the pool, one row and one column of them ragged
          {
            batch: 1,
            M: 131,
            N: 263,
            K: 300,
            transA: false,
            transB: false,
            strideA: 0,
            strideB: 0,
            accumulate: false,
          },
          {
            batch: 1,
            M: 263,
            N: 131,
            K: 300,
            transA: true,
            transB: true,
            strideA: 0,
            strideB: 0,
            accumulate: true,
          },
          // the dA shape (transposed A over many rows), long enough to need several packed super-blocks
          {
            batch: 1,
            M: 61,
            N: 67,
            K: 40001,
            transA: true,
            transB: false,
            strideA: 0,
            strideB: 0,
            accumulate: false,
          },
          // single row / column products over the pool (the batch-1 rollout)
          {
            batch: 1,
            M: 1,
            N: 3001,
            K: 1297,
            transA: false,
            transB: true,
            strideA: 0,
            strideB: 0,
            accumulate: false,
          },
          {
            batch: 1,
            M: 1,
            N: 3001,
            K: 1297,
            transA: true,
            transB: false,
            strideA: 0,
            strideB: 0,
            accumulate: true,
          },
          {
            batch: 1,
            M: 3001,
            N: 1,
            K: 1297,
            transA: false,
            transB: false,
            strideA: 0,
            strideB: 0,
            accumulate: true,
          },
          {
            batch: 1,
            M: 3001,
            N: 1,
            K: 1297,
            transA: true,
            transB: true,
            strideA: 0,
            strideB: 0,
            accumulate: false,
          },
          // batches: merged into rows (shared B) and one product per item
          {
            batch: 3,
            M: 7,
            N: 29,
            K: 19,
            transA: false,
            transB: true,
            strideA: 7 * 19,
            strideB: 0,
            accumulate: false,
          },
          {
            batch: 3,
            M: 1,
            N: 29,
            K: 19,
            transA: true,
            transB: false,
            strideA: 19,
            strideB: 19 * 29,
            accumulate: true,
          },
          {
            batch: 2,
            M: 29,
            N: 1,
            K: 19,
            transA: false,
            transB: false,
            strideA: 0,
            strideB: 19,
            accumulate: false,
          },
        ];
        cases.forEach((m, i) => checkMatmul(m, 100 + i, `${isa} case ${i} ${JSON.stringify(m)}`));
      });

      it("matmul propagates NaN and Inf from the operands to exactly the outputs they reach", () => {
        select(isa);
        for (const [M, N] of [
          [1, 9],
          [9, 1],
          [17, 35],
        ] as const) {
          const K = 6;
          const m = {
            batch: 1,
            M,
            N,
            K,
            transA: false,
            transB: false,
            strideA: 0,
            strideB: 0,
            accumulate: false,
          };
          const a = randF32(M * K, 7);
          const b = randF32(K * N, 8);
          a[K * (M - 1) + 2] = Number.NaN; // row M−1 of the output becomes NaN
          b[N - 1] = Number.POSITIVE_INFINITY; // column N−1: ±Inf (or NaN where the NaN row meets it)
          const out = new Float32Array(M * N);
          kernels().matmul(a, b, out, m);
          assertClose(out, matmulRef(a, b, null, m), 1e-5 * K, `${isa} ${M}×${N} special values`);
        }
      });

      it("the root MLP's rows (rootMlp, rootMlpVjp; the avx512 set has its own layer kernels) match a float64 loop", () => {
        select(isa);
        let seed = 50;
        for (const dims of [
          [1, 24, 24, 24, 2],
          [8, 17, 32, 9, 1],
          [33, 16, 31, 8],
          [3, 5],
        ]) {
          const M = 3;
          const L = dims.length - 1;
          const P = dims.slice(0, -1).reduce((p, d, l) => p + dims[l + 1]! * (d + 1), 0);
          const H = dims.slice(1, -1).reduce((a, b) => a + b, 0);
          const theta = randF32(M * P, seed++, -0.6, 0.6);
          const x = randF32(M * dims[0]!, seed++, -2, 2);
          const dOut = randF32(M * dims[L]!, seed++);
          for (const act of ["relu", "tanh"] as const) {
            const want = rootMlpLoop(theta, x, dOut, M, dims, act);
            const args = { M, dims, act };
            const [out, hidden] = [new Float32Array(M * dims[L]!), new Float32Array(M * H)];
            kernels().rootMlp(theta, x, out, hidden, args);
            const [dTheta, dX] = [new Float32Array(M * P).fill(Number.NaN), new Float32Array(M * dims[0]!)];
            kernels().rootMlpVjp(theta, x, hidden, dOut, dTheta, dX, args);
            const what = `${isa} dims [${dims}] ${act}`;
            assertClose(out, want.out, 1e-5, `${what} out`);
            assertClose(hidden, want.hidden, 1e-5, `${what} hidden`);
            assertClose(dTheta, want.dTheta, 1e-5, `${what} dTheta`);
            assertClose(dX, want.dX, 1e-5, `${what} dX`);
          }
        }
      });

      it("the diagonal step and its backward (diagonalRootStep, diagonalRootStepVjp) match the cpu kernels", () => {
        select(isa);
        let seed = 80;
        for (const { N, dims, Din, clip } of [
          { N: 5, dims: [2, 5, 4, 2], Din: 1, clip: 0.4 },
          { N: 37, dims: [2, 24, 24, 24, 2], Din: 2, clip: 0.5 },
          { N: 4, dims: [1, 8], Din: 4, clip: 0 },
          { N: 3, dims: [2, 9, 3], Din: 5, clip: 0.5 },
        ]) {
          const L = dims.length - 1;
          const P = dims.slice(0, -1).reduce((p, d, l) => p + dims[l + 1]! * (d + 1), 0);
          const H = dims.slice(1, -1).reduce((a, b) => a + b, 0);
          const args = { N, P, Din, clip, dims, act: "tanh" as const };
          const a = randF32(P, seed++, 0.5, 1.05);
          const B = randF32(P * Din, seed++, -0.5, 0.5);
          const thetaPrev = randF32(N * P, seed++, -0.6, 0.6);
          const inc = randF32(N * Din, seed++);
          const x = randF32(N * dims[0]!, seed++, -2, 2);
          const dOut = randF32(N * dims[L]!, seed++);
          const carry0 = randF32(N * P, seed++);
          const run = (k: Pick<Kernels, "diagonalRootStep" | "diagonalRootStepVjp">) => {
            const theta = new Float32Array(N * P);
            const out = new Float32Array(N * dims[L]!);
            const hidden = new Float32Array(N * H);
            k.diagonalRootStep(a, B, thetaPrev, inc, x, theta, out, hidden, args);
            const carry = Float32Array.from(carry0);
            const [da, dB] = [new Float64Array(P), new Float64Array(P * Din)];
            const [dInc, dX, g] = [
              new Float32Array(N * Din),
              new Float32Array(N * dims[0]!),
              new Float32Array(N * P),
            ];
            k.diagonalRootStepVjp(
              a,
              B,
              thetaPrev,
              theta,
              inc,
              x,
              hidden,
              dOut,
              carry,
              da,
              dB,
              dInc,
              dX,
              g,
              args,
            );
            return { theta, out, hidden, carry, da, dB, dInc, dX, g };
          };
          const got = run(kernels());
          const want = run(cpuKernels);
          for (const [name, v] of Object.entries(want)) {
            const what = `${isa} N=${N} dims [${dims}] Din=${Din} clip=${clip}: ${name}`;
            assertClose(got[name as keyof typeof got] as Float32Array, Float64Array.from(v), 2e-5, what);
          }
        }
      });

      it("linearRecurrence and its VJP (A packed once, reused at every step) match float64 loops", () => {
        select(isa);
        for (const [N, T, P] of [
          [1, 4, 37],
          [5, 3, 70],
        ] as const) {
          const A = randF32(P * P, P, -1.5 / Math.sqrt(P), 1.5 / Math.sqrt(P));
          const U = randF32(N * T * P, P + 1, -0.5, 0.5);
          const theta0 = randF32(N * P, P + 2);
          const dOut = randF32(N * T * P, P + 3);
          const out = new Float32Array(N * T * P);
          const args = { N, T, P, clip: 0 };
          kernels().linearRecurrence(A, U, theta0, out, args);
          // forward: θ_t = A θ_{t−1} + U_t; backward: g_t = dOut_t + Aᵀ g_{t+1}, dA = Σ g_t θ_{t−1}ᵀ
          const want = new Float64Array(N * T * P);
          const dA = new Float64Array(P * P);
          const dU = new Float64Array(N * T * P);
          const dTheta0 = new Float64Array(N * P);
          for (let n = 0; n < N; n++) {
            const prev = (t: number, j: number): number =>
              t === 0 ? theta0[n * P + j]! : want[(n * T + t - 1) * P + j]!;
            for (let t = 0; t < T; t++) {
              for (let i = 0; i < P; i++) {
                let s = U[(n * T + t) * P + i]!;
                for (let j = 0; j < P; j++) s += A[i * P + j]! * prev(t, j);
                want[(n * T + t) * P + i] = s;
              }
            }
            const g = new Float64Array(P);
            for (let t = T - 1; t >= 0; t--) {
              const gt = new Float64Array(P);
              for (let i = 0; i < P; i++) {
                let s = dOut[(n * T + t) * P + i]!;
                if (t < T - 1) for (let j = 0; j < P; j++) s += A[j * P + i]! * g[j]!;
                gt[i] = s;
                dU[(n * T + t) * P + i] = s;
              }
              for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) dA[i * P + j]! += gt[i]! * prev(t, j);
              g.set(gt);
            }
            for (let i = 0; i < P; i++) {
              let s = 0;
              for (let j = 0; j < P; j++) s += A[j * P + i]! * g[j]!;
              dTheta0[n * P + i] = s;
            }
          }
          assertClose(out, want, 1e-5 * P, `${isa} recurrence N=${N} T=${T} P=${P}`);
          const got = {
            dA: new Float32Array(P * P),
            dU: new Float32Array(N * T * P),
            dTheta0: new Float32Array(N * P),
          };
          kernels().linearRecurrenceVjp(A, theta0, out, dOut, got.dA, got.dU, got.dTheta0, args);
          assertClose(got.dU, dU, 1e-5 * P, `${isa} dU`);
          assertClose(got.dTheta0, dTheta0, 1e-5 * P, `${isa} dTheta0`);
          assertClose(got.dA, dA, 1e-5 * P * N * T, `${isa} dA`);
        }
      });
    });
  }

  it("WARP_NATIVE_ISA forces an instruction set at load time, and an unavailable one is reported", () => {
    const path =
      process.env.WARP_NATIVE_PATH ??
      fileURLToPath(new URL("../../../native/build/Release/warp_native.node", import.meta.url));
    const probe = (isa: string): string =>
      execFileSync(
        process.execPath,
        ["-e", `const a = require(${JSON.stringify(path)}); console.log(a.gemmIsa() + "|" + a.info())`],
        {
          env: { ...process.env, WARP_NATIVE_PATH: undefined, WARP_NATIVE_ISA: isa },
          encoding: "utf8",
        },
      ).trim();
    const [forced] = probe("generic").split("|");
    assert.equal(forced, "generic");
    const [fallback, info] = probe("sse9").split("|");
    assert.equal(fallback, supported[0]);
    assert.match(info!, /WARP_NATIVE_ISA=sse9 unavailable here/);
  });
});
