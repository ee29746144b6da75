// In-memory datasets of equal-length sequences and the minibatch iterator over them: a Dataset hands out
// `Batch`es (x (N, T, D), optional target, int32 labels, times) for any list of sequence indices; `batches`
// walks one epoch in a seeded random order. Arrays are validated once, when the dataset is made.
// Not here: file parsing (npy-dataset.ts), normalisation (normalize.ts), generators (sine.ts), training.

import type { Batch } from "../sequence-model.js";
import { allocate, type DType, Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { type Key, permutation } from "../util/random.js";

/** A finite collection of sequences, all with T steps of D values, that returns batches by index. */
export interface Dataset {
  /** Number of sequences n. */
  readonly size: number;
  /** Steps per sequence T. */
  readonly seqLength: number;
  /** Values per step D (the width of x). */
  readonly dataSize: number;
  /** Number of classes C when the dataset has labels (max label + 1 unless given), else null. */
  readonly nbClasses: number | null;
  /**
   * The sequences at `indices` (in that order; repeats allowed) as a fresh Batch that owns its
   * tensors: x (k, T, D), target (k, T, D') and labels int32 (k) when present, times (T) or (k, T)
   * when present. Indices must be integers in [0, size).
   */
  batch(indices: Int32Array | readonly number[]): Batch;
}

/** The arrays of an `arrayDataset`. */
export interface ArrayDatasetArrays {
  /** Inputs, (n, T, D), float32 or float64, every value finite. */
  x: Tensor;
  /** Targets, (n, T, D'), float32 or float64 (default: the model compares with x). */
  target?: Tensor;
  /** Class labels, int32 (n), each in [0, nbClasses). */
  labels?: Tensor;
  /** Observation times, (T) shared by all sequences or (n, T) per sequence. */
  times?: Tensor;
}

/** Options of `arrayDataset`. */
export interface ArrayDatasetOptions {
  /** Number of classes (default: max label + 1); must exceed every label. */
  nbClasses?: number;
}

const isFloat = (dtype: DType) => dtype === "float32" || dtype === "float64";

/** The (row-major) multi-index of flat position `flat` in `shape`, formatted as [i,j,k]. */
function multiIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(flat % shape[a]!);
    flat = Math.floor(flat / shape[a]!);
  }
  return `[${idx.join(",")}]`;
}

/** Throws (naming `what`, the value and its index) on the first NaN or ±Infinity in `t`. */
function checkFinite(what: string, t: Tensor): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    assert(
      Number.isFinite(v),
      () => `${what}: non-finite value ${v} at index ${multiIndex(i, t.shape)} of shape ${fmtShape(t.shape)}`,
    );
  }
}

/** Copies rows `indices` of `t` (rows along axis 0, `row` elements each) into a new tensor. */
function gatherRows(t: Tensor, indices: ArrayLike<number>, row: number): Tensor {
  const k = indices.length;
  const out = allocate(t.dtype, k * row, false);
  const src = t.data;
  for (let j = 0; j < k; j++) {
    const i = indices[j]!;
    out.set(src.subarray(i * row, (i + 1) * row), j * row);
  }
  return new Tensor(out, [k, ...t.shape.slice(1)]);
}

function checkIndices(what: string, indices: ArrayLike<number>, size: number): void {
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    assert(
      Number.isInteger(i) && i >= 0 && i < size,
      () => `${what}: index ${i} at position ${j} is outside [0, ${size})`,
    );
  }
}

/**
 * A Dataset over arrays already in memory (not copied: do not dispose them while the dataset is used).
 * Checks: x is (n, T, D) float with every value finite (else a WarpError naming the array, the value
 * and its index [i,t,d]); target (n, T, D') float and finite; labels int32 (n), non-negative integers;
 * times (T) or (n, T), finite. Shape errors name the array and both shapes.
 * `nbClasses` = options.nbClasses, or max(labels) + 1, or null without labels.
 */
export function arrayDataset(arrays: ArrayDatasetArrays, options: ArrayDatasetOptions = {}): Dataset {
  const { x, target, labels, times } = arrays;
  assert(
    x.ndim === 3,
    () => `arrayDataset: x must be (n, T, D), got shape ${fmtShape(x.shape)} (rank ${x.ndim})`,
  );
  assert(isFloat(x.dtype), () => `arrayDataset: x must be float32 or float64, got ${x.dtype}`);
  const [n, T, D] = x.shape as [number, number, number];
  assert(T >= 1 && D >= 1, () => `arrayDataset: x ${fmtShape(x.shape)} needs T ≥ 1 and D ≥ 1`);
  checkFinite("arrayDataset: x", x);
  if (target) {
    assert(
      target.ndim === 3 && target.shape[0] === n && target.shape[1] === T,
      () =>
        `arrayDataset: target must be (${n}, ${T}, D') to match x ${fmtShape(x.shape)}, got ${fmtShape(target.shape)}`,
    );
    assert(
      isFloat(target.dtype),
      () => `arrayDataset: target must be float32 or float64, got ${target.dtype}`,
    );
    checkFinite("arrayDataset: target", target);
  }
  let nbClasses: number | null = null;
  if (labels) {
    assert(
      labels.ndim === 1 && labels.shape[0] === n,
      () =>
        `arrayDataset: labels must be (${n}) to match x ${fmtShape(x.shape)}, got ${fmtShape(labels.shape)}`,
    );
    assert(labels.dtype === "int32", () => `arrayDataset: labels must be int32, got ${labels.dtype}`);
    let max = -1;
    labels.data.forEach((v, i) => {
      assert(v >= 0, () => `arrayDataset: labels: negative label ${v} at index [${i}]`);
      max = Math.max(max, v);
    });
    nbClasses = options.nbClasses ?? max + 1;
    assert(
      Number.isInteger(nbClasses) && nbClasses > max && nbClasses >= 1,
      () => `arrayDataset: nbClasses ${options.nbClasses} must be an integer above the largest label ${max}`,
    );
  } else {
    assert(options.nbClasses === undefined, () => "arrayDataset: nbClasses given without labels");
  }
  if (times) {
    assert(
      (times.ndim === 1 && times.shape[0] === T) ||
        (times.ndim === 2 && times.shape[0] === n && times.shape[1] === T),
      () =>
        `arrayDataset: times must be (${T}) or (${n}, ${T}) to match x ${fmtShape(x.shape)}, got ${fmtShape(times.shape)}`,
    );
    assert(isFloat(times.dtype), () => `arrayDataset: times must be float32 or float64, got ${times.dtype}`);
    checkFinite("arrayDataset: times", times);
  }
  const targetRow = target ? T * target.shape[2]! : 0;
  return {
    size: n,
    seqLength: T,
    dataSize: D,
    nbClasses,
    batch(indices) {
      checkIndices("Dataset.batch", indices, n);
      const b: Batch = { x: gatherRows(x, indices, T * D) };
      if (target) b.target = gatherRows(target, indices, targetRow);
      if (labels) b.labels = gatherRows(labels, indices, 1);
      if (times)
        b.times = times.ndim === 1 ? new Tensor(times.data.slice(), [T]) : gatherRows(times, indices, T);
      return b;
    },
  };
}

/** Options of `batches`. */
export interface BatchesOptions {
  /** Skip the last batch when it has fewer than `batchSize` sequences (default false). */
  dropLast?: boolean;
}

/**
 * One epoch of minibatches: the indices 0..size−1 in the order `permutation(key, size)` (or in order
 * when `key` is null), cut into consecutive groups of `batchSize`; each group becomes `ds.batch(group)`.
 * Every sequence appears exactly once per epoch (the last batch holds size mod batchSize of them, or
 * is dropped with `dropLast`). The same key gives the same batches; use `foldIn(key, epoch)` for a
 * new order each epoch. Batches are made lazily, one per `next()`.
 */
export function* batches(
  ds: Dataset,
  batchSize: number,
  key: Key | null,
  { dropLast = false }: BatchesOptions = {},
): Generator<Batch, void, undefined> {
  assert(
    Number.isInteger(batchSize) && batchSize >= 1,
    () => `batches: batchSize must be a positive integer, got ${batchSize}`,
  );
  const n = ds.size;
  let order: Int32Array;
  if (key === null) order = Int32Array.from({ length: n }, (_, i) => i);
  else {
    // Copied out and released at once: a tidy() around the first next() must not recycle the order.
    const p = permutation(key, n);
    order = Int32Array.from(p.data);
    p.dispose();
  }
  const end = dropLast ? n - (n % batchSize) : n;
  for (let s = 0; s < end; s += batchSize) yield ds.batch(order.subarray(s, Math.min(s + batchSize, n)));
}

/**
 * The sequences of `ds` at `indices` (in that order; repeats allowed) as a Dataset of size
 * indices.length, with the same seqLength, dataSize and nbClasses. The indices are copied and checked.
 */
export function subset(ds: Dataset, indices: Int32Array | readonly number[]): Dataset {
  checkIndices("subset", indices, ds.size);
  const map = Int32Array.from(indices);
  return {
    size: map.length,
    seqLength: ds.seqLength,
    dataSize: ds.dataSize,
    nbClasses: ds.nbClasses,
    batch(idx) {
      checkIndices("Dataset.batch", idx, map.length);
      return ds.batch(Array.from(idx, (i) => map[i]!));
    },
  };
}
