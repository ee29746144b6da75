// CRC-32 and raw DEFLATE (RFC 1951) in plain TypeScript, so the zip container (zip.ts) runs in browsers as
// well as Node: a decoder for stored, fixed- and dynamic-Huffman blocks and a small fixed-Huffman encoder
// with greedy LZ77 matching. Errors are WarpErrors starting "deflate:".
// Not here: the zip container (zip.ts), gzip or zlib framing.

import { assert } from "../util/assert.js";

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as zip and gzip use) of `b`. */
export function crc32(b: Uint8Array): number {
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
export function inflateRaw(src: Uint8Array, size: number): Uint8Array {
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
export function deflateFixed(src: Uint8Array): Uint8Array {
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
