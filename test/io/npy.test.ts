// .npy / .npz codecs: decoding files written by real NumPy (fixtures below, base64, made once with
// numpy 2.4 — the comment above each says how), byte-identical encoding, bit-exact round trips, the
// inflater against node:zlib streams of every block type, and one test per error. No python needed.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { decodeNpy, decodeNpz, encodeNpy, encodeNpz, type Tensor, tensor } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const fx = (name: string): Uint8Array => new Uint8Array(Buffer.from(FX[name]!, "base64"));

function check(t: Tensor, dtype: string, shape: number[], values: number[]): void {
  assert.equal(t.dtype, dtype);
  assert.deepEqual([...t.shape], shape);
  assert.deepEqual(t.toArray(), values); // Object.is per element: -0 and NaN must match
}

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const range = (n: number, f: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

/** A version 1.0 .npy file with the given header text (padded as NumPy does) and data bytes. */
function npyWith(header: string, data: ArrayLike<number> = []): Uint8Array {
  const text = `${header}${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  out.set(Buffer.from(text, "latin1"), 10);
  out.set(data, 10 + text.length);
  return out;
}

interface ZipEntry {
  name: string;
  data: Uint8Array; // the uncompressed bytes
  method?: number;
  payload?: Uint8Array; // what is stored (default: data, or zlib raw deflate of it for method 8)
  size?: number; // the declared uncompressed size (default: data.length)
}

/** A zip archive written from the APPNOTE layout, independently of encodeNpz. */
function zipOf(entries: ZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 0;
    const payload = e.payload ?? (method === 8 ? zlib.deflateRawSync(e.data) : e.data);
    const name = Buffer.from(e.name);
    const fields = (b: Buffer, p: number) => {
      b.writeUInt16LE(20, p);
      b.writeUInt16LE(method, p + 4);
      b.writeUInt32LE(zlib.crc32(e.data), p + 10);
      b.writeUInt32LE(payload.length, p + 14);
      b.writeUInt32LE(e.size ?? e.data.length, p + 18);
      b.writeUInt16LE(name.length, p + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    fields(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(payload));
    centrals.push(central, name);
    offset += 30 + name.length + payload.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("decodeNpy on files written by NumPy", () => {
  it("reads float32, float64 and int32 arrays exactly", () => {
    check(
      decodeNpy(fx("f4")),
      "float32",
      [2, 3],
      [1.5, -2.25, Math.fround(0.1), Infinity, -0, Math.fround(3.4e38)],
    );
    check(decodeNpy(fx("f8")), "float64", [4], [0.1, -1e300, 5e-324, Math.PI]);
    check(decodeNpy(fx("i4")), "int32", [2, 2], [-2147483648, 2147483647, 0, -1]);
  });

  it("narrows i8, u8, u4, i2, u2, i1, u1 and bool to int32", () => {
    check(decodeNpy(fx("i8")), "int32", [4], [-5, 0, 2147483647, -2147483648]);
    check(decodeNpy(fx("u8")), "int32", [2], [5, 2147483647]);
    check(decodeNpy(fx("u4")), "int32", [2], [0, 2147483647]);
    check(decodeNpy(fx("i2")), "int32", [2], [-32768, 32767]);
    check(decodeNpy(fx("u2")), "int32", [3], [0, 65535, 1000]);
    check(decodeNpy(fx("i1")), "int32", [3], [-128, 127, 0]);
    check(decodeNpy(fx("u1")), "int32", [5], [0, 1, 127, 128, 255]);
    check(decodeNpy(fx("b1")), "int32", [2, 2], [1, 0, 0, 1]);
  });

  it("widens float16 to float32 exactly (subnormal, infinity, -0, NaN)", () => {
    // 0.1 in binary16 is 1638/16384; 2^-24 is the smallest subnormal.
    check(decodeNpy(fx("f2")), "float32", [8], [1, -2.5, 65504, 2 ** -24, Infinity, -0, NaN, 1638 / 16384]);
  });

  it("byte-swaps big-endian arrays", () => {
    check(decodeNpy(fx("f8be")), "float64", [3], [1, -0.5, 1e-300]);
    check(decodeNpy(fx("f4be")), "float32", [1, 2], [0.25, -3]);
    check(decodeNpy(fx("i4be")), "int32", [3], [1, -2, 65536]);
  });

  it("transposes fortran_order arrays into row-major", () => {
    check(decodeNpy(fx("fortran2d")), "int32", [2, 3], [0, 1, 2, 3, 4, 5]);
    check(
      decodeNpy(fx("fortran3d")),
      "float32",
      [2, 3, 4],
      range(24, (i) => i * 0.5),
    );
  });

  it("reads (n, T, D), scalar and zero-size arrays", () => {
    check(
      decodeNpy(fx("ntd")),
      "float32",
      [2, 3, 4],
      range(24, (i) => i * 0.25),
    );
    check(decodeNpy(fx("scalar")), "float64", [], [2.5]);
    check(decodeNpy(fx("empty")), "float32", [0, 3], []);
  });

  it("reads format versions 2.0 and 3.0", () => {
    check(decodeNpy(fx("v2")), "int32", [2], [7, -8]);
    check(decodeNpy(fx("v3")), "float32", [1], [1.25]);
  });

  it("reads bytes at an unaligned offset", () => {
    const f = fx("f8");
    const shifted = new Uint8Array(f.length + 3);
    shifted.set(f, 3);
    check(decodeNpy(shifted.subarray(3)), "float64", [4], [0.1, -1e300, 5e-324, Math.PI]);
  });
});

describe("encodeNpy", () => {
  it("writes the same bytes as numpy.save", () => {
    const cases: [string, Tensor][] = [
      ["ntd", tensor(Float32Array.from(range(24, (i) => i * 0.25)), [2, 3, 4])],
      ["i4", tensor(Int32Array.from([-2147483648, 2147483647, 0, -1]), [2, 2])],
      ["f8", tensor(Float64Array.from([0.1, -1e300, 5e-324, Math.PI]), [4])],
      ["scalar", tensor(Float64Array.from([2.5]), [])],
      ["empty", tensor(new Float32Array(0), [0, 3])],
    ];
    for (const [name, t] of cases) assert.deepEqual(encodeNpy(t), fx(name), name);
  });

  it("round-trips float32 bit for bit (NaN payloads, -0, infinities, subnormals)", () => {
    const bits = Uint32Array.from([
      0x7fc00001, 0xff800001, 0x80000000, 0x7f800000, 0xff800000, 1, 0x3f800000,
    ]);
    const t = tensor(new Float32Array(bits.buffer), [7]);
    const back = decodeNpy(encodeNpy(t));
    assert.deepEqual(new Uint32Array(back.data.buffer), bits);
  });

  it("round-trips float64, int32, 1-D, scalar and zero-size tensors", () => {
    const f64 = tensor(Float64Array.from([Number.MIN_VALUE, -0, Number.MAX_VALUE, Number.NaN]), [2, 2]);
    const cases = [
      f64,
      tensor(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0]), [3]),
      tensor(Int32Array.from([42]), []),
      tensor(new Float64Array(0), [2, 0, 5]),
    ];
    for (const t of cases) {
      const back = decodeNpy(encodeNpy(t));
      assert.equal(back.dtype, t.dtype);
      assert.deepEqual([...back.shape], [...t.shape]);
      assert.deepEqual(bytesOf(back), bytesOf(t));
    }
  });

  it("pads the header to 64 bytes with a newline and writes the Python shape tuple", () => {
    const b = encodeNpy(tensor(Float32Array.from([1, 2, 3]), [3]));
    const hlen = b[8]! | (b[9]! << 8);
    assert.equal((10 + hlen) % 64, 0);
    assert.equal(b[10 + hlen - 1], 0x0a);
    assert.ok(
      Buffer.from(b.subarray(10, 10 + hlen))
        .toString("latin1")
        .includes("'shape': (3,), }"),
    );
  });
});

describe("decodeNpy errors", () => {
  it("rejects a bad magic", () => {
    const b = fx("f4");
    b[1] = 0x4f;
    throwsWith(() => decodeNpy(b), "bad magic");
    throwsWith(() => decodeNpy(new Uint8Array(4)), "bad magic");
  });

  it("rejects unsupported versions", () => {
    const b = fx("f4");
    b[6] = 4;
    throwsWith(() => decodeNpy(b), "unsupported format version 4.0");
    b[6] = 1;
    b[7] = 1;
    throwsWith(() => decodeNpy(b), "unsupported format version 1.1");
  });

  it("rejects a header length past the end of the file", () => {
    throwsWith(() => decodeNpy(fx("f4").subarray(0, 40)), "header length 118 runs past the end");
  });

  it("rejects malformed header dicts", () => {
    const d = [0, 0, 128, 63];
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", d)),
      "malformed",
    );
    throwsWith(() => decodeNpy(npyWith("{'descr': '<f4, 'fortran_order': False}", d)), "malformed");
    throwsWith(() => decodeNpy(npyWith("[1, 2]", d)), "malformed", "not a dict");
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '<f4', 'shape': (1,), }", d)),
      "header keys are {descr,shape}",
    );
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", d)),
      "header keys",
    );
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", d)),
      "fortran_order 0 is not True or False",
    );
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", d)),
      "shape [-1] is not a tuple of non-negative integers",
    );
  });

  it("reads any non-zero bool byte as 1", () => {
    const t = decodeNpy(npyWith("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [0, 2, 255]));
    check(t, "int32", [3], [0, 1, 1]);
  });

  it("accepts a hand-written header in any key order and Python 2 long integers", () => {
    const t = decodeNpy(npyWith("{'shape': (1L,), 'fortran_order': False, 'descr': '<f4'}", [0, 0, 128, 63]));
    check(t, "float32", [1], [1]);
  });

  it("names unsupported dtypes", () => {
    throwsWith(() => decodeNpy(fx("obj")), "unsupported dtype '|O'");
    throwsWith(() => decodeNpy(fx("c8")), "unsupported dtype '<c8'");
    throwsWith(
      () => decodeNpy(npyWith("{'descr': '|f4', 'fortran_order': False, 'shape': (0,), }")),
      "'|f4'",
    );
    throwsWith(
      () => decodeNpy(npyWith("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (0,), }")),
      "unsupported dtype",
      "structured",
    );
  });

  it("rejects data shorter or longer than the shape needs", () => {
    const b = fx("f4");
    throwsWith(
      () => decodeNpy(b.subarray(0, b.length - 1)),
      "data is 23 bytes but shape (2,3) of '<f4' needs 24",
    );
    const longer = new Uint8Array(b.length + 2);
    longer.set(b);
    throwsWith(() => decodeNpy(longer), "2 trailing bytes");
  });

  it("rejects 64-bit integers outside the int32 range", () => {
    throwsWith(() => decodeNpy(fx("i8big")), "value 2147483648 at flat index 1 does not fit in int32");
  });
});

describe("decodeNpz on archives written by NumPy", () => {
  it("reads np.savez_compressed with an (n, T, D) array and an int64 labels vector", () => {
    const z = decodeNpz(fx("npz_compressed"));
    assert.deepEqual(Object.keys(z), ["x", "labels"]);
    check(
      z.x!,
      "float32",
      [4, 5, 3],
      range(60, (i) => (i % 7) * 0.5),
    );
    check(z.labels!, "int32", [4], [0, 1, 1, 0]);
  });

  it("reads np.savez with a leading split axis (3, n, T, D)", () => {
    const z = decodeNpz(fx("npz_split"));
    check(
      z.x!,
      "float32",
      [3, 2, 3, 2],
      range(36, (i) => i - 10),
    );
    check(z.y!, "int32", [3, 2], [0, 1, 1, 0, 1, 1]);
  });

  it("inflates fixed-Huffman, stored and dynamic-Huffman deflate blocks", () => {
    check(
      decodeNpz(fx("npz_fixed")).a!,
      "int32",
      [400],
      range(400, (i) => i % 13),
    );
    check(decodeNpz(fx("npz_storedblocks")).a!, "int32", [5], [0, 1, 2, 3, 4]);
    let x = 1;
    const lcg = range(3000, () => {
      x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
      return (x >>> 16) % 4;
    });
    check(decodeNpz(fx("npz_dynamic")).a!, "int32", [3000], lcg);
  });

  it("reads ZIP64 end records and extra fields", () => {
    const b = fx("npz_zip64");
    const z = decodeNpz(b);
    check(z.a!, "int32", [3], [3, 1, 4]);
    check(z.b!, "float64", [1, 1], [2.5]);
    // Saturate the classic end record, as a writer does past 65535 entries or 4 GiB: only the ZIP64
    // end record then says where the central directory is.
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const end = b.length - 22;
    assert.equal(dv.getUint32(end, true), 0x06054b50);
    dv.setUint16(end + 8, 0xffff, true);
    dv.setUint16(end + 10, 0xffff, true);
    dv.setUint32(end + 12, 0xffffffff, true);
    dv.setUint32(end + 16, 0xffffffff, true);
    check(decodeNpz(b).a!, "int32", [3], [3, 1, 4]);
  });
});

describe("inflate against node:zlib", () => {
  const inputs: [string, Uint8Array][] = [
    ["noise", noise(70_000)],
    ["runs", Uint8Array.from(range(100_000, (i) => (i >> 9) % 3))],
    ["text-like", Uint8Array.from(range(50_000, (i) => 97 + ((i * i) % 26)))],
    ["empty", new Uint8Array(0)],
  ];
  const settings: [string, zlib.ZlibOptions][] = [
    ["level 0", { level: 0 }],
    ["level 1", { level: 1 }],
    ["level 9", { level: 9 }],
    ["fixed", { strategy: zlib.constants.Z_FIXED }],
    ["huffman only", { strategy: zlib.constants.Z_HUFFMAN_ONLY }],
    ["rle", { strategy: zlib.constants.Z_RLE }],
  ];
  for (const [what, data] of inputs) {
    it(`decodes ${what} deflated at every level and strategy`, () => {
      const npy = encodeNpy(tensor(data.length ? new Int32Array(data) : new Int32Array(0), [data.length]));
      for (const [how, options] of settings) {
        const payload = zlib.deflateRawSync(npy, options);
        const z = decodeNpz(zipOf([{ name: "a.npy", data: npy, method: 8, payload }]));
        assert.deepEqual(Int32Array.from(z.a!.data), new Int32Array(data), `${what}, ${how}`);
      }
    });
  }
});

describe("encodeNpz", () => {
  const arrays = () => ({
    x: tensor(Float32Array.from(range(60, (i) => Math.sin(i))), [4, 5, 3]),
    labels: tensor(Int32Array.from([0, 1, 1, 0]), [4]),
    zeros: tensor(new Float64Array(5000), [50, 100]),
    s: tensor(Float64Array.from([-0]), []),
  });

  for (const compress of [false, true]) {
    it(`round-trips every array bit for bit (compress: ${compress})`, () => {
      const src = arrays();
      const z = decodeNpz(encodeNpz(src, { compress }));
      assert.deepEqual(Object.keys(z), ["x", "labels", "zeros", "s"]);
      for (const [k, t] of Object.entries(src)) {
        assert.deepEqual([...z[k]!.shape], [...t.shape], k);
        assert.deepEqual(bytesOf(z[k]!), bytesOf(t), k);
      }
    });
  }

  it("stores each entry as the encodeNpy bytes, with a zlib-compatible CRC-32", () => {
    const t = tensor(Int32Array.from([5, 6, 7]), [3]);
    const b = encodeNpz({ w: t });
    const npy = encodeNpy(t);
    const dv = new DataView(b.buffer);
    assert.equal(dv.getUint32(0, true), 0x04034b50);
    assert.equal(dv.getUint16(8, true), 0); // stored
    assert.equal(dv.getUint32(14, true), zlib.crc32(npy));
    assert.equal(Buffer.from(b.subarray(30, 35)).toString(), "w.npy");
    assert.deepEqual(b.subarray(35, 35 + npy.length), npy);
  });

  it("compresses with deflate that zlib inflates, and keeps incompressible entries stored", () => {
    const zeros = tensor(new Float64Array(5000), [5000]);
    const b = encodeNpz({ z: zeros }, { compress: true });
    const dv = new DataView(b.buffer);
    assert.equal(dv.getUint16(8, true), 8); // deflated
    const size = dv.getUint32(18, true);
    assert.ok(size < 1000, `5000 zeros compress to ${size} bytes`);
    assert.deepEqual(new Uint8Array(zlib.inflateRawSync(b.subarray(35, 35 + size))), encodeNpy(zeros));

    const rnd = { r: tensor(new Int32Array(noise(4000).buffer), [1000]) };
    assert.deepEqual(encodeNpz(rnd, { compress: true }), encodeNpz(rnd));
  });

  it("is deterministic", () => {
    assert.deepEqual(encodeNpz(arrays(), { compress: true }), encodeNpz(arrays(), { compress: true }));
    assert.deepEqual(encodeNpz(arrays()), encodeNpz(arrays()));
  });
});

describe("decodeNpz errors", () => {
  const npy = encodeNpy(tensor(Float32Array.from([1, 2, 3, 4]), [4]));

  it("rejects data that is not a zip archive", () => {
    throwsWith(() => decodeNpz(npy), "not a zip archive");
    throwsWith(() => decodeNpz(new Uint8Array(10)), "not a zip archive");
  });

  it("detects a CRC-32 mismatch", () => {
    const b = encodeNpz({ a: tensor(Float32Array.from([1, 2, 3, 4]), [4]) });
    b[b.length - 22 - 51 - 1]! ^= 1; // last data byte: before the central directory (46 + 5) and end record
    throwsWith(() => decodeNpz(b), 'entry "a.npy": CRC-32 mismatch');
  });

  it("rejects unsupported compression methods and non-.npy entries", () => {
    throwsWith(
      () => decodeNpz(zipOf([{ name: "a.npy", data: npy, method: 12 }])),
      "unsupported compression method 12",
    );
    throwsWith(
      () => decodeNpz(zipOf([{ name: "notes.txt", data: npy }])),
      'entry "notes.txt" is not a .npy file',
    );
    throwsWith(
      () =>
        decodeNpz(
          zipOf([
            { name: "a.npy", data: npy },
            { name: "a.npy", data: npy },
          ]),
        ),
      'entry "a.npy" appears twice',
    );
  });

  it("refuses by size an entry too large to hold, before allocating it", () => {
    const deflated = zlib.deflateRawSync(npy);
    throwsWith(
      () =>
        decodeNpz(zipOf([{ name: "huge.npy", data: npy, method: 8, payload: deflated, size: 0xf0000000 }])),
      'entry "huge.npy" inflates to 4026531840 bytes (3.8 GiB), over the 2 GiB',
    );
  });

  it("prefixes .npy errors with the entry name", () => {
    throwsWith(
      () => decodeNpz(zipOf([{ name: "bad.npy", data: npy.subarray(3) }])),
      'entry "bad.npy": npy: bad magic',
    );
  });

  it("rejects corrupt deflate streams", () => {
    const entry = (payload: number[] | Uint8Array, size = npy.length) =>
      zipOf([{ name: "a.npy", data: npy, method: 8, payload: Uint8Array.from(payload), size }]);
    throwsWith(() => decodeNpz(entry([0x07])), "invalid block type 3");
    const stored = zlib.deflateRawSync(npy, { level: 0 });
    throwsWith(() => decodeNpz(entry(stored.subarray(0, 40))), "deflate: stream is truncated");
    const badLen = Uint8Array.from(stored);
    badLen[3]! ^= 0xff; // NLEN no longer the complement of LEN
    throwsWith(() => decodeNpz(entry(badLen)), "stored block length check failed");
    throwsWith(() => decodeNpz(entry(zlib.deflateRawSync(npy), npy.length - 1)), "more than the expected");
    throwsWith(
      () => decodeNpz(entry(zlib.deflateRawSync(npy), npy.length + 1)),
      `inflates to ${npy.length} bytes`,
    );
    // Fixed block: length code 257 (0000001) with distance code 0 (distance 1) before any output.
    throwsWith(() => decodeNpz(entry([0x03, 0x02, 0x00])), "reaches before the start");
  });
});

// Fixtures written by numpy 2.4.6 (f is an io.BytesIO; its bytes are stored in base64).
const FX: Record<string, string> = {
  // np.save(f, np.array([[1.5, -2.25, 0.1], [np.inf, -0.0, 3.4e38]], dtype='<f4'))
  f4: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwM3MzD0AAIB/AAAAgJ7Jf38=",
  // np.save(f, np.array([0.1, -1e300, 5e-324, np.pi], dtype='<f8'))
  f8: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5P5x1AIg85Df+AQAAAAAAAAAYLURU+yEJQA==",
  // np.save(f, np.array([[-2147483648, 2147483647], [0, -1]], dtype='<i4'))
  i4: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAACA////fwAAAAD/////",
  // np.save(f, np.array([-5, 0, 2147483647, -2147483648], dtype='<i8'))
  i8: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr7/////////wAAAAAAAAAA////fwAAAAAAAACA/////w==",
  // np.save(f, np.array([1, 2**31], dtype='<i8'))
  i8big:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAAAAAIAAAAAA",
  // np.save(f, np.array([0, 1, 127, 128, 255], dtype='|u1'))
  u1: "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDUsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAX+A/w==",
  // np.save(f, np.array([-128, 127, 0], dtype='|i1'))
  i1: "k05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAfwA=",
  // np.save(f, np.array([-32768, 32767], dtype='<i2'))
  i2: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGkyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAgP9/",
  // np.save(f, np.array([1, -2, 65536], dtype='>i4'))
  i4be: "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB/////gABAAA=",
  // np.save(f, np.array([0, 2147483647], dtype='<u4'))
  u4: "k05VTVBZAQB2AHsnZGVzY3InOiAnPHU0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAA////fw==",
  // np.save(f, np.array([5, 2**31 - 1], dtype='<u8'))
  u8: "k05VTVBZAQB2AHsnZGVzY3InOiAnPHU4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoFAAAAAAAAAP///38AAAAA",
  // np.save(f, np.array([0, 65535, 1000], dtype='<u2'))
  u2: "k05VTVBZAQB2AHsnZGVzY3InOiAnPHUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAP//6AM=",
  // np.save(f, np.array([[True, False], [False, True]]))
  b1: "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAB",
  // np.save(f, np.array([1.0, -2.5, 65504, 2**-24, np.inf, -0.0, np.nan, 0.1], dtype='<f2'))
  f2: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDgsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPADB/3sBAAB8AIAAfmYu",
  // np.save(f, np.array([1.0, -0.5, 1e-300], dtype='>f8'))
  f8be: "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/8AAAAAAAAL/gAAAAAAAAAaVuH8L481k=",
  // np.save(f, np.array([[0.25, -3.0]], dtype='>f4'))
  f4be: "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo+gAAAwEAAAA==",
  // np.save(f, np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)))
  fortran2d:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAwAAAAEAAAAEAAAAAgAAAAUAAAA=",
  // np.save(f, np.asfortranarray((np.arange(24, dtype='<f4') * 0.5).reshape(2, 3, 4)))
  fortran3d:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADAQAAAAEAAAABBAACAQAAAIEEAAAA/AADQQAAAIEAAAAhBAACQQAAAKEEAAIA/AADgQAAAQEAAABBBAACgQAAAMEEAAMA/AADwQAAAYEAAABhBAACwQAAAOEE=",
  // np.save(f, (np.arange(24, dtype='<f4') * 0.25).reshape(2, 3, 4))
  ntd: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8AAMA/AADgPwAAAEAAABBAAAAgQAAAMEAAAEBAAABQQAAAYEAAAHBAAACAQAAAiEAAAJBAAACYQAAAoEAAAKhAAACwQAAAuEA=",
  // np.save(f, np.array(2.5, dtype='<f8'))
  scalar:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==",
  // np.save(f, np.zeros((0, 3), dtype='<f4'))
  empty:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=",
  // np.save(f, np.array([1+2j], dtype='<c8'))
  c8: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGM4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQA==",
  // np.save(f, np.array([None, 1], dtype=object))
  obj: "k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqABJWNAAAAAAAAAIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGgDjAVkdHlwZZSTlIwCTziUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LP3SUYoldlChOSwFldJRiLg==",
  // write_array(f, np.array([7, -8], dtype='<i4'), version=(2, 0))
  v2: "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAA+P///w==",
  // write_array(f, np.array([1.25], dtype='<f4'), version=(3, 0))
  v3: "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAKA/",
  // np.savez_compressed(f, x=((np.arange(60, dtype=np.float32) % 7) * 0.5).reshape(4, 5, 3), labels=np.array([0, 1, 1, 0], dtype=np.int64))
  npz_compressed:
    "UEsDBC0AAAAIAAAAIQC28wFr//////////8FABQAeC5ucHkBABAAcAEAAAAAAABfAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiY6CqY6CsaaOgq1CuQBLgYIsGdgaADiA0DM4MDAoADEDg7DUQ4AUEsDBC0AAAAIAAAAIQDScJ12//////////8KABQAbGFiZWxzLm5weQEAEACgAAAAAAAAAEsAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNpoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaJjqaOgq1ChQALgYoYESjYQAAUEsBAi0DLQAAAAgAAAAhALbzAWtfAAAAcAEAAAUAAAAAAAAAAAAAAIABAAAAAHgubnB5UEsBAi0DLQAAAAgAAAAhANJwnXZLAAAAoAAAAAoAAAAAAAAAAAAAAIABlgAAAGxhYmVscy5ucHlQSwUGAAAAAAIAAgBrAAAAHQEAAAAA",
  // np.savez(f, x=(np.arange(36, dtype=np.float32) - 10).reshape(3, 2, 3, 2), y=np.array([[0, 1], [1, 0], [1, 1]], dtype=np.int64))
  npz_split:
    "UEsDBC0AAAAAAAAAIQB8D4M1//////////8FABQAeC5ucHkBABAAEAEAAAAAAAAQAQAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyLCAzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAgwQAAEMEAAADBAADgwAAAwMAAAKDAAACAwAAAQMAAAADAAACAvwAAAAAAAIA/AAAAQAAAQEAAAIBAAACgQAAAwEAAAOBAAAAAQQAAEEEAACBBAAAwQQAAQEEAAFBBAABgQQAAcEEAAIBBAACIQQAAkEEAAJhBAACgQQAAqEEAALBBAAC4QQAAwEEAAMhBUEsDBC0AAAAAAAAAIQBcNydg//////////8FABQAeS5ucHkBABAAsAAAAAAAAACwAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAUEsBAi0DLQAAAAAAAAAhAHwPgzUQAQAAEAEAAAUAAAAAAAAAAAAAAIABAAAAAHgubnB5UEsBAi0DLQAAAAAAAAAhAFw3J2CwAAAAsAAAAAUAAAAAAAAAAAAAAIABRwEAAHkubnB5UEsFBgAAAAACAAIAZgAAAC4CAAAAAA==",
  // np.savez_compressed(f, a=np.arange(400, dtype=np.int32) % 13), zlib strategy Z_FIXED
  npz_fixed:
    "UEsDBC0AAAAIAAAAIQCQcv0l//////////8FABQAYS5ucHkBABAAwAYAAAAAAAB1AAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiYGBjqaOgq1CmQDLgYgYARiJiBmBmIWIGYFYjYgZgdiDiDmBGKQQm4g5mGAgFE9o3pG9YzqGdUzsvUAAFBLAQItAy0AAAAIAAAAIQCQcv0ldQAAAMAGAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLBQYAAAAAAQABADMAAACsAAAAAAA=",
  // np.savez_compressed(f, a=np.arange(5, dtype=np.int32)), zlib level 0 (stored blocks)
  npz_storedblocks:
    "UEsDBC0AAAAIAAAAIQA1/GVj//////////8FABQAYS5ucHkBABAAlAAAAAAAAACZAAAAAAAAAAGUAGv/k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDUsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAAIAAAADAAAABAAAAFBLAQItAy0AAAAIAAAAIQA1/GVjmQAAAJQAAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLBQYAAAAAAQABADMAAADQAAAAAAA=",
  // np.savez_compressed(f, a=lcg(3000)), zlib level 9 (dynamic Huffman); lcg: x = (x * 1103515245 + 12345) % 2**31
  // from x = 1, value (x >> 16) % 4, as uint8
  npz_dynamic:
    "UEsDBC0AAAAIAAAAIQDdz6PK//////////8FABQAYS5ucHkBABAAOAwAAAAAAABZBAAAAAAAAJ2Wu25kVRBF65HxFc56kBwYkfEBZCASAiJkMUYEiEE2TAJ8BT/MqbXqNsRM29Pt2+fUY9euXfX3199+9c13GR/jj9v7l7cfXm9fPNz+/P2z2+PD7ccPr7+9Pv/y/YfX9y/z/Mvnn99ezvO3n55/fTl/v/v86enp8dPHh78e/u+/T6qyu6vjvEdkn1dV8SjrPJjPlRnz3fnQ53xEz5Hk4rmZc6Pi/JxPzfedcV4Zx8b5fh7yyx/H7Dl5js/psV3j51wa75zvsZxjYHzMtTlCpBgvgjnWa/xMxPN5EjCYOXBMx7g6j+Yoz47xcy/GREwsTeQ4nLQmo5pI5+QEMZg0aRmpkJzjJ9zGLrhlXilnb+rB6U6ACgKZNI/Z7MvoQYF0QK/Aa86N4cmfTGIe5MSf3ARzCjFpE8hB8wRBBhQrLGUSfgzUFm2MEUpPvM0rMEMtJ2SzFxuKnJQ1vTX3J5CyTE0NAB/HhBcmNubG2dYgKXcF2XvJLAZy4OvigKVuYCau8TQJTaUJeQzgGLKSJj46tuoL1xwM3uGkaE9cPAvxHPwH0AGNYsz7XIcpKes92BQmjKZMLQgwZDwp5CKZIIC7gm55fYQfcxw0JMkUCToFdfS/gRmjIffjTp9BypazlHw3/VoEXxSpjf5u0NacyLk897MWUltqDA8H5kSBOwTnNGQcWltJq9tUVLptIHyN194eqavnaa4wWTqqydrbc5Ywmp6WUynUKQcMBAoOlKkXUDQzgtFPU23QLrUJOSFJen7+aNlNklErBDASDo1ruW6vEI/6NhjTpVMBOo937uIXclI3SDCFxTFZxH8qDlzIQfrbyERfgNlYwDlI9cVOyyz49HGpqvOi41rhoz0G6EQASominZR6W6nDCqM+YCoPIKqchYMQulW+Xh2+iKgaEUwodtR9FZhGsrSpbrb0J1z1XDWXTYIfl9Qo3ORnkxuIAY7R+3dbPdIFNNEtmwjwHHHIPJQjOO069SBjbjdn9PWt/RpST1K35YM4fW+O1rjVdHoJ/qYL/3Jlmumi3XJ6mX+WGo0HurNVUaWllMCQCS1ZkehCgCdzODnh2BgTBsVzwjB0nW4Ysr9hgC0Z2yCpIkDmIKxNBsEPRSNBi/ZY1SFMQxEcVRw1bhvFJrOVc+erIjVGtjrqJfisIAiWawRQKFT1L11DIW9zh43XIrEMip1FpfiFozzWHTNTQZ4PtcO+JCb0VzHwgtV2mLrAyKVsWwrUt52p57Yi/hbzXusNYNc4bWfMVt1VgTiSTDdld4Hq3WVs46APaqctC5UxXsq+kqdguxk5OxR8c3MtgAHUhxHAvlY7GQu1WXjcX5j4fV9tVPRLIBDs1VQYeW11gmdKNhtDx5rHxUDXhIXSDQReuQw6ChcLFoN0VSpX3Nz1Klw0dG0Psl86XKJXQg093GW3cG5ri46FX82AcHJVEXMn4Mfd2i2a5aHVn9X4SlEDTxBk8WLSlqt55UoH9ch/AFBLAQItAy0AAAAIAAAAIQDdz6PKWQQAADgMAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLBQYAAAAAAQABADMAAACQBAAAAAA=",
  // np.savez(f, a=np.array([3, 1, 4], dtype='<i4'), b=np.array([[2.5]])) with zipfile.ZIP64_LIMIT = 8
  npz_zip64:
    "UEsDBC0AAAAAAAAAIQAuYUj7//////////8FABQAYS5ucHkBABAAjAAAAAAAAACMAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAwAAAAEAAAAEAAAAUEsDBC0AAAAAAAAAIQCfr6Gc//////////8FABQAYi5ucHkBABAAiAAAAAAAAACIAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxLCAxKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAABEBQSwECLQMtAAAAAAAAACEALmFI+///////////BQAUAAAAAAAAAAAAgAEAAAAAYS5ucHkBABAAjAAAAAAAAACMAAAAAAAAAFBLAQItAy0AAAAAAAAAIQCfr6Gc//////////8FABwAAAAAAAAAAACAAf////9iLm5weQEAGACIAAAAAAAAAIgAAAAAAAAAwwAAAAAAAABQSwYGLAAAAAAAAAAtAC0AAAAAAAAAAAACAAAAAAAAAAIAAAAAAAAAlgAAAAAAAACCAQAAAAAAAFBLBgcAAAAAGAIAAAAAAAABAAAAUEsFBgAAAAACAAIAlgAAAIIBAAAAAA==",
};
