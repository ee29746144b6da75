// The kernel interface every backend implements: plain functions over host typed arrays.
// Kernels never allocate their outputs and never record gradients; ops (src/ops) do shape checks,
// allocation and autograd, then call `kernels()[name]`. All arrays are dense row-major unless a
// stride argument says otherwise. Not here: shape inference, broadcasting rules, dtype promotion.

/** A dense buffer of one of the supported element types. */
export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Element-wise unary functions with a fused derivative kernel. */
export const UNARY_OPS = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "abs",
  "relu",
  "tanh",
  "sigmoid",
  "softplus",
  "swish",
  "sin",
  "cos",
  "square",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Element-wise binary functions (with broadcasting through strides). Comparisons give 1 or 0. */
export const BINARY_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "greater",
  "less",
  "equal",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Batched GEMM description: out[b] (+)= op(A[b]) · op(B[b]); op(A) is M×K, op(B) is K×N. */
export interface MatmulArgs {
  batch: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  /** Element offset between consecutive batch matrices; 0 broadcasts one matrix over the batch. */
  strideA: number;
  strideB: number;
  /** When true, add into `out` (beta = 1) instead of overwriting it. */
  accumulate: boolean;
}

/** Activations a root MLP may use between its layers. */
export const ROOT_ACTIVATIONS = ["relu", "tanh", "softplus", "swish", "identity", "sin", "cos"] as const;
export type RootActivation = (typeof ROOT_ACTIVATIONS)[number];

/**
 * Per-sample root MLP: M samples, each with its own weights θ_m (a row of P = Σ_l (d_{l+1}·d_l + d_{l+1})
 * values laid out per layer as W_l (d_{l+1}×d_l, row-major) then b_l), evaluated on its own input x_m.
 * dims = [d_0 (in), d_1, …, d_L (out)]; `act` after every layer but the last.
 */
export interface RootMlpArgs {
  M: number;
  dims: readonly number[];
  act: RootActivation;
}

/**
 * One Adam step's constants (optax scale_by_adam then scale): moment decays b1, b2, eps, epsRoot, the
 * bias corrections c1 = 1 − b1ᵗ, c2 = 1 − b2ᵗ, and the factor applied to the direction (−lr for adam).
 */
export interface AdamStepArgs {
  b1: number;
  b2: number;
  eps: number;
  epsRoot: number;
  c1: number;
  c2: number;
  scale: number;
}

/** linearRecurrence sizes: N sequences, T steps, P state size; clip ≤ 0 or Infinity means no clipping. */
export interface RecurrenceArgs {
  N: number;
  T: number;
  P: number;
  clip: number;
}

/**
 * diagonalScan sizes: N sequences, T steps, P state size; clip as in RecurrenceArgs; `chunk` ≥ 1 and < T
 * runs the chunked associative scan over time with chunks of that length (no clipping), else sequential.
 */
export interface ScanArgs extends RecurrenceArgs {
  chunk: number;
}

/**
 * One step of the diagonal autoregressive rollout with its root: N rows, P = Dθ (the root's parameter
 * count), Din inputs of B, θ's clip bound (≤ 0 or Infinity: none), and the root MLP's dims and activation.
 */
export interface DiagonalRootStepArgs {
  N: number;
  P: number;
  Din: number;
  clip: number;
  dims: readonly number[];
  act: RootActivation;
  /** Forward: theta holds an extra term on entry (the low-rank (θ_{t−1} V) Uᵀ), added before the clip. */
  accumulate?: boolean;
}

/**
 * The full kernel set. `cpu` implements every entry; other backends implement a subset for float32
 * and the dispatcher falls back to `cpu` for the rest (and for every float64 call).
 */
export interface Kernels {
  /** out[i] = f(x[i]). */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void;
  /** dx[i] = dy[i] · f'(x[i]); y = f(x) is passed so kernels can reuse it (tanh, sigmoid, exp, sqrt). */
  unaryVjp(op: UnaryOp, x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void;
  /**
   * out[idx] = a[idx·aStrides] ∘ b[idx·bStrides] over the multi-index idx of `shape`
   * (`out` dense). A stride of 0 broadcasts that axis.
   */
  binary(
    op: BinaryOp,
    a: FloatArray,
    aStrides: readonly number[],
    b: FloatArray,
    bStrides: readonly number[],
    out: FloatArray,
    shape: readonly number[],
  ): void;
  /** out = clamp(x, lo, hi). */
  clip(x: FloatArray, lo: number, hi: number, out: FloatArray): void;
  /** dx = dy where lo < x < hi, else 0. */
  clipVjp(x: FloatArray, lo: number, hi: number, dy: FloatArray, dx: FloatArray): void;
  /** out[i] = cond[i] ≠ 0 ? a[i] : b[i] (all dense, same length). */
  where(cond: TypedArray, a: FloatArray, b: FloatArray, out: FloatArray): void;
  /** Sum over the middle axis of x viewed as (outer, reduce, inner): out is (outer, inner). */
  reduceSum(x: FloatArray, outer: number, reduce: number, inner: number, out: FloatArray): void;
  /**
   * Strided copy: for every multi-index idx of `shape`,
   * dst[dstOffset + idx·dstStrides] = src[srcOffset + idx·srcStrides]. Covers broadcast, transpose,
   * slice, concat and pad. With `accumulate`, adds instead of assigning.
   */
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
  /**
   * x viewed as (outer, axisLen, inner); out (outer, K, inner) with out[o,k,:] = x[o, idx[.,k], :],
   * where idx is (K) shared by every o, or (outer, K) when `perOuter`.
   */
  gather(
    x: TypedArray,
    outer: number,
    axisLen: number,
    inner: number,
    idx: Int32Array,
    K: number,
    perOuter: boolean,
    out: TypedArray,
  ): void;
  /** The transpose of gather: dx[o, idx[.,k], :] += dy[o, k, :]. dx must be zeroed by the caller. */
  scatterAdd(
    dy: FloatArray,
    outer: number,
    axisLen: number,
    inner: number,
    idx: Int32Array,
    K: number,
    perOuter: boolean,
    dx: FloatArray,
  ): void;
  /** Batched (strided) GEMM, see MatmulArgs. */
  matmul(a: FloatArray, b: FloatArray, out: FloatArray, args: MatmulArgs): void;
  /** Elements of the buffer `packMatrix` fills for a K×N right operand (the backend's own layout). */
  packedLength(K: number, N: number): number;
  /**
   * op(B) (K×N: b stored K×N, or N×K when transB) packed once into `packed` for many `matmulPacked`
   * products with the same right operand (the autoregressive rollout's A, forward and backward).
   */
  packMatrix(b: FloatArray, K: number, N: number, transB: boolean, packed: FloatArray): void;
  /** out (M×N) (+)= op(a) (M×K; a stored K×M when transA) · op(B) from `packMatrix`: matmul's numbers. */
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
  /**
   * One fused Adam step over every element i of g (all arrays the same length; outputs may not alias
   * inputs): mu′ = b1·mu + (1 − b1)·g, nu′ = b2·nu + (1 − b2)·g², update = scale · (mu′/c1) /
   * (√(nu′/c2 + epsRoot) + eps). One pass instead of a dozen element-wise ops and their buffers.
   */
  adamStep(
    g: FloatArray,
    mu: FloatArray,
    nu: FloatArray,
    muOut: FloatArray,
    nuOut: FloatArray,
    update: FloatArray,
    args: AdamStepArgs,
  ): void;
  /**
   * Elements of the operand `packBf16` prepares for an (N, K) matrix (the backend's own layout: plain
   * values on cpu, bfloat16 pairs as raw 32-bit words on native).
   */
  bf16PackedLength(N: number, K: number): number;
  /**
   * w (N, K) rounded to bfloat16 (`roundBf16`: to nearest even, subnormals to ±0) into `packed`, once
   * for many `matmulBf16` calls (the transition A′ of `model.transition_dtype: bf16`, once per forward).
   */
  packBf16(w: FloatArray, N: number, K: number, packed: FloatArray): void;
  /**
   * out (M, N) += bf16(x) (M, K) · W′ᵀ for W′ from `packBf16`: products of bfloat16 values (exact in
   * float32), sums in float32 (float64 on cpu). Native runs AVX512-BF16 dot products where the CPU has them; elsewhere the
   * same rounded operands go through the float32 GEMM (same numbers up to the order of the sums).
   */
  matmulBf16(x: FloatArray, packed: FloatArray, out: FloatArray, M: number, N: number, K: number): void;
  /**
   * out (M, N) (+)= bf16(a)ᵀ · bf16(b), a (K, M), b (K, N): the bf16 transition's dA = Σ_t g_tᵀ θ_{t−1}
   * over all stashed rows (K = T·N), or accumulated over chunks of them. Products of bfloat16 values, sums in float32 (float64 within blocks of
   * rows on cpu); native runs AVX512-BF16 dot products over pairs of rows where the CPU has them, else
   * the rounded operands through the float32 GEMM.
   */
  matmulBf16TN(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
  ): void;
  /**
   * Row-wise log-softmax cross-entropy: logits (B, C), labels (B) in [0, C).
   * loss[b] = logsumexp(logits[b]) − logits[b, labels[b]]; probs[b] = softmax(logits[b]).
   */
  softmaxCrossEntropy(
    logits: FloatArray,
    labels: Int32Array,
    B: number,
    C: number,
    loss: FloatArray,
    probs: FloatArray,
  ): void;
  /**
   * θ_t = clip(A θ_{t−1} + U_t) for t = 1..T, θ_0 given. A (P, P), U (N, T, P), theta0 (N, P);
   * out (N, T, P) holds θ_1..θ_T.
   */
  linearRecurrence(
    A: FloatArray,
    U: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    args: RecurrenceArgs,
  ): void;
  /**
   * Backward of linearRecurrence given dOut (N, T, P) and the forward's `out`:
   * g_t = (dOut_t + g_{t+1} A) ⊙ [θ_t not clipped]; dU_t = g_t; dθ_0 = g_1 A; dA = Σ_t g_tᵀ θ_{t−1}.
   * dU (N, T, P), dTheta0 (N, P), dA (P, P) are overwritten.
   */
  linearRecurrenceVjp(
    A: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    dOut: FloatArray,
    dA: FloatArray,
    dU: FloatArray,
    dTheta0: FloatArray,
    args: RecurrenceArgs,
  ): void;
  /**
   * θ_t = clip(a ⊙ θ_{t−1} + U_t) for t = 1..T, θ_0 given: a (P), U (N, T, P), theta0 (N, P);
   * out (N, T, P) holds θ_1..θ_T.
   */
  diagonalScan(a: FloatArray, U: FloatArray, theta0: FloatArray, out: FloatArray, args: ScanArgs): void;
  /**
   * Backward of diagonalScan given dOut (N, T, P) and the forward's `out`:
   * g_t = (dOut_t + a ⊙ g_{t+1}) ⊙ [θ_t not clipped]; dU_t = g_t; dθ_0 = a ⊙ g_1; da = Σ g_t ⊙ θ_{t−1}.
   * da (P), dU (N, T, P), dTheta0 (N, P) are overwritten.
   */
  diagonalScanVjp(
    a: FloatArray,
    theta0: FloatArray,
    out: FloatArray,
    dOut: FloatArray,
    da: FloatArray,
    dU: FloatArray,
    dTheta0: FloatArray,
    args: ScanArgs,
  ): void;
  /**
   * One step of the diagonal autoregressive rollout (ops/ar-rollout.ts) fused with its root, row by row:
   * theta = clip(a ⊙ thetaPrev + inc·Bᵀ [+ theta when args.accumulate]), then out (and hidden when given)
   * = rootMlp(theta, x); out null: the step alone (the backward's recomputation of θ_t), the same θ bits.
   * a (P); B (P, Din); thetaPrev, theta (N, P); inc (N, Din); x (N, d_0); out (N, d_L); hidden (N, H).
   */
  diagonalRootStep(
    a: FloatArray,
    B: FloatArray,
    thetaPrev: FloatArray,
    inc: FloatArray,
    x: FloatArray,
    theta: FloatArray,
    out: FloatArray | null,
    hidden: FloatArray | null,
    args: DiagonalRootStepArgs,
  ): void;
  /**
   * Its backward from dOut (N, d_L), carry (N, P) holding the gradient from the step after: dθ = rootMlpVjp;
   * g = (dθ + carry) ⊙ [θ not clipped]; carry ← a ⊙ g; da += Σ_n g ⊙ thetaPrev; dB += gᵀ inc (P×Din);
   * dInc ← g B (N×Din); dX (N, d_0) ← the root's input gradient and g (N, P) ← g when given (for the
   * low-rank products). da and dB are float64 sums over the whole rollout (a backend may sum one step's rows
   * in float first).
   */
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
    args: DiagonalRootStepArgs,
  ): void;
  /**
   * Root MLP forward: out (M, d_L) from theta (M, P) and x (M, d_0). When `hidden` is given (M, H) with
   * H = Σ_{l=1}^{L−1} d_l, it receives every hidden layer's pre-activation for the backward pass.
   */
  rootMlp(
    theta: FloatArray,
    x: FloatArray,
    out: FloatArray,
    hidden: FloatArray | null,
    args: RootMlpArgs,
  ): void;
  /**
   * Root MLP backward from dOut (M, d_L) and the forward's `hidden`: dTheta (M, P) and, when given,
   * dX (M, d_0) are overwritten.
   */
  rootMlpVjp(
    theta: FloatArray,
    x: FloatArray,
    hidden: FloatArray,
    dOut: FloatArray,
    dTheta: FloatArray,
    dX: FloatArray | null,
    args: RootMlpArgs,
  ): void;
}

export type KernelName = keyof Kernels;
