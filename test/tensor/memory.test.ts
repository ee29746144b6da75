// Memory stays flat over thousands of training-like iterations run inside tidy: buffers are recycled
// by the pool and nothing accumulates on the tape or in scopes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import {
  clearPool,
  linearRecurrence,
  matmul,
  mean,
  mul,
  pooledByteCount,
  square,
  sub,
  type Tensor,
  tanh,
  tidy,
  valueAndGrad,
} from "../../src/index.js";
import { rand } from "../helpers/index.js";

// A full garbage collection before each reading, so the figures measure live memory only.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function usedBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("memory", () => {
  it("stays flat over 3000 gradient steps inside tidy", () => {
    clearPool();
    let params: Tensor[] = [rand([64, 64], { lo: -0.1, hi: 0.1 }), rand([64, 8], { lo: -0.1, hi: 0.1 })];
    params.forEach((p) => p.keep());
    const U = rand([4, 16, 64]).keep();
    const theta0 = rand([4, 64]).keep();
    const target = rand([64, 8]).keep();
    const step = valueAndGrad((ps: Tensor[]) => {
      const states = linearRecurrence(ps[0]!, U, theta0, { clip: 1 });
      const h = tanh(matmul(states, ps[1]!));
      return mean(square(sub(h, mean(target))));
    });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const next = tidy(() => {
          const { grads } = step(params);
          return params.map((p, j) => sub(p, mul(grads[j]!, 0.01)));
        });
        params.forEach((p) => p.dispose());
        params = next.map((p) => p.keep());
      }
    };
    run(200); // warm-up: pool and JIT reach their steady state
    const before = usedBytes();
    run(3000);
    const after = usedBytes();
    const growthMb = (after - before) / 2 ** 20;
    // One iteration allocates ~0.5 MB of tensors; 3000 leaked iterations would add > 1 GB.
    assert.ok(growthMb < 24, `memory grew by ${growthMb.toFixed(1)} MB over 3000 iterations`);
    assert.ok(pooledByteCount() > 0, "large buffers are recycled through the pool");
  });

  it("disposes every temporary of a tidy scope", () => {
    const x = rand([100, 100]).keep();
    const inner: Tensor[] = [];
    const y = tidy(() => {
      const a = tanh(x);
      const b = square(a);
      inner.push(a, b);
      return mean(b);
    });
    assert.ok(inner.every((t) => t.isDisposed));
    assert.equal(y.isDisposed, false);
    assert.equal(x.isDisposed, false);
  });
});
