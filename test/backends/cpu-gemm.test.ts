// Tests of the pure-TS cpu GEMM (src/backends/cpu/gemm.ts) against a float64 triple loop written here:
// odd shapes that cross every block and tile boundary, all transpose combinations, padded leading
// dimensions and offsets (padding filled with NaN, C's padding checked untouched), alpha/beta cases,
// both float dtypes, and the batched matmulCpu (broadcast, accumulate, folded batch).
// Not here: the ops-level matmul or other backends.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gemm, matmulCpu } from "../../src/backends/cpu/gemm.js";
import type { FloatArray, MatmulArgs } from "../../src/backends/kernels.js";
import { mulberry32 } from "../helpers/index.js";

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic uniform [-1, 1) (mulberry32). */
function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => 2 * u() - 1;
}

/** A `rows`×`cols` matrix at `off` with leading dimension `ld`; everything else (prefix, padding) NaN. */
function matrix(
  F: FloatCtor,
  rows: number,
  cols: number,
  off: number,
  ld: number,
  next: () => number,
): FloatArray {
  const m = new F(off + rows * ld + 3).fill(Number.NaN);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) m[off + r * ld + j] = next();
  return m;
}

interface Gemm {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  a: FloatArray;
  aOff: number;
  lda: number;
  b: FloatArray;
  bOff: number;
  ldb: number;
  beta: number;
  c: FloatArray;
  cOff: number;
  ldc: number;
}

/**
 * Float64 reference of one gemm call: the expected C window (row-major M×N) and, per element, the
 * magnitude |alpha|·Σ_k |op(A)[i,k]·op(B)[k,j]| + |beta·C[i,j]| that rounding errors scale with.
 */
function reference(g: Gemm): { want: Float64Array; scale: Float64Array } {
  const { M, N, K } = g;
  const want = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const av = g.transA ? g.a[g.aOff + k * g.lda + i] : g.a[g.aOff + i * g.lda + k];
        const bv = g.transB ? g.b[g.bOff + j * g.ldb + k] : g.b[g.bOff + k * g.ldb + j];
        s += av * bv;
        abs += Math.abs(av * bv);
      }
      const old = g.c[g.cOff + i * g.ldc + j];
      want[i * N + j] = g.beta === 0 ? g.alpha * s : g.alpha * s + g.beta * old;
      scale[i * N + j] = Math.abs(g.alpha) * abs + (g.beta === 0 ? 0 : Math.abs(g.beta * old));
    }
  }
  return { want, scale };
}

/** Relative tolerance: float32 rounds C once per K block of ≤ 256 terms; float64 sums K terms. */
function rtol(c: FloatArray, K: number): number {
  return c instanceof Float32Array ? 2 ** -23 * (2 + Math.ceil(K / 256)) : 2 ** -52 * (K + 4);
}

/** Asserts the M×N window of `got` matches `want` within tolerance, reporting the worst element. */
function assertWindow(
  got: FloatArray,
  cOff: number,
  ldc: number,
  M: number,
  N: number,
  want: Float64Array,
  scale: Float64Array,
  tol: number,
  label: string,
): void {
  let worst = -1;
  let worstAt = "";
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const v = got[cOff + i * ldc + j];
      const w = want[i * N + j];
      const excess = Math.abs(v - w) - (tol * scale[i * N + j] + 1e-300);
      if (!(excess <= 0) && (Number.isNaN(excess) || excess > worst)) {
        worst = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
        worstAt = `C[${i},${j}] = ${v}, expected ${w} (scale ${scale[i * N + j]}, rtol ${tol})`;
      }
    }
  }
  if (worst >= 0) assert.fail(`${label}: ${worstAt}`);
}

/** Asserts every element of `c` outside the M×N window is bit-identical to `before`. */
function assertOutsideUntouched(
  c: FloatArray,
  before: FloatArray,
  cOff: number,
  ldc: number,
  M: number,
  N: number,
  label: string,
): void {
  for (let p = 0; p < c.length; p++) {
    const q = p - cOff;
    const inside = q >= 0 && Math.floor(q / ldc) < M && q % ldc < N;
    if (!inside && !Object.is(c[p], before[p])) {
      assert.fail(`${label}: element ${p} outside C's window changed from ${before[p]} to ${c[p]}`);
    }
  }
}

interface CaseOpts {
  F: FloatCtor;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  /** Extra leading-dimension columns and leading offset for A, B and C. */
  pad: number;
  off: number;
  seed: number;
}

/** Builds one gemm call (C's window NaN when beta = 0), runs it and checks it against the reference. */
function checkGemm(o: CaseOpts): void {
  const next = rng(o.seed);
  const [ar, ac] = o.transA ? [o.K, o.M] : [o.M, o.K];
  const [br, bc] = o.transB ? [o.N, o.K] : [o.K, o.N];
  const lda = ac + o.pad;
  const ldb = bc + o.pad;
  const ldc = o.N + o.pad;
  const a = matrix(o.F, ar, ac, o.off, lda, next);
  const b = matrix(o.F, br, bc, o.off + 1, ldb, next);
  const c = matrix(o.F, o.M, o.N, o.off + 2, ldc, o.beta === 0 ? () => Number.NaN : next);
  const g: Gemm = {
    transA: o.transA,
    transB: o.transB,
    M: o.M,
    N: o.N,
    K: o.K,
    alpha: o.alpha,
    a,
    aOff: o.off,
    lda,
    b,
    bOff: o.off + 1,
    ldb,
    beta: o.beta,
    c,
    cOff: o.off + 2,
    ldc,
  };
  const { want, scale } = reference(g);
  const before = c.slice();
  gemm(g.transA, g.transB, g.M, g.N, g.K, g.alpha, a, g.aOff, lda, b, g.bOff, ldb, g.beta, c, g.cOff, ldc);
  const label =
    `${o.F.name} ${o.transA ? "T" : "N"}${o.transB ? "T" : "N"} M=${o.M} K=${o.K} N=${o.N} ` +
    `alpha=${o.alpha} beta=${o.beta} pad=${o.pad} off=${o.off}`;
  assertWindow(c, g.cOff, ldc, o.M, o.N, want, scale, rtol(c, o.K), label);
  assertOutsideUntouched(c, before, g.cOff, ldc, o.M, o.N, label);
}

const TRANS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const DTYPES: FloatCtor[] = [Float32Array, Float64Array];

/** [M, K, N]: unpacked (tiny, 1- or 2-wide) shapes, and packed ones crossing every tile/block edge. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 2],
  [7, 13, 5],
  [1, 9, 40],
  [2, 9, 33],
  [40, 9, 1],
  [2, 50, 9],
  [4, 3, 3],
  [4, 4, 4],
  [3, 7, 6],
  [64, 1, 64],
  [33, 65, 17],
  [64, 64, 64],
  [130, 257, 129],
  [9, 512, 7],
  [6, 3, 1030],
];

describe("cpu gemm", () => {
  for (const F of DTYPES) {
    for (const [M, K, N] of SHAPES) {
      it(`${F.name} M=${M} K=${K} N=${N}: all transposes × beta ∈ {0, 1, 0.5}, dense and padded`, () => {
        let seed = M * 1_000_003 + K * 1009 + N;
        for (const [transA, transB] of TRANS) {
          for (const beta of [0, 1, 0.5]) {
            checkGemm({ F, transA, transB, M, N, K, alpha: 1, beta, pad: 0, off: 0, seed: seed++ });
            checkGemm({ F, transA, transB, M, N, K, alpha: -1.75, beta, pad: 3, off: 5, seed: seed++ });
          }
        }
      });
    }
  }

  it("K = 0 and alpha = 0 only scale C (beta 0 clears NaN, beta 2 doubles)", () => {
    for (const F of DTYPES) {
      for (const [K, alpha] of [
        [0, 1],
        [8, 0],
      ]) {
        const a = new F(12 * 8).fill(Number.NaN);
        const b = new F(8 * 12).fill(Number.NaN);
        const c = new F(12 * 12).fill(Number.NaN);
        gemm(false, false, 12, 12, K, alpha, a, 0, 8, b, 0, 12, 0, c, 0, 12);
        assert.ok(
          c.every((v) => v === 0),
          `${F.name} K=${K} alpha=${alpha} beta=0`,
        );
        c.fill(1.5);
        gemm(false, false, 12, 12, K, alpha, a, 0, 8, b, 0, 12, 2, c, 0, 12);
        assert.ok(
          c.every((v) => v === 3),
          `${F.name} K=${K} alpha=${alpha} beta=2`,
        );
      }
    }
  });

  it("propagates NaN and Infinity from A and B into the rows and columns they touch", () => {
    for (const F of DTYPES) {
      const M = 9;
      const K = 10;
      const N = 11;
      const a = new F(M * K).fill(1);
      const b = new F(K * N).fill(1);
      a[2 * K + 4] = Number.NaN; // row 2 of C
      b[7 * N + 5] = Number.POSITIVE_INFINITY; // column 5 of C
      const c = new F(M * N);
      gemm(false, false, M, N, K, 1, a, 0, K, b, 0, N, 0, c, 0, N);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          const v = c[i * N + j];
          if (i === 2) assert.ok(Number.isNaN(v), `${F.name} C[${i},${j}] = ${v}`);
          else if (j === 5) assert.equal(v, Number.POSITIVE_INFINITY, `${F.name} C[${i},${j}]`);
          else assert.equal(v, K, `${F.name} C[${i},${j}]`);
        }
      }
    }
  });

  it("the checker rejects a result off by more than the tolerance", () => {
    const g = { M: 5, N: 6 };
    const want = new Float64Array(g.M * g.N).fill(1);
    const scale = new Float64Array(g.M * g.N).fill(1);
    const got = new Float32Array(g.M * g.N).fill(1);
    got[17] = 1 + 2 ** -18;
    assert.throws(() => assertWindow(got, 0, g.N, g.M, g.N, want, scale, rtol(got, 64), "perturbed"));
    got[17] = Number.NaN;
    assert.throws(() => assertWindow(got, 0, g.N, g.M, g.N, want, scale, rtol(got, 64), "NaN"));
    got[17] = 1;
    assertWindow(got, 0, g.N, g.M, g.N, want, scale, rtol(got, 64), "exact");
  });
});

/**
 * Runs matmulCpu on random inputs and compares every batch entry with the gemm reference, with `out`
 * starting as NaN (overwrite) or random values (accumulate).
 */
function checkMatmul(F: FloatCtor, args: MatmulArgs, seed: number): void {
  const { batch, M, N, K, transA, transB, strideA, strideB } = args;
  const next = rng(seed);
  const aLen = (batch - 1) * strideA + M * K;
  const bLen = (batch - 1) * strideB + K * N;
  const a = new F(aLen).map(next);
  const b = new F(bLen).map(next);
  const out = new F(batch * M * N + 2).map(args.accumulate ? next : () => Number.NaN);
  out[batch * M * N] = 7;
  out[batch * M * N + 1] = -7;
  const expected = out.slice();
  const wants = [];
  for (let i = 0; i < batch; i++) {
    wants.push(
      reference({
        transA,
        transB,
        M,
        N,
        K,
        alpha: 1,
        a,
        aOff: i * strideA,
        lda: transA ? M : K,
        b,
        bOff: i * strideB,
        ldb: transB ? K : N,
        beta: args.accumulate ? 1 : 0,
        c: expected,
        cOff: i * M * N,
        ldc: N,
      }),
    );
  }
  matmulCpu(a, b, out, args);
  const label = `${F.name} ${JSON.stringify(args)}`;
  for (let i = 0; i < batch; i++) {
    const { want, scale } = wants[i]!;
    assertWindow(out, i * M * N, N, M, N, want, scale, rtol(out, K), `${label} batch ${i}`);
  }
  assert.equal(out[batch * M * N], 7, `${label}: wrote past the end`);
  assert.equal(out[batch * M * N + 1], -7, `${label}: wrote past the end`);
}

describe("cpu matmulCpu", () => {
  const shapes: [number, number, number][] = [
    [3, 5, 2],
    [17, 33, 9],
    [40, 300, 36],
  ];
  for (const F of DTYPES) {
    it(`${F.name}: dense batches, every transpose, overwrite and accumulate`, () => {
      let seed = 1;
      for (const [M, K, N] of shapes) {
        for (const [transA, transB] of TRANS) {
          for (const accumulate of [false, true]) {
            const args = { batch: 3, M, N, K, transA, transB, strideA: M * K, strideB: K * N, accumulate };
            checkMatmul(F, args, seed++);
          }
        }
      }
    });

    it(`${F.name}: broadcast A or B (stride 0), including the folded (batch·M)×K path`, () => {
      let seed = 100;
      for (const [M, K, N] of shapes) {
        for (const [transA, transB] of TRANS) {
          for (const accumulate of [false, true]) {
            // strideB 0 with !transA folds the batch into one gemm; with transA it loops.
            checkMatmul(
              F,
              { batch: 4, M, N, K, transA, transB, strideA: M * K, strideB: 0, accumulate },
              seed++,
            );
            checkMatmul(
              F,
              { batch: 4, M, N, K, transA, transB, strideA: 0, strideB: K * N, accumulate },
              seed++,
            );
            checkMatmul(F, { batch: 2, M, N, K, transA, transB, strideA: 0, strideB: 0, accumulate }, seed++);
          }
        }
      }
    });

    it(`${F.name}: batch 1 and a folded batch whose stacked rows cross the row-block size`, () => {
      checkMatmul(
        F,
        {
          batch: 1,
          M: 9,
          N: 7,
          K: 5,
          transA: true,
          transB: false,
          strideA: 0,
          strideB: 0,
          accumulate: false,
        },
        7,
      );
      checkMatmul(
        F,
        {
          batch: 5,
          M: 31,
          N: 21,
          K: 19,
          transA: false,
          transB: true,
          strideA: 31 * 19,
          strideB: 0,
          accumulate: true,
        },
        8,
      );
    });
  }
});
