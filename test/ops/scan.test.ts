// The fused diagonalScan (sequential and chunked associative scan) on every backend against its twin
// diagonalScanRef, a float64 loop and the dense linearRecurrence with A = diag(a): outputs and every
// gradient (da, dU, dθ_0), with and without clipping; gradients against central differences. The fused
// diagonalStep (diag(a) + U Vᵀ) against diagonalStepRef and the dense linearStep; the whole-sequence
// lowRankScan and blockScan against their Refs and the dense linearRecurrence.
// N sequences, T steps, P state size, r rank.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  blockScan,
  blockScanRef,
  convert,
  diagonalScan,
  diagonalScanRef,
  diagonalStep,
  diagonalStepRef,
  type LowRank,
  linearRecurrence,
  linearStep,
  lowRankScan,
  lowRankScanRef,
  matmul,
  mul,
  reshape,
  sum,
  type Tensor,
  tensor,
  valueAndGrad,
} from "../../src/index.js";
import { assertAllClose, assertGradcheck, describeEachBackend, rand } from "../helpers/index.js";

/** Plain float64 loop: θ_t = clip(a ⊙ θ_{t−1} + U_t). */
function loopRef(a: Tensor, U: Tensor, theta0: Tensor, clip: number): Float64Array {
  const [N, T, P] = U.shape as [number, number, number];
  const out = new Float64Array(N * T * P);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      let v = theta0.data[n * P + p]!;
      for (let t = 0; t < T; t++) {
        v = a.data[p]! * v + U.data[(n * T + t) * P + p]!;
        if (clip > 0) v = Math.min(clip, Math.max(-clip, v));
        out[(n * T + t) * P + p] = v;
      }
    }
  }
  return out;
}

/** diag(a) as a dense (P, P) tensor. */
function diagMatrix(a: Tensor): Tensor {
  const P = a.shape[0]!;
  const v = new Array<number>(P * P).fill(0);
  for (let p = 0; p < P; p++) v[p * P + p] = a.data[p]!;
  return tensor(v, [P, P], a.dtype);
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 5],
  [4, 20, 33],
  [2, 9, 70],
];
// Chunk lengths: 1 (every step its own chunk), 3 (ragged last chunk), 4, and ≥ T (sequential).
const CHUNKS = [0, 1, 3, 4, 50];

describeEachBackend("diagonalScan", (it) => {
  for (const clip of [0, 0.35]) {
    const tag = clip ? `with clipping to ±${clip}` : "without clipping";
    const chunks = clip ? [0] : CHUNKS;
    it(`matches a float64 loop, diagonalScanRef and the dense recurrence ${tag}`, () => {
      let clipped = 0;
      for (const [N, T, P] of SIZES) {
        const a = rand([P], { lo: 0.5, hi: 1.05 });
        const U = rand([N, T, P], { lo: -0.2, hi: 0.2 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const ref = diagonalScanRef(a, U, theta0, { clip });
        const loop = loopRef(a, U, theta0, clip);
        const dense = linearRecurrence(diagMatrix(a), U, theta0, { clip });
        const tol = { atol: 1e-5, rtol: 1e-4 };
        for (const chunk of chunks) {
          const fused = diagonalScan(a, U, theta0, { clip, chunk });
          assert.deepEqual(fused.shape, [N, T, P]);
          assertAllClose(fused, loop, tol, `outputs vs loop ${N}×${T}×${P} chunk ${chunk}`);
          assertAllClose(fused, ref, tol, `outputs vs Ref ${N}×${T}×${P} chunk ${chunk}`);
          assertAllClose(fused, dense, tol, `outputs vs dense ${N}×${T}×${P} chunk ${chunk}`);
          clipped += fused.toArray().filter((v) => Math.abs(v) === Math.fround(clip)).length;
        }
      }
      if (clip)
        assert.ok(clipped > 10, `only ${clipped} entries clipped: the test does not exercise clipping`);
    });
    it(`has da, dU and dθ_0 equal to the reference's and the dense recurrence's ${tag}`, () => {
      for (const [N, T, P] of SIZES) {
        const a = rand([P], { lo: 0.5, hi: 1.05 });
        const U = rand([N, T, P], { lo: -0.2, hi: 0.2 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const W = rand([N, T, P]);
        const loss = (f: (a: Tensor, U: Tensor, t0: Tensor) => Tensor) =>
          valueAndGrad((ps: Tensor[]) => sum(mul(f(ps[0]!, ps[1]!, ps[2]!), W)))([a, U, theta0]);
        const ref = loss((x, u, t0) => diagonalScanRef(x, u, t0, { clip }));
        // The dense path with A = diag(a): its dA's diagonal is da.
        const dense = loss((x, u, t0) => {
          const eyeP = diagMatrix(tensor(new Array<number>(P).fill(1), [P], x.dtype));
          return linearRecurrence(mul(eyeP, reshape(x, [1, P])), u, t0, { clip });
        });
        const tol = { atol: 1e-4, rtol: 1e-3 };
        for (const chunk of chunks) {
          const fused = loss((x, u, t0) => diagonalScan(x, u, t0, { clip, chunk }));
          assertAllClose([fused.value.item()], [ref.value.item()], tol, "loss");
          ["da", "dU", "dθ_0"].forEach((name, i) => {
            assertAllClose(fused.grads[i]!, ref.grads[i]!, tol, `${name} ${N}×${T}×${P} chunk ${chunk}`);
            assertAllClose(fused.grads[i]!, dense.grads[i]!, tol, `${name} vs dense ${N}×${T}×${P}`);
          });
        }
      }
    });
  }
});

describe("diagonalScan gradients", () => {
  it("match central differences in float64, sequential, chunked and clipped", () => {
    const a = convert(rand([4], { lo: 0.6, hi: 1.0 }), "float64");
    const U = convert(rand([2, 7, 4], { lo: -0.3, hi: 0.3 }), "float64");
    const theta0 = convert(rand([2, 4], { lo: -0.5, hi: 0.5 }), "float64");
    for (const o of [{}, { chunk: 2 }, { chunk: 3 }, { clip: 0.4 }]) {
      assertGradcheck((x, u, t0) => diagonalScan(x, u, t0, o), [a, U, theta0]);
    }
    assertGradcheck((x, u, t0) => diagonalScanRef(x, u, t0, { clip: 0.4 }), [a, U, theta0]);
  });
  it("rejects mismatched shapes and a clipped chunked scan with errors naming them", () => {
    assert.throws(
      () => diagonalScan(rand([3]), rand([2, 4, 3]), rand([2, 4])),
      /diagonalScan: expected a \(3\) and theta0 \(2,3\) for U \(2,4,3\), got \(3\) and \(2,4\)/,
    );
    assert.throws(
      () => diagonalScan(rand([3]), rand([2, 4, 3]), rand([2, 3]), { clip: 1, chunk: 2 }),
      /the chunked scan cannot clip/,
    );
  });
});

// [N, P, r]: r = 0 is the plain diagonal step.
const STEP_SIZES: [number, number, number][] = [
  [1, 1, 0],
  [1, 1, 1],
  [3, 7, 2],
  [5, 40, 0],
  [4, 33, 5],
];

describeEachBackend("diagonalStep", (it) => {
  for (const clip of [0, 0.3]) {
    it(`matches diagonalStepRef and linearStep with A = diag(a) + U Vᵀ, values and gradients, clip ${clip}`, () => {
      let clipped = 0;
      for (const [N, P, r] of STEP_SIZES) {
        const a = rand([P], { lo: 0.5, hi: 1.05 });
        const theta = rand([N, P], { lo: -0.5, hi: 0.5 });
        const u = rand([N, P], { lo: -0.2, hi: 0.2 });
        const lr: LowRank | null = r
          ? { U: rand([P, r], { lo: -0.4, hi: 0.4 }), V: rand([P, r], { lo: -0.4, hi: 0.4 }) }
          : null;
        const W = rand([N, P]);
        const ins = lr ? [theta, a, u, lr.U, lr.V] : [theta, a, u];
        const run = (f: typeof diagonalStep) =>
          valueAndGrad((ps: Tensor[]) =>
            sum(mul(f(ps[0]!, ps[1]!, ps[2]!, lr ? { U: ps[3]!, V: ps[4]! } : null, { clip }), W)),
          )(ins);
        const fused = run(diagonalStep);
        const ref = run(diagonalStepRef);
        const tol = { atol: 1e-5, rtol: 1e-4 };
        const y = diagonalStep(theta, a, u, lr, { clip });
        assertAllClose(y, diagonalStepRef(theta, a, u, lr, { clip }), tol, `values ${N}×${P}×${r}`);
        let A = diagMatrix(a);
        if (lr) A = add(A, matmul(lr.U, lr.V, { transB: true }));
        assertAllClose(y, linearStep(theta, A, u, { clip }), tol, `values vs dense ${N}×${P}×${r}`);
        clipped += y.toArray().filter((v) => Math.abs(v) === Math.fround(clip)).length;
        ["dθ", "da", "du", "dU", "dV"].slice(0, ins.length).forEach((name, i) => {
          assertAllClose(
            fused.grads[i]!,
            ref.grads[i]!,
            { atol: 1e-4, rtol: 1e-3 },
            `${name} ${N}×${P}×${r}`,
          );
        });
      }
      if (clip)
        assert.ok(clipped > 3, `only ${clipped} entries clipped: the test does not exercise clipping`);
    });
  }
});

describe("diagonalStep gradients", () => {
  it("match central differences in float64, with and without the low-rank part and clipping", () => {
    const f64 = (shape: number[], lo: number, hi: number) => convert(rand(shape, { lo, hi }), "float64");
    const [theta, a, u, U, V] = [
      f64([3, 6], -0.5, 0.5),
      f64([6], 0.6, 1),
      f64([3, 6], -0.3, 0.3),
      f64([6, 2], -0.5, 0.5),
      f64([6, 2], -0.5, 0.5),
    ];
    for (const clip of [0, 0.45]) {
      assertGradcheck((t, x, y) => diagonalStep(t, x, y, null, { clip }), [theta!, a!, u!]);
      assertGradcheck(
        (t, x, y, p, q) => diagonalStep(t, x, y, { U: p, V: q }, { clip }),
        [theta!, a!, u!, U!, V!],
      );
    }
  });
  it("rejects mismatched shapes with an error naming them", () => {
    assert.throws(
      () => diagonalStep(rand([2, 3]), rand([3]), rand([2, 3]), { U: rand([3, 2]), V: rand([3, 1]) }),
      /diagonalStep: expected thetaPrev \(N,P\), a \(P\), u \(N,P\), U and V \(P,r\), got \(2,3\), \(3\), \(2,3\), \(3,2\), \(3,1\)/,
    );
  });
});

describeEachBackend("lowRankScan", (it) => {
  for (const clip of [0, 0.3]) {
    it(`matches lowRankScanRef and linearRecurrence with A = diag(a) + U Vᵀ, values and gradients, clip ${clip}`, () => {
      let clipped = 0;
      for (const [N, T, P, r] of [
        [1, 1, 1, 1],
        [2, 6, 5, 2],
        [3, 17, 33, 4],
      ] as [number, number, number, number][]) {
        const a = rand([P], { lo: 0.5, hi: 1.0 });
        const lr: LowRank = {
          U: rand([P, r], { lo: -0.3, hi: 0.3 }),
          V: rand([P, r], { lo: -0.3, hi: 0.3 }),
        };
        const u = rand([N, T, P], { lo: -0.2, hi: 0.2 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const W = rand([N, T, P]);
        const ins = [a, lr.U, lr.V, u, theta0];
        const run = (f: typeof lowRankScan) =>
          valueAndGrad((ps: Tensor[]) =>
            sum(mul(f(ps[0]!, { U: ps[1]!, V: ps[2]! }, ps[3]!, ps[4]!, { clip }), W)),
          )(ins);
        const fused = run(lowRankScan);
        const ref = run(lowRankScanRef);
        const tol = { atol: 1e-5, rtol: 1e-4 };
        const y = lowRankScan(a, lr, u, theta0, { clip });
        assertAllClose(y, lowRankScanRef(a, lr, u, theta0, { clip }), tol, `values ${N}×${T}×${P}×${r}`);
        const A = add(diagMatrix(a), matmul(lr.U, lr.V, { transB: true }));
        assertAllClose(
          y,
          linearRecurrence(A, u, theta0, { clip }),
          tol,
          `values vs dense ${N}×${T}×${P}×${r}`,
        );
        clipped += y.toArray().filter((v) => Math.abs(v) === Math.fround(clip)).length;
        ["da", "dU", "dV", "du", "dθ0"].forEach((name, i) => {
          assertAllClose(
            fused.grads[i]!,
            ref.grads[i]!,
            { atol: 1e-4, rtol: 1e-3 },
            `${name} ${N}×${T}×${P}×${r}`,
          );
        });
      }
      if (clip)
        assert.ok(clipped > 3, `only ${clipped} entries clipped: the test does not exercise clipping`);
    });
  }
});

describe("lowRankScan gradients", () => {
  it("match central differences in float64, with and without clipping", () => {
    const f64 = (shape: number[], lo: number, hi: number) => convert(rand(shape, { lo, hi }), "float64");
    const [a, U, V, u, theta0] = [
      f64([5], 0.6, 1),
      f64([5, 2], -0.4, 0.4),
      f64([5, 2], -0.4, 0.4),
      f64([2, 4, 5], -0.3, 0.3),
      f64([2, 5], -0.5, 0.5),
    ];
    for (const clip of [0, 0.45]) {
      assertGradcheck(
        (x, p, q, y, t0) => lowRankScan(x, { U: p, V: q }, y, t0, { clip }),
        [a!, U!, V!, u!, theta0!],
      );
    }
  });
});

/** The dense (P, P) matrix of blocks (nb, k, k) along the diagonal, cut to P. */
function blockMatrix(blocks: Tensor, P: number): Tensor {
  const [nb, k] = blocks.shape as [number, number];
  const v = new Array<number>(P * P).fill(0);
  for (let b = 0; b < nb; b++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++)
        if (b * k + i < P && b * k + j < P)
          v[(b * k + i) * P + b * k + j] = blocks.data[(b * k + i) * k + j]!;
  return tensor(v, [P, P], blocks.dtype);
}

describeEachBackend("blockScan", (it) => {
  for (const clip of [0, 0.3]) {
    it(`matches blockScanRef and linearRecurrence with A block-diagonal, values and gradients, clip ${clip}`, () => {
      let clipped = 0;
      // [N, T, P, k]: one block, blocks that tile P, and a partial last block (padding).
      for (const [N, T, P, k] of [
        [1, 1, 1, 1],
        [2, 5, 6, 3],
        [3, 9, 13, 4],
        [2, 4, 5, 5],
      ] as [number, number, number, number][]) {
        const nb = Math.ceil(P / k);
        const blocks = rand([nb, k, k], { lo: -0.5, hi: 0.5 });
        const u = rand([N, T, P], { lo: -0.3, hi: 0.3 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const W = rand([N, T, P]);
        const run = (f: typeof blockScan) =>
          valueAndGrad((ps: Tensor[]) => sum(mul(f(ps[0]!, ps[1]!, ps[2]!, { clip }), W)))([
            blocks,
            u,
            theta0,
          ]);
        const fused = run(blockScan);
        const ref = run(blockScanRef);
        const tol = { atol: 1e-5, rtol: 1e-4 };
        const y = blockScan(blocks, u, theta0, { clip });
        assertAllClose(y, blockScanRef(blocks, u, theta0, { clip }), tol, `values ${N}×${T}×${P}/${k}`);
        const dense = linearRecurrence(blockMatrix(blocks, P), u, theta0, { clip });
        assertAllClose(y, dense, tol, `values vs dense ${N}×${T}×${P}/${k}`);
        clipped += y.toArray().filter((v) => Math.abs(v) === Math.fround(clip)).length;
        ["dA", "du", "dθ0"].forEach((name, i) => {
          assertAllClose(
            fused.grads[i]!,
            ref.grads[i]!,
            { atol: 1e-4, rtol: 1e-3 },
            `${name} ${N}×${T}×${P}/${k}`,
          );
        });
      }
      if (clip)
        assert.ok(clipped > 3, `only ${clipped} entries clipped: the test does not exercise clipping`);
    });
  }
});

describe("blockScan gradients", () => {
  it("match central differences in float64, with a partial last block, with and without clipping", () => {
    const f64 = (shape: number[], lo: number, hi: number) => convert(rand(shape, { lo, hi }), "float64");
    const [blocks, u, theta0] = [
      f64([2, 3, 3], -0.5, 0.5),
      f64([2, 4, 5], -0.3, 0.3),
      f64([2, 5], -0.5, 0.5),
    ];
    for (const clip of [0, 0.45]) {
      assertGradcheck((b, y, t0) => blockScan(b, y, t0, { clip }), [blocks!, u!, theta0!]);
    }
  });
  it("rejects blocks that do not cover P with an error naming the shapes", () => {
    assert.throws(
      () => blockScan(rand([1, 2, 2]), rand([1, 3, 5]), rand([1, 5])),
      /blockScan: expected blocks \(⌈P\/k⌉,k,k\), u \(N,T,P\), theta0 \(N,P\) of one dtype, got \(1,2,2\), \(1,3,5\), \(1,5\)/,
    );
  });
});
