// The zip container over bytes: a reader of the central directory (ZIP64 end records and extra fields
// included) with stored and deflated entries, each checked against its CRC-32 and size, and a writer of
// stored or fixed-Huffman-deflated entries with fixed timestamps. Used by the .npz codec (npy.ts).
// Not here: DEFLATE itself (deflate.ts), what the entries hold, file access.

import { assert, WarpError } from "../util/assert.js";
import { crc32, deflateFixed, inflateRaw } from "./deflate.js";

/** @internal Runs `fn`, prefixing the message of any error it throws with `where` (as a WarpError). */
export function prefixErrors<T>(where: string, fn: () => T): T {
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

/** The largest entry read (2 GiB): larger ones would fail to allocate, or crowd out training. */
const MAX_ENTRY_BYTES = 2 ** 31;

/** An entry of a zip archive: its name, the prefix of its errors, and its bytes (inflated and checked on read). */
export interface ZipEntry {
  name: string;
  /** `<label>: entry "<name>"`, the start of every error about the entry. */
  where: string;
  /** The entry's uncompressed bytes, verified against its CRC-32 and size. */
  read(): Uint8Array;
}

/**
 * The entries of a zip archive in central-directory order, each read only when asked. Errors (WarpError,
 * starting with `label`): not a zip, multi-disk or encrypted archives, compression methods other than
 * stored (0) and deflate (8); on read: corrupt headers, entries over 2 GiB, corrupt data, CRC mismatches.
 */
export function* zipEntries(bytes: Uint8Array, label: string): Generator<ZipEntry> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (p: number) => dv.getUint16(p, true);
  const u32 = (p: number) => dv.getUint32(p, true);
  const u64 = (p: number) => u32(p) + u32(p + 4) * 2 ** 32;
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff) && eocd < 0; p--) {
    if (u32(p) === SIG_EOCD && p + 22 + u16(p + 20) === bytes.length) eocd = p;
  }
  assert(eocd >= 0, () => `${label}: not a zip archive (no end-of-central-directory record)`);
  assert(
    u16(eocd + 4) === 0 && u16(eocd + 6) === 0,
    () => `${label}: multi-disk zip archives are not supported`,
  );
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === SIG_ZIP64_LOCATOR) {
    const z = u64(eocd - 12);
    assert(
      z + 56 <= eocd && u32(z) === SIG_ZIP64_EOCD,
      () => `${label}: corrupt ZIP64 end-of-central-directory`,
    );
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  assert(cdOffset + cdSize <= eocd, () => `${label}: central directory lies outside the archive`);
  const utf8 = new TextDecoder();
  for (let k = 0, p = cdOffset; k < count; k++) {
    assert(
      p + 46 <= cdOffset + cdSize && u32(p) === SIG_CENTRAL,
      () => `${label}: corrupt central directory`,
    );
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
    const where = `${label}: entry ${JSON.stringify(name)}`;
    assert(!(flags & 1), () => `${where} is encrypted`);
    assert(
      method === 0 || method === 8,
      () => `${where}: unsupported compression method ${method} (readable: 0 stored, 8 deflate)`,
    );
    const read = (): Uint8Array => {
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
      return data;
    };
    yield { name, where, read };
  }
}

/**
 * A zip archive of `entries` in order. Entries are stored (method 0) unless `compress` is true, in which case
 * each is DEFLATE-compressed with fixed Huffman codes and kept stored when that does not make it smaller.
 * Timestamps are fixed (1980-01-01), so the output is deterministic. ZIP64 is not written: archives must
 * stay under 4 GiB and 65535 entries (an error starting with `label` otherwise).
 */
export function encodeZip(
  files: readonly { name: string; data: Uint8Array }[],
  compress: boolean,
  label: string,
): Uint8Array {
  const utf8 = new TextEncoder();
  const entries = files.map(({ name, data: raw }) => {
    const deflated = compress ? deflateFixed(raw) : raw;
    const method = deflated.length < raw.length ? 8 : 0;
    return {
      name: utf8.encode(name),
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
    () => `${label}: ${entries.length} entries, ${total} bytes need ZIP64, which warp-ts does not write`,
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
