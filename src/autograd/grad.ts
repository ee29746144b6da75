// Reverse-mode differentiation over a tree of parameters: valueAndGrad / grad run the function with
// fresh leaves that share the parameters' buffers, walk the tape backwards in topological order and
// free every intermediate cotangent as soon as it has been consumed. No higher-order gradients: the
// backward pass itself runs without recording.

import { add } from "../ops/elementwise.js";
import { sliceVjpInto } from "../ops/shape.js";
import { sameShape } from "../tensor/shape.js";
import { forEachTensor, full, Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { noGrad } from "./tape.js";
import type { OpName, OpNode, Vjp } from "./types.js";
import { vjpRules } from "./vjp-table.js";

/** A nested structure (arrays / plain objects) of tensors, such as a model's parameters. */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree | undefined };

/** Maps every tensor of a tree (nested arrays / plain objects; undefined entries are dropped). */
function mapTree<T>(tree: T, fn: (t: Tensor) => Tensor): T {
  if (tree instanceof Tensor) return fn(tree) as T;
  if (Array.isArray(tree)) return tree.map((x) => mapTree(x, fn)) as T;
  assert(
    tree !== null && typeof tree === "object",
    () => `grad: parameters must be tensors in nested arrays / objects, found ${String(tree)}`,
  );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tree as object)) if (v !== undefined) out[k] = mapTree(v, fn);
  return out as T;
}

/** Nodes reachable from `root` through tracked inputs, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const x = inputs[i]!;
      if (x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push([x, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Back-propagates from `output` (a scalar, or any tensor given its cotangent `seed`); returns the
 * cotangent of each tensor in `wrt` (zeros where the output does not depend on it).
 */
export function backward(output: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  assert(
    seed !== undefined || output.size === 1,
    () => `grad: the function must return a scalar, got shape ${fmtShape(output.shape)}`,
  );
  return noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    // How many map entries hold each cotangent tensor: it is disposed when none does any more.
    const holders = new Map<Tensor, number>();
    // Cotangents made here for sliced tensors and held by nothing else: the slices of one tensor are
    // added into it in place (O(slice) each), not each into a zeros(x) of its own (O(T·|x|) for T slices).
    const owned = new Set<Tensor>();
    const hold = (t: Tensor, g: Tensor): void => {
      grads.set(t, g);
      holders.set(g, (holders.get(g) ?? 0) + 1);
    };
    const drop = (t: Tensor): void => {
      const g = grads.get(t);
      if (!g) return;
      grads.delete(t);
      const n = (holders.get(g) ?? 1) - 1;
      if (n === 0) {
        holders.delete(g);
        owned.delete(g);
        g.dispose();
      } else holders.set(g, n);
    };
    const keepSet = new Set(wrt);
    if (seed) {
      assert(
        sameShape(seed.shape, output.shape) && seed.dtype === output.dtype,
        () =>
          `grad: seed ${seed.dtype} ${fmtShape(seed.shape)} does not match the output ${output.dtype} ${fmtShape(output.shape)}`,
      );
    }
    // A view of the caller's seed, so that freeing cotangents never frees the caller's tensor.
    hold(output, seed ? seed.view(seed.shape) : full(output.shape, 1, output.dtype));
    const order = output.requiresGrad ? topoOrder(output) : [];
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const node = t.node;
      const dOut = grads.get(t);
      if (!node || !dOut) continue;
      const x0 = node.inputs[0]!;
      if (node.op === "slice" && x0.requiresGrad) {
        let acc = grads.get(x0);
        if (!acc || !owned.has(acc) || holders.get(acc) !== 1) {
          const fresh = zeros(x0.shape, x0.dtype);
          if (acc) fresh.data.set(acc.data);
          drop(x0);
          hold(x0, fresh);
          owned.add(fresh);
          acc = fresh;
        }
        sliceVjpInto(dOut, (node as OpNode<"slice">).attrs.begin, acc);
        if (!keepSet.has(t)) drop(t);
        continue;
      }
      const rule = vjpRules[node.op as OpName] as Vjp<OpName>;
      const dIns = rule(dOut, node as OpNode<OpName>, t);
      node.inputs.forEach((x, j) => {
        const d = dIns[j];
        if (!d || !x.requiresGrad) return;
        assert(
          sameShape(d.shape, x.shape),
          () =>
            `grad: rule for ${node.op} returned ${fmtShape(d.shape)} for an input of ${fmtShape(x.shape)}`,
        );
        const prev = grads.get(x);
        if (prev) {
          const sum = add(prev, d);
          drop(x);
          if (!holders.has(d)) d.dispose();
          hold(x, sum);
        } else hold(x, d);
      });
      if (!keepSet.has(t)) drop(t);
    }
    return wrt.map((x) => {
      const g = grads.get(x);
      if (g) return g;
      return full(x.shape, 0, x.dtype);
    });
  });
}

/**
 * Returns a function computing f(params, ...args) and its gradient with respect to every tensor in
 * `params` (same tree structure). f must return a scalar tensor.
 */
export function valueAndGrad<P extends TensorTree | object, A extends unknown[]>(
  f: (params: P, ...args: A) => Tensor,
): (params: P, ...args: A) => { value: Tensor; grads: P } {
  return (params, ...args) => {
    const leaves: Tensor[] = [];
    const tracked = mapTree(params, (p) => {
      const leaf = p.view(p.shape);
      leaf.requiresGrad = p.dtype !== "int32";
      leaves.push(leaf);
      return leaf;
    });
    const value = f(tracked, ...args);
    const gradList = backward(value, leaves);
    let i = 0;
    const grads = mapTree(params, () => gradList[i++]!);
    const detached = value.view(value.shape);
    for (const l of leaves) l.dispose();
    return { value: detached, grads };
  };
}

/** Like valueAndGrad but returns only the gradients. */
export function grad<P extends TensorTree | object, A extends unknown[]>(
  f: (params: P, ...args: A) => Tensor,
): (params: P, ...args: A) => P {
  const vg = valueAndGrad(f);
  return (params, ...args) => {
    const { value, grads } = vg(params, ...args);
    value.dispose();
    return grads;
  };
}

/** Number of tensors in a tree. */
export function treeSize(tree: TensorTree): number {
  let n = 0;
  forEachTensor(tree, () => n++);
  return n;
}
