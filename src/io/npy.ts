// NumPy .npy (format 1.0/2.0/3.0) and .npz (zip of .npy) codecs over bytes, in plain TypeScript so they run
// in browsers as well as Node.
// Not here: file access (the caller reads and writes the bytes), pickled object arrays, memory mapping, the
// zip container (zip.ts) and DEFLATE (deflate.ts), the byte helpers shared with safetensors.ts (bytes.ts).

import type { TypedArray } from "../backends/kernels.js";
import { stridesOf } from "../tensor/shape.js";
import { arrayFor, type DType, dtypeOf, type Tensor, tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import { halfToFloat32, hostOrderCopy, setOwn, toInt32, writeLittleEndian } from "./bytes.js";
import { encodeZip, prefixErrors, zipEntries } from "./zip.js";

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
// .npz (zip)

/**
 * Decodes the bytes of a .npz file (a zip of .npy files, as written by `numpy.savez` or
 * `numpy.savez_compressed`) into tensors keyed by entry name without the ".npy" suffix. Reads the
 * central directory (ZIP64 end records and extra fields included), stored and deflated entries, and
 * verifies each entry's CRC-32 and size. Errors (WarpError): not a zip, multi-disk or encrypted
 * archives, other compression methods, entries that are not .npy files, duplicate names, corrupt
 * data, entries over 2 GiB, and every .npy error of `decodeNpy` (prefixed with the entry name).
 */
export function decodeNpz(bytes: Uint8Array): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const entry of zipEntries(bytes, "npz")) {
    const { name, where } = entry;
    assert(name.endsWith(".npy"), () => `${where} is not a .npy file`);
    const key = name.slice(0, -4);
    assert(!Object.hasOwn(out, key), () => `${where} appears twice`);
    const data = entry.read();
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
  const files = Object.entries(arrays).map(([key, t]) => ({ name: `${key}.npy`, data: encodeNpy(t) }));
  return encodeZip(files, compress, "npz");
}
