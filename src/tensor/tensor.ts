// Tensor: a dense row-major buffer (float32, float64 or int32) with a shape and, when it was made by a
// differentiable op under gradient tracking, the tape node that produced it. Buffers are reference-
// counted storages so that reshapes are free views and `dispose()`/`tidy()` can recycle memory.
// Not here: the ops themselves (src/ops), the kernels (src/backends), the backward pass (src/autograd).

import type { TypedArray } from "../backends/kernels.js";
import { assert, fmtShape } from "../util/assert.js";
import { checkShape, sizeOf } from "./shape.js";

export type DType = "float32" | "float64" | "int32";
export type FloatDType = "float32" | "float64";

/** The typed array class behind each dtype. */
export function arrayFor(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  return "int32";
}

// ---------------------------------------------------------------------------------------------
// Buffer pool: disposed buffers of ≥ POOL_MIN elements are kept by (dtype, length) and handed out
// again, so a training loop inside `tidy` reuses the same large buffers instead of allocating (and
// zero-filling) new ones every step. Small buffers are left to the garbage collector.
const POOL_MIN = 4096;
const POOL_MAX_BYTES = 8 * 2 ** 30;
// Per (dtype, length): enough for one buffer per step of a long autoregressive rollout.
const POOL_PER_KEY = 16384;
const pool = new Map<string, TypedArray[]>();
let pooledBytes = 0;

/** A buffer of `n` elements; zero-filled when `zero`, otherwise its contents are unspecified. */
export function allocate(dtype: DType, n: number, zero = true): TypedArray {
  if (n >= POOL_MIN) {
    const list = pool.get(`${dtype}:${n}`);
    const buf = list?.pop();
    if (buf) {
      pooledBytes -= buf.byteLength;
      if (zero) buf.fill(0);
      return buf;
    }
  }
  return arrayFor(dtype, n);
}

function release(buf: TypedArray): void {
  if (buf.length < POOL_MIN || pooledBytes + buf.byteLength > POOL_MAX_BYTES) return;
  const key = `${dtypeOf(buf)}:${buf.length}`;
  let list = pool.get(key);
  if (!list) {
    list = [];
    pool.set(key, list);
  }
  if (list.length >= POOL_PER_KEY) return;
  list.push(buf);
  pooledBytes += buf.byteLength;
}

/** Drops every pooled buffer (for tests and for callers about to change working-set size). */
export function clearPool(): void {
  pool.clear();
  pooledBytes = 0;
}

/** Bytes currently held by the pool. */
export function pooledByteCount(): number {
  return pooledBytes;
}

// ---------------------------------------------------------------------------------------------
// Scopes: `tidy(fn)` disposes every tensor created inside fn except those reachable from its result.
const scopes: Set<Tensor>[] = [];

/** A tape node: how a tensor was computed (op name, inputs, static attributes). */
export interface TapeNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
}

/** @internal A reference-counted buffer shared by a tensor and its views. */
export class Storage {
  refs = 1;
  constructor(readonly data: TypedArray) {}
}

/** A dense row-major tensor. */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Set by autograd: the node that produced this tensor, or null for leaves and untracked results. */
  node: TapeNode | null = null;
  /** True when gradients flow to or through this tensor. */
  requiresGrad = false;
  private storage: Storage | null;
  private kept = false;

  /** Wraps `data` (not copied) with `shape`; prefer the factories `tensor`, `zeros`, …. */
  constructor(data: TypedArray, shape: readonly number[], storage?: Storage) {
    checkShape("tensor", shape);
    const size = sizeOf(shape);
    assert(
      data.length === size,
      () => `tensor: ${data.length} values do not fill shape ${fmtShape(shape)} (${size} elements)`,
    );
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.size = size;
    if (storage) {
      storage.refs++;
      this.storage = storage;
    } else {
      this.storage = new Storage(data);
    }
    scopes[scopes.length - 1]?.add(this);
  }

  /** The underlying buffer (shared with views); throws if the tensor was disposed. */
  get data(): TypedArray {
    const s = this.storage;
    if (!s) throw new Error(`Tensor ${fmtShape(this.shape)} ${this.dtype} was disposed and cannot be used`);
    return s.data;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** A tensor sharing this one's buffer under another shape of the same size (no copy). */
  view(shape: readonly number[]): Tensor {
    const s = this.storage;
    if (!s) throw new Error(`Tensor ${fmtShape(this.shape)} was disposed and cannot be reshaped`);
    return new Tensor(s.data, shape, s);
  }

  /** Releases this tensor's reference to its buffer; the buffer is recycled when no view uses it. */
  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    this.node = null;
    if (--s.refs === 0) release(s.data);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    assert(this.size === 1, () => `item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements`);
    return this.data[0]!;
  }

  /** The values as a flat JS array (copy). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Exempts this tensor from disposal by enclosing `tidy` scopes. */
  keep(): this {
    this.kept = true;
    for (const s of scopes) s.delete(this);
    return this;
  }

  /** @internal */
  get isKept(): boolean {
    return this.kept;
  }

  toString(): string {
    return `Tensor${fmtShape(this.shape)} ${this.dtype}`;
  }
}

/** Visits every tensor inside nested arrays / plain objects. */
export function forEachTensor(tree: unknown, fn: (t: Tensor) => void): void {
  if (tree instanceof Tensor) fn(tree);
  else if (Array.isArray(tree)) for (const x of tree) forEachTensor(x, fn);
  else if (tree !== null && typeof tree === "object" && Object.getPrototypeOf(tree) === Object.prototype) {
    for (const x of Object.values(tree)) forEachTensor(x, fn);
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those reachable from its result (which move
 * to the enclosing scope) and those marked with `keep()`. On an exception everything is disposed.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const survivors = new Set<Tensor>();
  forEachTensor(result, (t) => survivors.add(t));
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Disposes every tensor in a tree. */
export function dispose(tree: unknown): void {
  forEachTensor(tree, (t) => t.dispose());
}

// ---------------------------------------------------------------------------------------------
// Factories.

type NestedNumbers = number | readonly NestedNumbers[];

function inferShape(v: NestedNumbers): number[] {
  const shape: number[] = [];
  let x: NestedNumbers = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = (x as readonly NestedNumbers[])[0] ?? 0;
  }
  return shape;
}

function flatten(v: NestedNumbers, shape: readonly number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    assert(typeof v === "number", () => `tensor: ragged nested array, expected shape ${fmtShape(shape)}`);
    out.push(v as number);
    return;
  }
  assert(
    Array.isArray(v) && v.length === shape[depth],
    () => `tensor: ragged nested array, expected shape ${fmtShape(shape)}`,
  );
  for (const x of v as readonly NestedNumbers[]) flatten(x, shape, depth + 1, out);
}

/**
 * A tensor from a typed array (used as is, not copied, unless `dtype` asks for another type), a flat
 * number array with an explicit shape, or a nested number array (shape inferred). Default dtype float32.
 */
export function tensor(values: TypedArray | NestedNumbers, shape?: readonly number[], dtype?: DType): Tensor {
  if (ArrayBuffer.isView(values)) {
    const t = new Tensor(values, shape ?? [values.length]);
    return dtype && dtype !== t.dtype ? convert(t, dtype) : t;
  }
  const s = shape ?? inferShape(values);
  let flat: number[];
  if (shape && Array.isArray(values) && !values.some(Array.isArray)) flat = values as number[];
  else {
    flat = [];
    flatten(values, s, 0, flat);
  }
  const data = arrayFor(dtype ?? "float32", flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
  return new Tensor(data, s);
}

/** A zero-filled tensor. */
export function zeros(shape: readonly number[], dtype: DType = "float32"): Tensor {
  checkShape("zeros", shape);
  return new Tensor(allocate(dtype, sizeOf(shape), true), shape);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, dtype: DType = "float32"): Tensor {
  checkShape("full", shape);
  const data = allocate(dtype, sizeOf(shape), false);
  data.fill(value);
  return new Tensor(data, shape);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], dtype: DType = "float32"): Tensor {
  return full(shape, 1, dtype);
}

/** A 0-d tensor. */
export function scalar(value: number, dtype: DType = "float32"): Tensor {
  return full([], value, dtype);
}

/** An uninitialised tensor for kernels to write (internal). */
export function empty(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape), false), shape);
}

/** A copy of `t` converted to `dtype` (no gradient; use `cast` from ops for a differentiable one). */
export function convert(t: Tensor, dtype: DType): Tensor {
  const out = allocate(dtype, t.size, false);
  out.set(t.data);
  return new Tensor(out, t.shape);
}

/** The n×n identity matrix. */
export function eye(n: number, dtype: DType = "float32"): Tensor {
  const t = zeros([n, n], dtype);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}
