// linearStep — one recurrence step with the dA GEMM deferred to a tape tick — on every backend: a loop
// of steps must equal the sequential reference linearRecurrenceRef (outputs and dA, dU, dθ_0), with and
// without clipping, with and without the tape, and steps that get no gradient must contribute nothing.
// N sequences, T steps, P state size.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  eye,
  full,
  linearRecurrenceRef,
  linearStep,
  mul,
  reshape,
  slice,
  stack,
  stepTape,
  sum,
  type Tensor,
  tidy,
  valueAndGrad,
} from "../../src/index.js";
import { assertAllClose, assertGradcheck, describeEachBackend, rand } from "../helpers/index.js";

function stepLoop(A: Tensor, U: Tensor, theta0: Tensor, clip: number, useTape: boolean): Tensor {
  const [N, T, P] = U.shape as [number, number, number];
  const tape = useTape ? stepTape(A, T, N) : null;
  let theta = theta0;
  const states: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    theta = linearStep(theta, A, reshape(slice(U, [0, t, 0], [N, 1, P]), [N, P]), { clip, tape, t });
    states.push(theta);
  }
  return stack(states, 1);
}

describeEachBackend("linearStep", (it) => {
  for (const clip of [0, 0.3]) {
    for (const useTape of [true, false]) {
      it(`loops equal linearRecurrenceRef (clip ${clip || "none"}, ${useTape ? "deferred dA" : "per-step dA"})`, () => {
        for (const [N, T, P] of [
          [1, 1, 1],
          [3, 6, 5],
          [4, 12, 33],
        ] as const) {
          const A = add(mul(eye(P), 0.9), rand([P, P], { lo: -0.3 / Math.sqrt(P), hi: 0.3 / Math.sqrt(P) }));
          const U = rand([N, T, P], { lo: -0.2, hi: 0.2 });
          const theta0 = rand([N, P], { lo: -0.5, hi: 0.5 });
          const W = rand([N, T, P]);
          const run = (f: (a: Tensor, u: Tensor, t0: Tensor) => Tensor) =>
            valueAndGrad((ps: Tensor[]) => sum(mul(f(ps[0]!, ps[1]!, ps[2]!), W)))([A, U, theta0]);
          const steps = run((a, u, t0) => stepLoop(a, u, t0, clip, useTape));
          const ref = run((a, u, t0) => linearRecurrenceRef(a, u, t0, { clip }));
          const tol = { atol: 1e-4, rtol: 1e-4 };
          assertAllClose([steps.value.item()], [ref.value.item()], tol, "loss");
          ["dA", "dU", "dθ_0"].forEach((name, i) => {
            assertAllClose(steps.grads[i]!, ref.grads[i]!, tol, `${name} ${N}×${T}×${P}`);
          });
        }
      });
    }
  }

  it("gives dA only from the steps the loss depends on (unreached steps add nothing)", () => {
    const [N, T, P] = [4, 16, 64]; // T·N·P = 4096: large enough for the buffer pool
    const A = add(mul(eye(P), 0.8), rand([P, P], { lo: -0.01, hi: 0.01 }));
    const U = rand([N, T, P]);
    const theta0 = rand([N, P]);
    // The loss reads θ at step 2 only, so the backward pass never reaches steps 3 and 4: their rows of
    // the (recycled, uninitialised) tape must not enter dA.
    const loss = (a: Tensor) => {
      const tape = stepTape(a, T, N);
      let theta = theta0;
      let picked: Tensor | null = null;
      for (let t = 0; t < T; t++) {
        theta = linearStep(theta, a, reshape(slice(U, [0, t, 0], [N, 1, P]), [N, P]), { tape, t });
        if (t === 2) picked = theta;
      }
      return sum(picked!);
    };
    // Dirty the buffer pool with NaN-filled buffers of the tape's size first.
    tidy(() => void [1, 2, 3, 4].map(() => full([T * N, P], Number.NaN)));
    const { grads } = valueAndGrad((ps: Tensor[]) => loss(ps[0]!))([A]);
    const ref = valueAndGrad((ps: Tensor[]) =>
      sum(slice(linearRecurrenceRef(ps[0]!, U, theta0), [0, 2, 0], [N, 1, P])),
    )([A]);
    assertAllClose(grads[0]!, ref.grads[0]!, { atol: 1e-5, rtol: 1e-5 }, "dA");
  });
});

describe("linearStep gradients", () => {
  it("match central differences in float64 with the deferred dA", () => {
    const A = add(mul(eye(3, "float64"), 0.9), rand([3, 3], { lo: -0.1, hi: 0.1, dtype: "float64" }));
    assertGradcheck(
      (a, u, t0) => stepLoop(a, u, t0, 0.45, true),
      [
        A,
        rand([2, 4, 3], { lo: -0.3, hi: 0.3, dtype: "float64" }),
        rand([2, 3], { lo: -0.4, hi: 0.4, dtype: "float64" }),
      ],
    );
  });
  it("rejects a step outside the tape", () => {
    const A = eye(2);
    const tape = stepTape(A, 1, 1);
    assert.equal(tape, null, "A needs no gradient here, so there is no tape");
    assert.throws(
      () => linearStep(rand([1, 2]), eye(3), rand([1, 2])),
      /linearStep: expected thetaPrev \(N,P\), A \(P,P\), u \(N,P\), got \(1,2\), \(3,3\), \(1,2\)/,
    );
  });
});
