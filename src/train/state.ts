// Optimiser (or any) state trees ↔ named tensors plus a JSON skeleton, so a checkpoint can hold them
// beside the parameters and a resumed run continues bit for bit. Non-finite numbers (reduce-on-plateau's
// initial best = Infinity) survive the JSON. Not here: file writing (cli/).

import { Tensor } from "../tensor/tensor.js";
import { WarpError } from "../util/assert.js";

type Skeleton =
  | null
  | boolean
  | string
  | number
  | { $tensor: string }
  | { $num: string }
  | Skeleton[]
  | { [k: string]: Skeleton };

/** Splits a tree into tensors named `${prefix}${path}` and a JSON skeleton referring to them. */
export function encodeState(
  tree: unknown,
  prefix: string,
): { tensors: Record<string, Tensor>; json: string } {
  const tensors: Record<string, Tensor> = {};
  const walk = (x: unknown, path: string): Skeleton => {
    if (x instanceof Tensor) {
      tensors[prefix + path] = x;
      return { $tensor: prefix + path };
    }
    if (typeof x === "number") return Number.isFinite(x) ? x : { $num: String(x) };
    if (x === null || typeof x === "boolean" || typeof x === "string") return x;
    if (Array.isArray(x)) return x.map((v, i) => walk(v, `${path}.${i}`));
    if (typeof x === "object") {
      const o: Record<string, Skeleton> = {};
      for (const [k, v] of Object.entries(x)) if (v !== undefined) o[k] = walk(v, `${path}.${k}`);
      return o;
    }
    throw new WarpError(`encodeState: cannot store a ${typeof x} at ${path || "the root"}`);
  };
  const skeleton = walk(tree, "");
  return { tensors, json: JSON.stringify(skeleton) };
}

/** Rebuilds a tree from `encodeState`'s skeleton and tensors; missing tensors are an error. */
export function decodeState(json: string, tensors: Record<string, Tensor>): unknown {
  let skeleton: Skeleton;
  try {
    skeleton = JSON.parse(json) as Skeleton;
  } catch {
    throw new WarpError("decodeState: the state skeleton is not valid JSON");
  }
  const walk = (s: Skeleton): unknown => {
    if (s === null || typeof s !== "object") return s;
    if (Array.isArray(s)) return s.map(walk);
    if ("$tensor" in s && typeof s.$tensor === "string") {
      const t = tensors[s.$tensor];
      if (!t) throw new WarpError(`decodeState: tensor "${s.$tensor}" is missing`);
      return t;
    }
    if ("$num" in s && typeof s.$num === "string") return Number(s.$num);
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) o[k] = walk(v as Skeleton);
    return o;
  };
  return walk(skeleton);
}
