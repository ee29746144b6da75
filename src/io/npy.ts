// NumPy .npy (format 1.0/2.0/3.0) and .npz (zip of .npy) codecs over bytes, with a pure-TypeScript
// raw-DEFLATE decoder and a small fixed-Huffman encoder, so they run in browsers as well as Node.
// Also the byte helpers shared with safetensors.ts (byte order, float16, int64 narrowing).
// Not here: file access (the caller reads and writes the bytes), pickled object arrays, memory mapping.

import type { TypedArray } from "../backends/kernels.js";
import { stridesOf } from "../tensor/shape.js";
import { arrayFor, type DType, dtypeOf, type Tensor, tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";

// ---------------------------------------------------------------------------------------------
// Byte helpers (also used by safetensors.ts).

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

// ---------------------------------------------------------------------------------------------
// .npy

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const NPY_DESCR: Record<DType, string> = { float32: "<f4", float64: "<f8", int32: "<i4" };
const GROWTH_AXIS_MAX_DIGITS = 21; // NumPy leaves this much room to grow shape[0] in place

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** Parses the Python literal subset NumPy writes in .npy headers (dict, tuple, list, str, int, bools). */
function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new WarpError(`npy: malformed header ${JSON.stringify(text)}: ${what} at position ${i}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const seq = (close: string, item: () => void) => {
    i++;
    for (skip(); text[i] !== close; skip()) {
      item();
      skip();
      if (text[i] === ",") i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
    i++;
  };
  const value = (): PyValue => {
    skip();
    const c = text[i];
    if (c === "{") {
      const dict = new Map<string, PyValue>();
      seq("}", () => {
        const key = value();
        if (typeof key !== "string") fail("expected a string key");
        skip();
        if (text[i++] !== ":") fail("expected ':'");
        dict.set(key as string, value());
      });
      return dict;
    }
    if (c === "(" || c === "[") {
      const items: PyValue[] = [];
      seq(c === "(" ? ")" : "]", () => items.push(value()));
      return items;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) return fail("unexpected token");
    i += m[0].length;
    return m[0] === "True"
      ? true
      : m[0] === "False"
        ? false
        : m[0] === "None"
          ? null
          : Number.parseInt(m[0], 10);
  };
  const v = value();
  skip();
  if (i < text.length) fail("unexpected trailing text");
  return v;
}

/** Decodes the items of NumPy type `code` (kind + itemsize, e.g. "f4") from host-order bytes. */
function decodeValues(code: string, buf: ArrayBuffer, what: string): TypedArray {
  switch (code) {
    case "f2":
      return halfToFloat32(new Uint16Array(buf));
    case "f4":
      return new Float32Array(buf);
    case "f8":
      return new Float64Array(buf);
    case "b1":
      return Int32Array.from(new Uint8Array(buf), (v) => (v === 0 ? 0 : 1));
    case "i1":
      return toInt32(new Int8Array(buf), what);
    case "u1":
      return toInt32(new Uint8Array(buf), what);
    case "i2":
      return toInt32(new Int16Array(buf), what);
    case "u2":
      return toInt32(new Uint16Array(buf), what);
    case "i4":
      return new Int32Array(buf);
    case "u4":
      return toInt32(new Uint32Array(buf), what);
    case "i8":
      return toInt32(new BigInt64Array(buf), what);
    default: // "u8", the only other code parseDescr lets through
      return toInt32(new BigUint64Array(buf), what);
  }
}

const READABLE = "b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8, little- or big-endian";

/** Splits a descr such as '<f4' into byte order and type code; unsupported dtypes are errors. */
function parseDescr(descr: PyValue): { littleEndian: boolean; code: string; itemsize: number } {
  assert(
    typeof descr === "string",
    () => `npy: unsupported dtype ${JSON.stringify(descr)} (structured arrays are not supported)`,
  );
  const m = /^([<>|])([biuf])(\d)$/.exec(descr);
  const code = m ? m[2]! + m[3]! : "";
  const itemsize = Number(m?.[3]);
  assert(
    m && /^(b1|[iu][1248]|f[248])$/.test(code) && (m[1] !== "|" || itemsize === 1),
    () => `npy: unsupported dtype '${descr}' (readable: ${READABLE})`,
  );
  return { littleEndian: m[1] !== ">", code, itemsize };
}

/** Reorders column-major (Fortran) values into row-major. */
function fortranToRowMajor(src: TypedArray, shape: readonly number[]): TypedArray {
  const out = arrayFor(dtypeOf(src), src.length);
  const strides = stridesOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  let dst = 0;
  for (let k = 0; k < src.length; k++) {
    out[dst] = src[k]!;
    for (let a = 0; a < shape.length; a++) {
      dst += strides[a]!;
      if (++idx[a]! < shape[a]!) break;
      dst -= strides[a]! * shape[a]!;
      idx[a] = 0;
    }
  }
  return out;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * Decodes the bytes of a .npy file (format 1.0, 2.0 or 3.0) into a row-major tensor of the stored
 * shape (scalar shape () gives a 0-d tensor). Element types: '<f4' → float32, '<f8' → float64,
 * '<f2' → float32, '<i4' → int32; '|b1', '|i1', '|u1', '<i2', '<u2', '<u4', '<i8', '<u8' → int32
 * (an error if a value does not fit); big-endian '>…' variants are byte-swapped; fortran_order True
 * is transposed into row-major. Anything else (object '|O', complex '<c8', structured, strings) is a
 * WarpError naming the dtype, as are a bad magic, an unknown version, a malformed header and data
 * shorter or longer than the shape needs.
 */
export function decodeNpy(bytes: Uint8Array): Tensor {
  assert(
    bytes.length >= 10 && MAGIC.every((b, i) => bytes[i] === b),
    () => "npy: bad magic (not a .npy file: it must start with \\x93NUMPY)",
  );
  const major = bytes[6]!;
  const minor = bytes[7]!;
  assert(
    minor === 0 && major >= 1 && major <= 3,
    () => `npy: unsupported format version ${major}.${minor} (readable: 1.0, 2.0, 3.0)`,
  );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  assert(bytes.length >= start, () => `npy: file of ${bytes.length} bytes ends inside the preamble`);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = start + hlen;
  assert(
    dataStart <= bytes.length,
    () => `npy: header length ${hlen} runs past the end of the ${bytes.length}-byte file`,
  );
  const raw = bytes.subarray(start, dataStart);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder("utf-8", { fatal: true }).decode(raw) : latin1(raw);
  } catch {
    throw new WarpError("npy: header is not valid UTF-8");
  }
  const header = parsePyLiteral(text);
  assert(header instanceof Map, () => `npy: malformed header ${JSON.stringify(text)}: not a dict`);
  const keys = [...header.keys()].sort().join(",");
  assert(
    keys === "descr,fortran_order,shape",
    () => `npy: header keys are {${keys}}, expected exactly {descr, fortran_order, shape}`,
  );
  const { littleEndian, code, itemsize } = parseDescr(header.get("descr")!);
  const fortran = header.get("fortran_order");
  assert(typeof fortran === "boolean", () => `npy: fortran_order ${String(fortran)} is not True or False`);
  const shapeValue = header.get("shape");
  assert(
    Array.isArray(shapeValue) && shapeValue.every((d) => Number.isSafeInteger(d) && (d as number) >= 0),
    () => `npy: shape ${JSON.stringify(shapeValue)} is not a tuple of non-negative integers`,
  );
  const shape = shapeValue as number[];
  const need = shape.reduce((a, d) => a * d, 1) * itemsize;
  const have = bytes.length - dataStart;
  const descr = header.get("descr") as string;
  assert(
    have >= need,
    () => `npy: data is ${have} bytes but shape ${fmtShape(shape)} of '${descr}' needs ${need}`,
  );
  assert(
    have === need,
    () => `npy: ${have - need} trailing bytes after the data of shape ${fmtShape(shape)}`,
  );
  const buf = hostOrderCopy(bytes.subarray(dataStart), itemsize, littleEndian);
  const values = decodeValues(code, buf, `npy '${descr}'`);
  return tensor(fortran && shape.length > 1 ? fortranToRowMajor(values, shape) : values, shape);
}

/**
 * Encodes a tensor of any shape as a .npy file, format 1.0: little-endian '<f4' / '<f8' / '<i4',
 * fortran_order False, header padded with spaces to a multiple of 64 bytes and ending in '\n' —
 * byte for byte what `numpy.save` writes for the same array.
 */
export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '${NPY_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (t.shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  assert(header.length <= 0xffff, () => `npy: header for shape ${fmtShape(t.shape)} is too long`);
  const data = t.data;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  writeLittleEndian(out, 10 + header.length, data);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRC-32 and raw DEFLATE (RFC 1951).

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// Length codes 257..285 and distance codes 0..29: base values and extra-bit counts.
// Each base is the previous one plus the range of its extra bits; length code 285 is 258 exactly.
const bases = (extra: number[], first: number) => {
  const base = [first];
  for (let i = 1; i < extra.length; i++) base.push(base[i - 1]! + (1 << extra[i - 1]!));
  return base;
};
const LEN_EXTRA = Array.from({ length: 29 }, (_, i) => (i < 8 || i === 28 ? 0 : (i >> 2) - 1));
const LEN_BASE = [...bases(LEN_EXTRA, 3).slice(0, 28), 258];
const DIST_EXTRA = Array.from({ length: 30 }, (_, i) => (i < 4 ? 0 : (i >> 1) - 1));
const DIST_BASE = bases(DIST_EXTRA, 1);
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const FIXED_LIT_LENGTHS = Array.from({ length: 288 }, (_, s) =>
  s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8,
);
const FIXED_DIST_LENGTHS = new Array<number>(30).fill(5);

/** Canonical Huffman codes for `lengths`, bit-reversed (DEFLATE sends codes MSB first, bits LSB first). */
function canonicalCodes(lengths: ArrayLike<number>): Int32Array {
  const count = new Int32Array(16);
  for (let s = 0; s < lengths.length; s++) count[lengths[s]!]!++;
  count[0] = 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - count[len]!;
    assert(left >= 0, () => "deflate: over-subscribed Huffman code");
  }
  const next = new Int32Array(16);
  for (let len = 1; len < 16; len++) next[len] = (next[len - 1]! + count[len - 1]!) << 1;
  const codes = new Int32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    if (len === 0) continue;
    let c = next[len]!++;
    let r = 0;
    for (let k = 0; k < len; k++, c >>= 1) r = (r << 1) | (c & 1);
    codes[s] = r;
  }
  return codes;
}

interface Huffman {
  /** Indexed by the next `bits` input bits: symbol << 4 | code length, or 0 for an unused code. */
  table: Int32Array;
  bits: number;
}

function huffman(lengths: ArrayLike<number>): Huffman {
  const codes = canonicalCodes(lengths);
  let bits = 0;
  for (let s = 0; s < lengths.length; s++) bits = Math.max(bits, lengths[s]!);
  const table = new Int32Array(1 << bits);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    if (len > 0) for (let j = codes[s]!; j < table.length; j += 1 << len) table[j] = (s << 4) | len;
  }
  return { table, bits };
}

const FIXED_LIT = huffman(FIXED_LIT_LENGTHS);
const FIXED_DIST = huffman(FIXED_DIST_LENGTHS);

/** LSB-first bit reader; reads past the end yield zeros and are caught as truncation once consumed. */
class BitReader {
  pos = 0;
  private buf = 0;
  private cnt = 0;
  private padded = 0;
  constructor(private readonly src: Uint8Array) {}

  private need(n: number): void {
    while (this.cnt < n) {
      if (this.pos < this.src.length) this.buf |= this.src[this.pos++]! << this.cnt;
      else this.padded++;
      this.cnt += 8;
    }
  }

  private drop(n: number): void {
    this.buf >>>= n;
    this.cnt -= n;
    assert(this.cnt >= this.padded * 8, () => "deflate: stream is truncated");
  }

  bits(n: number): number {
    this.need(n);
    const v = this.buf & ((1 << n) - 1);
    this.drop(n);
    return v;
  }

  symbol(h: Huffman, what: string): number {
    this.need(h.bits);
    const e = h.table[this.buf & ((1 << h.bits) - 1)]!;
    assert(e !== 0, () => `deflate: invalid ${what} code`);
    this.drop(e & 15);
    return e >> 4;
  }

  /** Discards the bits left in the current byte; `pos` is then the next unread byte. */
  alignToByte(): void {
    this.drop(this.cnt & 7);
    this.pos -= (this.cnt >> 3) - this.padded;
    this.padded = 0;
    this.buf = 0;
    this.cnt = 0;
  }
}

function dynamicTables(r: BitReader): [Huffman, Huffman] {
  const hlit = r.bits(5) + 257;
  const hdist = r.bits(5) + 1;
  const hclen = r.bits(4) + 4;
  assert(hlit <= 286 && hdist <= 30, () => `deflate: too many codes (${hlit} literal, ${hdist} distance)`);
  const cl = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) cl[CODE_LENGTH_ORDER[i]!] = r.bits(3);
  const clh = huffman(cl);
  const lengths = new Uint8Array(hlit + hdist);
  for (let i = 0; i < lengths.length; ) {
    const s = r.symbol(clh, "code-length");
    if (s < 16) {
      lengths[i++] = s;
      continue;
    }
    assert(s !== 16 || i > 0, () => "deflate: repeat code with no previous length");
    const value = s === 16 ? lengths[i - 1]! : 0;
    const rep = s === 16 ? 3 + r.bits(2) : s === 17 ? 3 + r.bits(3) : 11 + r.bits(7);
    assert(i + rep <= lengths.length, () => "deflate: code lengths overflow the alphabet");
    lengths.fill(value, i, i + rep);
    i += rep;
  }
  assert(lengths[256] !== 0, () => "deflate: block has no end-of-block code");
  return [huffman(lengths.subarray(0, hlit)), huffman(lengths.subarray(hlit))];
}

/** Inflates a raw DEFLATE stream that must produce exactly `size` bytes. */
function inflateRaw(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const r = new BitReader(src);
  let o = 0;
  let final = 0;
  while (!final) {
    final = r.bits(1);
    const type = r.bits(2);
    assert(type !== 3, () => "deflate: invalid block type 3");
    if (type === 0) {
      r.alignToByte();
      const p = r.pos;
      assert(p + 4 <= src.length, () => "deflate: stream is truncated");
      const len = src[p]! | (src[p + 1]! << 8);
      assert(
        (src[p + 2]! | (src[p + 3]! << 8)) === (~len & 0xffff),
        () => "deflate: stored block length check failed",
      );
      assert(p + 4 + len <= src.length, () => "deflate: stream is truncated");
      assert(o + len <= size, () => `deflate: data inflates to more than the expected ${size} bytes`);
      out.set(src.subarray(p + 4, p + 4 + len), o);
      o += len;
      r.pos = p + 4 + len;
      continue;
    }
    const [lit, dist] = type === 1 ? [FIXED_LIT, FIXED_DIST] : dynamicTables(r);
    for (;;) {
      const s = r.symbol(lit, "literal/length");
      if (s < 256) {
        assert(o < size, () => `deflate: data inflates to more than the expected ${size} bytes`);
        out[o++] = s;
        continue;
      }
      if (s === 256) break;
      assert(s < 286, () => `deflate: invalid length code ${s}`);
      const len = LEN_BASE[s - 257]! + r.bits(LEN_EXTRA[s - 257]!);
      const d = r.symbol(dist, "distance");
      const back = DIST_BASE[d]! + r.bits(DIST_EXTRA[d]!);
      assert(back <= o, () => `deflate: distance ${back} reaches before the start of the data`);
      assert(o + len <= size, () => `deflate: data inflates to more than the expected ${size} bytes`);
      for (let k = 0; k < len; k++, o++) out[o] = out[o - back]!;
    }
  }
  assert(o === size, () => `deflate: data inflates to ${o} bytes, expected ${size}`);
  return out;
}

const FIXED_LIT_CODES = canonicalCodes(FIXED_LIT_LENGTHS);
const FIXED_DIST_CODES = canonicalCodes(FIXED_DIST_LENGTHS);

/** Compresses `src` into one fixed-Huffman DEFLATE block, with greedy LZ77 matching over hash chains. */
function deflateFixed(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(1024 + (src.length >> 1));
  let n = 0;
  let acc = 0;
  let cnt = 0;
  const put = (value: number, bits: number) => {
    acc |= value << cnt;
    for (cnt += bits; cnt >= 8; cnt -= 8, acc >>>= 8) {
      if (n === out.length) {
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[n++] = acc & 0xff;
    }
  };
  const lit = (s: number) => put(FIXED_LIT_CODES[s]!, FIXED_LIT_LENGTHS[s]!);
  const WINDOW = 32768;
  const head = new Int32Array(1 << 15).fill(-1);
  const prev = new Int32Array(WINDOW);
  const hash = (i: number) => ((src[i]! << 10) ^ (src[i + 1]! << 5) ^ src[i + 2]!) & 0x7fff;
  const insert = (i: number) => {
    const h = hash(i);
    prev[i & (WINDOW - 1)] = head[h]!;
    head[h] = i;
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE = fixed Huffman
  for (let i = 0; i < src.length; ) {
    let best = 0;
    let bestDist = 0;
    if (i + 3 <= src.length) {
      const max = Math.min(258, src.length - i);
      for (let c = head[hash(i)]!, chain = 32; c >= 0 && i - c <= WINDOW && chain > 0; chain--) {
        let l = 0;
        while (l < max && src[c + l] === src[i + l]) l++;
        if (l > best) {
          best = l;
          bestDist = i - c;
          if (l === max) break;
        }
        c = prev[c & (WINDOW - 1)]!;
      }
      insert(i);
    }
    if (best < 3) {
      lit(src[i++]!);
      continue;
    }
    // Length and distance codes from the bit length b of (value − base of code 0): codes come in
    // groups of 4 (lengths) or 2 (distances) sharing b − 2 (resp. b − 1) extra bits.
    const x = best - 3;
    if (best === 258) lit(285);
    else if (x < 8) lit(257 + x);
    else {
      const b = 31 - Math.clz32(x);
      lit(257 + 4 * (b - 1) + ((x >> (b - 2)) & 3));
      put(x & ((1 << (b - 2)) - 1), b - 2);
    }
    const y = bestDist - 1;
    if (y < 4) put(FIXED_DIST_CODES[y]!, 5);
    else {
      const b = 31 - Math.clz32(y);
      put(FIXED_DIST_CODES[2 * b + ((y >> (b - 1)) & 1)]!, 5);
      put(y & ((1 << (b - 1)) - 1), b - 1);
    }
    for (let j = i + 1; j < i + best && j + 3 <= src.length; j++) insert(j);
    i += best;
  }
  lit(256);
  put(0, 7); // flush the last partial byte
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------------------------
// .npz (zip)

function prefixErrors<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new WarpError(`${where}: ${(e as Error).message}`);
  }
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

/**
 * Decodes the bytes of a .npz file (a zip of .npy files, as written by `numpy.savez` or
 * `numpy.savez_compressed`) into tensors keyed by entry name without the ".npy" suffix. Reads the
 * central directory (ZIP64 end records and extra fields included), stored and deflated entries, and
 * verifies each entry's CRC-32 and size. Errors (WarpError): not a zip, multi-disk or encrypted
 * archives, other compression methods, entries that are not .npy files, duplicate names, corrupt
 * data, and every .npy error of `decodeNpy` (prefixed with the entry name).
 */
/** The largest npz entry read (2 GiB): larger ones would fail to allocate, or crowd out training. */
const MAX_ENTRY_BYTES = 2 ** 31;

export function decodeNpz(bytes: Uint8Array): Record<string, Tensor> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (p: number) => dv.getUint16(p, true);
  const u32 = (p: number) => dv.getUint32(p, true);
  const u64 = (p: number) => u32(p) + u32(p + 4) * 2 ** 32;
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff) && eocd < 0; p--) {
    if (u32(p) === SIG_EOCD && p + 22 + u16(p + 20) === bytes.length) eocd = p;
  }
  assert(eocd >= 0, () => "npz: not a zip archive (no end-of-central-directory record)");
  assert(u16(eocd + 4) === 0 && u16(eocd + 6) === 0, () => "npz: multi-disk zip archives are not supported");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === SIG_ZIP64_LOCATOR) {
    const z = u64(eocd - 12);
    assert(z + 56 <= eocd && u32(z) === SIG_ZIP64_EOCD, () => "npz: corrupt ZIP64 end-of-central-directory");
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  assert(cdOffset + cdSize <= eocd, () => "npz: central directory lies outside the archive");
  const out: Record<string, Tensor> = {};
  const utf8 = new TextDecoder();
  for (let k = 0, p = cdOffset; k < count; k++) {
    assert(p + 46 <= cdOffset + cdSize && u32(p) === SIG_CENTRAL, () => "npz: corrupt central directory");
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    let local = u32(p + 42);
    const name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; e += 4 + u16(e + 2)) {
      if (u16(e) !== 0x0001) continue; // ZIP64 extended information: the saturated fields, in order
      let q = e + 4;
      if (size === 0xffffffff) {
        size = u64(q);
        q += 8;
      }
      if (compSize === 0xffffffff) {
        compSize = u64(q);
        q += 8;
      }
      if (local === 0xffffffff) local = u64(q);
    }
    p += 46 + nameLen + extraLen + u16(p + 32);
    const where = `npz: entry ${JSON.stringify(name)}`;
    assert(!(flags & 1), () => `${where} is encrypted`);
    assert(
      method === 0 || method === 8,
      () => `${where}: unsupported compression method ${method} (readable: 0 stored, 8 deflate)`,
    );
    assert(name.endsWith(".npy"), () => `${where} is not a .npy file`);
    const key = name.slice(0, -4);
    assert(!Object.hasOwn(out, key), () => `${where} appears twice`);
    assert(local + 30 <= cdOffset && u32(local) === SIG_LOCAL, () => `${where}: corrupt local header`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    assert(start + compSize <= cdOffset, () => `${where}: data runs past the central directory`);
    assert(
      method === 8 || compSize === size,
      () => `${where}: stored size ${compSize} differs from its size ${size}`,
    );
    // A deflated entry can claim any size: refuse one that no typed array can hold before allocating it.
    assert(
      size <= MAX_ENTRY_BYTES,
      () =>
        `${where} inflates to ${size} bytes (${(size / 2 ** 30).toFixed(1)} GiB), over the ${MAX_ENTRY_BYTES / 2 ** 30} GiB an array can hold here`,
    );
    const stored = bytes.subarray(start, start + compSize);
    const data = prefixErrors(where, () => (method === 0 ? stored : inflateRaw(stored, size)));
    assert(crc32(data) === crc, () => `${where}: CRC-32 mismatch (corrupt archive)`);
    setOwn(
      out,
      key,
      prefixErrors(where, () => decodeNpy(data)),
    );
  }
  return out;
}

/**
 * Encodes tensors as a .npz file: one "<key>.npy" entry per key (in key order) holding `encodeNpy`
 * bytes, readable by `numpy.load`. Entries are stored (method 0) unless `compress` is true, in which
 * case each is DEFLATE-compressed with fixed Huffman codes and greedy LZ77 matching (simple: smaller
 * than zlib's best on repetitive data, close to no gain on noisy float data) and kept stored when
 * that does not make it smaller. Timestamps are fixed (1980-01-01), so the output is deterministic.
 * ZIP64 is not written: archives must stay under 4 GiB and 65535 entries.
 */
export function encodeNpz(
  arrays: Record<string, Tensor>,
  { compress = false }: { compress?: boolean } = {},
): Uint8Array {
  const utf8 = new TextEncoder();
  const entries = Object.entries(arrays).map(([key, t]) => {
    const raw = encodeNpy(t);
    const deflated = compress ? deflateFixed(raw) : raw;
    const method = deflated.length < raw.length ? 8 : 0;
    return {
      name: utf8.encode(`${key}.npy`),
      crc: crc32(raw),
      size: raw.length,
      data: method === 8 ? deflated : raw,
      method,
    };
  });
  const localSize = entries.reduce((s, e) => s + 30 + e.name.length + e.data.length, 0);
  const cdSize = entries.reduce((s, e) => s + 46 + e.name.length, 0);
  const total = localSize + cdSize + 22;
  assert(
    total < 2 ** 32 && entries.length < 0xffff,
    () => `npz: ${entries.length} entries, ${total} bytes need ZIP64, which encodeNpz does not write`,
  );
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const common = (p: number, e: (typeof entries)[number]) => {
    dv.setUint16(p, 20, true); // version needed: 2.0
    dv.setUint16(p + 2, 0x0800, true); // UTF-8 names
    dv.setUint16(p + 4, e.method, true);
    dv.setUint16(p + 6, 0, true); // time 00:00
    dv.setUint16(p + 8, 0x21, true); // date 1980-01-01
    dv.setUint32(p + 10, e.crc, true);
    dv.setUint32(p + 14, e.data.length, true);
    dv.setUint32(p + 18, e.size, true);
    dv.setUint16(p + 22, e.name.length, true);
  };
  const offsets: number[] = [];
  let p = 0;
  for (const e of entries) {
    offsets.push(p);
    dv.setUint32(p, SIG_LOCAL, true);
    common(p + 4, e);
    out.set(e.name, p + 30);
    out.set(e.data, p + 30 + e.name.length);
    p += 30 + e.name.length + e.data.length;
  }
  entries.forEach((e, i) => {
    dv.setUint32(p, SIG_CENTRAL, true);
    dv.setUint16(p + 4, 20, true); // version made by: 2.0, MS-DOS attributes
    common(p + 6, e);
    dv.setUint32(p + 42, offsets[i]!, true);
    out.set(e.name, p + 46);
    p += 46 + e.name.length;
  });
  dv.setUint32(p, SIG_EOCD, true);
  dv.setUint16(p + 8, entries.length, true);
  dv.setUint16(p + 10, entries.length, true);
  dv.setUint32(p + 12, cdSize, true);
  dv.setUint32(p + 16, localSize, true);
  return out;
}
