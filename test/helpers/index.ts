// Test helpers: run a suite on every available backend, compare arrays with tolerances (reporting the
// worst element), make deterministic random inputs, and a float64 reference for broadcasting.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MatmulArgs } from "../../src/backends/kernels.js";
import {
  availableBackends,
  type BackendName,
  convert,
  type DType,
  type FloatDType,
  type GradcheckOptions,
  gradcheck,
  mul,
  nativeUnavailableReason,
  randomKey,
  splitKey,
  sum,
  type Tensor,
  tensor,
  uniform,
  valueAndGrad,
  WarpError,
  withBackend,
} from "../../src/index.js";

/** Backends the suites run on. With WARP_REQUIRE_NATIVE=1 a missing native addon fails the run. */
export const BACKENDS: BackendName[] = availableBackends();

if (process.env.WARP_REQUIRE_NATIVE === "1" && !BACKENDS.includes("native")) {
  describe("native backend", () => {
    it("is required by WARP_REQUIRE_NATIVE=1 and must load", () => {
      assert.fail(`native backend unavailable: ${nativeUnavailableReason()}`);
    });
  });
}

type TestFn = () => void | Promise<void>;
type ItOnBackend = (name: string, fn: TestFn) => void;

/** describe(`${title} [backend]`) once per backend, with `it` running its body on that backend. */
export function describeEachBackend(
  title: string,
  body: (it: ItOnBackend, backend: BackendName) => void,
): void {
  for (const b of BACKENDS) {
    describe(`${title} [${b}]`, () => {
      body((name, fn) => it(name, () => withBackend(b, fn)), b);
    });
  }
}

export interface Tol {
  atol?: number;
  rtol?: number;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere (NaN must match NaN). */
export function assertAllClose(
  actual: ArrayLike<number> | Tensor,
  expected: ArrayLike<number> | Tensor,
  { atol = 1e-5, rtol = 1e-5 }: Tol = {},
  what = "values",
): void {
  const a = "data" in actual ? actual.data : actual;
  const e = "data" in expected ? expected.data : expected;
  assert.equal(a.length, e.length, `${what}: length ${a.length} differs from expected ${e.length}`);
  let worst = -1;
  let worstRatio = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    const d = Math.abs(x - y);
    const ratio = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / (atol + rtol * Math.abs(y));
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
    }
  }
  assert.ok(
    worstRatio <= 1,
    `${what}: max abs diff ${maxAbs}; worst at [${worst}]: got ${a[worst]} expected ${e[worst]} (atol ${atol}, rtol ${rtol})`,
  );
}

let counter = 0;
/** A deterministic random tensor, uniform in [lo, hi); each call uses a fresh derived key. */
export function rand(
  shape: readonly number[],
  { lo = -1, hi = 1, dtype = "float32" as DType, seed = 0 } = {},
): Tensor {
  const key = splitKey(randomKey(seed * 1000 + counter++), 1)[0]!;
  return uniform(key, shape, lo, hi, dtype === "float64" ? "float64" : "float32");
}

/** A float64 copy of a tensor's values as a plain tensor (for references). */
export function asFloat64(t: Tensor): Tensor {
  return tensor(Float64Array.from(t.data), t.shape);
}

/** Reference element-wise broadcast: out[i] = f(a[ia], b[ib]) with NumPy broadcasting, in float64. */
export function refBroadcast(
  a: Tensor,
  b: Tensor,
  f: (x: number, y: number) => number,
): { shape: number[]; values: Float64Array } {
  const n = Math.max(a.ndim, b.ndim);
  const pa = [...Array(n - a.ndim).fill(1), ...a.shape];
  const pb = [...Array(n - b.ndim).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]!));
  const size = shape.reduce((x, y) => x * y, 1);
  const values = new Float64Array(size);
  const idx = new Array(n).fill(0);
  for (let k = 0; k < size; k++) {
    let r = k;
    for (let d = n - 1; d >= 0; d--) {
      idx[d] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < n; d++) {
      ia = ia * pa[d]! + (pa[d] === 1 ? 0 : idx[d]);
      ib = ib * pb[d]! + (pb[d] === 1 ? 0 : idx[d]);
    }
    values[k] = f(a.data[ia]!, b.data[ib]!);
  }
  return { shape, values };
}

/** Asserts that autodiff gradients of f match central differences (inputs are converted to float64). */
export function assertGradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  const x64 = inputs.map((x) => (x.dtype === "float32" ? convert(x, "float64") : x));
  const report = gradcheck(f, x64, options);
  assert.ok(report.ok, `gradcheck failed: ${report.message}`);
  assert.ok(report.checked > 0, "gradcheck checked no element");
}

/**
 * Runs f and its backward on the active backend in float32 and compares value and every gradient with
 * the same computation in float64 (which always runs on the cpu reference kernels).
 */
export function assertMatchesFloat64(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  tol: Tol = { atol: 1e-4, rtol: 1e-3 },
): void {
  const run = (dtype: "float32" | "float64") => {
    const xs = inputs.map((x) => (x.dtype === "int32" ? x : convert(x, dtype)));
    const vg = valueAndGrad((ps: Tensor[]) => {
      const y = f(...ps);
      const w = convert(
        tensor(
          Float64Array.from({ length: y.size }, (_, i) => Math.cos(i + 0.5)),
          y.shape,
        ),
        y.dtype,
      );
      return sum(mul(y, w));
    });
    const { value, grads } = vg(xs);
    return { value: value.item(), grads: grads.map((g) => Float64Array.from(g.data)) };
  };
  const lo = run("float32");
  const hi = run("float64");
  assertAllClose([lo.value], [hi.value], tol, "value");
  lo.grads.forEach((g, i) => {
    if (inputs[i]!.dtype !== "int32") assertAllClose(g, hi.grads[i]!, tol, `gradient of input ${i}`);
  });
}

// Plain-JS index arithmetic for references over row-major shapes.

/** Number of elements of a shape. */
export function sizeRef(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Multi-index of flat index k. */
export function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]!;
    k = Math.floor(k / shape[d]!);
  }
  return idx;
}

/** Flat index of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let k = 0;
  for (let d = 0; d < shape.length; d++) k = k * shape[d]! + idx[d]!;
  return k;
}

/** Asserts that fn throws a WarpError whose message contains every one of `parts`. */
export function throwsWith(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WarpError, `expected a WarpError, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message "${e.message}" does not mention "${p}"`);
    return true;
  });
}

/** Deterministic sine-like observations (n, t, d). */
export function waves(n: number, t: number, d: number, dtype: FloatDType = "float64", phase = 0): Tensor {
  const v: number[] = [];
  for (let i = 0; i < n; i++)
    for (let s = 0; s < t; s++)
      for (let j = 0; j < d; j++)
        v.push(0.8 * Math.sin((2 * Math.PI * s) / Math.max(t - 1, 1) + 0.9 * i + 0.7 * j + phase) + 0.1 * j);
  return tensor(v, [n, t, d], dtype);
}

/** A copy of x (n, t, d) with every value at steps ≥ k (or exactly k) shifted by `by`. */
export function shiftFrom(x: Tensor, k: number, by: number, only = false): Tensor {
  const [n, t, d] = x.shape as [number, number, number];
  const v = Float64Array.from(x.data);
  for (let i = 0; i < n; i++)
    for (let s = k; s < (only ? k + 1 : t); s++) for (let j = 0; j < d; j++) v[(i * t + s) * d + j]! += by;
  return tensor(v, [n, t, d], x.dtype);
}

/** [min, max] of the values. */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return [lo, hi];
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic uniform [lo, hi) float32 values (mulberry32). */
export function randF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** out[b] = op(A[b])·op(B[b]) (+ init) in float64: the reference of every GEMM kernel test. */
export function matmulRef(
  a: Float32Array,
  b: Float32Array,
  init: Float32Array | null,
  m: Omit<MatmulArgs, "accumulate">,
): Float64Array {
  const { batch, M, N, K, transA, transB, strideA, strideB } = m;
  const out = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = init ? init[(t * M + i) * N + j]! : 0;
        for (let k = 0; k < K; k++) {
          const av = a[t * strideA + (transA ? k * M + i : i * K + k)]!;
          const bv = b[t * strideB + (transB ? j * K + k : k * N + j)]!;
          s += av * bv;
        }
        out[(t * M + i) * N + j] = s;
      }
    }
  }
  return out;
}
