// The float32 kernels of the native backend as plain C++ functions over raw pointers, one-to-one with
// the `Kernels` interface in src/backends/kernels.ts (same names, argument order and semantics).
// Not here: argument checking or JS marshalling (src/addon.cc validates lengths before calling),
// float64 (always on the cpu backend), gather / scatterAdd (cpu only).
#pragma once

#include <cstdint>

namespace warp {

// Op codes; the order is the addon's own and is published to JS by name (kUnaryOpNames etc.), so the
// TS loader never depends on it matching UNARY_OPS / BINARY_OPS.
enum class UnaryOp : int { Neg, Exp, Log, Sqrt, Abs, Relu, Tanh, Sigmoid, Softplus, Swish, Sin, Cos, Square, Count };
enum class BinaryOp : int { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Greater, Less, Equal, Count };
extern const char* const kUnaryOpNames[int(UnaryOp::Count)];
extern const char* const kBinaryOpNames[int(BinaryOp::Count)];

/** out[i] = f(x[i]), i < n. */
void unary(UnaryOp op, const float* x, float* out, int64_t n);
/** dx[i] = dy[i] · f'(x[i]); y = f(x). */
void unaryVjp(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n);
/** out (dense, `shape` of `rank` axes) = a ∘ b, a and b read through element strides (0 = broadcast). */
void binary(BinaryOp op, const float* a, const int64_t* aStrides, const float* b, const int64_t* bStrides,
            float* out, const int64_t* shape, int rank);
/** out = clamp(x, lo, hi); NaN stays NaN. lo/hi stay double so comparisons match the cpu backend. */
void clip(const float* x, double lo, double hi, float* out, int64_t n);
/** dx = dy where lo < x < hi, else 0. */
void clipVjp(const float* x, double lo, double hi, const float* dy, float* dx, int64_t n);
/** out[i] = cond[i] != 0 ? a[i] : b[i]. */
void where(const float* cond, const float* a, const float* b, float* out, int64_t n);
void where(const int32_t* cond, const float* a, const float* b, float* out, int64_t n);

/**
 * One fused Adam step over n elements: mu′ = b1·mu + (1 − b1)·g, nu′ = b2·nu + (1 − b2)·g²,
 * update = scale·(mu′/c1)/(√(nu′/c2 + epsRoot) + eps). Constants in double, elements in float.
 */
struct AdamStepArgs {
  double b1, b2, eps, epsRoot, c1, c2, scale;
};
void adamStep(const float* g, const float* mu, const float* nu, float* muOut, float* nuOut, float* update, int64_t n,
              const AdamStepArgs& a);

/** out[o, i] = Σ_r x[o, r, i] for x viewed as (outer, reduce, inner); sums in double. */
void reduceSum(const float* x, int64_t outer, int64_t reduce, int64_t inner, float* out);
/** loss[b] = logsumexp(logits[b]) − logits[b, labels[b]] (NaN for a label outside [0, C)); probs = softmax. */
void softmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t B, int64_t C, float* loss,
                         float* probs);

/** dst[dstOffset + idx·dstStrides] (+)= src[srcOffset + idx·srcStrides] over `shape`; offsets pre-applied. */
void copyStrided(const float* src, const int64_t* srcStrides, float* dst, const int64_t* dstStrides,
                 const int64_t* shape, int rank, bool accumulate);
void copyStrided(const int32_t* src, const int64_t* srcStrides, int32_t* dst, const int64_t* dstStrides,
                 const int64_t* shape, int rank, bool accumulate);

/**
 * Largest matmul / recurrence dimension the addon accepts (addon.cc enforces it): the kernels use 64-bit
 * sizes, but the cblas_sgemm comparison path (WARP_HAVE_OPENBLAS) takes 32-bit ones.
 */
constexpr int64_t kMaxBlasInt = 2147483647;

struct MatmulArgs {
  int64_t batch, M, N, K;
  bool transA, transB;
  int64_t strideA, strideB;  // 0 broadcasts one matrix over the batch
  bool accumulate;           // beta = 1 instead of 0
};
/** out[b] (M×N, dense) (+)= op(A[b]) · op(B[b]), op(A) M×K, op(B) K×N. */
void matmul(const float* a, const float* b, float* out, const MatmulArgs& args);

struct RecurrenceArgs {
  int64_t N, T, P;
  double clip;  // ≤ 0, NaN or ±Infinity: no clipping
};
/** θ_t = clip(A θ_{t−1} + U_t), t = 1..T. A (P, P); U, out (N, T, P); theta0 (N, P). */
void linearRecurrence(const float* A, const float* U, const float* theta0, float* out, const RecurrenceArgs& args);
/** Backward of linearRecurrence; dA (P, P), dU (N, T, P), dTheta0 (N, P) are overwritten. */
void linearRecurrenceVjp(const float* A, const float* theta0, const float* out, const float* dOut, float* dA,
                         float* dU, float* dTheta0, const RecurrenceArgs& args);

// Root-MLP activations; like the op codes above, published to JS by name (kRootActivationNames).
enum class RootActivation : int { Relu, Tanh, Softplus, Swish, Identity, Sin, Cos, Count };
extern const char* const kRootActivationNames[int(RootActivation::Count)];

struct RootMlpArgs {
  int64_t M;            // samples
  const int64_t* dims;  // d_0 (in), …, d_L (out); nDims = L + 1 ≥ 2, all ≥ 1
  int nDims;
  RootActivation act;  // after every layer but the last
};
/**
 * Per-sample MLP: out (M, d_L) from theta (M, P), P = Σ_l d_{l+1}(d_l + 1), each row laid out per layer as
 * W_l (d_{l+1}×d_l, row-major) then b_l, and x (M, d_0). hidden (M, H), H = Σ_{0<l<L} d_l, receives the
 * hidden layers' pre-activations in layer order when non-null.
 */
void rootMlp(const float* theta, const float* x, float* out, float* hidden, const RootMlpArgs& args);
/**
 * Backward of rootMlp from dOut (M, d_L) and the forward's hidden: dTheta (M, P) is overwritten, and dX
 * (M, d_0) too when non-null.
 */
void rootMlpVjp(const float* theta, const float* x, const float* hidden, const float* dOut, float* dTheta,
                float* dX, const RootMlpArgs& args);

struct DiagonalRootStepArgs {
  RootMlpArgs mlp;  // mlp.M = N rows
  int64_t P, Din;   // P = the root's parameter count
  double clip;      // ≤ 0, NaN or ±Infinity: no clipping
  bool accumulate;  // forward: theta holds an extra term to add before the clip
};
/**
 * One step of the diagonal autoregressive rollout, row by row (each θ row stays in L1 from the step to the
 * root): theta = clip(a ⊙ thetaPrev + inc·Bᵀ [+ theta with args.accumulate: the low-rank term]), then
 * rootMlp(theta, x) into out (and hidden when non-null); out null: the step alone (the backward's
 * recomputation of θ_t, the same bits). a (P), B (P, Din), thetaPrev and theta (N, P), inc (N, Din),
 * x (N, d_0), out (N, d_L).
 */
void diagonalRootStep(const float* a, const float* B, const float* thetaPrev, const float* inc, const float* x,
                      float* theta, float* out, float* hidden, const DiagonalRootStepArgs& args);
/**
 * Its backward from dOut (N, d_L), carry (N, P) holding the gradient from step t+1: dθ = the root's
 * backward; g = (dθ + carry) ⊙ [θ not clipped]; carry ← a ⊙ g; da += Σ_n g ⊙ thetaPrev; dB += gᵀ inc;
 * dInc ← g B (N, Din); dX (N, d_0) ← the root's input gradient and gOut (N, P) ← g when non-null (the
 * low-rank backward's products). da and dB are float64 sums over the rollout; each step adds float sums
 * over fixed chunks of rows, in chunk order.
 */
void diagonalRootStepVjp(const float* a, const float* B, const float* thetaPrev, const float* theta,
                         const float* inc, const float* x, const float* hidden, const float* dOut, float* carry,
                         double* da, double* dB, float* dInc, float* dX, float* gOut,
                         const DiagonalRootStepArgs& args);

}  // namespace warp
