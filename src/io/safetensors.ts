// safetensors codec: tensors ↔ the bytes of a .safetensors file (u64 little-endian header length N,
// N bytes of UTF-8 JSON header, then the data buffer), validated as strictly as the reference
// implementation, with one WarpError naming each problem. Bytes only: the caller reads and writes
// files. Not here: lazy or memory-mapped loading; writing dtypes other than F32, F64 and I32.

import type { TypedArray } from "../backends/kernels.js";
import { type DType, type Tensor, tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import { halfToFloat32, hostOrderCopy, setOwn, toInt32, writeLittleEndian } from "./bytes.js";

const MAX_HEADER = 100_000_000; // the reference implementation's limit
const WRITE_DTYPE: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32" };
const ITEMSIZE = new Map([
  ["F32", 4],
  ["F64", 8],
  ["I32", 4],
  ["F16", 2],
  ["BF16", 2],
  ["I64", 8],
]);
const OTHER_DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "U32",
  "U64",
  "C64",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
];
const ENTRY_KEYS = ["dtype", "shape", "data_offsets"];

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseEntry(name: string, value: unknown, dataLength: number): Entry {
  const where = `safetensors: tensor ${JSON.stringify(name)}`;
  assert(isObject(value), () => `${where}: entry is not an object`);
  for (const k of Object.keys(value)) {
    assert(ENTRY_KEYS.includes(k), () => `${where}: unknown key ${JSON.stringify(k)}`);
  }
  for (const k of ENTRY_KEYS) assert(Object.hasOwn(value, k), () => `${where}: missing key "${k}"`);
  const { dtype, shape, data_offsets: offsets } = value;
  assert(typeof dtype === "string", () => `${where}: dtype ${JSON.stringify(dtype)} is not a string`);
  const itemsize = ITEMSIZE.get(dtype);
  assert(
    itemsize !== undefined,
    () =>
      `${where}: ${OTHER_DTYPES.includes(dtype) ? "unsupported" : "unknown"} dtype "${dtype}" ` +
      `(readable: ${[...ITEMSIZE.keys()].join(", ")})`,
  );
  assert(
    Array.isArray(shape) && shape.every(isCount),
    () => `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
  );
  assert(
    Array.isArray(offsets) && offsets.length === 2 && offsets.every(isCount),
    () => `${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`,
  );
  const [begin, end] = offsets as [number, number];
  assert(begin <= end, () => `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const need = shape.reduce((a: number, d: number) => a * d, 1) * itemsize;
  assert(
    end - begin === need,
    () =>
      `${where}: data_offsets span ${end - begin} bytes but shape ${fmtShape(shape)} of ${dtype} needs ${need}`,
  );
  assert(
    end <= dataLength,
    () => `${where}: data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data buffer`,
  );
  return { name, dtype, shape, begin, end };
}

function parseMetadata(value: unknown): Record<string, string> {
  assert(
    isObject(value) && Object.values(value).every((v) => typeof v === "string"),
    () => `safetensors: __metadata__ ${JSON.stringify(value)} is not a map of strings to strings`,
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, v as string);
  return out;
}

function decodeValues(dtype: string, buf: ArrayBuffer, what: string): TypedArray {
  switch (dtype) {
    case "F32":
      return new Float32Array(buf);
    case "F64":
      return new Float64Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "F16":
      return halfToFloat32(new Uint16Array(buf));
    case "BF16": {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) bits[i] = h[i]! << 16;
      return out;
    }
    default: // "I64", the only other dtype parseEntry lets through
      return toInt32(new BigInt64Array(buf), what);
  }
}

/**
 * Decodes the bytes of a .safetensors file into tensors (each of its stored shape, scalars included)
 * and the string→string `__metadata__` map ({} when absent). F32 → float32, F64 → float64, I32 → int32,
 * F16 and BF16 → float32 (exact), I64 → int32 when every value fits. Values are copied into aligned
 * typed arrays, so `bytes` may sit at any offset. Validation is strict, one WarpError per problem:
 * a file under 8 bytes; a header length past the file or over 100 MB; a header that is not UTF-8 JSON
 * or not an object; an entry that is not an object or has unknown or missing keys; an unknown or
 * unsupported dtype; a bad shape or data_offsets; a byte length that disagrees with shape·itemsize;
 * offsets outside the data buffer; overlapping tensors, holes between them or trailing bytes (the
 * tensors must cover the data buffer exactly); a `__metadata__` that is not a string→string map.
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  assert(
    bytes.length >= 8,
    () => `not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`,
  );
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  assert(
    n64 <= BigInt(MAX_HEADER),
    () => `not a safetensors file: its header length field reads ${n64}, over the ${MAX_HEADER}-byte limit`,
  );
  const n = Number(n64);
  assert(
    8 + n <= bytes.length,
    () =>
      `not a safetensors file: its header length field reads ${n}, past the end of the ${bytes.length}-byte file`,
  );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new WarpError("not a safetensors file: the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new WarpError(`not a safetensors file: the header is not valid JSON (${(e as Error).message})`);
  }
  assert(isObject(header), () => `safetensors: header is not a JSON object`);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataLength));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = "";
  for (const e of entries) {
    assert(
      e.begin >= covered,
      () =>
        `safetensors: tensors ${JSON.stringify(last)} and ${JSON.stringify(e.name)} overlap ` +
        `(byte ${e.begin} < ${covered})`,
    );
    assert(
      e.begin === covered,
      () => `safetensors: bytes [${covered}, ${e.begin}) of the data buffer belong to no tensor`,
    );
    covered = e.end;
    last = e.name;
  }
  assert(
    covered === dataLength,
    () => `safetensors: ${dataLength - covered} trailing bytes after the last tensor's data`,
  );
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const buf = hostOrderCopy(src, ITEMSIZE.get(e.dtype)!, true);
    const values = decodeValues(e.dtype, buf, `safetensors: tensor ${JSON.stringify(e.name)}`);
    setOwn(tensors, e.name, tensor(values, e.shape));
  }
  return { tensors, metadata };
}

/**
 * Encodes tensors (any shapes; float32 → F32, float64 → F64, int32 → I32) and an optional
 * string→string metadata map as a .safetensors file. Tensors are laid out contiguously in sorted name
 * order, the header (keys in the same order, `__metadata__` first with sorted keys when given) is
 * padded with spaces to a multiple of 8 bytes, so equal inputs give identical bytes. The name
 * "__metadata__" is reserved and cannot name a tensor.
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const fields = Object.keys(metadata)
      .sort()
      .map((k) => {
        const v = metadata[k];
        assert(
          typeof v === "string",
          () => `safetensors: metadata value for ${JSON.stringify(k)} is not a string`,
        );
        return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
      });
    parts.push(`"__metadata__":{${fields.join(",")}}`);
  }
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    assert(name !== "__metadata__", () => `safetensors: "__metadata__" is reserved and cannot name a tensor`);
    const t = tensors[name]!;
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_DTYPE[t.dtype]}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let p = 8 + n;
  for (const name of names) {
    const data = tensors[name]!.data;
    writeLittleEndian(out, p, data);
    p += data.byteLength;
  }
  return out;
}
