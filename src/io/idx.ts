// IDX codec (the MNIST / Fashion-MNIST file format) over bytes: a 4-byte magic (two zero bytes, a type
// code, the number of dimensions), one big-endian uint32 per dimension, then the values, big-endian,
// row-major. Decoding keeps the file's element type (uint8 images stay one byte per value).
// Not here: file access or gzip (the caller reads, and gunzips `.gz` files with node:zlib), pixel scaling
// (data/mnist.ts).

import { assert, fmtShape } from "../util/assert.js";

/** IDX element types, by their type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E. */
export type IdxDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array that holds each IDX element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array: row-major values in host byte order. */
export interface IdxArray {
  dtype: IdxDType;
  /** The dimensions, outermost first (e.g. [60000, 28, 28] for the MNIST training images). */
  shape: number[];
  data: IdxData;
}

/** Options of `decodeIdx`. */
export interface DecodeIdxOptions {
  /**
   * Decode only the first `limit` items along the first axis (the rest of the file must still be there:
   * a short file is an error either way). Default: all.
   */
  limit?: number;
}

const CODES = new Map<number, { dtype: IdxDType; size: number }>([
  [0x08, { dtype: "uint8", size: 1 }],
  [0x09, { dtype: "int8", size: 1 }],
  [0x0b, { dtype: "int16", size: 2 }],
  [0x0c, { dtype: "int32", size: 4 }],
  [0x0d, { dtype: "float32", size: 4 }],
  [0x0e, { dtype: "float64", size: 8 }],
]);

const CODE_OF: Record<IdxDType, number> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;

/**
 * Decodes the bytes of an IDX file. Errors (WarpErrors starting with "idx:") name the problem: a gzip
 * file not yet decompressed, fewer than 4 bytes, a magic whose first two bytes are not zero, an unknown
 * type code (listing the known ones), zero dimensions, a header cut short, data shorter than the shape
 * needs (naming the shape, the bytes needed and the bytes present), or bytes left after the data.
 * Example: the MNIST training images decode to {dtype: "uint8", shape: [60000, 28, 28]}.
 */
export function decodeIdx(bytes: Uint8Array, { limit }: DecodeIdxOptions = {}): IdxArray {
  assert(
    !(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b),
    () => "idx: the bytes are gzip-compressed (a .gz file): decompress them first (e.g. zlib.gunzipSync)",
  );
  assert(bytes.length >= 4, () => `idx: ${bytes.length} bytes is too short for the 4-byte magic number`);
  assert(
    bytes[0] === 0 && bytes[1] === 0,
    () =>
      `idx: bad magic ${Array.from(bytes.subarray(0, 4), hex).join(" ")}: an IDX file starts with two zero bytes`,
  );
  const code = bytes[2]!;
  const type = CODES.get(code);
  assert(
    type !== undefined,
    () =>
      `idx: unknown type code ${hex(code)} (known: ${[...CODES]
        .map(([c, t]) => `${hex(c)} ${t.dtype}`)
        .join(", ")})`,
  );
  const ndim = bytes[3]!;
  assert(ndim >= 1, () => "idx: the magic number declares 0 dimensions");
  const headerSize = 4 + 4 * ndim;
  assert(
    bytes.length >= headerSize,
    () =>
      `idx: truncated header: ${ndim} dimensions need a ${headerSize}-byte header, the file has ${bytes.length} bytes`,
  );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * type.size;
  const have = bytes.length - headerSize;
  assert(
    have >= need,
    () =>
      `idx: truncated data: shape ${fmtShape(shape)} of ${type.dtype} needs ${need} bytes after the ` +
      `${headerSize}-byte header, the file has ${have} (${bytes.length} bytes in all)`,
  );
  assert(
    have === need,
    () =>
      `idx: ${have - need} unexpected bytes after the data of shape ${fmtShape(shape)} ${type.dtype} ` +
      "(corrupt file, or not an IDX file)",
  );
  let n = shape[0]!;
  if (limit !== undefined) {
    assert(
      Number.isInteger(limit) && limit >= 0,
      () => `idx: limit must be a non-negative integer, got ${limit}`,
    );
    n = Math.min(n, limit);
  }
  const outShape = [n, ...shape.slice(1)];
  const m = n * shape.slice(1).reduce((a, b) => a * b, 1);
  return { dtype: type.dtype, shape: outShape, data: readValues(view, headerSize, type.dtype, m) };
}

function readValues(view: DataView, at: number, dtype: IdxDType, m: number): IdxData {
  switch (dtype) {
    case "uint8":
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + m));
    case "int8":
      return new Int8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + m));
    case "int16": {
      const out = new Int16Array(m);
      for (let i = 0; i < m; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(m);
      for (let i = 0; i < m; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(m);
      for (let i = 0; i < m; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(m);
      for (let i = 0; i < m; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/**
 * Encodes an IDX file (big-endian header and values) from a shape and values of the given type; numbers
 * are converted as the typed array of `dtype` converts them. The inverse of `decodeIdx`.
 */
export function encodeIdx(dtype: IdxDType, shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  assert(
    shape.length >= 1 && shape.length <= 255,
    () => `encodeIdx: need 1 to 255 dimensions, got ${shape.length}`,
  );
  shape.forEach((d, i) =>
    assert(
      Number.isInteger(d) && d >= 0 && d < 2 ** 32,
      () => `encodeIdx: dimension ${i} of ${fmtShape(shape)} is not a uint32`,
    ),
  );
  const count = shape.reduce((a, b) => a * b, 1);
  assert(
    values.length === count,
    () => `encodeIdx: ${values.length} values do not fill shape ${fmtShape(shape)} (${count} elements)`,
  );
  const code = CODE_OF[dtype];
  const size = CODES.get(code)!.size;
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    const p = header + i * size;
    if (dtype === "uint8") view.setUint8(p, v);
    else if (dtype === "int8") view.setInt8(p, v);
    else if (dtype === "int16") view.setInt16(p, v, false);
    else if (dtype === "int32") view.setInt32(p, v, false);
    else if (dtype === "float32") view.setFloat32(p, v, false);
    else view.setFloat64(p, v, false);
  }
  return out;
}
