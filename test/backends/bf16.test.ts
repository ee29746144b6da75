// Tests of the bf16 transition products (Kernels.packBf16 / matmulBf16 / matmulBf16TN,
// `model.transition_dtype: bf16`): roundBf16 on ties, subnormals, NaN and overflow; then out +=
// bf16(x)·bf16(w)ᵀ (the step and its backward) and out = bf16(a)ᵀ·bf16(b) (the gradient dA over all
// rows) against float64 sums of the bf16-rounded operands over a sweep of shapes (M, N, K = 1, primes,
// the 14×32 micro-tile edges, odd K, K past one 256-pair block, a shape large enough for the thread
// pool) on every path this machine has: the cpu backend, native AVX512-BF16 dot products (skipped, with
// the reason, on a CPU without them), and native's emulation on the float32 GEMM (forced below avx512,
// on each lower instruction set). Not here: the model with bf16 (warp/bf16-transition.test.ts).

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { roundBf16 } from "../../src/backends/cpu/bf16.js";
import { cpuKernels } from "../../src/backends/cpu/index.js";
import type { Kernels } from "../../src/backends/kernels.js";
import { GEMM_ISAS, loadNative } from "../../src/backends/native/index.js";
import { randF32 } from "../helpers/index.js";

const native = loadNative();
const required = process.env.WARP_REQUIRE_NATIVE === "1";

/** init + bf16(x)·bf16(w)ᵀ in float64. */
function reference(x: Float32Array, w: Float32Array, init: Float32Array, M: number, N: number, K: number) {
  const xr = Float64Array.from(x, roundBf16);
  const wr = Float64Array.from(w, roundBf16);
  const out = Float64Array.from(init);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += xr[i * K + k]! * wr[j * K + k]!;
      out[i * N + j]! += s;
    }
  }
  return out;
}

function check(k: Kernels, M: number, N: number, K: number, seed: number, what: string): void {
  const x = randF32(M * K, seed);
  const w = randF32(N * K, seed + 1, -0.05, 0.05);
  const init = randF32(M * N, seed + 2);
  const packed = new Float32Array(k.bf16PackedLength(N, K));
  k.packBf16(w, N, K, packed);
  const out = Float32Array.from(init);
  k.matmulBf16(x, packed, out, M, N, K);
  const want = reference(x, w, init, M, N, K);
  // float32 sums of K products of size ≤ 0.05 onto |init| ≤ 1
  const atol = 2.4e-7 * (2 + 0.05 * K);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(out[i]! - want[i]!) <= atol))
      assert.fail(`${what} ${M}×${K}·(${N}×${K})ᵀ: at ${i} got ${out[i]}, want ${want[i]} (atol ${atol})`);
  }
}

/**
 * out (+)= bf16(a)ᵀ·bf16(b), a (K, M), b (K, N), against float64; without `accumulate` out starts as NaN
 * (it is overwritten), with it as values in [−1, 1] that the product adds to.
 */
function checkTN(
  k: Kernels,
  M: number,
  N: number,
  K: number,
  seed: number,
  what: string,
  accumulate = false,
): void {
  const a = Float64Array.from(randF32(K * M, seed), roundBf16);
  const b = Float64Array.from(randF32(K * N, seed + 1, -0.25, 0.25), roundBf16);
  const init = accumulate ? randF32(M * N, seed + 2) : new Float32Array(M * N).fill(Number.NaN);
  const out = Float32Array.from(init);
  k.matmulBf16TN(Float32Array.from(a), Float32Array.from(b), out, M, N, K, accumulate);
  // float32 sums of K products of size ≤ 0.25
  const atol = 2.4e-7 * (2 + 0.25 * K);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let want = accumulate ? init[i * N + j]! : 0;
      for (let q = 0; q < K; q++) want += a[q * M + i]! * b[q * N + j]!;
      const got = out[i * N + j]!;
      if (!(Math.abs(got - want) <= atol))
        assert.fail(
          `${what} (${K}×${M})ᵀ·${K}×${N}: at [${i}, ${j}] got ${got}, want ${want} (atol ${atol})`,
        );
    }
  }
}

function sweep(k: Kernels, what: string): void {
  let seed = 1;
  for (const M of [1, 2, 13, 14, 15, 29])
    for (const N of [1, 3, 16, 17, 31, 32, 33, 47])
      for (const K of [1, 2, 3, 17, 31, 520]) {
        check(k, M, N, K, seed++, what);
        checkTN(k, M, N, K, seed++, `${what} TN`);
        checkTN(k, M, N, K, seed++, `${what} TN accumulate`, true);
      }
  check(k, 131, 301, 1297, 999, `${what} (threaded)`);
  checkTN(k, 131, 301, 1297, 999, `${what} TN (threaded)`);
  checkTN(k, 131, 301, 1297, 998, `${what} TN accumulate (threaded)`, true);
  checkTN(k, 7, 5, 0, 1, `${what} TN (K = 0)`);
  checkTN(k, 7, 5, 0, 1, `${what} TN accumulate (K = 0)`, true);
}

describe("roundBf16", () => {
  it("rounds to nearest even through float32, flushes subnormals, keeps NaN, overflows to Infinity", () => {
    assert.equal(roundBf16(1), 1);
    assert.equal(roundBf16(1 + 2 ** -8), 1); // tie, 1 is even
    assert.equal(roundBf16(1 + 3 * 2 ** -8), 1 + 2 ** -6); // tie, 1 + 2^-7 is odd
    assert.equal(roundBf16(1 + 2 ** -8 + 2 ** -20), 1 + 2 ** -7); // above the tie
    assert.equal(roundBf16(-0.1), -0.10009765625);
    assert.ok(Object.is(roundBf16(-1e-40), -0));
    assert.ok(Object.is(roundBf16(1e-40), 0));
    assert.ok(Number.isNaN(roundBf16(Number.NaN)));
    assert.equal(roundBf16(3.4e38), Number.POSITIVE_INFINITY);
    assert.equal(roundBf16(-Number.POSITIVE_INFINITY), Number.NEGATIVE_INFINITY);
  });
});

describe("matmulBf16 and matmulBf16TN against float64 sums of the bf16-rounded operands", () => {
  it("cpu", () => sweep(cpuKernels, "cpu"));

  const skip = native.ok || required ? false : `native addon unavailable: ${native.reason}`;
  describe("native", { skip }, () => {
    const original = native.ok ? native.gemmIsa() : null;
    after(() => {
      if (native.ok && original) native.setGemmIsa(original);
    });
    const nk = () => {
      if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
      return native.kernels as Kernels;
    };
    const hasBf16 = native.ok && native.setGemmIsa("avx512") && native.bf16Path() === "avx512bf16";
    if (native.ok && original) native.setGemmIsa(original);
    it("AVX512-BF16 dot products", { skip: hasBf16 ? false : "this CPU has no AVX512-BF16" }, () => {
      if (!native.ok) assert.fail("unreachable");
      assert.ok(native.setGemmIsa("avx512"));
      assert.equal(native.bf16Path(), "avx512bf16");
      sweep(nk(), "native avx512bf16");
    });
    for (const isa of GEMM_ISAS.filter((i) => i !== "avx512")) {
      const has = native.ok && native.setGemmIsa(isa);
      if (native.ok && original) native.setGemmIsa(original);
      it(`emulation on the float32 GEMM (the GEMM forced to ${isa})`, {
        skip: has ? false : `no ${isa} here`,
      }, () => {
        if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
        assert.ok(native.setGemmIsa(isa));
        assert.equal(native.bf16Path(), "emulated");
        sweep(nk(), `native emulated (${isa})`);
      });
    }
  });
});
