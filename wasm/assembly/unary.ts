// AssemblyScript source: element-wise unary kernels that SIMD128 computes exactly as the cpu backend does
// (neg, sqrt, abs, relu, square: one correctly rounded float32 operation each, so the results are bitwise
// those of src/backends/cpu/elementwise.ts), their derivatives, and clip with its derivative. Other unary
// functions (exp, tanh, …) stay on the cpu kernels. Dense arrays of n float32 values; pointers are byte
// addresses. Not here: the host-side choice of what runs here (src/backends/wasm/index.ts).

/** Op codes: the positions in UNARY_OPS (src/backends/kernels.ts). */
const NEG = 0;
const SQRT = 3;
const ABS = 4;
const RELU = 5;
const SQUARE = 12;

/** out = f(x) for f in {neg, sqrt, abs, relu, square}. */
export function unarySimd(op: i32, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    let r: v128;
    if (op == NEG) r = f32x4.neg(v);
    else if (op == SQRT) r = f32x4.sqrt(v);
    else if (op == ABS) r = f32x4.abs(v);
    else if (op == RELU) r = f32x4.max(v, zero);
    else r = f32x4.mul(v, v);
    v128.store(out + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let r: f32;
    if (op == NEG) r = -v;
    else if (op == SQRT) r = Mathf.sqrt(v);
    else if (op == ABS) r = Mathf.abs(v);
    else if (op == RELU) r = v > 0 ? v : v == v ? 0 : v;
    else r = v * v;
    store<f32>(out + o, r);
  }
}

/** dx = dy·f'(x) (y = f(x)) for f in {neg, sqrt, abs, relu, square}; sign(0) = 0 for abs. */
export function unaryVjpSimd(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const two = f32x4.splat(2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(dy + o);
    let r: v128;
    if (op == NEG) r = f32x4.neg(g);
    else if (op == SQRT) r = f32x4.div(g, f32x4.mul(two, v128.load(y + o)));
    else if (op == ABS) {
      const v = v128.load(x + o);
      r = v128.or(v128.and(g, f32x4.gt(v, zero)), v128.and(f32x4.neg(g), f32x4.lt(v, zero)));
    } else if (op == RELU) r = v128.and(g, f32x4.gt(v128.load(x + o), zero));
    else r = f32x4.mul(f32x4.mul(two, g), v128.load(x + o));
    v128.store(dx + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    const v = load<f32>(x + o);
    let r: f32;
    if (op == NEG) r = -g;
    else if (op == SQRT) r = g / (2 * load<f32>(y + o));
    else if (op == ABS) r = v > 0 ? g : v < 0 ? -g : 0;
    else if (op == RELU) r = v > 0 ? g : 0;
    else r = 2 * g * v;
    store<f32>(dx + o, r);
  }
}

/** out = x < lo ? lo : min(x, hi) (NaN stays NaN; as the cpu kernel, signed zeros included). */
export function clipSimd(x: usize, lo: f32, hi: f32, out: usize, n: i32): void {
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(out + o, v128.bitselect(l, f32x4.min(v, h), f32x4.lt(v, l)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v < lo ? lo : min(v, hi));
  }
}

/** dx = dy where above < x < below, else 0 (the host passes float32 bounds equivalent to its float64 ones). */
export function clipVjpSimd(x: usize, above: f32, below: f32, dy: usize, dx: usize, n: i32): void {
  const l = f32x4.splat(above);
  const h = f32x4.splat(below);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(dx + o, v128.and(v128.load(dy + o), v128.and(f32x4.gt(v, l), f32x4.lt(v, h))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, v > above && v < below ? load<f32>(dy + o) : 0);
  }
}
