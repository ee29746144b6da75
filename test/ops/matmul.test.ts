// matmul on every backend: 2-D and batched, every transpose combination, batch broadcasting, against a
// float64 triple loop; gradients against central differences and float64.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matmul, type Tensor } from "../../src/index.js";
import {
  assertAllClose,
  assertGradcheck,
  assertMatchesFloat64,
  describeEachBackend,
  rand,
} from "../helpers/index.js";

/** float64 reference of op(a)·op(b) for batched operands with NumPy batch broadcasting. */
function refMatmul(
  a: Tensor,
  b: Tensor,
  transA: boolean,
  transB: boolean,
): { shape: number[]; values: number[] } {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const N = transB ? br : bc;
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const pa = [...Array(n - ba.length).fill(1), ...ba];
  const pb = [...Array(n - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const count = batch.reduce((x, y) => x * y, 1);
  const values: number[] = [];
  for (let q = 0; q < count; q++) {
    let r = q;
    let ia = 0;
    let ib = 0;
    const idx = new Array(n);
    for (let d = n - 1; d >= 0; d--) {
      idx[d] = r % batch[d]!;
      r = Math.floor(r / batch[d]!);
    }
    for (let d = 0; d < n; d++) {
      ia = ia * pa[d]! + (pa[d] === 1 ? 0 : idx[d]);
      ib = ib * pb[d]! + (pb[d] === 1 ? 0 : idx[d]);
    }
    const A = (i: number, k: number) => a.data[ia * ar * ac + (transA ? k * ac + i : i * ac + k)]!;
    const B = (k: number, j: number) => b.data[ib * br * bc + (transB ? j * bc + k : k * bc + j)]!;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
        values.push(s);
      }
    }
  }
  return { shape: [...batch, M, N], values };
}

const stored = (rows: number, cols: number, trans: boolean) => (trans ? [cols, rows] : [rows, cols]);

describeEachBackend("matmul", (it) => {
  for (const [transA, transB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    const tag = `${transA ? "Aᵀ" : "A"}·${transB ? "Bᵀ" : "B"}`;
    it(`${tag} matches a float64 triple loop on 1×1, 3×5·5×2, 64×64 and 130×257·257×129`, () => {
      for (const [M, K, N] of [
        [1, 1, 1],
        [3, 5, 2],
        [64, 64, 64],
        [130, 257, 129],
      ] as const) {
        const a = rand(stored(M, K, transA));
        const b = rand(stored(K, N, transB));
        const y = matmul(a, b, { transA, transB });
        const r = refMatmul(a, b, transA, transB);
        assert.deepEqual(y.shape, r.shape);
        assertAllClose(y, r.values, { atol: 1e-5 * Math.sqrt(K), rtol: 1e-5 }, `${tag} ${M}×${K}×${N}`);
      }
    });
    it(`${tag} batched with broadcast batch axes matches the reference`, () => {
      for (const [ba, bb] of [
        [[4], [4]],
        [[4], []],
        [[], [3]],
        [[2, 1], [3]],
      ] as const) {
        const a = rand([...ba, ...stored(3, 5, transA)]);
        const b = rand([...bb, ...stored(5, 2, transB)]);
        const y = matmul(a, b, { transA, transB });
        const r = refMatmul(a, b, transA, transB);
        assert.deepEqual(y.shape, r.shape);
        assertAllClose(y, r.values, { atol: 1e-5 }, `${tag} batch ${JSON.stringify([ba, bb])}`);
      }
    });
    it(`${tag} gradients match central differences, also with a shared matrix over a batch`, () => {
      const f = (a: Tensor, b: Tensor) => matmul(a, b, { transA, transB });
      assertGradcheck(f, [rand(stored(3, 4, transA)), rand(stored(4, 2, transB))]);
      assertGradcheck(f, [rand([2, ...stored(3, 4, transA)]), rand(stored(4, 2, transB))]);
      assertGradcheck(f, [rand(stored(3, 4, transA)), rand([2, ...stored(4, 2, transB)])]);
      assertGradcheck(f, [rand([2, 1, ...stored(3, 4, transA)]), rand([3, ...stored(4, 2, transB)])]);
      assertMatchesFloat64(f, [rand([5, ...stored(33, 17, transA)]), rand(stored(17, 9, transB))]);
      assertMatchesFloat64(f, [rand(stored(65, 40, transA)), rand(stored(40, 70, transB))]);
    });
  }
});

describe("matmul argument checks", () => {
  it("names both shapes when inner dimensions differ", () => {
    assert.throws(
      () => matmul(rand([3, 4]), rand([5, 2])),
      /matmul: inner dimensions differ, \(3,4\) @ \(5,2\)/,
    );
  });
  it("rejects vectors and incompatible batches", () => {
    assert.throws(() => matmul(rand([3]), rand([3, 2])), /at least 2 axes/);
    assert.throws(
      () => matmul(rand([2, 3, 4]), rand([3, 4, 2])),
      /matmul: batch axes of \(2,3,4\) and \(3,4,2\) cannot be broadcast together/,
    );
  });
});
