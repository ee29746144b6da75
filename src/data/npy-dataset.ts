// Datasets from the reference's NumPy array files, given as bytes: a .npy holding x (n, T, D), or a .npz
// whose entries hold x, an optional target, labels and times (e.g. keys x/y or data/labels). float64
// arrays become float32; a leading split axis (S, n, T, D) is selected with `split`.
// Not here: reading files (the caller does), UEA .ts/.arff parsing, PEMS08 windowing, normalisation.

import { decodeNpy, decodeNpz } from "../io/npy.js";
import { convert, Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { arrayDataset, type Dataset } from "./dataset.js";

/** Options of `datasetFromNpy`. */
export interface NpyDatasetOptions {
  /** For an array with a leading split axis (S, n, T, D): which split s ∈ [0, S) to use. */
  split?: number;
}

/** Options of `datasetFromNpz`. */
export interface NpzDatasetOptions extends NpyDatasetOptions {
  /** Entry holding the inputs x (n, T, D) (or (S, n, T, D) with `split`). */
  xKey: string;
  /** Entry holding the targets (n, T, D') (or (S, n, T, D') with `split`). */
  yKey?: string;
  /** Entry holding the class labels (n) or (n, 1): integers, or floats with integer values. */
  labelsKey?: string;
  /** Entry holding the observation times (T) or (n, T). */
  timesKey?: string;
  /** Number of classes (default: max label + 1). */
  nbClasses?: number;
}

/**
 * A float32 (n, T, D) sequence array from a decoded one (`what` names it in errors); the decoded tensor
 * is released when a new one is made from it. The result is kept out of any enclosing tidy().
 */
function sequenceArray(what: string, t: Tensor, split: number | undefined): Tensor {
  assert(
    t.dtype !== "int32",
    () => `${what}: expected a float array, got integers (decoded as int32) of shape ${fmtShape(t.shape)}`,
  );
  if (split !== undefined) {
    assert(
      t.ndim === 4,
      () => `${what}: split ${split} needs an (S, n, T, D) array, got shape ${fmtShape(t.shape)}`,
    );
    const [S, n, T, D] = t.shape as [number, number, number, number];
    assert(
      Number.isInteger(split) && split >= 0 && split < S,
      () => `${what}: split ${split} is outside [0, ${S}) for shape ${fmtShape(t.shape)}`,
    );
    const row = n * T * D;
    const part = new Tensor(Float32Array.from(t.data.subarray(split * row, (split + 1) * row)), [n, T, D]);
    t.dispose();
    return part.keep();
  }
  assert(
    t.ndim === 3,
    () =>
      `${what}: expected an (n, T, D) array, got rank ${t.ndim} shape ${fmtShape(t.shape)}` +
      (t.ndim === 2 ? " (reshape a univariate (n, T) array to (n, T, 1))" : "") +
      (t.ndim === 4 ? " (pass `split` to select from a leading split axis)" : ""),
  );
  if (t.dtype === "float32") return t.keep();
  const f = convert(t, "float32");
  t.dispose();
  return f.keep();
}

/** Labels as int32 (n) from (n) or (n, 1) integers, or floats holding integers. */
function labelArray(what: string, t: Tensor): Tensor {
  assert(
    t.ndim === 1 || (t.ndim === 2 && t.shape[1] === 1),
    () => `${what}: expected labels of shape (n) or (n, 1), got ${fmtShape(t.shape)}`,
  );
  const n = t.shape[0]!;
  if (t.dtype === "int32") return t.view([n]).keep();
  const out = new Int32Array(n);
  t.data.forEach((v, i) => {
    assert(
      Number.isInteger(v) && Math.abs(v) < 2 ** 31,
      () => `${what}: label ${v} at index [${i}] is not an integer`,
    );
    out[i] = v;
  });
  t.dispose();
  return new Tensor(out, [n]).keep();
}

/** Times as float32 (T) or (n, T). */
function timesArray(what: string, t: Tensor): Tensor {
  assert(t.dtype !== "int32", () => `${what}: expected float times, got integers (decoded as int32)`);
  if (t.dtype === "float32") return t.keep();
  const f = convert(t, "float32");
  t.dispose();
  return f.keep();
}

/**
 * A Dataset from the bytes of a .npy file holding x (n, T, D) as float32 or float64 (float64 and
 * float16 become float32), or (S, n, T, D) with `split` choosing one of the S splits. Other ranks and
 * integer arrays are WarpErrors naming the shape or dtype; non-finite values are errors naming their
 * index [i,t,d] (see `arrayDataset`); so are all `decodeNpy` errors.
 */
export function datasetFromNpy(bytes: Uint8Array, { split }: NpyDatasetOptions = {}): Dataset {
  return arrayDataset({ x: sequenceArray("datasetFromNpy: x", decodeNpy(bytes), split) });
}

/**
 * A Dataset from the bytes of a .npz archive: x from entry `xKey` (as in `datasetFromNpy`, `split`
 * applying to x and the target), the target (n, T, D') from `yKey`, labels (n) or (n, 1) from
 * `labelsKey` (integers, or floats with integer values, become int32), times (T) or (n, T) from
 * `timesKey`. For classification archives such as {data, labels} pass
 * `{ xKey: "data", labelsKey: "labels" }`; for forecasting ones such as {x, y}, `{ xKey: "x", yKey: "y" }`.
 * A missing key is a WarpError listing the archive's keys; shapes are checked by `arrayDataset`.
 */
export function datasetFromNpz(bytes: Uint8Array, options: NpzDatasetOptions): Dataset {
  const { xKey, yKey, labelsKey, timesKey, split, nbClasses } = options;
  const arrays = decodeNpz(bytes);
  const get = (key: string, role: string): Tensor => {
    assert(
      Object.hasOwn(arrays, key),
      () =>
        `datasetFromNpz: no entry ${JSON.stringify(key)} for ${role} (the archive holds ${
          Object.keys(arrays)
            .map((k) => JSON.stringify(k))
            .join(", ") || "nothing"
        })`,
    );
    return arrays[key]!;
  };
  const entry = (key: string) => `datasetFromNpz: ${JSON.stringify(key)}`;
  const x = sequenceArray(`${entry(xKey)} (x)`, get(xKey, "x"), split);
  const target =
    yKey === undefined ? undefined : sequenceArray(`${entry(yKey)} (target)`, get(yKey, "the target"), split);
  const labels =
    labelsKey === undefined
      ? undefined
      : labelArray(`${entry(labelsKey)} (labels)`, get(labelsKey, "labels"));
  const times =
    timesKey === undefined ? undefined : timesArray(`${entry(timesKey)} (times)`, get(timesKey, "times"));
  return arrayDataset({ x, target, labels, times }, nbClasses === undefined ? {} : { nbClasses });
}
