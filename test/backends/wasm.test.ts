// Tests of the wasm (WebAssembly SIMD128) backend: the shared kernel suite (kernel-suite.ts) on the kernels
// it implements, its argument checks, memory growth across calls, and that the committed module is what
// scripts/build-wasm.mjs builds from wasm/assembly/ today.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { cpuKernels } from "../../src/backends/cpu/index.js";
import type { Kernels, MatmulArgs } from "../../src/backends/kernels.js";
import { loadWasm, wasmInstance } from "../../src/backends/wasm/index.js";
import { describeKernels } from "./kernel-suite.js";

const wasm = loadWasm();
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function K(): Kernels {
  if (!wasm.ok) assert.fail(`wasm backend unavailable: ${wasm.reason}`);
  return wasm.kernels as Kernels;
}

const mm = (M: number, N: number, K: number): MatmulArgs => ({
  batch: 1,
  M,
  N,
  K,
  transA: false,
  transB: false,
  strideA: 0,
  strideB: 0,
  accumulate: false,
});

describeKernels("wasm backend", wasm, false, () => {
  it("loads and describes itself", () => {
    if (!wasm.ok) assert.fail(wasm.reason);
    assert.match(wasm.info, /SIMD128/);
    for (const name of [
      "binary",
      "matmul",
      "linearRecurrence",
      "linearRecurrenceVjp",
      "rootMlp",
      "rootMlpVjp",
    ] as const) {
      assert.equal(typeof wasm.kernels[name], "function", name);
    }
  });

  it("rejects float64 arrays and short buffers", () => {
    const k = K();
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => k.matmul(new Float64Array(6), f(6), f(4), mm(2, 2, 3)), TypeError);
    assert.throws(() => k.matmul(f(5), f(6), f(4), mm(2, 2, 3)), /a has 5 elements, needs 6/);
    assert.throws(() => k.matmul(f(6), f(6), f(3), mm(2, 2, 3)), /out has 3/);
    const r = { N: 2, T: 3, P: 4, clip: 0 };
    assert.throws(() => k.linearRecurrence(f(16), f(23), f(8), f(24), r), /U has 23/);
  });

  it("grows its memory for a large call and stays correct for a small one after it", () => {
    const k = K();
    const [M, N, Kd] = [1500, 1500, 40]; // operands ≈ 9.5 MB
    const a = new Float32Array(M * Kd).fill(0.5);
    const b = new Float32Array(Kd * N).fill(0.25);
    const out = new Float32Array(M * N);
    k.matmul(a, b, out, mm(M, N, Kd));
    assert.ok(
      out.every((v) => v === 5),
      "1500×40 · 40×1500 of 0.5·0.25",
    );
    const small = new Float32Array(4);
    k.matmul(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), small, mm(2, 2, 2));
    assert.deepEqual(Array.from(small), [19, 22, 43, 50]);
  });

  it("takes the packed path when M·N·K exceeds 2^31 (no int32 overflow into the scalar loops)", () => {
    const k = K();
    const n = 1300; // n³ = 2.197e9 > 2^31
    const a = new Float32Array(n * n);
    const b = new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) {
      a[i] = ((i * 7919) % 13) / 13 - 0.5;
      b[i] = ((i * 104729) % 17) / 17 - 0.5;
    }
    const out = new Float32Array(n * n);
    const t0 = performance.now();
    k.matmul(a, b, out, mm(n, n, n));
    const ms = performance.now() - t0;
    for (let s = 0; s < 50; s++) {
      const [i, j] = [(s * 37) % n, (s * 101) % n];
      let want = 0;
      for (let q = 0; q < n; q++) want += a[i * n + q]! * b[q * n + j]!;
      assert.ok(Math.abs(out[i * n + j]! - want) < 1e-3, `out[${i},${j}] = ${out[i * n + j]}, want ${want}`);
    }
    // The scalar loops take minutes here; the packed kernel well under this bound even on a loaded machine.
    assert.ok(ms < 60_000, `${ms} ms`);
  });

  it("keeps a large right operand packed across calls; changed values, shape or transposition repack", () => {
    const k = K();
    const [M, N, Kd] = [32, 300, 260]; // K·N ≥ 65536 and M ≤ 256: the packing is cached
    const rand = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => (((i + 1) * seed) % 1009) / 1009 - 0.5);
    const a = rand(M * Kd, 7919);
    const b = rand(Kd * N, 104729);
    const check = (out: Float32Array, transB: boolean, scale = 1) => {
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let want = 0;
          for (let q = 0; q < Kd; q++) want += a[i * Kd + q]! * b[transB ? j * Kd + q : q * N + j]!;
          const got = out[i * N + j]!;
          assert.ok(
            Math.abs(got - scale * want) < 1e-4,
            `[${i},${j}] ${got} vs ${scale * want} (transB ${transB})`,
          );
        }
    };
    for (const transB of [false, true]) {
      const args = { ...mm(M, N, Kd), transB };
      const first = new Float32Array(M * N);
      k.matmul(a, b, first, args);
      check(first, transB);
      const again = new Float32Array(M * N);
      k.matmul(a, b, again, args);
      assert.deepEqual(again, first, "the cached packing gives the same bits");
      b[5 * N + 3] = b[5 * N + 3]! + 1; // the same array, one value changed
      const changed = new Float32Array(M * N);
      k.matmul(a, b, changed, args);
      check(changed, transB);
      assert.notDeepEqual(changed, first);
      k.matmul(a, b, changed, { ...args, accumulate: true });
      check(changed, transB, 2);
    }
    // The same array read as another shape (K 130, N 600) is packed anew.
    const other = new Float32Array(M * 600);
    k.matmul(a, b, other, { ...mm(M, 600, 130), strideA: 0 });
    let want = 0;
    for (let q = 0; q < 130; q++) want += a[3 * 130 + q]! * b[q * 600 + 17]!;
    assert.ok(Math.abs(other[3 * 600 + 17]! - want) < 1e-4);
  });

  it("unary (neg, sqrt, abs, relu, square), their VJPs, clip and clipVjp are bitwise the cpu kernels'", () => {
    const k = K();
    const n = 5003; // above the copy threshold, with a scalar tail
    const x = Float32Array.from({ length: n }, (_, i) => (((i * 7919) % 2003) / 2003 - 0.5) * 8);
    const [lo, hi] = [-0.1, 1 / 3]; // not float32 values: the module's float32 bounds must be equivalent
    const edges = [0, -0, Number.NaN, Infinity, -Infinity, Math.fround(lo), Math.fround(hi), 1e-40];
    for (const v of [Math.fround(lo), Math.fround(hi)]) {
      const b = new Float32Array([v]);
      const bits = new Int32Array(b.buffer);
      for (const d of [-1, 1]) edges.push(new Float32Array(new Int32Array([bits[0]! + d]).buffer)[0]!);
    }
    x.set(edges, 100);
    const dy = Float32Array.from({ length: n }, (_, i) => ((i * 104729) % 997) / 997 - 0.5);
    const y = new Float32Array(n);
    const same = (got: Float32Array, want: Float32Array, what: string) => {
      for (let i = 0; i < n; i++)
        if (!Object.is(got[i], want[i]))
          assert.fail(`${what}: [${i}] x=${x[i]} got ${got[i]}, want ${want[i]}`);
    };
    for (const op of ["neg", "sqrt", "abs", "relu", "square"] as const) {
      const [got, want] = [new Float32Array(n), new Float32Array(n)];
      k.unary(op, x, got);
      cpuKernels.unary(op, x, want);
      same(got, want, op);
      y.set(want);
      const [dGot, dWant] = [new Float32Array(n), new Float32Array(n)];
      k.unaryVjp(op, x, y, dy, dGot);
      cpuKernels.unaryVjp(op, x, y, dy, dWant);
      same(dGot, dWant, `${op} VJP`);
    }
    for (const [l, h] of [
      [lo, hi],
      [0, 1],
      [-Infinity, 0.7],
      [-1e-46, 1e-46],
    ] as const) {
      const [got, want] = [new Float32Array(n), new Float32Array(n)];
      k.clip(x, l, h, got);
      cpuKernels.clip(x, l, h, want);
      same(got, want, `clip ${l} ${h}`);
      k.clipVjp(x, l, h, dy, got);
      cpuKernels.clipVjp(x, l, h, dy, want);
      same(got, want, `clipVjp ${l} ${h}`);
    }
  });

  it("reduceSum is bitwise the cpu kernel's (float64 accumulation in the same order)", () => {
    const k = K();
    for (const [outer, reduce, inner] of [
      [3, 2000, 1],
      [1, 4096, 1],
      [2, 700, 9],
      [4, 33, 128],
      [1, 5000, 2],
      [2, 3, 1], // below the copy threshold: the cpu kernel itself
    ] as const) {
      const n = outer * reduce * inner;
      const x = Float32Array.from({ length: n }, (_, i) =>
        Math.fround(Math.sin(i * 0.37) * 1e3 + (i % 7) * 1e-3),
      );
      const [got, want] = [new Float32Array(outer * inner), new Float32Array(outer * inner)];
      k.reduceSum(x, outer, reduce, inner, got);
      cpuKernels.reduceSum(x, outer, reduce, inner, want);
      for (let i = 0; i < got.length; i++)
        assert.ok(
          Object.is(got[i], want[i]),
          `(${outer}, ${reduce}, ${inner}) [${i}]: ${got[i]} vs ${want[i]}`,
        );
    }
  });

  it("on 2 threads (shared memory, worker_threads) gives bitwise the results of 1 thread", () => {
    const [one, two] = [wasmInstance(1), wasmInstance(2)];
    if (!one.ok || !two.ok) assert.fail(`${one.ok ? "" : one.reason} ${two.ok ? "" : two.reason}`);
    assert.equal(two.info, "WebAssembly SIMD128, 2 threads");
    const [k1, k2] = [one.kernels as Kernels, two.kernels as Kernels];
    const rnd = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => (((i + 1) * seed) % 1009) / 1009 - 0.5);
    // Column splits of the packed and the cached-packing paths, transposes, accumulation, odd widths.
    for (const [M, N, Kd, transA, transB, accumulate] of [
      [64, 300, 200, false, false, false],
      [32, 290, 260, false, true, true],
      [200, 150, 120, true, false, false],
      [9, 517, 600, true, true, false],
      [300, 17, 500, false, false, false], // a last slice narrower than a panel joins its neighbour
    ] as const) {
      const [a, b] = [rnd(M * Kd, 7919), rnd(Kd * N, 104729)];
      const args = { ...mm(M, N, Kd), transA, transB, accumulate };
      const [o1, o2] = [rnd(M * N, 31), rnd(M * N, 31)];
      k1.matmul(a, b, o1, args);
      k2.matmul(a, b, o2, args);
      assert.deepEqual(o2, o1, `${M}×${N}×${Kd} ${transA} ${transB} ${accumulate}`);
    }
    // The recurrences split by sequences, dA by columns.
    for (const [N, T, P, clip] of [
      [5, 9, 120, 0.4],
      [2, 30, 80, 0],
    ] as const) {
      const A = rnd(P * P, 13).map((v) => v * 0.1);
      const [U, theta0, dOut] = [rnd(N * T * P, 17), rnd(N * P, 19), rnd(N * T * P, 23)];
      const results = [k1, k2].map((k) => {
        const out = new Float32Array(N * T * P);
        const [dA, dU, d0] = [new Float32Array(P * P), new Float32Array(N * T * P), new Float32Array(N * P)];
        k.linearRecurrence(A, U, theta0, out, { N, T, P, clip });
        k.linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, d0, { N, T, P, clip });
        return { out, dA, dU, d0 };
      });
      assert.deepEqual(results[1], results[0], `recurrence N ${N} T ${T} P ${P} clip ${clip}`);
    }
  });

  it("the committed module.ts is what scripts/build-wasm.mjs builds from wasm/assembly/", () => {
    const r = spawnSync(process.execPath, ["scripts/build-wasm.mjs", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
  });
});
