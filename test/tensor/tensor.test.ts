// Tensors: factories and their shape errors, item()/toArray(), int32 tensors, dispose (errors on use,
// views keeping buffers alive, pooled buffers coming back zeroed) and tidy scopes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  clearPool,
  dispose,
  full,
  ones,
  pooledByteCount,
  reshape,
  scalar,
  sum,
  Tensor,
  tensor,
  tidy,
  WarpError,
  zeros,
} from "../../src/index.js";

function throwsWith(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message "${e.message}" does not mention "${p}"`);
    return true;
  });
}

describe("tensor factories", () => {
  it("build a tensor from nested arrays, inferring the shape", () => {
    const t = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    assert.deepEqual([...t.shape], [2, 3, 2]);
    assert.equal(t.ndim, 3);
    assert.equal(t.size, 12);
    assert.equal(t.dtype, "float32");
    assert.ok(t.data instanceof Float32Array);
    assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("build a tensor from a flat array and a shape, in the requested dtype", () => {
    const t = tensor([0.5, 1.5, 2.5, 3.5, 4.5, 5.5], [3, 2], "float64");
    assert.deepEqual([...t.shape], [3, 2]);
    assert.equal(t.dtype, "float64");
    assert.ok(t.data instanceof Float64Array);
    assert.deepEqual(t.toArray(), [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  });

  it("round float32 values like Math.fround", () => {
    const t = tensor([0.1, 1 / 3]);
    assert.deepEqual(t.toArray(), [Math.fround(0.1), Math.fround(1 / 3)]);
    const d = tensor([0.1, 1 / 3], undefined, "float64");
    assert.deepEqual(d.toArray(), [0.1, 1 / 3]);
  });

  it("wrap a typed array without copying, taking its dtype, as 1-D or with a shape", () => {
    const buf = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(buf, [2, 3]);
    assert.equal(t.dtype, "float64");
    assert.deepEqual([...t.shape], [2, 3]);
    buf[4] = 50;
    assert.equal(t.data[4], 50);
    const v = tensor(new Float32Array([7, 8, 9]));
    assert.deepEqual([...v.shape], [3]);
    assert.equal(v.dtype, "float32");
    const i = tensor(Int32Array.of(1, -2));
    assert.equal(i.dtype, "int32");
  });

  it("build a 0-d tensor from a number and from scalar()", () => {
    const a = tensor(2.5);
    assert.deepEqual([...a.shape], []);
    assert.equal(a.size, 1);
    assert.equal(a.item(), 2.5);
    const b = scalar(-4, "float64");
    assert.deepEqual([...b.shape], []);
    assert.equal(b.dtype, "float64");
    assert.equal(b.item(), -4);
    assert.equal(scalar(3).dtype, "float32");
  });

  it("fill zeros, ones and full with the given value and dtype", () => {
    const z = zeros([3, 5]);
    assert.deepEqual([...z.shape], [3, 5]);
    assert.equal(z.dtype, "float32");
    assert.ok(z.data.every((v) => v === 0));
    const o = ones([2, 3, 4], "float64");
    assert.equal(o.dtype, "float64");
    assert.equal(o.size, 24);
    assert.ok(o.data.every((v) => v === 1));
    const f = full([1, 1], 7.25, "int32");
    assert.equal(f.dtype, "int32");
    assert.deepEqual(f.toArray(), [7]);
    const e = zeros([0, 4]);
    assert.equal(e.size, 0);
    assert.deepEqual([...e.shape], [0, 4]);
  });

  it("return zeros from a recycled pooled buffer that held other values", () => {
    clearPool();
    const n = 10_000;
    const big = full([n], 3);
    big.dispose();
    const z = zeros([n]);
    assert.ok(
      z.data.every((v) => v === 0),
      "zeros() reused a dirty buffer",
    );
    z.dispose();
    const f = full([100, 100], -2);
    assert.ok(f.data.every((v) => v === -2));
    clearPool();
  });

  it("reject ragged nested arrays, naming the expected shape", () => {
    throwsWith(() => tensor([[1, 2], [3]]), "tensor", "ragged", "(2,2)");
    throwsWith(() => tensor([[1, 2], 3] as never), "tensor", "ragged", "(2,2)");
    throwsWith(() => tensor([1, [2, 3]] as never), "tensor", "ragged", "(2)");
    throwsWith(() => tensor([[[1], [2]], [[3]]]), "tensor", "ragged", "(2,2,1)");
  });

  it("reject data whose length does not match the shape, naming the shape", () => {
    throwsWith(() => tensor([1, 2, 3, 4, 5], [2, 3]), "tensor", "(2,3)", "5");
    throwsWith(() => tensor(new Float32Array(7), [2, 3]), "tensor", "(2,3)", "7");
    throwsWith(() => tensor([1, 2], []), "tensor", "()");
  });

  it("reject negative or fractional dimensions, naming the shape", () => {
    throwsWith(() => zeros([2, -1]), "zeros", "(2,-1)");
    throwsWith(() => ones([1.5]), "(1.5)");
    throwsWith(() => full([3, -2], 1), "full", "(3,-2)");
    throwsWith(() => tensor([1, 2], [-1, -2]), "tensor", "(-1,-2)");
  });

  it("throw WarpError for shape errors", () => {
    assert.throws(() => tensor([1, 2, 3], [2, 2]), WarpError);
    assert.throws(() => zeros([-1]), WarpError);
  });
});

describe("item and toArray", () => {
  it("return the single value and a plain copy of the values", () => {
    assert.equal(tensor([[42]]).item(), 42);
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const arr = t.toArray();
    assert.ok(Array.isArray(arr));
    assert.deepEqual(arr, [1, 2, 3, 4]);
    arr[0] = 100;
    assert.equal(t.data[0], 1, "toArray must return a copy");
  });

  it("item() rejects a tensor with more than one element, naming its shape", () => {
    throwsWith(() => zeros([2, 3]).item(), "item", "(2,3)");
    throwsWith(() => zeros([0]).item(), "item", "(0)");
  });
});

describe("int32 tensors", () => {
  it("truncate values toward zero and keep integers exactly", () => {
    const t = tensor([1.7, -2.2, 2147483647, -2147483648], undefined, "int32");
    assert.equal(t.dtype, "int32");
    assert.ok(t.data instanceof Int32Array);
    assert.deepEqual(t.toArray(), [1, -2, 2147483647, -2147483648]);
    assert.equal(tensor([[5]], undefined, "int32").item(), 5);
    assert.deepEqual(zeros([2], "int32").toArray(), [0, 0]);
  });

  it("can be reshaped like float tensors", () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3], "int32");
    const r = reshape(t, [3, 2]);
    assert.equal(r.dtype, "int32");
    assert.deepEqual([...r.shape], [3, 2]);
    assert.deepEqual(r.toArray(), [1, 2, 3, 4, 5, 6]);
  });
});

describe("dispose", () => {
  it("makes any later use of the tensor throw an error that says it was disposed", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    t.dispose();
    assert.ok(t.isDisposed);
    throwsWith(() => t.data, "disposed", "(2,3)");
    throwsWith(() => t.toArray(), "disposed");
    throwsWith(() => sum(t), "disposed");
    throwsWith(() => add(t, 1), "disposed");
    throwsWith(() => reshape(t, [6]), "disposed");
    const s = scalar(1);
    s.dispose();
    throwsWith(() => s.item(), "disposed");
  });

  it("is idempotent", () => {
    const t = ones([3]);
    t.dispose();
    t.dispose();
    assert.ok(t.isDisposed);
  });

  it("keeps a reshape view usable after the original is disposed, and vice versa", () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const v = reshape(x, [3, 2]);
    x.dispose();
    assert.ok(x.isDisposed);
    assert.ok(!v.isDisposed);
    assert.deepEqual(v.toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(sum(v, 1).toArray(), [3, 7, 11]);

    const y = tensor([1, 2, 3, 4], [2, 2]);
    const w = reshape(y, [4]);
    w.dispose();
    assert.deepEqual(y.toArray(), [1, 2, 3, 4]);
  });

  it("recycles a large buffer only when its last view is disposed", () => {
    clearPool();
    const n = 8192;
    const x = full([n], 5);
    const v = reshape(x, [2, n / 2]);
    x.dispose();
    assert.equal(pooledByteCount(), 0, "buffer pooled while a view still uses it");
    // A new allocation of the same size must not hand out the view's buffer.
    const other = full([n], 9);
    assert.ok(
      v.data.every((e) => e === 5),
      "view's buffer was reused while alive",
    );
    v.dispose();
    assert.equal(pooledByteCount(), n * 4);
    other.dispose();
    clearPool();
    assert.equal(pooledByteCount(), 0);
  });

  it("disposes every tensor in a tree", () => {
    const a = ones([2]);
    const b = ones([3]);
    const c = ones([4]);
    dispose({ a, list: [b, { c }] });
    assert.ok(a.isDisposed && b.isDisposed && c.isDisposed);
  });
});

describe("tidy", () => {
  it("disposes tensors created inside except the returned one", () => {
    let inner: Tensor | undefined;
    let temp: Tensor | undefined;
    const out = tidy(() => {
      inner = ones([2, 2]);
      temp = add(inner, 1);
      return add(temp, 1);
    });
    assert.ok(inner!.isDisposed);
    assert.ok(temp!.isDisposed);
    assert.ok(!out.isDisposed);
    assert.deepEqual(out.toArray(), [3, 3, 3, 3]);
  });

  it("keeps every tensor of a returned tree and passes other values through", () => {
    let dropped: Tensor | undefined;
    const r = tidy(() => {
      dropped = zeros([1]);
      return { a: ones([1]), list: [full([2], 2), { deep: full([1], 3) }], n: 5 };
    });
    assert.ok(dropped!.isDisposed);
    assert.deepEqual(r.a.toArray(), [1]);
    const [first, second] = r.list as [Tensor, { deep: Tensor }];
    assert.deepEqual(first.toArray(), [2, 2]);
    assert.deepEqual(second.deep.toArray(), [3]);
    assert.equal(r.n, 5);
    assert.equal(
      tidy(() => sum(ones([4])).item()),
      4,
    );
  });

  it("does not dispose tensors created outside it", () => {
    const outside = ones([3]);
    tidy(() => {
      add(outside, 1);
    });
    assert.ok(!outside.isDisposed);
    assert.deepEqual(outside.toArray(), [1, 1, 1]);
  });

  it("keeps a view of a disposed inner tensor usable when the view is returned", () => {
    let base: Tensor | undefined;
    const v = tidy(() => {
      base = tensor([1, 2, 3, 4, 5, 6]);
      return reshape(base, [2, 3]);
    });
    assert.ok(base!.isDisposed);
    assert.deepEqual(v.toArray(), [1, 2, 3, 4, 5, 6]);
  });

  it("nests: an inner result moves to the outer scope and is disposed there unless returned", () => {
    let innerResult: Tensor | undefined;
    let innerTemp: Tensor | undefined;
    let outerTemp: Tensor | undefined;
    const out = tidy(() => {
      innerResult = tidy(() => {
        innerTemp = ones([2]);
        return add(innerTemp, 1);
      });
      assert.ok(innerTemp!.isDisposed, "inner temporary survived the inner tidy");
      assert.ok(!innerResult.isDisposed, "inner result disposed by the inner tidy");
      outerTemp = add(innerResult, 1);
      return tidy(() => add(outerTemp!, 10));
    });
    assert.ok(innerResult!.isDisposed, "inner result survived the outer tidy");
    assert.ok(outerTemp!.isDisposed);
    assert.deepEqual(out.toArray(), [13, 13]);
  });

  it("spares tensors marked with keep(), also from enclosing scopes", () => {
    let kept: Tensor | undefined;
    let keptDeep: Tensor | undefined;
    tidy(() => {
      kept = ones([2]).keep();
      tidy(() => {
        keptDeep = full([2], 4).keep();
      });
    });
    assert.ok(!kept!.isDisposed);
    assert.ok(!keptDeep!.isDisposed);
    assert.deepEqual(keptDeep!.toArray(), [4, 4]);
  });

  it("disposes everything created inside and rethrows when the function throws", () => {
    const created: Tensor[] = [];
    const boom = new Error("boom");
    assert.throws(
      () =>
        tidy(() => {
          created.push(ones([2]));
          tidy(() => {
            created.push(ones([3]));
            return created[created.length - 1];
          });
          throw boom;
        }),
      (e: unknown) => e === boom,
    );
    assert.equal(created.length, 2);
    for (const t of created) assert.ok(t.isDisposed);
  });

  it("inner exception caught by the outer function leaves the outer scope working", () => {
    let before: Tensor | undefined;
    const out = tidy(() => {
      before = ones([2]);
      try {
        tidy(() => {
          ones([5]);
          throw new Error("inner");
        });
      } catch {
        // ignored
      }
      return add(before, 1);
    });
    assert.ok(before!.isDisposed);
    assert.deepEqual(out.toArray(), [2, 2]);
  });
});

describe("Tensor", () => {
  it("is the class of every factory result and describes itself with its shape and dtype", () => {
    const t = zeros([2, 3], "float64");
    assert.ok(t instanceof Tensor);
    assert.equal(String(t), "Tensor(2,3) float64");
  });
});
