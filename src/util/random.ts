// Seeded, splittable random numbers through explicit keys (JAX style): a key is two uint32 words; the
// bits for element i of a draw are Threefry-2x32 (20 rounds) of the counter i under that key, so the same
// key always gives the same numbers, on any platform, in any order of evaluation.
// Not here: global random state — there is none.

import { sizeOf } from "../tensor/shape.js";
import { arrayFor, type DType, type FloatDType, Tensor } from "../tensor/tensor.js";
import { assert } from "./assert.js";

/** A PRNG key: two uint32 words. Make one with `randomKey(seed)`, derive more with `splitKey`. */
export type Key = Readonly<Uint32Array>;

const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

/** Threefry-2x32-20 of the counter (c0, c1) under key (k0, k1); writes two words to out[o], out[o+1]. */
function threefry(k0: number, k1: number, c0: number, c1: number, out: Uint32Array, o: number): void {
  const k2 = (k0 ^ k1 ^ 0x1bd11bda) >>> 0;
  const ks = [k0, k1, k2];
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  for (let r = 0; r < 5; r++) {
    for (let j = 0; j < 4; j++) {
      const rot = ROT[(r % 2) * 4 + j]!;
      x0 = (x0 + x1) >>> 0;
      x1 = ((x1 << rot) | (x1 >>> (32 - rot))) >>> 0;
      x1 = (x1 ^ x0) >>> 0;
    }
    x0 = (x0 + ks[(r + 1) % 3]!) >>> 0;
    x1 = (x1 + ks[(r + 2) % 3]! + r + 1) >>> 0;
  }
  out[o] = x0;
  out[o + 1] = x1;
}

/** `n` random uint32 words from `key`. */
export function randomBits(key: Key, n: number): Uint32Array {
  const out = new Uint32Array(n + (n & 1));
  for (let i = 0, c = 0; i < n; i += 2, c++) threefry(key[0]!, key[1]!, c, 0, out, i);
  return n & 1 ? out.subarray(0, n) : out;
}

/** A key from an integer seed (any safe integer; negative seeds are allowed). */
export function randomKey(seed: number): Key {
  assert(Number.isSafeInteger(seed), () => `randomKey: seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const lo = seed >>> 0;
  return Uint32Array.of(hi, lo);
}

/** `n` independent keys derived from `key`. */
export function splitKey(key: Key, n = 2): Key[] {
  const out = new Uint32Array(2);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) {
    threefry(key[0]!, key[1]!, i, 0x6b657973, out, 0);
    keys.push(Uint32Array.of(out[0]!, out[1]!));
  }
  return keys;
}

/** A key derived from `key` and an integer (e.g. a step number), without splitting. */
export function foldIn(key: Key, data: number): Key {
  const out = new Uint32Array(2);
  threefry(key[0]!, key[1]!, data >>> 0, 0x666f6c64, out, 0);
  return out;
}

/** Uniform in [0, 1) with 32 random bits per value. */
function unitFloats(key: Key, n: number): Float64Array {
  const bits = randomBits(key, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bits[i]! / 2 ** 32;
  return out;
}

function fill(dtype: DType, values: ArrayLike<number>, shape: readonly number[]): Tensor {
  const data = arrayFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i]!;
  return new Tensor(data, shape);
}

/** Uniform samples in [lo, hi). */
export function uniform(
  key: Key,
  shape: readonly number[],
  lo = 0,
  hi = 1,
  dtype: FloatDType = "float32",
): Tensor {
  assert(lo <= hi, () => `uniform: lo ${lo} exceeds hi ${hi}`);
  const u = unitFloats(key, sizeOf(shape));
  for (let i = 0; i < u.length; i++) {
    // Rounding to float32 can reach hi; keep the interval half-open.
    const v = lo + (hi - lo) * u[i]!;
    u[i] = dtype === "float32" && Math.fround(v) >= hi && hi > lo ? lo : v;
  }
  return fill(dtype, u, shape);
}

/** Standard normal samples (Box–Muller), scaled to N(mean, std²). */
export function normal(
  key: Key,
  shape: readonly number[],
  mean = 0,
  std = 1,
  dtype: FloatDType = "float32",
): Tensor {
  const n = sizeOf(shape);
  const u = unitFloats(key, n + (n & 1));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]!));
    const a = 2 * Math.PI * u[i + 1]!;
    out[i] = mean + std * r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(a);
  }
  return fill(dtype, out, shape);
}

/** 1 with probability p, else 0. */
export function bernoulli(
  key: Key,
  p: number,
  shape: readonly number[],
  dtype: FloatDType = "float32",
): Tensor {
  assert(p >= 0 && p <= 1, () => `bernoulli: probability must be in [0, 1], got ${p}`);
  const u = unitFloats(key, sizeOf(shape));
  for (let i = 0; i < u.length; i++) u[i] = u[i]! < p ? 1 : 0;
  return fill(dtype, u, shape);
}

/** Integers uniform in [lo, hi) as an int32 tensor. */
export function randint(key: Key, shape: readonly number[], lo: number, hi: number): Tensor {
  assert(
    Number.isInteger(lo) && Number.isInteger(hi) && lo < hi && hi - lo <= 2 ** 31,
    () => `randint: need integers lo < hi, got [${lo}, ${hi})`,
  );
  const u = unitFloats(key, sizeOf(shape));
  for (let i = 0; i < u.length; i++) u[i] = lo + Math.floor(u[i]! * (hi - lo));
  return fill("int32", u, shape);
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates), as an int32 tensor. */
export function permutation(key: Key, n: number): Tensor {
  assert(Number.isInteger(n) && n >= 0, () => `permutation: n must be a non-negative integer, got ${n}`);
  const u = unitFloats(key, n);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return new Tensor(p, [n]);
}
