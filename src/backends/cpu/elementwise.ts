// Plain-TS element-wise kernels: unary functions and their derivatives, strided binary ops, clip, where.
// Each op is its own tight loop (the switch is outside the loop) so V8 keeps them monomorphic.
// Not here: shapes and broadcasting rules (the ops compute strides), gradients of binary ops.

import type { BinaryOp, FloatArray, TypedArray, UnaryOp } from "../kernels.js";

/** Numerically stable softplus: log(1 + e^x) = max(x, 0) + log1p(e^{−|x|}). */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Numerically stable logistic sigmoid. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** out[i] = f(x[i]). */
export function unaryCpu(op: UnaryOp, x: FloatArray, out: FloatArray): void {
  const n = x.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i]!;
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]!);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]!);
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]!);
      return;
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? v : v === v ? 0 : v;
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]!);
      return;
    case "softplus":
      for (let i = 0; i < n; i++) out[i] = softplus(x[i]!);
      return;
    case "swish":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v * sigmoid(v);
      }
      return;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]!);
      return;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]!);
      return;
    case "square":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        out[i] = v * v;
      }
      return;
  }
}

/** dx[i] = dy[i]·f'(x[i]), with y = f(x) available. Conventions at kinks: relu'(0) = abs'(0) = 0. */
export function unaryVjpCpu(op: UnaryOp, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
  const n = x.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) dx[i] = -dy[i]!;
      return;
    case "exp": // d e^x = e^x
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * y[i]!;
      return;
    case "log": // d log x = 1/x
      for (let i = 0; i < n; i++) dx[i] = dy[i]! / x[i]!;
      return;
    case "sqrt": // d √x = 1/(2√x)
      for (let i = 0; i < n; i++) dx[i] = dy[i]! / (2 * y[i]!);
      return;
    case "abs":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = v > 0 ? dy[i]! : v < 0 ? -dy[i]! : 0;
      }
      return;
    case "relu":
      for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0;
      return;
    case "tanh": // 1 − tanh²
      for (let i = 0; i < n; i++) {
        const t = y[i]!;
        dx[i] = dy[i]! * (1 - t * t);
      }
      return;
    case "sigmoid": // σ(1 − σ)
      for (let i = 0; i < n; i++) {
        const s = y[i]!;
        dx[i] = dy[i]! * s * (1 - s);
      }
      return;
    case "softplus": // σ(x)
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * sigmoid(x[i]!);
      return;
    case "swish": // σ(x) + x σ(x)(1 − σ(x))
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const s = sigmoid(v);
        dx[i] = dy[i]! * (s + v * s * (1 - s));
      }
      return;
    case "sin":
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * Math.cos(x[i]!);
      return;
    case "cos":
      for (let i = 0; i < n; i++) dx[i] = -dy[i]! * Math.sin(x[i]!);
      return;
    case "square":
      for (let i = 0; i < n; i++) dx[i] = 2 * dy[i]! * x[i]!;
      return;
  }
}

/** One run of n outputs: out[o + i] = a[ao + i·as] ∘ b[bo + i·bs]. */
function binaryRun(
  op: BinaryOp,
  a: FloatArray,
  ao: number,
  as: number,
  b: FloatArray,
  bo: number,
  bs: number,
  out: FloatArray,
  o: number,
  n: number,
): void {
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! + b[bo + i * bs]!;
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! - b[bo + i * bs]!;
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! * b[bo + i * bs]!;
      return;
    case "div":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! / b[bo + i * bs]!;
      return;
    case "pow":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! ** b[bo + i * bs]!;
      return;
    case "maximum":
      for (let i = 0; i < n; i++) {
        const u = a[ao + i * as]!;
        const v = b[bo + i * bs]!;
        out[o + i] = u >= v || u !== u ? u : v;
      }
      return;
    case "minimum":
      for (let i = 0; i < n; i++) {
        const u = a[ao + i * as]!;
        const v = b[bo + i * bs]!;
        out[o + i] = u <= v || u !== u ? u : v;
      }
      return;
    case "greater":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! > b[bo + i * bs]! ? 1 : 0;
      return;
    case "less":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! < b[bo + i * bs]! ? 1 : 0;
      return;
    case "equal":
      for (let i = 0; i < n; i++) out[o + i] = a[ao + i * as]! === b[bo + i * bs]! ? 1 : 0;
      return;
  }
}

/**
 * Drops size-1 axes and merges neighbouring axes that are contiguous in every operand, so that the
 * common cases (same shape, scalar, row/column broadcast) become one or two long runs.
 */
export function coalesce(
  shape: readonly number[],
  strideSets: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strideSets.every((s, j) => outStrides[j]![last] === s[d]! * n);
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      strideSets.forEach((s, j) => {
        outStrides[j]![last] = s[d]!;
      });
    } else {
      outShape.push(n);
      strideSets.forEach((s, j) => outStrides[j]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/** out (dense, `shape`) = a ∘ b with a, b read through element strides (0 = broadcast). */
export function binaryCpu(
  op: BinaryOp,
  a: FloatArray,
  aStrides: readonly number[],
  b: FloatArray,
  bStrides: readonly number[],
  out: FloatArray,
  shape: readonly number[],
): void {
  const outStrides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    outStrides[d] = acc;
    acc *= shape[d]!;
  }
  if (acc === 0) return;
  const c = coalesce(shape, [aStrides, bStrides, outStrides]);
  const nd = c.shape.length;
  const [sa, sb] = c.strides as [number[], number[]];
  const inner = c.shape[nd - 1]!;
  const ia = sa[nd - 1]!;
  const ib = sb[nd - 1]!;
  const outer = acc / inner;
  // Odometer over the outer axes; each step runs one inner row.
  const idx = new Array<number>(nd).fill(0);
  let ao = 0;
  let bo = 0;
  for (let r = 0; r < outer; r++) {
    binaryRun(op, a, ao, ia, b, bo, ib, out, r * inner, inner);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < c.shape[d]!) {
        ao += sa[d]!;
        bo += sb[d]!;
        break;
      }
      idx[d] = 0;
      ao -= sa[d]! * (c.shape[d]! - 1);
      bo -= sb[d]! * (c.shape[d]! - 1);
    }
  }
}

/** out = clamp(x, lo, hi) (NaN stays NaN). */
export function clipCpu(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : Math.min(v, hi);
  }
}

/** dx = dy where lo < x < hi, else 0. */
export function clipVjpCpu(x: FloatArray, lo: number, hi: number, dy: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    dx[i] = v > lo && v < hi ? dy[i]! : 0;
  }
}

/** out[i] = cond[i] ≠ 0 ? a[i] : b[i]. */
export function whereCpu(cond: TypedArray, a: FloatArray, b: FloatArray, out: FloatArray): void {
  for (let i = 0; i < out.length; i++) out[i] = cond[i] !== 0 ? a[i]! : b[i]!;
}
