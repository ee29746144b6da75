// valueAndGrad / grad over parameter trees: structure, accumulation when a tensor is used twice,
// unused parameters, non-scalar errors, no tape outside gradient tracking, and intermediate cleanup.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  backward,
  grad,
  matmul,
  mean,
  mul,
  noGrad,
  reshape,
  slice,
  square,
  sum,
  type Tensor,
  tanh,
  tensor,
  tidy,
  valueAndGrad,
} from "../../src/index.js";
import { assertAllClose } from "../helpers/index.js";

describe("valueAndGrad", () => {
  it("returns the value and gradients in the shape of a nested parameter tree", () => {
    const params = {
      w: tensor([
        [1, 2],
        [3, 4],
      ]),
      layers: [{ b: tensor([0.5, -0.5]) }],
    };
    const x = tensor([[1, 1]]);
    const f = (p: typeof params, input: Tensor) => sum(add(matmul(input, p.w), p.layers[0]!.b));
    const { value, grads } = valueAndGrad(f)(params, x);
    // x·W = [4, 6]; + b = [4.5, 5.5]; sum = 10
    assert.equal(value.item(), 10);
    assert.deepEqual(grads.w.shape, [2, 2]);
    assert.deepEqual(grads.w.toArray(), [1, 1, 1, 1]);
    assert.deepEqual(grads.layers[0]!.b.toArray(), [1, 1]);
  });

  it("accumulates the gradient of a tensor used several times", () => {
    // f(x) = Σ x·x + x  ⇒  df/dx = 2x + 1
    const g = grad((ps: Tensor[]) => sum(add(mul(ps[0]!, ps[0]!), ps[0]!)))([tensor([1, -2, 3])])[0]!;
    assert.deepEqual(g.toArray(), [3, -3, 7]);
  });

  it("adds the cotangents of many slices of one tensor, mixed with other uses of it, into one gradient", () => {
    // x (2, 5, 3): every step t is sliced and weighted by t + 1; x is also used whole (tanh) and
    // through a reshaped view, before and after the slices in tape order.
    const xv = Array.from({ length: 30 }, (_, i) => Math.sin(i + 1));
    const f = (p: { x: Tensor }) => {
      let acc = sum(tanh(p.x));
      for (let t = 0; t < 5; t++) {
        const s = slice(p.x, [0, t, 0], [2, 1, 3]);
        acc = add(acc, sum(mul(s, tensor([t + 1]))));
      }
      const h = tanh(reshape(p.x, [10, 3]));
      return add(acc, sum(square(slice(h, [2, 1], [5, 2]))));
    };
    const g = grad(f)({ x: tensor(xv, [2, 5, 3]) }).x.toArray();
    const want = xv.map((v, i) => {
      const [row, col] = [Math.floor(i / 3), i % 3];
      const t = row % 5;
      const th = Math.tanh(v);
      const inH = row >= 2 && row < 7 && col >= 1;
      return 1 - th * th + (t + 1) + (inH ? 2 * th * (1 - th * th) : 0);
    });
    assertAllClose(g, want, { rtol: 1e-5, atol: 1e-6 });
  });

  it("gives zeros for parameters the output does not depend on", () => {
    const g = grad((p: { a: Tensor; b: Tensor }) => sum(square(p.a)))({ a: tensor([2]), b: tensor([5, 6]) });
    assert.deepEqual(g.a.toArray(), [4]);
    assert.deepEqual(g.b.toArray(), [0, 0]);
  });

  it("differentiates through a deep chain (d/dx tanh∘…∘tanh)", () => {
    const x = tensor([0.3], [1], "float64");
    const g = grad((ps: Tensor[]) => {
      let y = ps[0]!;
      for (let i = 0; i < 200; i++) y = tanh(y);
      return sum(y);
    })([x])[0]!;
    let y = 0.3;
    let d = 1;
    for (let i = 0; i < 200; i++) {
      const t = Math.tanh(y);
      d *= 1 - t * t;
      y = t;
    }
    assertAllClose(g, [d], { atol: 1e-12, rtol: 1e-9 });
  });

  it("rejects a function that does not return a scalar", () => {
    assert.throws(
      () => grad((ps: Tensor[]) => mul(ps[0]!, 2))([tensor([1, 2])]),
      /grad: the function must return a scalar, got shape \(2\)/,
    );
  });

  it("leaves the caller's parameters untracked and unchanged", () => {
    const p = tensor([1, 2]);
    grad((ps: Tensor[]) => mean(square(ps[0]!)))([p]);
    assert.equal(p.requiresGrad, false);
    assert.equal(p.node, null);
    assert.deepEqual(p.toArray(), [1, 2]);
  });
});

describe("gradient tracking", () => {
  it("records no tape for inputs that do not require gradients, or under noGrad", () => {
    const x = tensor([1, 2]);
    assert.equal(tanh(x).node, null);
    const leaf = tensor([1, 2]);
    leaf.requiresGrad = true;
    assert.notEqual(tanh(leaf).node, null);
    noGrad(() => assert.equal(tanh(leaf).node, null));
  });

  it("backward frees intermediate cotangents but returns live gradients", () => {
    const leaf = tensor([0.1, 0.2, 0.3]);
    leaf.requiresGrad = true;
    const [g] = tidy(() => backward(sum(tanh(tanh(leaf))), [leaf]));
    assert.equal(g!.isDisposed, false);
    const t1 = Math.tanh(0.1);
    assertAllClose([g!.data[0]!], [(1 - Math.tanh(t1) ** 2) * (1 - t1 ** 2)], { atol: 1e-6 });
  });
});
