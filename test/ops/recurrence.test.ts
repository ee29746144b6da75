// The fused linearRecurrence on every backend against its sequential twin linearRecurrenceRef and a
// float64 loop: outputs, final state and every gradient (dA, dU, dθ_0), with and without clipping.
// N sequences, T steps, P state size.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  convert,
  eye,
  linearRecurrence,
  linearRecurrenceRef,
  mul,
  slice,
  sum,
  type Tensor,
  valueAndGrad,
} from "../../src/index.js";
import { assertAllClose, assertGradcheck, describeEachBackend, rand } from "../helpers/index.js";

/** A stable transition: 0.9·I plus a small random perturbation. */
function stableA(P: number, dtype: "float32" | "float64" = "float32"): Tensor {
  return convert(
    add(mul(eye(P), 0.9), rand([P, P], { lo: -0.3 / Math.sqrt(P), hi: 0.3 / Math.sqrt(P) })),
    dtype,
  );
}

/** Plain float64 loop: θ_t = clip(A θ_{t−1} + U_t). */
function loopRef(A: Tensor, U: Tensor, theta0: Tensor, clip: number): Float64Array {
  const [N, T, P] = U.shape as [number, number, number];
  const out = new Float64Array(N * T * P);
  for (let n = 0; n < N; n++) {
    let prev = Array.from(theta0.data.subarray(n * P, (n + 1) * P));
    for (let t = 0; t < T; t++) {
      const next = new Array<number>(P);
      for (let i = 0; i < P; i++) {
        let s = U.data[(n * T + t) * P + i]!;
        for (let j = 0; j < P; j++) s += A.data[i * P + j]! * prev[j]!;
        next[i] = clip > 0 ? Math.min(clip, Math.max(-clip, s)) : s;
      }
      out.set(next, (n * T + t) * P);
      prev = next;
    }
  }
  return out;
}

const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 5],
  [4, 20, 33],
  [2, 9, 70],
];

describeEachBackend("linearRecurrence", (it) => {
  for (const clip of [0, 0.35]) {
    const tag = clip ? `with clipping to ±${clip}` : "without clipping";
    it(`matches a float64 loop and linearRecurrenceRef ${tag}`, () => {
      let clipped = 0;
      for (const [N, T, P] of SIZES) {
        const A = stableA(P);
        const U = rand([N, T, P], { lo: -0.2, hi: 0.2 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const fused = linearRecurrence(A, U, theta0, { clip });
        const ref = linearRecurrenceRef(A, U, theta0, { clip });
        const loop = loopRef(A, U, theta0, clip);
        assert.deepEqual(fused.shape, [N, T, P]);
        const tol = { atol: 1e-5, rtol: 1e-4 };
        assertAllClose(fused, loop, tol, `outputs vs loop ${N}×${T}×${P}`);
        assertAllClose(fused, ref, tol, `outputs vs Ref ${N}×${T}×${P}`);
        const last = (x: Tensor) => slice(x, [0, T - 1, 0], [N, 1, P]);
        assertAllClose(last(fused), last(ref), tol, "final state");
        clipped += fused.toArray().filter((v) => Math.abs(v) === Math.fround(clip)).length;
      }
      if (clip)
        assert.ok(clipped > 10, `only ${clipped} entries clipped: the test does not exercise clipping`);
    });
    it(`has dA, dU and dθ_0 equal to the sequential reference's ${tag}`, () => {
      for (const [N, T, P] of SIZES) {
        const A = stableA(P);
        const U = rand([N, T, P], { lo: -0.2, hi: 0.2 });
        const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
        const W = rand([N, T, P]);
        const loss = (f: typeof linearRecurrence) =>
          valueAndGrad((ps: Tensor[]) => sum(mul(f(ps[0]!, ps[1]!, ps[2]!, { clip }), W)));
        const fused = loss(linearRecurrence)([A, U, theta0]);
        const ref = loss(linearRecurrenceRef)([A, U, theta0]);
        assertAllClose([fused.value.item()], [ref.value.item()], { atol: 1e-4, rtol: 1e-4 }, "loss");
        ["dA", "dU", "dθ_0"].forEach((name, i) => {
          assertAllClose(
            fused.grads[i]!,
            ref.grads[i]!,
            { atol: 1e-4, rtol: 1e-3 },
            `${name} ${N}×${T}×${P}`,
          );
        });
      }
    });
  }
});

describe("linearRecurrence gradients", () => {
  it("match central differences in float64, with and without clipping", () => {
    for (const clip of [0, 0.4]) {
      const A = stableA(4, "float64");
      const U = convert(rand([2, 5, 4], { lo: -0.3, hi: 0.3 }), "float64");
      const theta0 = convert(rand([2, 4], { lo: -0.5, hi: 0.5 }), "float64");
      assertGradcheck((a, u, t0) => linearRecurrence(a, u, t0, { clip }), [A, U, theta0]);
      assertGradcheck((a, u, t0) => linearRecurrenceRef(a, u, t0, { clip }), [A, U, theta0]);
    }
  });
  it("rejects mismatched shapes with an error naming them", () => {
    assert.throws(
      () => linearRecurrence(rand([3, 3]), rand([2, 4, 3]), rand([2, 4])),
      /linearRecurrence: expected A \(3,3\) and theta0 \(2,3\) for U \(2,4,3\), got \(3,3\) and \(2,4\)/,
    );
  });
});
