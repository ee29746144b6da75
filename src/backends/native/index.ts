// Loader and thin wrappers for the `native` backend: the N-API addon (our own kernels) built by
// scripts/build-native.mjs into <package root>/native/build/Release/warp_native.node (or the file named
// by WARP_NATIVE_PATH). The wrappers only translate op names to the addon's codes and flatten argument
// objects; the addon validates lengths and throws on mismatches. Not here: kernel fallback to cpu and
// the once-only notice (src/backends/registry.ts). No static node: imports, so the library still bundles
// for browsers, where loadNative simply reports that it is unavailable.

import type { FloatArray, Kernels, RootActivation, TypedArray } from "../kernels.js";
import { BINARY_OPS, ROOT_ACTIVATIONS, UNARY_OPS } from "../kernels.js";

/** The instruction sets of the addon's own GEMM (native/src/kernels/gemm.h), widest first. */
export const GEMM_ISAS = ["avx512", "avx2", "generic"] as const;

/** The addon API this code calls (native/src/addon.cc kApiVersion): an addon with another one is refused. */
const NATIVE_API = 4;
export type GemmIsa = (typeof GEMM_ISAS)[number];

/** OpenBLAS's cblas_sgemm on one row-major product (only when the addon was built with OpenBLAS). */
export type BlasMatmul = (
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
) => void;

export type NativeLoad =
  | {
      ok: true;
      kernels: Partial<Kernels>;
      info: string;
      /** The GEMM instruction set in use. */
      gemmIsa(): GemmIsa;
      /** Selects the GEMM instruction set (tests, benchmarks); false when this CPU lacks it. */
      setGemmIsa(isa: GemmIsa): boolean;
      /** The path of matmulBf16: AVX512-BF16 dot products, or the emulation on the float32 GEMM. */
      bf16Path(): "avx512bf16" | "emulated";
      /** For benchmark comparisons only; absent when OpenBLAS was not found at build time. */
      blasMatmul?: BlasMatmul;
    }
  | { ok: false; reason: string };

/**
 * The addon's exports (see native/src/addon.cc); Float32Array only, op codes index unaryOps/binaryOps and
 * activation codes index rootActivations.
 */
interface Addon {
  /** Bumped with every change of an export's arguments (native/src/addon.cc kApiVersion). */
  apiVersion?: number;
  unaryOps: string[];
  binaryOps: string[];
  rootActivations: string[];
  info(): string;
  gemmIsa(name?: string): string | boolean;
  bf16Path(): string;
  adamStep(
    g: FloatArray,
    mu: FloatArray,
    nu: FloatArray,
    muOut: FloatArray,
    nuOut: FloatArray,
    update: FloatArray,
    b1: number,
    b2: number,
    eps: number,
    epsRoot: number,
    c1: number,
    c2: number,
    scale: number,
  ): void;
  packedLength(K: number, N: number): number;
  packMatrix(b: FloatArray, K: number, N: number, transB: boolean, packed: FloatArray): void;
  matmulPacked(
    a: FloatArray,
    packed: FloatArray,
    out: FloatArray,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    accumulate: boolean,
  ): void;
  bf16PackedLength(N: number, K: number): number;
  packBf16(w: FloatArray, N: number, K: number, packed: FloatArray): void;
  matmulBf16(x: FloatArray, packed: FloatArray, out: FloatArray, M: number, N: number, K: number): void;
  matmulBf16TN(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
  ): void;
  blasMatmul?: BlasMatmul;
  unary(op: number, x: FloatArray, out: FloatArray): void;
  unaryVjp(op: number, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void;
  binary(
    op: number,
    a: FloatArray,
    aStrides: readonly number[],
    b: FloatArray,
    bStrides: readonly number[],
    out: FloatArray,
    shape: readonly number[],
  ): void;
  clip(x: FloatArray, lo: number, hi: number, out: FloatArray): void;
  clipVjp(x: FloatArray, lo: number, hi: number, dy: FloatArray, dx: FloatArray): void;
  where(cond: TypedArray, a: FloatArray, b: FloatArray, out: FloatArray): void;
  reduceSum(x: FloatArray, outer: number, reduce: number, inner: number, out: FloatArray): void;
  copyStrided(
    src: TypedArray,
    srcOffset: number,
    srcStrides: readonly number[],
    dst: TypedArray,
    dstOffset: number,
    dstStrides: readonly number[],
    shape: readonly number[],
    accumulate: boolean,
  ): void;
  matmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    strideA: number,
    strideB: number,
    accumulate: boolean,
  ): void;
  softmaxCrossEntropy(
    logits: FloatArray,
    labels: Int32Array,
    B: number,
    C: number,
    loss: FloatArray,
    probs: FloatArray,
  ): void;
  diagonalScan(
    a: FloatArray,
    U: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    N: number,
    T: number,
    P: number,
    clip: number,
    chunk: number,
  ): void;
  diagonalRootStep(
    a: FloatArray,
    B: FloatArray,
    thetaPrev: FloatArray,
    inc: FloatArray,
    x: FloatArray,
    theta: FloatArray,
    out: FloatArray | null,
    hidden: FloatArray | null,
    N: number,
    dims: readonly number[],
    act: number,
    Din: number,
    clip: number,
    accumulate: boolean,
  ): void;
  diagonalRootStepVjp(
    a: FloatArray,
    B: FloatArray,
    thetaPrev: FloatArray,
    theta: FloatArray,
    inc: FloatArray,
    x: FloatArray,
    hidden: FloatArray,
    dOut: FloatArray,
    carry: FloatArray,
    da: Float64Array,
    dB: Float64Array,
    dInc: FloatArray,
    dX: FloatArray | null,
    g: FloatArray | null,
    N: number,
    dims: readonly number[],
    act: number,
    Din: number,
    clip: number,
    accumulate: boolean,
  ): void;
  diagonalScanVjp(
    a: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    dOut: FloatArray,
    da: FloatArray,
    dU: FloatArray,
    dTheta0: FloatArray,
    N: number,
    T: number,
    P: number,
    clip: number,
    chunk: number,
  ): void;
  linearRecurrence(
    A: FloatArray,
    U: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    N: number,
    T: number,
    P: number,
    clip: number,
  ): void;
  linearRecurrenceVjp(
    A: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    dOut: FloatArray,
    dA: FloatArray,
    dU: FloatArray,
    dTheta0: FloatArray,
    N: number,
    T: number,
    P: number,
    clip: number,
  ): void;
  rootMlp(
    theta: FloatArray,
    x: FloatArray,
    out: FloatArray,
    hidden: FloatArray | null,
    M: number,
    dims: readonly number[],
    act: number,
  ): void;
  rootMlpVjp(
    theta: FloatArray,
    x: FloatArray,
    hidden: FloatArray,
    dOut: FloatArray,
    dTheta: FloatArray,
    dX: FloatArray | null,
    M: number,
    dims: readonly number[],
    act: number,
  ): void;
}

interface NodeProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

/** Paths tried relative to this module: compiled (dist/src/backends/native/) and source (src/backends/native/). */
const CANDIDATES = [
  "../../../../native/build/Release/warp_native.node",
  "../../../native/build/Release/warp_native.node",
];

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0] ?? msg;
}

/** Maps each name of `wanted` to its index in the addon's list, or returns the first missing name. */
function codes<T extends string>(wanted: readonly T[], have: unknown): Map<T, number> | string {
  const list = Array.isArray(have) ? (have as unknown[]) : [];
  const map = new Map<T, number>();
  for (const name of wanted) {
    const i = list.indexOf(name);
    if (i < 0) return name;
    map.set(name, i);
  }
  return map;
}

function requireAddon(): { addon: Addon } | { reason: string } {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.getBuiltinModule) {
    return { reason: "not running under Node.js ≥ 20.16 (process.getBuiltinModule is unavailable)" };
  }
  const mod = proc.getBuiltinModule("node:module") as { createRequire(url: string): (id: string) => unknown };
  const path = proc.getBuiltinModule("node:path") as { resolve(p: string): string };
  const req = mod.createRequire(import.meta.url);
  const override = proc.env?.WARP_NATIVE_PATH;
  if (override) {
    try {
      return { addon: req(path.resolve(override)) as Addon }; // relative to the working directory
    } catch (e) {
      return { reason: `cannot load WARP_NATIVE_PATH=${override}: ${firstLine(e)}` };
    }
  }
  for (const rel of CANDIDATES) {
    try {
      return { addon: req(rel) as Addon };
    } catch (e) {
      const code = (e as { code?: string }).code;
      // A file that exists but fails to load (a missing shared library, wrong ABI) is the reason to report.
      if (code !== "MODULE_NOT_FOUND") return { reason: `cannot load the native addon: ${firstLine(e)}` };
    }
  }
  return { reason: "the native addon is not built (run `npm run build:native`)" };
}

function wrap(
  addon: Addon,
  unaryCodes: Map<string, number>,
  binaryCodes: Map<string, number>,
  actCodes: Map<RootActivation, number>,
): Partial<Kernels> {
  return {
    unary: (op, x, out) => addon.unary(unaryCodes.get(op)!, x, out),
    unaryVjp: (op, x, y, dy, dx) => addon.unaryVjp(unaryCodes.get(op)!, x, y, dy, dx),
    binary: (op, a, aStrides, b, bStrides, out, shape) =>
      addon.binary(binaryCodes.get(op)!, a, aStrides, b, bStrides, out, shape),
    clip: (x, lo, hi, out) => addon.clip(x, lo, hi, out),
    clipVjp: (x, lo, hi, dy, dx) => addon.clipVjp(x, lo, hi, dy, dx),
    where: (cond, a, b, out) => addon.where(cond, a, b, out),
    reduceSum: (x, outer, reduce, inner, out) => addon.reduceSum(x, outer, reduce, inner, out),
    copyStrided: (src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate) =>
      addon.copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate),
    matmul: (a, b, out, m) =>
      addon.matmul(a, b, out, m.batch, m.M, m.N, m.K, m.transA, m.transB, m.strideA, m.strideB, m.accumulate),
    adamStep: (g, mu, nu, muOut, nuOut, update, a) =>
      addon.adamStep(g, mu, nu, muOut, nuOut, update, a.b1, a.b2, a.eps, a.epsRoot, a.c1, a.c2, a.scale),
    packedLength: (K, N) => addon.packedLength(K, N),
    packMatrix: (b, K, N, transB, packed) => addon.packMatrix(b, K, N, transB, packed),
    matmulPacked: (a, packed, out, M, N, K, transA, accumulate) =>
      addon.matmulPacked(a, packed, out, M, N, K, transA, accumulate),
    bf16PackedLength: (N, K) => addon.bf16PackedLength(N, K),
    packBf16: (w, N, K, packed) => addon.packBf16(w, N, K, packed),
    matmulBf16: (x, packed, out, M, N, K) => addon.matmulBf16(x, packed, out, M, N, K),
    matmulBf16TN: (a, b, out, M, N, K, accumulate) => addon.matmulBf16TN(a, b, out, M, N, K, accumulate),
    softmaxCrossEntropy: (logits, labels, B, C, loss, probs) =>
      addon.softmaxCrossEntropy(logits, labels, B, C, loss, probs),
    diagonalScan: (a, U, theta0, out, r) =>
      addon.diagonalScan(a, U, theta0, out, r.N, r.T, r.P, r.clip, r.chunk),
    diagonalRootStep: (a, B, thetaPrev, inc, x, theta, out, hidden, r) =>
      addon.diagonalRootStep(
        a,
        B,
        thetaPrev,
        inc,
        x,
        theta,
        out,
        hidden,
        r.N,
        r.dims,
        actCodes.get(r.act)!,
        r.Din,
        r.clip,
        r.accumulate ?? false,
      ),
    diagonalRootStepVjp: (a, B, thetaPrev, theta, inc, x, hidden, dOut, carry, da, dB, dInc, dX, g, r) =>
      addon.diagonalRootStepVjp(
        a,
        B,
        thetaPrev,
        theta,
        inc,
        x,
        hidden,
        dOut,
        carry,
        da,
        dB,
        dInc,
        dX,
        g,
        r.N,
        r.dims,
        actCodes.get(r.act)!,
        r.Din,
        r.clip,
        false,
      ),
    diagonalScanVjp: (a, theta0, out, dOut, da, dU, dTheta0, r) =>
      addon.diagonalScanVjp(a, theta0, out, dOut, da, dU, dTheta0, r.N, r.T, r.P, r.clip, r.chunk),
    linearRecurrence: (A, U, theta0, out, r) =>
      addon.linearRecurrence(A, U, theta0, out, r.N, r.T, r.P, r.clip),
    linearRecurrenceVjp: (A, theta0, out, dOut, dA, dU, dTheta0, r) =>
      addon.linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, dTheta0, r.N, r.T, r.P, r.clip),
    rootMlp: (theta, x, out, hidden, a) =>
      addon.rootMlp(theta, x, out, hidden, a.M, a.dims, actCodes.get(a.act)!),
    rootMlpVjp: (theta, x, hidden, dOut, dTheta, dX, a) =>
      addon.rootMlpVjp(theta, x, hidden, dOut, dTheta, dX, a.M, a.dims, actCodes.get(a.act)!),
  };
}

let cached: NativeLoad | null = null;

/**
 * Loads the addon once and returns its float32 kernels, or why it cannot be used. Never throws and
 * never prints.
 */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  try {
    const r = requireAddon();
    if ("reason" in r) {
      cached = { ok: false, reason: r.reason };
      return cached;
    }
    const unaryCodes = codes(UNARY_OPS, r.addon.unaryOps);
    const binaryCodes = codes(BINARY_OPS, r.addon.binaryOps);
    const actCodes = codes(ROOT_ACTIVATIONS, r.addon.rootActivations);
    if (typeof unaryCodes === "string" || typeof binaryCodes === "string" || typeof actCodes === "string") {
      const missing = [unaryCodes, binaryCodes, actCodes].find((c) => typeof c === "string");
      cached = {
        ok: false,
        reason: `the native addon is out of date (no op "${missing}"; run \`npm run build:native\`)`,
      };
      return cached;
    }
    const addon = r.addon;
    if (addon.apiVersion !== NATIVE_API) {
      cached = {
        ok: false,
        reason: `the native addon is out of date (API ${addon.apiVersion ?? 1}, this code needs ${NATIVE_API}; run \`npm run build:native\`)`,
      };
      return cached;
    }
    cached = {
      ok: true,
      kernels: wrap(addon, unaryCodes, binaryCodes, actCodes),
      info: addon.info(),
      gemmIsa: () => addon.gemmIsa() as GemmIsa,
      setGemmIsa: (isa) => addon.gemmIsa(isa) === true,
      bf16Path: () => addon.bf16Path() as "avx512bf16" | "emulated",
      ...(addon.blasMatmul ? { blasMatmul: addon.blasMatmul } : {}),
    };
  } catch (e) {
    cached = { ok: false, reason: `the native addon failed to initialise: ${firstLine(e)}` };
  }
  return cached;
}
