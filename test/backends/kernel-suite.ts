// The kernel-level suite every non-cpu backend runs (native.test.ts, wasm.test.ts): each kernel a backend
// implements against straightforward float64 reference loops written here, on odd shapes, broadcast
// strides and special values, plus sizes large enough to take multi-threaded paths. Kernels a backend
// lacks (it falls back to cpu for them) are skipped. Not here: the cpu backend (deliberately not imported),
// ops, or what is specific to one backend (its own test file).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuKernels } from "../../src/backends/cpu/index.js";
import {
  BINARY_OPS,
  type BinaryOp,
  type KernelName,
  type Kernels,
  ROOT_ACTIVATIONS,
  type RootActivation,
  UNARY_OPS,
  type UnaryOp,
} from "../../src/backends/kernels.js";
import { matmulRef, randF32 } from "../helpers/index.js";

/** A backend's load result, as loadNative and loadWasm return it. */
export type BackendLoad = { ok: true; kernels: Partial<Kernels> } | { ok: false; reason: string };

// ---- helpers -------------------------------------------------------------------------------------

interface Tol {
  atol: number;
  rtol: number;
}

/** Element-wise |got − want| ≤ atol + rtol·|want|, with NaN matching NaN and infinities matching exactly. */
function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let maxDiff = 0;
  let worst = -1;
  let bad = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g) || !Number.isFinite(w) || !Number.isFinite(g)) {
      if (!Object.is(g, w) && !(g === w) && bad < 0) bad = i;
      continue;
    }
    const d = Math.abs(g - w);
    if (d > maxDiff) {
      maxDiff = d;
      worst = i;
    }
    if (d > tol.atol + tol.rtol * Math.abs(w) && bad < 0) bad = i;
  }
  if (bad >= 0) {
    assert.fail(
      `${what}: max abs diff ${maxDiff}${worst >= 0 ? ` at ${worst}` : ""}; first mismatch at ${bad}: ` +
        `got ${got[bad]}, want ${want[bad]} (atol ${tol.atol}, rtol ${tol.rtol})`,
    );
  }
}

/** Max |x| over an array (scale for GEMM-like tolerances). */
function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** [fround(f(0)), …, fround(f(n−1))]: a float64 reference rounded to float32 (plain loop: fast on 1M). */
function expect32(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(f(i));
  return out;
}

const roundF32 = (x: ArrayLike<number>): Float64Array => expect32(x.length, (i) => x[i]!);

// ---- float64 references ----------------------------------------------------------------------------

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

const unaryRef: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  relu: (x) => Math.max(x, 0), // NaN stays NaN
  tanh: Math.tanh,
  sigmoid: sig,
  softplus: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))),
  swish: (x) => x * sig(x),
  sin: Math.sin,
  cos: Math.cos,
  square: (x) => x * x,
};

/** f'(x), used as dx = dy·f'(x). */
const unaryDerivRef: Record<UnaryOp, (x: number) => number> = {
  neg: () => -1,
  exp: Math.exp,
  log: (x) => 1 / x,
  sqrt: (x) => 0.5 / Math.sqrt(x),
  abs: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  relu: (x) => (x > 0 ? 1 : 0),
  tanh: (x) => 1 - Math.tanh(x) ** 2,
  sigmoid: (x) => sig(x) * (1 - sig(x)),
  softplus: sig,
  swish: (x) => sig(x) + x * sig(x) * (1 - sig(x)),
  sin: Math.cos,
  cos: (x) => -Math.sin(x),
  square: (x) => 2 * x,
};

const binaryRef: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  greater: (a, b) => (a > b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
};

/** The flat offset of every multi-index of `shape` (row-major order) under `strides`. */
function offsets(shape: readonly number[], strides: readonly number[], base = 0): Float64Array {
  const total = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(total);
  const idx = new Array<number>(shape.length).fill(0);
  let off = base;
  for (let r = 0; r < total; r++) {
    out[r] = off;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) {
        off += strides[d]!;
        break;
      }
      idx[d] = 0;
      off -= strides[d]! * (shape[d]! - 1);
    }
  }
  return out;
}

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** θ_t = clip(A θ_{t−1} + U_t) step by step in float64; layouts as in the kernel. */
function recurrenceRef(
  A: ArrayLike<number>,
  U: ArrayLike<number>,
  theta0: ArrayLike<number>,
  N: number,
  T: number,
  P: number,
  clip: number,
): Float64Array {
  const out = new Float64Array(N * T * P);
  const doClip = clip > 0 && Number.isFinite(clip);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < P; i++) {
        let s = U[(n * T + t) * P + i]!;
        for (let j = 0; j < P; j++) {
          const prev = t === 0 ? theta0[n * P + j]! : out[(n * T + t - 1) * P + j]!;
          s += A[i * P + j]! * prev;
        }
        out[(n * T + t) * P + i] = doClip ? Math.min(clip, Math.max(-clip, s)) : s;
      }
    }
  }
  return out;
}

/**
 * The backward of recurrenceRef by the plain sequential rule, masks taken from `out`: an entry was
 * clipped iff |out| ≥ the stored clip value (`clip` for float64 out, fround(clip) for float32 out).
 */
function recurrenceVjpRef(
  A: ArrayLike<number>,
  theta0: ArrayLike<number>,
  out: ArrayLike<number>,
  dOut: ArrayLike<number>,
  N: number,
  T: number,
  P: number,
  clip: number,
): { dA: Float64Array; dU: Float64Array; dTheta0: Float64Array } {
  const doClip = clip > 0 && Number.isFinite(clip);
  if (out instanceof Float32Array) clip = Math.fround(clip);
  const dA = new Float64Array(P * P);
  const dU = new Float64Array(N * T * P);
  const dTheta0 = new Float64Array(N * P);
  for (let n = 0; n < N; n++) {
    const carry = new Float64Array(P); // g_{t+1} A
    for (let t = T - 1; t >= 0; t--) {
      const row = (n * T + t) * P;
      const g = new Float64Array(P);
      for (let i = 0; i < P; i++) {
        const v = out[row + i]!;
        const pass = !doClip || (v < clip && v > -clip);
        g[i] = pass ? dOut[row + i]! + carry[i]! : 0;
        dU[row + i] = g[i]!;
      }
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          const prev = t === 0 ? theta0[n * P + j]! : out[row - P + j]!;
          dA[i * P + j]! += g[i]! * prev;
        }
      }
      carry.fill(0);
      for (let j = 0; j < P; j++) {
        let s = 0;
        for (let i = 0; i < P; i++) s += g[i]! * A[i * P + j]!;
        carry[j] = s;
      }
      if (t === 0) dTheta0.set(carry, n * P);
    }
  }
  return { dA, dU, dTheta0 };
}

/** Root-MLP activations as [f, f'] in float64. */
const rootActRef: Record<RootActivation, [(z: number) => number, (z: number) => number]> = {
  relu: [unaryRef.relu, unaryDerivRef.relu],
  tanh: [unaryRef.tanh, unaryDerivRef.tanh],
  softplus: [unaryRef.softplus, unaryDerivRef.softplus],
  swish: [unaryRef.swish, unaryDerivRef.swish],
  identity: [(z) => z, () => 1],
  sin: [unaryRef.sin, unaryDerivRef.sin],
  cos: [unaryRef.cos, unaryDerivRef.cos],
};

/**
 * The per-sample MLP and its backward in float64, written independently of the kernels: for sample m,
 * W_l = θ_m[off_l, off_l + d_{l+1}·d_l) (row-major) and b_l right after it; z_l = W_l h_l + b_l, h_{l+1} =
 * act(z_l) except after the last layer. Returns out (M, d_L), the hidden pre-activations (M, H) in layer
 * order, and dθ (M, P), dx (M, d_0) for the cotangent dOut.
 */
export function rootMlpLoop(
  theta: ArrayLike<number>,
  x: ArrayLike<number>,
  dOut: ArrayLike<number>,
  M: number,
  dims: readonly number[],
  act: RootActivation,
): { out: Float64Array; hidden: Float64Array; dTheta: Float64Array; dX: Float64Array } {
  const [f, df] = rootActRef[act];
  const L = dims.length - 1;
  const offs: number[] = [];
  let P = 0;
  for (let l = 0; l < L; l++) {
    offs.push(P);
    P += dims[l + 1]! * (dims[l]! + 1);
  }
  const H = dims.slice(1, -1).reduce((a, b) => a + b, 0);
  const out = new Float64Array(M * dims[L]!);
  const hidden = new Float64Array(M * H);
  const dTheta = new Float64Array(M * P);
  const dX = new Float64Array(M * dims[0]!);
  for (let m = 0; m < M; m++) {
    const th = (l: number, k: number): number => theta[m * P + offs[l]! + k]!;
    const hs: number[][] = [Array.from({ length: dims[0]! }, (_, j) => x[m * dims[0]! + j]!)]; // layer inputs
    const zs: number[][] = [];
    for (let l = 0; l < L; l++) {
      const [nIn, nOut] = [dims[l]!, dims[l + 1]!];
      const z = Array.from({ length: nOut }, (_, i) => {
        let s = th(l, nOut * nIn + i);
        for (let j = 0; j < nIn; j++) s += th(l, i * nIn + j) * hs[l]![j]!;
        return s;
      });
      zs.push(z);
      hs.push(l < L - 1 ? z.map(f) : z);
    }
    out.set(zs[L - 1]!, m * dims[L]!);
    hidden.set(zs.slice(0, -1).flat(), m * H);
    // Backward: g = ∂/∂z_l; dW_l[i, j] = g_i h_l[j], db_l = g, ∂/∂h_l = W_lᵀ g, g_{l−1} = that ⊙ act'(z_{l−1}).
    let g = Array.from({ length: dims[L]! }, (_, i) => dOut[m * dims[L]! + i]!);
    for (let l = L - 1; l >= 0; l--) {
      const [nIn, nOut] = [dims[l]!, dims[l + 1]!];
      const base = m * P + offs[l]!;
      const gh = new Array<number>(nIn).fill(0);
      for (let i = 0; i < nOut; i++) {
        dTheta[base + nOut * nIn + i] = g[i]!;
        for (let j = 0; j < nIn; j++) {
          dTheta[base + i * nIn + j] = g[i]! * hs[l]![j]!;
          gh[j]! += th(l, i * nIn + j) * g[i]!;
        }
      }
      g = l > 0 ? gh.map((v, j) => v * df(zs[l - 1]![j]!)) : gh;
    }
    dX.set(g, m * dims[0]!);
  }
  return { out, hidden, dTheta, dX };
}

// ---- tests -----------------------------------------------------------------------------------------

/** Above the native pool's 2^20-element threshold, so the multi-threaded paths run. */
const BIG = (1 << 20) + 3;

const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 3, -3, 20, -20, 100, -100, 1e-8, Number.NaN, Infinity, -Infinity];

/** Specials followed by n random values in [−4, 4]. */
function unaryInput(n: number, seed: number): Float32Array {
  const x = randF32(SPECIALS.length + n, seed, -4, 4);
  x.set(SPECIALS);
  return x;
}

/**
 * describe(`${title}`) over every kernel `load` provides. `skip` skips it all (with the reason); when not
 * skipped and the backend did not load, each test fails with the load reason.
 */
export function describeKernels(
  title: string,
  load: BackendLoad,
  skip: string | false,
  extra?: () => void,
): void {
  /** The backend's kernels, failing the calling test with the load reason when it did not load. */
  const K = (): Kernels => {
    if (!load.ok) assert.fail(`${title} unavailable: ${load.reason}`);
    return load.kernels as Kernels;
  };
  /** `it` when the backend has `kernel` (or failed to load, so the test reports why), else `it.skip`. */
  const itk = (kernel: KernelName) => (!load.ok || typeof load.kernels[kernel] === "function" ? it : it.skip);

  describe(title, { skip }, () => {
    extra?.();

    for (const n of [1, 15, BIG]) {
      itk("unary")(`unary: every op on ${n} values (+ NaN, ±Inf, ±0)`, () => {
        const k = K();
        const x = unaryInput(n, 11 + n);
        for (const op of UNARY_OPS) {
          const out = new Float32Array(x.length);
          k.unary(op, x, out);
          const f = unaryRef[op];
          const want = expect32(x.length, (i) => f(x[i]!));
          assertClose(out, want, { atol: 1e-37, rtol: 4e-6 }, `unary ${op}`);
        }
      });

      itk("unaryVjp")(`unaryVjp: every op on ${n} values`, () => {
        const k = K();
        const x = unaryInput(n, 23 + n);
        const dy = randF32(x.length, 5 + n);
        for (const op of UNARY_OPS) {
          const y = Float32Array.from(expect32(x.length, (i) => unaryRef[op](x[i]!)));
          const dx = new Float32Array(x.length);
          k.unaryVjp(op, x, y, dy, dx);
          const d = unaryDerivRef[op];
          const want = expect32(x.length, (i) => dy[i]! * d(x[i]!));
          assertClose(dx, want, { atol: 2e-6, rtol: 1e-5 }, `unaryVjp ${op}`);
        }
      });
    }

    itk("unary")("reads and writes through subarray views (non-zero byteOffset)", () => {
      const k = K();
      const buf = randF32(20, 1);
      const outBuf = new Float32Array(20);
      k.unary("neg", buf.subarray(5, 12), outBuf.subarray(3, 10));
      const want = expect32(20, (i) => (i >= 3 && i < 10 ? -buf[i + 2]! : 0));
      assertClose(outBuf, want, { atol: 0, rtol: 0 }, "neg through views");
    });

    itk("unaryVjp")("unaryVjp: relu'(0) = abs'(0) = 0", () => {
      const k = K();
      const x = new Float32Array([0, -0]);
      const dy = new Float32Array([1, 1]);
      for (const op of ["relu", "abs"] as const) {
        const dx = new Float32Array(2);
        k.unaryVjp(op, x, x, dy, dx);
        assert.deepEqual(Array.from(dx), [0, 0], op);
      }
    });

    const binaryCases: {
      name: string;
      shape: number[];
      aStrides: number[];
      bStrides: number[];
      aLen: number;
      bLen: number;
    }[] = [
      { name: "1×1", shape: [1, 1], aStrides: [1, 1], bStrides: [1, 1], aLen: 1, bLen: 1 },
      { name: "3×5 same shape", shape: [3, 5], aStrides: [5, 1], bStrides: [5, 1], aLen: 15, bLen: 15 },
      { name: "3×5, scalar a", shape: [3, 5], aStrides: [0, 0], bStrides: [5, 1], aLen: 1, bLen: 15 },
      { name: "3×5, scalar b", shape: [3, 5], aStrides: [5, 1], bStrides: [0, 0], aLen: 15, bLen: 1 },
      {
        name: "7×13×5, b (1,13,1)",
        shape: [7, 13, 5],
        aStrides: [65, 5, 1],
        bStrides: [0, 1, 0],
        aLen: 455,
        bLen: 13,
      },
      {
        name: "7×13×5, a (7,1,5), b (1,13,5)",
        shape: [7, 13, 5],
        aStrides: [5, 0, 1],
        bStrides: [0, 5, 1],
        aLen: 35,
        bLen: 65,
      },
      {
        name: "7×13×5, a transposed",
        shape: [7, 13, 5],
        aStrides: [1, 35, 7],
        bStrides: [65, 5, 1],
        aLen: 455,
        bLen: 455,
      },
      {
        name: "1031×1025, b row",
        shape: [1031, 1025],
        aStrides: [1025, 1],
        bStrides: [0, 1],
        aLen: 1031 * 1025,
        bLen: 1025,
      },
      {
        name: "1031×1025, b column",
        shape: [1031, 1025],
        aStrides: [1025, 1],
        bStrides: [1, 0],
        aLen: 1031 * 1025,
        bLen: 1031,
      },
      { name: `${BIG} flat`, shape: [BIG], aStrides: [1], bStrides: [1], aLen: BIG, bLen: BIG },
    ];
    for (const c of binaryCases) {
      itk("binary")(`binary: every op, ${c.name}`, () => {
        const k = K();
        const a = randF32(c.aLen, c.aLen + 1, -2, 2);
        const b = randF32(c.bLen, c.bLen + 2, -2, 2);
        // Shared values so equal/maximum see ties; pow gets a positive base.
        for (let i = 0; i < Math.min(a.length, b.length); i += 3) b[i] = a[i]!;
        const aPos = Float32Array.from(a, (v) => Math.abs(v) + 0.1);
        const total = c.shape.reduce((p, d) => p * d, 1);
        const ao = offsets(c.shape, c.aStrides);
        const bo = offsets(c.shape, c.bStrides);
        for (const op of BINARY_OPS) {
          const lhs = op === "pow" ? aPos : a;
          const out = new Float32Array(total);
          k.binary(op, lhs, c.aStrides, b, c.bStrides, out, c.shape);
          const f = binaryRef[op];
          const want = expect32(total, (i) => f(lhs[ao[i]!]!, b[bo[i]!]!));
          assertClose(out, want, { atol: 1e-37, rtol: op === "pow" ? 4e-6 : 0 }, `binary ${op} ${c.name}`);
        }
      });
    }

    itk("binary")("binary: NaN and JS pow edge cases", () => {
      const k = K();
      const a = new Float32Array([Number.NaN, 1, 2, 1, -1, 0, 2, Number.NaN]);
      const b = new Float32Array([1, Number.NaN, Number.NaN, Infinity, -Infinity, 0, 0.5, 0]);
      for (const op of BINARY_OPS) {
        const out = new Float32Array(a.length);
        k.binary(op, a, [1], b, [1], out, [a.length]);
        const want = expect32(a.length, (i) => binaryRef[op](a[i]!, b[i]!));
        assertClose(out, want, { atol: 0, rtol: 1e-6 }, `binary ${op} specials`);
      }
    });

    for (const n of [13, BIG]) {
      itk("clip")(`clip and clipVjp on ${n} values, including the bounds and NaN`, () => {
        const k = K();
        const lo = -0.3;
        const hi = 0.1; // not a float32: Math.fround(0.1) > 0.1, so x = fround(0.1) is above hi
        const x = randF32(n, 99, -1, 1);
        x.set([lo, hi, Math.fround(lo), Math.fround(hi), Number.NaN, Infinity, -Infinity, 0.0999999]);
        const out = new Float32Array(n);
        k.clip(x, lo, hi, out);
        const want = expect32(n, (i) => (x[i]! < lo ? lo : Math.min(x[i]!, hi)));
        assertClose(out, want, { atol: 0, rtol: 0 }, "clip");
        const dy = randF32(n, 7);
        const dx = new Float32Array(n);
        k.clipVjp(x, lo, hi, dy, dx);
        const wantDx = expect32(n, (i) => (x[i]! > lo && x[i]! < hi ? dy[i]! : 0));
        assertClose(dx, wantDx, { atol: 0, rtol: 0 }, "clipVjp");
      });
    }

    for (const n of [1, 17, BIG]) {
      itk("where")(`where with Float32Array and Int32Array conditions (${n})`, () => {
        const k = K();
        const a = randF32(n, 1);
        const b = randF32(n, 2);
        const condF = Float32Array.from(randF32(n, 3), (v) => (v > 0 ? 0 : v < -0.5 ? Number.NaN : 2));
        const condI = Int32Array.from(condF, (v) => (v === 0 ? 0 : -1));
        for (const cond of [condF, condI]) {
          const out = new Float32Array(n);
          k.where(cond, a, b, out);
          assertClose(
            out,
            expect32(n, (i) => (cond[i] !== 0 ? a[i]! : b[i]!)),
            { atol: 0, rtol: 0 },
            "where",
          );
        }
      });
    }

    for (const [outer, reduce, inner] of [
      [1, 1, 1],
      [3, 5, 1],
      [7, 13, 5],
      [1, BIG, 1],
      [3, 400_000, 1],
      [1, 400_001, 3],
      [2, 3, 200_001],
      [300, 7, 1300],
      [5, 0, 3],
    ] as const) {
      itk("reduceSum")(`reduceSum (${outer}, ${reduce}, ${inner})`, () => {
        const k = K();
        const x = randF32(outer * reduce * inner, outer + reduce + inner, -1, 3);
        const out = new Float32Array(outer * inner).fill(Number.NaN);
        k.reduceSum(x, outer, reduce, inner, out);
        const want = new Float64Array(outer * inner);
        for (let o = 0; o < outer; o++) {
          for (let r = 0; r < reduce; r++) {
            for (let i = 0; i < inner; i++) want[o * inner + i]! += x[(o * reduce + r) * inner + i]!;
          }
        }
        assertClose(out, roundF32(want), { atol: 1e-30, rtol: 1e-6 }, "reduceSum");
      });
    }

    itk("copyStrided")("copyStrided: transpose, broadcast, accumulate, offsets, int32", () => {
      const k = K();
      // (7, 13, 5) → its (5, 7, 13) permutation, written densely.
      const src = randF32(7 * 13 * 5, 4);
      const shape = [5, 7, 13];
      const srcStrides = [1, 65, 5];
      const dst = new Float32Array(455);
      k.copyStrided(src, 0, srcStrides, dst, 0, denseStrides(shape), shape, false);
      assert.deepEqual(
        Array.from(dst),
        Array.from(offsets(shape, srcStrides), (o) => src[o]!),
        "transpose",
      );
      // Broadcast a row of 13 over 300 rows into the middle of a bigger buffer, then accumulate it again.
      const row = randF32(13, 5);
      const big = randF32(2 + 300 * 13, 6);
      const before = Float64Array.from(big);
      k.copyStrided(row, 0, [0, 1], big, 2, [13, 1], [300, 13], false);
      k.copyStrided(row, 0, [0, 1], big, 2, [13, 1], [300, 13], true);
      const want = Float64Array.from(before, (v, i) => (i < 2 ? v : Math.fround(row[(i - 2) % 13]! * 2)));
      assertClose(big, want, { atol: 0, rtol: 0 }, "broadcast + accumulate");
      // Accumulating 20000 rows into one destination row (stride 0) is a reduction: if it were wrongly split
      // over threads, the racing read-modify-writes would lose updates (likely within a few ms, so 3 tries).
      const [R, C] = [20_000, 300];
      const many = randF32(R * C, 8);
      const wantSums = new Float64Array(C).fill(1);
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) wantSums[c] = Math.fround(wantSums[c]! + many[r * C + c]!);
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const sums = new Float32Array(C).fill(1);
        k.copyStrided(many, 0, [C, 1], sums, 0, [0, 1], [R, C], true);
        assertClose(sums, wantSums, { atol: 0, rtol: 0 }, "reduction through a zero destination stride");
      }
      // Int32: a slice with offsets, then accumulate with wrap-around.
      const isrc = Int32Array.from({ length: 20 }, (_, i) => i * 1000 - 7);
      const idst = new Int32Array(10).fill(2147483647);
      k.copyStrided(isrc, 3, [2], idst, 1, [1], [8], true);
      assert.deepEqual(
        Array.from(idst),
        Array.from({ length: 10 }, (_, i) =>
          i === 0 || i === 9 ? 2147483647 : (2147483647 + isrc[3 + 2 * (i - 1)]!) | 0,
        ),
        "int32 accumulate",
      );
    });

    const matmulCases = [
      { batch: 1, M: 1, N: 1, K: 1, strideA: 0, strideB: 0 },
      { batch: 1, M: 3, N: 5, K: 7, strideA: 0, strideB: 0 },
      { batch: 3, M: 7, N: 13, K: 5, strideA: 35, strideB: 65 },
      { batch: 3, M: 7, N: 13, K: 5, strideA: 0, strideB: 65 },
      { batch: 4, M: 33, N: 70, K: 65, strideA: 33 * 65, strideB: 0 },
      { batch: 2, M: 130, N: 257, K: 300, strideA: 130 * 300, strideB: 300 * 257 },
    ];
    for (const c of matmulCases) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            const name = `matmul b${c.batch} ${c.M}×${c.K}·${c.K}×${c.N} sA=${c.strideA} sB=${c.strideB} tA=${transA} tB=${transB} acc=${accumulate}`;
            itk("matmul")(name, () => {
              const k = K();
              const args = { ...c, transA, transB, accumulate };
              const a = randF32((c.batch - 1) * c.strideA + c.M * c.K, c.M + c.K);
              const b = randF32((c.batch - 1) * c.strideB + c.K * c.N, c.N + c.K + 1);
              const init = randF32(c.batch * c.M * c.N, 3);
              const out = Float32Array.from(init);
              k.matmul(a, b, out, args);
              const want = matmulRef(a, b, accumulate ? init : null, args);
              assertClose(out, want, { atol: 2e-6 * (c.K + 1), rtol: 0 }, name);
            });
          }
        }
      }
    }

    // A right operand packed once (packMatrix) for many products (matmulPacked): matmul's numbers. A
    // backend without its own packing runs the cpu layout through its matmul, as the registry merges them.
    for (const c of matmulCases
      .filter((m) => m.batch === 1)
      .concat([{ batch: 1, M: 9, N: 300, K: 301, strideA: 0, strideB: 0 }])) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const name = `matmulPacked ${c.M}×${c.K}·${c.K}×${c.N} tA=${transA} tB=${transB}`;
          itk("matmulPacked")(name, () => {
            const k = { ...cpuKernels, ...K() };
            const a = randF32(c.M * c.K, c.M + c.K + 2);
            const b = randF32(c.K * c.N, c.N + c.K + 3);
            const packed = new Float32Array(k.packedLength(c.K, c.N)).fill(Number.NaN);
            k.packMatrix(b, c.K, c.N, transB, packed);
            const init = randF32(c.M * c.N, 5);
            for (const accumulate of [false, true]) {
              const out = Float32Array.from(init);
              k.matmulPacked(a, packed, out, c.M, c.N, c.K, transA, accumulate);
              const want = matmulRef(a, b, accumulate ? init : null, { ...c, transA, transB });
              assertClose(out, want, { atol: 2e-6 * (c.K + 1), rtol: 0 }, `${name} acc=${accumulate}`);
            }
          });
        }
      }
    }

    itk("matmul")("matmul with K = 0 zeroes out (or leaves it when accumulating)", () => {
      const k = K();
      const args = {
        batch: 2,
        M: 3,
        N: 4,
        K: 0,
        transA: false,
        transB: false,
        strideA: 0,
        strideB: 0,
        accumulate: false,
      };
      const out = new Float32Array(24).fill(5);
      k.matmul(new Float32Array(0), new Float32Array(0), out, args);
      assert.deepEqual(Array.from(out), new Array(24).fill(0));
      out.fill(5);
      k.matmul(new Float32Array(0), new Float32Array(0), out, { ...args, accumulate: true });
      assert.deepEqual(Array.from(out), new Array(24).fill(5));
    });

    for (const [B, C, scale] of [
      [1, 1, 1],
      [7, 13, 3],
      [5, 10, 1000],
      [1500, 101, 5],
    ] as const) {
      itk("softmaxCrossEntropy")(`softmaxCrossEntropy B=${B} C=${C} logits×${scale}`, () => {
        const k = K();
        const logits = randF32(B * C, B + C, -scale, scale);
        const labels = Int32Array.from({ length: B }, (_, b) => (b * 7) % C);
        const loss = new Float32Array(B);
        const probs = new Float32Array(B * C);
        k.softmaxCrossEntropy(logits, labels, B, C, loss, probs);
        const wantLoss = new Float64Array(B);
        const wantProbs = new Float64Array(B * C);
        for (let b = 0; b < B; b++) {
          const row = Array.from(logits.subarray(b * C, (b + 1) * C));
          const m = Math.max(...row);
          const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
          row.forEach((v, c) => {
            wantProbs[b * C + c] = Math.exp(v - m) / sum;
          });
          wantLoss[b] = m + Math.log(sum) - row[labels[b]!]!;
        }
        assertClose(loss, wantLoss, { atol: 2e-6 * scale, rtol: 1e-6 }, "loss");
        assertClose(probs, wantProbs, { atol: 1e-7, rtol: 1e-5 }, "probs");
      });
    }

    itk("softmaxCrossEntropy")(
      "softmaxCrossEntropy: a NaN logit poisons its row, a bad label gives NaN loss",
      () => {
        const k = K();
        const logits = new Float32Array([1, Number.NaN, 2, 1, 2, 3]);
        const loss = new Float32Array(2);
        const probs = new Float32Array(6);
        k.softmaxCrossEntropy(logits, new Int32Array([0, 3]), 2, 3, loss, probs);
        assert.ok(Number.isNaN(loss[0]!) && Number.isNaN(loss[1]!), `loss ${Array.from(loss)}`);
        assert.ok(probs.subarray(0, 3).every(Number.isNaN), "NaN row");
        assertClose(
          probs.subarray(3),
          roundF32([0.09003057, 0.24472847, 0.66524096]),
          { atol: 1e-7, rtol: 0 },
          "probs",
        );
      },
    );

    const recCases = [
      { N: 1, T: 1, P: 1, clip: 0 },
      { N: 1, T: 1, P: 1, clip: 0.001 },
      { N: 5, T: 1, P: 3, clip: 0 },
      { N: 7, T: 1, P: 301, clip: 0.4 }, // one clipped step: the autoregressive rollout's single pass
      { N: 3, T: 5, P: 7, clip: 0 },
      { N: 3, T: 5, P: 7, clip: 0.6 }, // fround(0.6) > 0.6
      { N: 3, T: 5, P: 7, clip: 0.7 }, // fround(0.7) < 0.7
      { N: 4, T: 9, P: 13, clip: Infinity },
      { N: 4, T: 9, P: 13, clip: 0.5 },
      { N: 66, T: 2, P: 1000, clip: 0.9 },
    ];
    for (const { N, T, P, clip } of recCases) {
      itk("linearRecurrence")(`linearRecurrence and its VJP, N=${N} T=${T} P=${P} clip=${clip}`, () => {
        const k = K();
        const seed = N * 100 + T * 10 + P;
        // A with spectral radius around 0.9 keeps states O(1) over many steps.
        const A = randF32(P * P, seed, -1.6 / Math.sqrt(P), 1.6 / Math.sqrt(P));
        const U = randF32(N * T * P, seed + 1, -0.5, 0.5);
        const theta0 = randF32(N * P, seed + 2);
        const dOut = randF32(N * T * P, seed + 3);
        const args = { N, T, P, clip };

        const out = new Float32Array(N * T * P);
        k.linearRecurrence(A, U, theta0, out, args);
        const want = recurrenceRef(A, U, theta0, N, T, P, clip);
        const scale = Math.max(1, maxAbs(want));
        assertClose(out, want, { atol: 1e-5 * scale, rtol: 0 }, "out");
        if (clip > 0 && Number.isFinite(clip)) {
          const clipped = want.filter((v) => Math.abs(v) === clip).length;
          assert.ok(
            clipped > 0 && (clipped < want.length || want.length === 1),
            `clip ${clip} should clip some but not all entries (${clipped} of ${want.length})`,
          );
        }

        const dA = new Float32Array(P * P).fill(Number.NaN);
        const dU = new Float32Array(N * T * P).fill(Number.NaN);
        const dTheta0 = new Float32Array(N * P).fill(Number.NaN);
        k.linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, dTheta0, args);
        // The VJP is a function of the forward output it is given: the reference backward takes the same
        // float32 `out`, so clip masks agree exactly even for entries within rounding of ±clip.
        const ref = recurrenceVjpRef(A, theta0, out, dOut, N, T, P, clip);
        const gScale = Math.max(1, maxAbs(ref.dU));
        assertClose(dU, ref.dU, { atol: 1e-5 * gScale, rtol: 0 }, "dU");
        assertClose(dTheta0, ref.dTheta0, { atol: 1e-5 * gScale, rtol: 0 }, "dTheta0");
        assertClose(dA, ref.dA, { atol: 1e-5 * Math.max(1, maxAbs(ref.dA)), rtol: 0 }, "dA");
      });
    }

    // The diagonal scan is the recurrence with A = diag(a): the same float64 references, sequential (chunk
    // 0) and chunked (every step its own chunk, a ragged last chunk, one chunk ≥ T) when not clipping.
    for (const { N, T, P, clip } of recCases) {
      const chunks = clip > 0 && Number.isFinite(clip) ? [0] : [0, 1, 2, 3, T];
      itk("diagonalScan")(
        `diagonalScan and its VJP, N=${N} T=${T} P=${P} clip=${clip}, chunks ${chunks}`,
        () => {
          const k = K();
          const seed = N * 100 + T * 10 + P + 7;
          const a = randF32(P, seed, 0.5, 1.05);
          const A = new Float64Array(P * P);
          for (let p = 0; p < P; p++) A[p * P + p] = a[p]!;
          const U = randF32(N * T * P, seed + 1, -0.5, 0.5);
          const theta0 = randF32(N * P, seed + 2);
          const dOut = randF32(N * T * P, seed + 3);
          const want = recurrenceRef(A, U, theta0, N, T, P, clip);
          const scale = Math.max(1, maxAbs(want));
          for (const chunk of chunks) {
            const args = { N, T, P, clip, chunk };
            const out = new Float32Array(N * T * P);
            k.diagonalScan(a, U, theta0, out, args);
            assertClose(out, want, { atol: 1e-5 * scale, rtol: 0 }, `out, chunk ${chunk}`);
            const da = new Float32Array(P).fill(Number.NaN);
            const dU = new Float32Array(N * T * P).fill(Number.NaN);
            const dTheta0 = new Float32Array(N * P).fill(Number.NaN);
            k.diagonalScanVjp(a, theta0, out, dOut, da, dU, dTheta0, args);
            const ref = recurrenceVjpRef(A, theta0, out, dOut, N, T, P, clip);
            const gScale = Math.max(1, maxAbs(ref.dU));
            assertClose(dU, ref.dU, { atol: 1e-5 * gScale, rtol: 0 }, `dU, chunk ${chunk}`);
            assertClose(dTheta0, ref.dTheta0, { atol: 1e-5 * gScale, rtol: 0 }, `dTheta0, chunk ${chunk}`);
            const daRef = Array.from({ length: P }, (_, p) => ref.dA[p * P + p]!);
            assertClose(
              da,
              daRef,
              { atol: 1e-5 * Math.max(1, maxAbs(daRef)), rtol: 0 },
              `da, chunk ${chunk}`,
            );
          }
        },
      );
    }

    // One step of the diagonal rollout with its root, forward and backward, against float64 references
    // (the step written out here, the root through rootMlpLoop): clipped or not, P not a multiple of the
    // vector width, one or three inputs of B, and batches large enough for the kernels' row split (N·P ≥
    // 32k, rows not a multiple of the chunks); da and dB accumulate onto what they hold.
    const stepCases = [
      { N: 1, dims: [1, 3, 2], Din: 1, clip: 0 },
      { N: 5, dims: [2, 5, 4, 2], Din: 1, clip: 0.4 },
      { N: 7, dims: [3, 6, 2], Din: 3, clip: 0 },
      { N: 9, dims: [2, 24, 24, 24, 2], Din: 1, clip: 0.5 },
      { N: 37, dims: [2, 24, 24, 24, 2], Din: 2, clip: 0.5 },
      // P a whole number of 16-wide vectors (16) with four inputs; five inputs (past native's AVX-512 rows)
      { N: 4, dims: [1, 8], Din: 4, clip: 0.3 },
      { N: 3, dims: [2, 9, 3], Din: 5, clip: 0.5 },
    ];
    for (const [ci, { N, dims, Din, clip }] of stepCases.entries()) {
      const act = ROOT_ACTIVATIONS[ci % ROOT_ACTIVATIONS.length]!;
      const L = dims.length - 1;
      const P = dims.slice(0, -1).reduce((p, d, l) => p + dims[l + 1]! * (d + 1), 0);
      const H = dims.slice(1, -1).reduce((x, y) => x + y, 0);
      const [d0, dL] = [dims[0]!, dims[L]!];
      const args = { N, P, Din, clip, dims, act };
      const c = Math.fround(clip);
      const seed = N * 31 + P + Din;
      const a = randF32(P, seed, 0.5, 1.05);
      const B = randF32(P * Din, seed + 6, -0.5, 0.5);
      const thetaPrev = randF32(N * P, seed + 1, -0.6, 0.6);
      const inc = randF32(N * Din, seed + 5);
      const x = randF32(N * d0, seed + 7, -2, 2);
      const tol = (ref: ArrayLike<number>) => ({ atol: 1e-5 * Math.max(1, maxAbs(ref)), rtol: 1e-5 });

      itk("diagonalRootStep")(`diagonalRootStep N=${N} dims [${dims}] Din=${Din} clip=${clip} ${act}`, () => {
        const k = K();
        const theta = new Float32Array(N * P).fill(Number.NaN);
        const out = new Float32Array(N * dL).fill(Number.NaN);
        const hidden = new Float32Array(N * H).fill(Number.NaN);
        k.diagonalRootStep(a, B, thetaPrev, inc, x, theta, out, hidden, args);
        // accumulate: θ holds an extra term (the low-rank product) on entry
        const extra = randF32(N * P, seed + 8, -0.3, 0.3);
        const thetaAcc = Float32Array.from(extra);
        k.diagonalRootStep(a, B, thetaPrev, inc, x, thetaAcc, out.slice(), null, {
          ...args,
          accumulate: true,
        });
        const thetaRef = new Float64Array(N * P);
        const thetaAccRef = new Float64Array(N * P);
        const clipRef = (v: number) => (clip > 0 ? Math.min(c, Math.max(-c, v)) : v);
        for (let n = 0; n < N; n++) {
          for (let p = 0; p < P; p++) {
            let v = a[p]! * thetaPrev[n * P + p]!;
            for (let j = 0; j < Din; j++) v += inc[n * Din + j]! * B[p * Din + j]!;
            thetaRef[n * P + p] = clipRef(v);
            thetaAccRef[n * P + p] = clipRef(v + extra[n * P + p]!);
          }
        }
        assertClose(thetaAcc, thetaAccRef, { atol: 1e-6, rtol: 1e-6 }, "theta, accumulate");
        if (clip > 0)
          assert.ok(
            theta.some((v) => Math.abs(v) === c),
            "some entries clipped",
          );
        assertClose(theta, thetaRef, { atol: 1e-6, rtol: 1e-6 }, "theta");
        const want = rootMlpLoop(theta, x, new Float64Array(N * dL), N, dims, act);
        assertClose(out, want.out, tol(want.out), "out");
        assertClose(hidden, want.hidden, tol(want.hidden), "hidden");
        const outNoHidden = new Float32Array(N * dL);
        k.diagonalRootStep(a, B, thetaPrev, inc, x, new Float32Array(N * P), outNoHidden, null, args);
        assert.deepEqual(outNoHidden, out, "out without hidden");
        // out null: the step alone (the backward's recomputation), θ bit for bit, with and without the extra term
        const thetaOnly = new Float32Array(N * P).fill(Number.NaN);
        k.diagonalRootStep(a, B, thetaPrev, inc, x, thetaOnly, null, null, args);
        assert.deepEqual(thetaOnly, theta, "theta of the step alone");
        const thetaAccOnly = Float32Array.from(extra);
        k.diagonalRootStep(a, B, thetaPrev, inc, x, thetaAccOnly, null, null, { ...args, accumulate: true });
        assert.deepEqual(thetaAccOnly, thetaAcc, "theta of the step alone, accumulate");
      });

      itk("diagonalRootStepVjp")(
        `diagonalRootStepVjp N=${N} dims [${dims}] Din=${Din} clip=${clip} ${act}`,
        () => {
          const k = K();
          // θ with entries exactly at the float32 bound where it clips
          const theta = randF32(N * P, seed + 2, -0.6, 0.6).map((v) =>
            clip > 0 && Math.abs(v) > clip ? Math.sign(v) * c : v,
          );
          const hidden = Float32Array.from(
            rootMlpLoop(theta, x, new Float64Array(N * dL), N, dims, act).hidden,
          );
          const dOut = randF32(N * dL, seed + 3);
          const carry0 = randF32(N * P, seed + 4);
          const da = Float64Array.from({ length: P }, (_, i) => i * 0.01);
          const dB = Float64Array.from({ length: P * Din }, (_, i) => -i * 0.01);
          const [daRef, dBRef] = [Float64Array.from(da), Float64Array.from(dB)];
          const carry = Float32Array.from(carry0);
          const dInc = new Float32Array(N * Din).fill(Number.NaN);
          const dX = new Float32Array(N * d0).fill(Number.NaN);
          const g = new Float32Array(N * P).fill(Number.NaN);
          k.diagonalRootStepVjp(
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
            args,
          );
          const root = rootMlpLoop(theta, x, dOut, N, dims, act);
          const gRef = new Float64Array(N * P);
          const carryRef = new Float64Array(N * P);
          const dIncRef = new Float64Array(N * Din);
          for (let n = 0; n < N; n++) {
            for (let p = 0; p < P; p++) {
              const i = n * P + p;
              const g = clip > 0 && !(Math.abs(theta[i]!) < c) ? 0 : root.dTheta[i]! + carry0[i]!;
              gRef[i] = g;
              carryRef[i] = a[p]! * g;
              daRef[p]! += g * thetaPrev[i]!;
              for (let j = 0; j < Din; j++) {
                dBRef[p * Din + j]! += g * inc[n * Din + j]!;
                dIncRef[n * Din + j]! += g * B[p * Din + j]!;
              }
            }
          }
          if (clip > 0)
            assert.ok(
              theta.some((v) => Math.abs(v) === c),
              "some entries sit at the bound",
            );
          assertClose(g, gRef, tol(gRef), "g");
          assertClose(carry, carryRef, tol(carryRef), "carry");
          assertClose(da, daRef, tol(daRef), "da");
          assertClose(dB, dBRef, tol(dBRef), "dB");
          assertClose(
            dInc,
            dIncRef,
            { atol: 1e-5 * Math.sqrt(P) * Math.max(1, maxAbs(dIncRef)), rtol: 1e-5 },
            "dInc",
          );
          assertClose(dX, root.dX, tol(root.dX), "dX");
          const carryNoDx = Float32Array.from(carry0);
          const [da2, dB2] = [new Float64Array(P), new Float64Array(P * Din)];
          k.diagonalRootStepVjp(
            a,
            B,
            thetaPrev,
            theta,
            inc,
            x,
            hidden,
            dOut,
            carryNoDx,
            da2,
            dB2,
            dInc,
            null,
            null,
            args,
          );
          assert.deepEqual(carryNoDx, carry, "carry with dX and g null");
        },
      );
    }

    itk("linearRecurrenceVjp")(
      "linearRecurrenceVjp blocks the gradient of entries clipped to a clip that rounds down in float32",
      () => {
        const k = K();
        // θ_1 = 0·θ_0 + 5 clips to fround(0.9) < 0.9: the clipped output is below 0.9 yet must not pass dOut.
        const args = { N: 1, T: 1, P: 1, clip: 0.9 };
        const out = new Float32Array(1);
        k.linearRecurrence(new Float32Array([0]), new Float32Array([5]), new Float32Array([1]), out, args);
        assert.equal(out[0], Math.fround(0.9));
        const [dA, dU, dTheta0] = [new Float32Array(1), new Float32Array(1), new Float32Array(1)];
        k.linearRecurrenceVjp(
          new Float32Array([0]),
          new Float32Array([1]),
          out,
          new Float32Array([1]),
          dA,
          dU,
          dTheta0,
          args,
        );
        assert.deepEqual([dA[0], dU[0], dTheta0[0]], [0, 0, 0]);
      },
    );

    it("the float64 recurrence reference backward matches finite differences", () => {
      // Guards the reference itself: d/dε Σ dOut ⊙ out(A + εV, U + εW, θ0 + εZ) at ε = 0.
      const [N, T, P, clip] = [2, 4, 5, 0.7];
      const A = Array.from(randF32(P * P, 1, -0.7, 0.7));
      const U = Array.from(randF32(N * T * P, 2, -0.5, 0.5));
      const th = Array.from(randF32(N * P, 3));
      const dOut = randF32(N * T * P, 4);
      const [V, W, Z] = [randF32(P * P, 5), randF32(N * T * P, 6), randF32(N * P, 7)];
      const loss = (e: number): number => {
        const o = recurrenceRef(
          A.map((v, i) => v + e * V[i]!),
          U.map((v, i) => v + e * W[i]!),
          th.map((v, i) => v + e * Z[i]!),
          N,
          T,
          P,
          clip,
        );
        return o.reduce((s, v, i) => s + v * dOut[i]!, 0);
      };
      const eps = 1e-6;
      const numeric = (loss(eps) - loss(-eps)) / (2 * eps);
      const out = recurrenceRef(A, U, th, N, T, P, clip);
      const clipped = out.filter((v) => Math.abs(v) === clip).length;
      assert.ok(clipped > 0, "the finite-difference case must exercise clipping");
      const g = recurrenceVjpRef(A, th, out, dOut, N, T, P, clip);
      let analytic = 0;
      g.dA.forEach((v, i) => {
        analytic += v * V[i]!;
      });
      g.dU.forEach((v, i) => {
        analytic += v * W[i]!;
      });
      g.dTheta0.forEach((v, i) => {
        analytic += v * Z[i]!;
      });
      assert.ok(
        Math.abs(analytic - numeric) < 1e-6 * Math.max(1, Math.abs(numeric)),
        `${analytic} vs ${numeric}`,
      );
    });

    itk("linearRecurrenceVjp")("linearRecurrenceVjp with T = 0 zeroes dA and dTheta0", () => {
      const k = K();
      const dA = new Float32Array(4).fill(1);
      const dTheta0 = new Float32Array(6).fill(1);
      const args = { N: 3, T: 0, P: 2, clip: 0 };
      k.linearRecurrenceVjp(
        new Float32Array(4),
        new Float32Array(6),
        new Float32Array(0),
        new Float32Array(0),
        dA,
        new Float32Array(0),
        dTheta0,
        args,
      );
      assert.deepEqual(Array.from(dA), [0, 0, 0, 0]);
      assert.deepEqual(Array.from(dTheta0), [0, 0, 0, 0, 0, 0]);
    });

    // M = 2000 with P = 1298 takes the threaded forward and backward and the backward's prefetching path.
    const rootCases: { M: number; dims: number[] }[] = [
      { M: 3, dims: [1, 24, 24, 24, 2] },
      { M: 7, dims: [3, 5, 4, 2] },
      { M: 4, dims: [2, 7, 1] },
      { M: 5, dims: [4, 3] },
      { M: 2, dims: [70, 9, 3] },
      { M: 2000, dims: [1, 24, 24, 24, 2] },
      // fan-ins at the 8-wide chunk edges (8, 9, 16, 17, 31, 32) and past the native AVX-512 rows' 32 (33);
      // fan-outs of 1, 8, 9, 17, 31: whole and partial groups of eight outputs
      { M: 3, dims: [8, 17, 32, 9, 1] },
      { M: 2, dims: [33, 16, 31, 8] },
    ];
    for (const { M, dims } of rootCases) {
      itk("rootMlp")(
        `rootMlp and rootMlpVjp vs a float64 loop, M=${M} dims [${dims}], every activation`,
        () => {
          const k = K();
          const L = dims.length - 1;
          const P = dims.slice(0, -1).reduce((p, d, l) => p + dims[l + 1]! * (d + 1), 0);
          const H = dims.slice(1, -1).reduce((a, b) => a + b, 0);
          const seed = M * 10 + L;
          const theta = randF32(M * P, seed, -0.6, 0.6);
          const x = randF32(M * dims[0]!, seed + 1, -2, 2);
          const dOut = randF32(M * dims[L]!, seed + 2);
          for (const act of ROOT_ACTIVATIONS) {
            const args = { M, dims, act };
            const want = rootMlpLoop(theta, x, dOut, M, dims, act);
            const out = new Float32Array(M * dims[L]!).fill(Number.NaN);
            const hidden = new Float32Array(M * H).fill(Number.NaN);
            k.rootMlp(theta, x, out, hidden, args);
            const tol = (ref: Float64Array) => ({ atol: 1e-5 * Math.max(1, maxAbs(ref)), rtol: 1e-5 });
            assertClose(out, want.out, tol(want.out), `${act} out`);
            assertClose(hidden, want.hidden, tol(want.hidden), `${act} hidden`);

            const outNoHidden = new Float32Array(out.length);
            k.rootMlp(theta, x, outNoHidden, null, args);
            assert.deepEqual(outNoHidden, out, `${act}: out without hidden`);

            const dTheta = new Float32Array(M * P).fill(Number.NaN);
            const dX = new Float32Array(M * dims[0]!).fill(Number.NaN);
            k.rootMlpVjp(theta, x, hidden, dOut, dTheta, dX, args);
            assertClose(dTheta, want.dTheta, tol(want.dTheta), `${act} dTheta`);
            assertClose(dX, want.dX, tol(want.dX), `${act} dX`);

            const dThetaOnly = new Float32Array(M * P).fill(Number.NaN);
            k.rootMlpVjp(theta, x, hidden, dOut, dThetaOnly, null, args);
            assert.deepEqual(dThetaOnly, dTheta, `${act}: dTheta with dX null`);
          }
        },
      );
    }

    it("the float64 root-MLP loop's backward matches finite differences", () => {
      // Guards the reference itself: d/dε Σ dOut ⊙ out(θ + εV, x + εW) at ε = 0, for a smooth activation.
      const [M, dims] = [3, [2, 4, 3, 2]];
      const P = 4 * (2 + 1) + 3 * (4 + 1) + 2 * (3 + 1);
      const theta = Array.from(randF32(M * P, 1));
      const x = Array.from(randF32(M * 2, 2));
      const dOut = randF32(M * 2, 3);
      const [V, W] = [randF32(M * P, 4), randF32(M * 2, 5)];
      const loss = (e: number): number => {
        const th = theta.map((v, i) => v + e * V[i]!);
        const xe = x.map((v, i) => v + e * W[i]!);
        return rootMlpLoop(th, xe, dOut, M, dims, "tanh").out.reduce((s, v, i) => s + v * dOut[i]!, 0);
      };
      const eps = 1e-6;
      const numeric = (loss(eps) - loss(-eps)) / (2 * eps);
      const g = rootMlpLoop(theta, x, dOut, M, dims, "tanh");
      let analytic = 0;
      g.dTheta.forEach((v, i) => {
        analytic += v * V[i]!;
      });
      g.dX.forEach((v, i) => {
        analytic += v * W[i]!;
      });
      assert.ok(
        Math.abs(analytic - numeric) < 1e-7 * Math.max(1, Math.abs(numeric)),
        `${analytic} vs ${numeric}`,
      );
    });

    itk("rootMlp")("rootMlp and rootMlpVjp reject short buffers and bad dims with RangeError", () => {
      const k = K();
      const [M, dims] = [4, [3, 5, 2]]; // P = 5·4 + 2·6 = 32, H = 5
      const f = (n: number) => new Float32Array(n);
      const args: { M: number; dims: number[]; act: RootActivation } = { M, dims, act: "tanh" };
      const fwd = (th: number, x: number, out: number, hid: number | null, a = args) =>
        k.rootMlp(f(th), f(x), f(out), hid === null ? null : f(hid), a);
      const bwd = (th: number, x: number, hid: number, dOut: number, dTh: number, dX: number | null) =>
        k.rootMlpVjp(f(th), f(x), f(hid), f(dOut), f(dTh), dX === null ? null : f(dX), args);
      fwd(128, 12, 8, 20); // exact sizes pass
      fwd(128, 12, 8, null);
      bwd(128, 12, 20, 8, 128, 12);
      bwd(128, 12, 20, 8, 128, null);
      for (const [name, call] of [
        ["theta", () => fwd(127, 12, 8, 20)],
        ["x", () => fwd(128, 11, 8, 20)],
        ["out", () => fwd(128, 12, 7, 20)],
        ["hidden", () => fwd(128, 12, 8, 19)],
        ["hidden", () => fwd(128, 12, 8, 0)],
        ["theta", () => bwd(127, 12, 20, 8, 128, 12)],
        ["x", () => bwd(128, 11, 20, 8, 128, 12)],
        ["hidden", () => bwd(128, 12, 19, 8, 128, 12)],
        ["dOut", () => bwd(128, 12, 20, 7, 128, 12)],
        ["dTheta", () => bwd(128, 12, 20, 8, 127, 12)],
        ["dX", () => bwd(128, 12, 20, 8, 128, 11)],
        ["dX", () => bwd(128, 12, 20, 8, 128, 0)],
        ["dims", () => fwd(128, 12, 8, 20, { ...args, dims: [3] })],
        ["dims", () => fwd(128, 12, 8, 20, { ...args, dims: [3, 0, 2] })],
        ["dims", () => fwd(128, 12, 8, 20, { ...args, dims: [3, 2.5, 2] })],
      ] as const) {
        assert.throws(call, (e: unknown) => e instanceof RangeError && e.message.includes(name), name);
      }
      // An activation the addon does not know reaches it as no code at all.
      assert.throws(() => fwd(128, 12, 8, 20, { ...args, act: "gelu" as RootActivation }), TypeError);
    });
  });
}
