// Element-wise ops: unary functions, broadcasting binary arithmetic and comparisons, clip, where, cast,
// stopGradient — each public function beside its vector-Jacobian product.
// Not here: reductions and shape ops (reduce.ts, shape.ts), which some VJPs here call (sumTo).

import { record } from "../autograd/tape.js";
import type { Vjp } from "../autograd/types.js";
import type { BinaryOp, FloatArray, UnaryOp } from "../backends/kernels.js";
import { kernelsFor } from "../backends/registry.js";
import { broadcastShapes, broadcastStrides, sameShape } from "../tensor/shape.js";
import { convert, type DType, empty, scalar, Tensor, zeros } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { broadcastTo, sumTo } from "./broadcast.js";

/** A tensor operand or a JS number (taken as a scalar of the other operand's dtype). */
export type Operand = Tensor | number;

export function checkFloat(op: string, t: Tensor): void {
  assert(
    t.dtype !== "int32",
    () => `${op}: expected a float32 or float64 tensor, got int32 ${fmtShape(t.shape)}`,
  );
}

function asTensor(x: Operand, dtype: DType): Tensor {
  return x instanceof Tensor ? x : scalar(x, dtype);
}

// ---------------------------------------------------------------------------------------------
// Unary

function unary(op: UnaryOp, x: Tensor): Tensor {
  checkFloat(op, x);
  const out = empty(x.shape, x.dtype);
  kernelsFor(x.dtype).unary(op, x.data as FloatArray, out.data as FloatArray);
  return record(out, op, [x], {});
}

/** Shared VJP of every unary op: dx = dy · f'(x), by the backend's fused derivative kernel. */
function unaryVjp(op: UnaryOp): Vjp<UnaryOp> {
  return (dOut, { inputs: [x] }, out) => {
    const dx = empty(x!.shape, x!.dtype);
    kernelsFor(x!.dtype).unaryVjp(
      op,
      x!.data as FloatArray,
      out.data as FloatArray,
      dOut.data as FloatArray,
      dx.data as FloatArray,
    );
    return [dx];
  };
}

/** −x */
export const neg = (x: Tensor): Tensor => unary("neg", x);
/** eˣ */
export const exp = (x: Tensor): Tensor => unary("exp", x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary("log", x);
/** √x */
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
/** |x| (gradient 0 at 0). */
export const abs = (x: Tensor): Tensor => unary("abs", x);
/** max(x, 0) (gradient 0 at 0). */
export const relu = (x: Tensor): Tensor => unary("relu", x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
/** 1 / (1 + e^{−x}). */
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
/** log(1 + eˣ), computed stably. */
export const softplus = (x: Tensor): Tensor => unary("softplus", x);
/** x·σ(x) (SiLU). */
export const swish = (x: Tensor): Tensor => unary("swish", x);
/** sin x */
export const sin = (x: Tensor): Tensor => unary("sin", x);
/** cos x */
export const cos = (x: Tensor): Tensor => unary("cos", x);
/** x² */
export const square = (x: Tensor): Tensor => unary("square", x);

export const negVjp = unaryVjp("neg");
export const expVjp = unaryVjp("exp");
export const logVjp = unaryVjp("log");
export const sqrtVjp = unaryVjp("sqrt");
export const absVjp = unaryVjp("abs");
export const reluVjp = unaryVjp("relu");
export const tanhVjp = unaryVjp("tanh");
export const sigmoidVjp = unaryVjp("sigmoid");
export const softplusVjp = unaryVjp("softplus");
export const swishVjp = unaryVjp("swish");
export const sinVjp = unaryVjp("sin");
export const cosVjp = unaryVjp("cos");
export const squareVjp = unaryVjp("square");

// ---------------------------------------------------------------------------------------------
// Binary (NumPy broadcasting)

function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : "float32";
  const ta = asTensor(a, dtype);
  const tb = asTensor(b, dtype);
  checkFloat(op, ta);
  checkFloat(op, tb);
  assert(
    ta.dtype === tb.dtype,
    () => `${op}: dtypes differ, ${ta.dtype} ${fmtShape(ta.shape)} and ${tb.dtype} ${fmtShape(tb.shape)}`,
  );
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const out = empty(shape, dtype);
  kernelsFor(dtype).binary(
    op,
    ta.data as FloatArray,
    broadcastStrides(ta.shape, shape),
    tb.data as FloatArray,
    broadcastStrides(tb.shape, shape),
    out.data as FloatArray,
    shape,
  );
  return record(out, op, [ta, tb], {});
}

/** a + b */
export const add = (a: Operand, b: Operand): Tensor => binary("add", a, b);
/** a − b */
export const sub = (a: Operand, b: Operand): Tensor => binary("sub", a, b);
/** a · b (element-wise) */
export const mul = (a: Operand, b: Operand): Tensor => binary("mul", a, b);
/** a / b */
export const div = (a: Operand, b: Operand): Tensor => binary("div", a, b);
/** aᵇ */
export const pow = (a: Operand, b: Operand): Tensor => binary("pow", a, b);
/** max(a, b) element-wise (ties and gradient go to a). */
export const maximum = (a: Operand, b: Operand): Tensor => binary("maximum", a, b);
/** min(a, b) element-wise (ties and gradient go to a). */
export const minimum = (a: Operand, b: Operand): Tensor => binary("minimum", a, b);
/** 1 where a > b else 0 (no gradient). */
export const greater = (a: Operand, b: Operand): Tensor => binary("greater", a, b);
/** 1 where a < b else 0 (no gradient). */
export const less = (a: Operand, b: Operand): Tensor => binary("less", a, b);
/** 1 where a = b else 0 (no gradient). */
export const equal = (a: Operand, b: Operand): Tensor => binary("equal", a, b);

// d(a+b) = (dy, dy)
export const addVjp: Vjp<"add"> = (dy, { inputs: [a, b] }) => [sumTo(dy, a!.shape), sumTo(dy, b!.shape)];
// d(a−b) = (dy, −dy)
export const subVjp: Vjp<"sub"> = (dy, { inputs: [a, b] }) => [sumTo(dy, a!.shape), sumTo(neg(dy), b!.shape)];
// d(ab) = (dy·b, dy·a)
export const mulVjp: Vjp<"mul"> = (dy, { inputs: [a, b] }) => [
  sumTo(mul(dy, b!), a!.shape),
  sumTo(mul(dy, a!), b!.shape),
];
// d(a/b) = (dy/b, −dy·(a/b)/b)
export const divVjp: Vjp<"div"> = (dy, { inputs: [a, b] }, out) => [
  sumTo(div(dy, b!), a!.shape),
  sumTo(neg(div(mul(dy, out), b!)), b!.shape),
];
// d(aᵇ) = (dy·b·a^(b−1), dy·aᵇ·log a) — the second term only where a > 0 (0 elsewhere).
export const powVjp: Vjp<"pow"> = (dy, { inputs: [a, b] }, out) => {
  const da = mul(dy, mul(b!, pow(a!, sub(b!, 1))));
  const positive = greater(a!, 0);
  const safeLog = log(where(positive, a!, 1));
  const db = mul(dy, mul(out, safeLog));
  return [sumTo(da, a!.shape), sumTo(db, b!.shape)];
};
// Gradient to a where a is chosen (a ≥ b for maximum), to b elsewhere.
export const maximumVjp: Vjp<"maximum"> = (dy, { inputs: [a, b] }) => {
  const toB = less(a!, b!);
  return [sumTo(mul(dy, sub(1, toB)), a!.shape), sumTo(mul(dy, toB), b!.shape)];
};
export const minimumVjp: Vjp<"minimum"> = (dy, { inputs: [a, b] }) => {
  const toB = greater(a!, b!);
  return [sumTo(mul(dy, sub(1, toB)), a!.shape), sumTo(mul(dy, toB), b!.shape)];
};
const noGradient2 = (): (Tensor | null)[] => [null, null];
export const greaterVjp: Vjp<"greater"> = noGradient2;
export const lessVjp: Vjp<"less"> = noGradient2;
export const equalVjp: Vjp<"equal"> = noGradient2;

// ---------------------------------------------------------------------------------------------
// clip, where, cast, stopGradient

/** clamp(x, lo, hi); the gradient is 0 where x is outside (lo, hi). */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  checkFloat("clip", x);
  assert(!(lo > hi), () => `clip: lower bound ${lo} exceeds upper bound ${hi}`);
  const out = empty(x.shape, x.dtype);
  kernelsFor(x.dtype).clip(x.data as FloatArray, lo, hi, out.data as FloatArray);
  return record(out, "clip", [x], { lo, hi });
}
export const clipVjp: Vjp<"clip"> = (dy, { inputs: [x], attrs: { lo, hi } }) => {
  const dx = empty(x!.shape, x!.dtype);
  kernelsFor(x!.dtype).clipVjp(x!.data as FloatArray, lo, hi, dy.data as FloatArray, dx.data as FloatArray);
  return [dx];
};

/** Selects a where cond ≠ 0, else b (broadcasting all three); cond gets no gradient. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : "float32";
  const ta = asTensor(a, dtype);
  const tb = asTensor(b, dtype);
  checkFloat("where", ta);
  assert(ta.dtype === tb.dtype, () => `where: dtypes differ, ${ta.dtype} and ${tb.dtype}`);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, ta.shape), tb.shape);
  const full3 = [cond, ta, tb].map((t) => (sameShape(t.shape, shape) ? t : broadcastTo(t, shape)));
  const [c, fa, fb] = full3 as [Tensor, Tensor, Tensor];
  const out = empty(shape, dtype);
  const k = kernelsFor(c.dtype === dtype ? dtype : "float64");
  k.where(c.data, fa.data as FloatArray, fb.data as FloatArray, out.data as FloatArray);
  return record(out, "where", [cond, ta, tb], {});
}
export const whereVjp: Vjp<"where"> = (dy, { inputs: [cond, a, b] }) => {
  const z = zeros(dy.shape, dy.dtype);
  return [null, sumTo(where(cond!, dy, z), a!.shape), sumTo(where(cond!, z, dy), b!.shape)];
};

/** Converts between float32 and float64 (differentiable). */
export function cast(x: Tensor, dtype: "float32" | "float64"): Tensor {
  checkFloat("cast", x);
  return record(convert(x, dtype), "cast", [x], { dtype });
}
export const castVjp: Vjp<"cast"> = (dy, { inputs: [x] }) => [
  dy.dtype === x!.dtype ? dy : convert(dy, x!.dtype),
];

/** The same values with no gradient flowing back through them. */
export function stopGradient(x: Tensor): Tensor {
  return record(x.view(x.shape), "stopGradient", [x], {});
}
export const stopGradientVjp: Vjp<"stopGradient"> = () => [null];
