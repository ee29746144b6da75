// The fused per-sample root MLP `rootMlp` on every backend against `rootMlpRef` (the same MLP built from
// slice/matmul/add/activation): outputs and the gradients dθ, dx of a random projection, for every
// activation, several layer widths and leading shapes; float64 gradchecks; float32 vs float64 at a size
// that takes the native threaded path; the no-grad path; and the errors. Not here: kernel-level buffer
// checks (test/backends/native.test.ts). dims = [d_0 (in), …, d_L (out)], P = Σ_l d_{l+1}(d_l + 1).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  convert,
  mul,
  ROOT_ACTIVATIONS,
  type RootActivation,
  rootMlp,
  rootMlpRef,
  rootParamCount,
  sum,
  type Tensor,
  valueAndGrad,
} from "../../src/index.js";
import {
  assertAllClose,
  assertGradcheck,
  assertMatchesFloat64,
  describeEachBackend,
  rand,
} from "../helpers/index.js";

const DIMS: number[][] = [
  [1, 3],
  [1, 24, 24, 24, 2],
  [3, 5, 4, 2],
  [2, 7, 1],
  [4, 3],
];
const LEADS: number[][] = [[6], [2, 3]];

/** θ (…lead, P) with weights small enough to keep every layer's values O(1), and x (…lead, d_0). */
function inputs(lead: readonly number[], dims: readonly number[]): [Tensor, Tensor] {
  const theta = rand([...lead, rootParamCount(dims)], { lo: -0.6, hi: 0.6 });
  const x = rand([...lead, dims[0]!], { lo: -2, hi: 2 });
  return [theta, x];
}

/** Σ y ⊙ W for a fixed random W: a scalar whose gradient is a random projection of the Jacobian. */
function projection(
  f: typeof rootMlp,
  dims: readonly number[],
  activation: RootActivation,
  W: Tensor,
): (ps: Tensor[], x?: Tensor) => Tensor {
  return (ps, x) => sum(mul(f(ps[0]!, x ?? ps[1]!, { dims, activation }), W));
}

const TOL = { atol: 2e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

describeEachBackend("rootMlp", (it) => {
  for (const activation of ROOT_ACTIVATIONS) {
    it(`${activation}: outputs equal rootMlpRef's for every dims and leading shape`, () => {
      for (const dims of DIMS) {
        for (const lead of LEADS) {
          const [theta, x] = inputs(lead, dims);
          const fused = rootMlp(theta, x, { dims, activation });
          const ref = rootMlpRef(theta, x, { dims, activation });
          assert.deepEqual(fused.shape, [...lead, dims[dims.length - 1]!]);
          assert.deepEqual(ref.shape, fused.shape);
          assertAllClose(fused, ref, TOL, `outputs, dims [${dims}], lead (${lead})`);
        }
      }
    });

    it(`${activation}: dθ and dx equal rootMlpRef's, and dθ alone (no dx) too`, () => {
      for (const dims of DIMS) {
        for (const lead of LEADS) {
          const [theta, x] = inputs(lead, dims);
          const W = rand([...lead, dims[dims.length - 1]!]);
          const where = `dims [${dims}], lead (${lead})`;
          const fused = valueAndGrad(projection(rootMlp, dims, activation, W))([theta, x]);
          const ref = valueAndGrad(projection(rootMlpRef, dims, activation, W))([theta, x]);
          assertAllClose([fused.value.item()], [ref.value.item()], GRAD_TOL, `value, ${where}`);
          assertAllClose(fused.grads[0]!, ref.grads[0]!, GRAD_TOL, `dθ, ${where}`);
          assertAllClose(fused.grads[1]!, ref.grads[1]!, GRAD_TOL, `dx, ${where}`);
          // x as a constant: the backward skips dx, and dθ must not change.
          const thetaOnly = valueAndGrad(projection(rootMlp, dims, activation, W))([theta], x);
          assertAllClose(
            thetaOnly.grads[0]!,
            fused.grads[0]!,
            { atol: 0, rtol: 0 },
            `dθ without dx, ${where}`,
          );
        }
      }
    });
  }

  it("gives the same outputs with and without recording (no hidden buffer)", () => {
    for (const activation of ROOT_ACTIVATIONS) {
      const dims = [1, 24, 24, 24, 2];
      const [theta, x] = inputs([2, 3], dims);
      const plain = rootMlp(theta, x, { dims, activation });
      let recorded: number[] = [];
      valueAndGrad((ps: Tensor[]) => {
        const y = rootMlp(ps[0]!, ps[1]!, { dims, activation });
        recorded = Array.from(y.data);
        return sum(y);
      })([theta, x]);
      assert.deepEqual(Array.from(plain.data), recorded, activation);
    }
  });

  // M·P = 2000·1298 is above the native pool's threshold (and θ above the backward's prefetch size).
  for (const activation of ROOT_ACTIVATIONS) {
    it(`${activation}: float32 agrees with float64 at M = 2000 (the native threaded path)`, () => {
      const dims = [1, 24, 24, 24, 2];
      const [theta, x] = inputs([2000], dims);
      const y64 = rootMlp(convert(theta, "float64"), convert(x, "float64"), { dims, activation });
      assertAllClose(rootMlp(theta, x, { dims, activation }), y64, TOL, "outputs");
      assertMatchesFloat64((t, u) => rootMlp(t!, u!, { dims, activation }), [theta, x]);
    });
  }
});

describe("rootMlp gradients", () => {
  it("match central differences in float64 for every activation", () => {
    for (const activation of ROOT_ACTIVATIONS) {
      for (const dims of [
        [2, 4, 3, 2],
        [3, 2],
      ]) {
        const [theta, x] = inputs([2, 3], dims);
        assertGradcheck((t, u) => rootMlp(t!, u!, { dims, activation }), [theta, x]);
      }
    }
  });
});

describe("rootMlp errors", () => {
  const dims = [3, 5, 2]; // P = 5·4 + 2·6 = 32
  const opts = { dims, activation: "tanh" as const };
  it("names a wrong parameter count", () => {
    assert.throws(
      () => rootMlp(rand([4, 31]), rand([4, 3]), opts),
      /rootMlp: expected theta \(…, 32\) and x \(…, 3\) with the same leading axes for dims \[3,5,2\], got \(4,31\) and \(4,3\)/,
    );
  });
  it("names mismatched leading axes and a wrong input width", () => {
    assert.throws(
      () => rootMlp(rand([2, 3, 32]), rand([3, 2, 3]), opts),
      /rootMlp: expected theta \(…, 32\) and x \(…, 3\) .* got \(2,3,32\) and \(3,2,3\)/,
    );
    assert.throws(() => rootMlp(rand([4, 32]), rand([4, 2]), opts), /got \(4,32\) and \(4,2\)/);
  });
  it("names an unknown activation and bad dims", () => {
    assert.throws(
      () => rootMlp(rand([4, 32]), rand([4, 3]), { dims, activation: "gelu" as RootActivation }),
      /rootMlp: unknown activation "gelu" \(one of relu, tanh, softplus, swish, identity, sin, cos\)/,
    );
    for (const bad of [[3], [3, 0, 2], [3, 2.5]]) {
      assert.throws(
        () => rootMlp(rand([4, 32]), rand([4, 3]), { dims: bad, activation: "relu" }),
        new RegExp(`rootMlp: dims must be at least two positive integers, got \\[${bad.join(",")}\\]`),
      );
    }
  });
});
