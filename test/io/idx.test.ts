// IDX codec: hand-written big-endian bytes decode to the right values for every type code, encodeIdx
// round-trips, `limit` reads a prefix, and each kind of corrupt or truncated file is an error naming it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { decodeIdx, encodeIdx, type IdxDType } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

describe("decodeIdx", () => {
  it("reads hand-written big-endian files of each type", () => {
    // uint8 (2, 2): 1 2 3 255
    const u8 = decodeIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 255]));
    assert.equal(u8.dtype, "uint8");
    assert.deepEqual(u8.shape, [2, 2]);
    assert.deepEqual(Array.from(u8.data), [1, 2, 3, 255]);
    // int8 (2): −1, 127
    const i8 = decodeIdx(new Uint8Array([0, 0, 0x09, 1, 0, 0, 0, 2, 0xff, 0x7f]));
    assert.deepEqual([i8.dtype, ...i8.data], ["int8", -1, 127]);
    // int16 (2): 0x0102 = 258, 0xfffe = −2
    const i16 = decodeIdx(new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 1, 2, 0xff, 0xfe]));
    assert.deepEqual([i16.dtype, ...i16.data], ["int16", 258, -2]);
    // int32 (1): 0x01020304
    const i32 = decodeIdx(new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 2, 3, 4]));
    assert.deepEqual([i32.dtype, ...i32.data], ["int32", 0x01020304]);
    // float32 (1): 1.5 = 0x3fc00000
    const f32 = decodeIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]));
    assert.deepEqual([f32.dtype, ...f32.data], ["float32", 1.5]);
    // float64 (1): −2 = 0xc000000000000000
    const f64 = decodeIdx(new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual([f64.dtype, ...f64.data], ["float64", -2]);
  });

  it("round-trips encodeIdx for every type, with three dimensions", () => {
    const cases: [IdxDType, number[]][] = [
      ["uint8", [0, 1, 128, 255, 7, 9]],
      ["int8", [-128, -1, 0, 1, 127, 5]],
      ["int16", [-32768, -300, 0, 300, 32767, 1]],
      ["int32", [-(2 ** 31), -70000, 0, 70000, 2 ** 31 - 1, 3]],
      ["float32", [-1.5, 0, 0.25, 2 ** 40, -7, 1]],
      ["float64", [Math.PI, -Math.E, 0, 1e-300, 1e300, -0.1]],
    ];
    for (const [dtype, values] of cases) {
      const back = decodeIdx(encodeIdx(dtype, [1, 2, 3], values));
      assert.equal(back.dtype, dtype);
      assert.deepEqual(back.shape, [1, 2, 3]);
      assert.deepEqual(Array.from(back.data), values, dtype);
    }
  });

  it("reads only the first `limit` items along the first axis", () => {
    const bytes = encodeIdx("uint8", [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const two = decodeIdx(bytes, { limit: 2 });
    assert.deepEqual(two.shape, [2, 2]);
    assert.deepEqual(Array.from(two.data), [1, 2, 3, 4]);
    assert.deepEqual(decodeIdx(bytes, { limit: 10 }).shape, [4, 2]);
    throwsWith(() => decodeIdx(bytes, { limit: -1 }), "limit");
  });

  it("decodes from a subarray of a larger buffer", () => {
    const inner = encodeIdx("int16", [2], [-5, 6]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    assert.deepEqual(Array.from(decodeIdx(outer.subarray(3)).data), [-5, 6]);
  });

  it("names the problem of corrupt or truncated files", () => {
    const good = encodeIdx("uint8", [3, 2, 2], new Array(12).fill(1));
    throwsWith(() => decodeIdx(new Uint8Array(gzipSync(good))), "gzip", "decompress");
    throwsWith(() => decodeIdx(new Uint8Array([0, 0])), "2 bytes", "magic");
    throwsWith(() => decodeIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0])), "bad magic", "0x01 0x00 0x08 0x01");
    throwsWith(
      () => decodeIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0])),
      "unknown type code 0x0a",
      "0x08 uint8",
    );
    throwsWith(() => decodeIdx(new Uint8Array([0, 0, 8, 0])), "0 dimensions");
    throwsWith(() => decodeIdx(good.subarray(0, 10)), "truncated header", "3 dimensions", "16-byte header");
    throwsWith(
      () => decodeIdx(good.subarray(0, good.length - 1)),
      "truncated data",
      "(3,2,2)",
      "needs 12 bytes",
      "has 11",
    );
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    throwsWith(() => decodeIdx(longer), "2 unexpected bytes after the data");
  });

  it("rejects bad arguments to encodeIdx", () => {
    throwsWith(() => encodeIdx("uint8", [2, 2], [1, 2, 3]), "3 values", "(2,2)");
    throwsWith(() => encodeIdx("uint8", [], []), "1 to 255 dimensions");
    throwsWith(() => encodeIdx("uint8", [1.5], [1]), "dimension 0");
  });
});
