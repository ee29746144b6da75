// safetensors codec: a file built by hand from the format spec decodes to the right values, bit-exact
// round trips of every dtype the encoder writes, deterministic bytes equal to a hand-built file, and
// one corrupt file (edited header or bytes) per validation error.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeSafetensors, encodeSafetensors, type Tensor, tensor } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

function check(t: Tensor | undefined, dtype: string, shape: number[], values: number[]): void {
  assert.ok(t, "tensor missing");
  assert.equal(t.dtype, dtype);
  assert.deepEqual([...t.shape], shape);
  assert.deepEqual(t.toArray(), values); // Object.is per element: -0 and NaN must match
}

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** A file: u64 little-endian header length, the header (JSON text or an object), the data bytes. */
function file(header: string | object, data: ArrayLike<number> = [], declaredLength?: number): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const padTo8 = (s: string) => s.padEnd(Math.ceil(s.length / 8) * 8, " ");
const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});

describe("decodeSafetensors on a file built from the spec", () => {
  // Header keys deliberately out of order; "d" starts at byte 12, so its float64 is unaligned.
  const header = padTo8(
    '{"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},' +
      '"__metadata__":{"format":"pt","note":"é"},' +
      '"d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]},' +
      '"n":{"dtype":"I32","shape":[],"data_offsets":[8,12]},' +
      '"h":{"dtype":"F16","shape":[5],"data_offsets":[20,30]},' +
      '"bf":{"dtype":"BF16","shape":[2],"data_offsets":[30,34]},' +
      '"l":{"dtype":"I64","shape":[2],"data_offsets":[34,50]},' +
      '"z":{"dtype":"F32","shape":[0,4],"data_offsets":[50,50]}}',
  );
  const data = [
    ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0], // F32 1, -2.5
    ...[0xf9, 0xff, 0xff, 0xff], // I32 -7
    ...[0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f], // F64 0.1
    ...[0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0xfc], // F16 1, -2, 65504, 2^-24, -inf
    ...[0x80, 0x3f, 0x20, 0xc0], // BF16 1, -2.5
    ...[0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0], // I64 -3, 2^31-1
  ];

  it("decodes every tensor and the metadata", () => {
    const { tensors, metadata } = decodeSafetensors(file(header, data));
    assert.deepEqual(Object.keys(tensors).sort(), ["bf", "d", "h", "l", "n", "w", "z"]);
    check(tensors.w, "float32", [2, 1], [1, -2.5]);
    check(tensors.n, "int32", [], [-7]);
    check(tensors.d, "float64", [1], [0.1]);
    check(tensors.h, "float32", [5], [1, -2, 65504, 2 ** -24, -Infinity]);
    check(tensors.bf, "float32", [2], [1, -2.5]);
    check(tensors.l, "int32", [2], [-3, 2147483647]);
    check(tensors.z, "float32", [0, 4], []);
    assert.deepEqual(metadata, { format: "pt", note: "é" });
  });

  it("decodes the same file at an unaligned offset in a larger buffer", () => {
    const f = file(header, data);
    const big = new Uint8Array(f.length + 5);
    big.set(f, 1);
    const { tensors } = decodeSafetensors(big.subarray(1, 1 + f.length));
    check(tensors.d, "float64", [1], [0.1]);
    check(tensors.w, "float32", [2, 1], [1, -2.5]);
  });

  it("gives empty metadata when there is none", () => {
    const f = file({ a: entry("I32", [1], 0, 4) }, [1, 0, 0, 0]);
    assert.deepEqual(decodeSafetensors(f).metadata, {});
  });
});

describe("encodeSafetensors", () => {
  it("writes exactly the bytes the spec prescribes: sorted names, contiguous data, space padding", () => {
    const b = encodeSafetensors(
      { b: tensor(Float32Array.from([1, -2.5]), [2]), a: tensor(Int32Array.from([-7]), []) },
      { x: "y" },
    );
    const header =
      '{"__metadata__":{"x":"y"},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    const expected = file(padTo8(header), [0xf9, 0xff, 0xff, 0xff, 0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
    assert.deepEqual(b, expected);
    assert.notEqual(header.length % 8, 0); // so the padding above really is exercised
  });

  it("round-trips float32 bit for bit (NaN payloads, -0, infinities, subnormals)", () => {
    const bits = Uint32Array.from([
      0x7fc00001, 0xff800001, 0x80000000, 0x7f800000, 0xff800000, 1, 0x3f800000,
    ]);
    const { tensors } = decodeSafetensors(
      encodeSafetensors({ x: tensor(new Float32Array(bits.buffer), [7]) }),
    );
    assert.deepEqual(new Uint32Array(tensors.x!.data.buffer), bits);
  });

  it("round-trips float64 bit for bit, int32, scalars, zero-size tensors, odd names and metadata", () => {
    const f64 = new BigUint64Array([
      0x7ff0000000000001n,
      0xfff8000000000abcn,
      1n << 63n,
      0x7ff0000000000000n,
      1n,
    ]);
    const src: Record<string, Tensor> = {
      f64: tensor(new Float64Array(f64.buffer), [5, 1]),
      i32: tensor(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -1]), [2, 2]),
      scalar: tensor(Float32Array.from([3.5]), []),
      empty: tensor(new Float64Array(0), [0, 3]),
      'layer "1"/é': tensor(Int32Array.from([9]), [1]),
    };
    Object.defineProperty(src, "__proto__", { value: tensor(Int32Array.from([4]), [1]), enumerable: true });
    const metadata = { format: "pt", empty: "", ключ: "значение" };
    const back = decodeSafetensors(encodeSafetensors(src, metadata));
    assert.deepEqual(back.metadata, metadata);
    assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(src).sort());
    for (const [name, t] of Object.entries(src)) {
      const u = back.tensors[name]!;
      assert.equal(u.dtype, t.dtype, name);
      assert.deepEqual([...u.shape], [...t.shape], name);
      assert.deepEqual(bytesOf(u), bytesOf(t), name);
    }
    assert.equal(Object.getPrototypeOf(back.tensors), Object.prototype);
  });

  it("is deterministic: insertion order of tensors and metadata does not matter", () => {
    const a = tensor(Float32Array.from([1, 2]), [2]);
    const b = tensor(Float64Array.from([3]), [1]);
    const one = encodeSafetensors({ a, b }, { p: "1", q: "2" });
    const two = encodeSafetensors({ b, a }, { q: "2", p: "1" });
    assert.deepEqual(one, two);
    assert.equal(Number(new DataView(one.buffer).getBigUint64(0, true)) % 8, 0);
  });

  it("rejects a tensor named __metadata__ and non-string metadata", () => {
    throwsWith(() => encodeSafetensors({ __metadata__: tensor([1]) }), '"__metadata__" is reserved');
    const bad = { n: 1 } as unknown as Record<string, string>;
    throwsWith(() => encodeSafetensors({}, bad), 'metadata value for "n" is not a string');
  });
});

describe("decodeSafetensors errors", () => {
  const ok = { a: entry("F32", [2], 0, 8) };
  const data8 = [0, 0, 128, 63, 0, 0, 0, 64];

  it("a valid file to start from decodes", () => {
    check(decodeSafetensors(file(ok, data8)).tensors.a, "float32", [2], [1, 2]);
  });

  it("rejects a file shorter than 8 bytes", () => {
    throwsWith(
      () => decodeSafetensors(new Uint8Array(7)),
      "not a safetensors file: 7 bytes, shorter than the 8-byte header length",
    );
  });

  it("rejects a header length beyond the file or over 100 MB", () => {
    throwsWith(
      () => decodeSafetensors(file(ok, data8, 5000)),
      "header length field reads 5000, past the end",
    );
    throwsWith(
      () => decodeSafetensors(file(ok, data8, 100_000_001)),
      "header length field reads 100000001, over the",
    );
    const huge = file(ok, data8);
    huge.fill(0xff, 0, 8);
    throwsWith(() => decodeSafetensors(huge), "header length field reads 18446744073709551615, over the");
  });

  it("rejects a header that is not UTF-8, not JSON or not an object", () => {
    const notUtf8 = file('{"a":"x"}');
    notUtf8[13] = 0xff;
    throwsWith(() => decodeSafetensors(notUtf8), "header is not valid UTF-8");
    throwsWith(() => decodeSafetensors(file('{"a": ')), "header is not valid JSON");
    throwsWith(() => decodeSafetensors(file("[1, 2]")), "header is not a JSON object");
    throwsWith(() => decodeSafetensors(file("null")), "header is not a JSON object");
  });

  it("rejects entries that are not objects, with unknown or missing keys", () => {
    throwsWith(() => decodeSafetensors(file({ a: 5 })), 'tensor "a": entry is not an object');
    throwsWith(
      () => decodeSafetensors(file({ a: { ...ok.a, offsets: 1 } }, data8)),
      'tensor "a": unknown key "offsets"',
    );
    throwsWith(
      () => decodeSafetensors(file({ a: { dtype: "F32", shape: [2] } }, data8)),
      'missing key "data_offsets"',
    );
  });

  it("names unknown and unsupported dtypes", () => {
    throwsWith(() => decodeSafetensors(file({ a: entry("F33", [2], 0, 8) }, data8)), 'unknown dtype "F33"');
    throwsWith(() => decodeSafetensors(file({ a: entry("U8", [8], 0, 8) }, data8)), 'unsupported dtype "U8"');
    throwsWith(() => decodeSafetensors(file({ a: entry("constructor", [2], 0, 8) }, data8)), "unknown dtype");
    throwsWith(() => decodeSafetensors(file({ a: { ...ok.a, dtype: 4 } }, data8)), "dtype 4 is not a string");
  });

  it("rejects shapes that are not lists of non-negative integers", () => {
    for (const shape of [[-2], [1.5], "2", [null]]) {
      throwsWith(
        () => decodeSafetensors(file({ a: { ...ok.a, shape } }, data8)),
        `shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
      );
    }
  });

  it("rejects malformed data_offsets", () => {
    for (const offsets of [[0], [0, 8, 8], ["0", 8], [-1, 7], [0, 8.5]]) {
      throwsWith(
        () => decodeSafetensors(file({ a: { ...ok.a, data_offsets: offsets } }, data8)),
        `data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`,
      );
    }
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [0], 8, 0) }, data8)),
      "[8, 0] end before they begin",
    );
  });

  it("rejects a byte length that disagrees with the shape and dtype", () => {
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [3], 0, 8) }, data8)),
      "span 8 bytes but shape (3) of F32 needs 12",
    );
  });

  it("rejects offsets outside the data buffer", () => {
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [2], 4, 12) }, data8)),
      "[4, 12] run past the end of the 8-byte data buffer",
    );
  });

  it("rejects overlapping tensors, holes and trailing bytes", () => {
    const d12 = [...data8, 0, 0, 0, 0];
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [2], 0, 8), b: entry("F32", [2], 4, 12) }, d12)),
      'tensors "a" and "b" overlap',
    );
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [2], 0, 8), z: entry("F32", [0], 4, 4) }, data8)),
      'tensors "a" and "z" overlap',
    );
    throwsWith(
      () => decodeSafetensors(file({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 8, 12) }, d12)),
      "bytes [4, 8) of the data buffer belong to no tensor",
    );
    throwsWith(
      () => decodeSafetensors(file({ b: entry("F32", [1], 4, 8) }, data8)),
      "bytes [0, 4) of the data buffer belong to no tensor",
    );
    throwsWith(() => decodeSafetensors(file({ a: entry("F32", [1], 0, 4) }, data8)), "4 trailing bytes");
  });

  it("rejects I64 values outside the int32 range", () => {
    const d = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0]; // 0, 2^31
    throwsWith(
      () => decodeSafetensors(file({ l: entry("I64", [2], 0, 16) }, d)),
      'tensor "l": value 2147483648 at flat index 1 does not fit in int32',
    );
  });

  it("rejects __metadata__ that is not a string-to-string map", () => {
    for (const m of [{ a: 1 }, "x", [], null, { a: null }]) {
      throwsWith(
        () => decodeSafetensors(file({ __metadata__: m, ...ok }, data8)),
        `__metadata__ ${JSON.stringify(m)} is not a map of strings to strings`,
      );
    }
  });
});
