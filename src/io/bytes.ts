// Byte helpers shared by the binary codecs (npy.ts, safetensors.ts): byte order, float16 → float32, integer
// narrowing to int32 and safe property setting for keys read from files.
// Not here: any file format.

import type { TypedArray } from "../backends/kernels.js";
import { assert } from "../util/assert.js";

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytes(b: Uint8Array, itemsize: number): void {
  for (let i = 0; i < b.length; i += itemsize) {
    for (let lo = i, hi = i + itemsize - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

/** @internal A fresh, aligned copy of `src` with each `itemsize`-byte item put into host byte order. */
export function hostOrderCopy(src: Uint8Array, itemsize: number, littleEndian: boolean): ArrayBuffer {
  const out = new Uint8Array(src.length);
  out.set(src);
  if (itemsize > 1 && littleEndian !== HOST_LE) swapBytes(out, itemsize);
  return out.buffer;
}

/** @internal Writes the values of `data` little-endian into `dst` at byte `offset`. */
export function writeLittleEndian(dst: Uint8Array, offset: number, data: TypedArray): void {
  dst.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
  if (!HOST_LE) swapBytes(dst.subarray(offset, offset + data.byteLength), data.BYTES_PER_ELEMENT);
}

/** @internal IEEE half-precision bit patterns → float32 (exact; NaN payloads kept). */
export function halfToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < h.length; i++) {
    const x = h[i]!;
    const sign = (x & 0x8000) << 16;
    const exp = (x >> 10) & 0x1f;
    const man = x & 0x3ff;
    if (exp === 0x1f) bits[i] = sign | 0x7f800000 | (man << 13);
    else if (exp !== 0) bits[i] = sign | ((exp + 112) << 23) | (man << 13);
    else out[i] = (sign ? -man : man) * 2 ** -24;
  }
  return out;
}

type IntArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** @internal Integers → int32; a value outside the int32 range is an error naming `what` and the index. */
export function toInt32(src: IntArray, what: string): Int32Array {
  if (src instanceof Int32Array) return src;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    assert(
      v >= -2147483648 && v <= 2147483647,
      () => `${what}: value ${v} at flat index ${i} does not fit in int32`,
    );
    out[i] = Number(v);
  }
  return out;
}

/** @internal Sets an own enumerable property (safe for keys such as "__proto__" read from files). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
