// Element-wise float32 kernels: unary functions and their derivatives, strided/broadcast binary ops,
// clip and where. Each op is its own loop over a functor (the op switch sits outside the loop) so GCC
// can vectorize; large arrays are split over the pool. Math is in float (expf, log1pf, ...), with
// the cpu backend's conventions at kinks and for NaN. Not here: gradients of binary ops (done in TS).
#include <cmath>
#include <limits>

#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/strided.h"

namespace warp {

const char* const kUnaryOpNames[int(UnaryOp::Count)] = {"neg",     "exp",      "log",   "sqrt", "abs",
                                                        "relu",    "tanh",     "sigmoid", "softplus",
                                                        "swish",   "sin",      "cos",   "square"};
const char* const kBinaryOpNames[int(BinaryOp::Count)] = {"add",     "sub",     "mul",     "div",  "pow",
                                                          "maximum", "minimum", "greater", "less", "equal"};

namespace {

// Rough cost of one element in element-operations, for the serial/parallel decision.
constexpr int64_t kCheap = 1;
constexpr int64_t kTranscendental = 8;

/** Stable logistic: never exponentiates a positive number. */
inline float sigmoidf(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

/** Stable softplus: log(1 + e^x) = max(x, 0) + log1p(e^{−|x|}). */
inline float softplusf(float x) { return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

/** JS `a ** b`: like powf except that NaN exponents and (±1) ** ±Infinity give NaN. */
inline float powJs(float a, float b) {
  if (b != b || (std::fabs(a) == 1.0f && std::isinf(b))) return std::numeric_limits<float>::quiet_NaN();
  return std::pow(a, b);
}

template <class F>
void map1(const float* x, float* out, int64_t n, int64_t cost, F f) {
  parallel_for(n, cost, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = f(x[i]);
  });
}

// dx[i] = f(x[i], y[i], dy[i]).
template <class F>
void map3(const float* x, const float* y, const float* dy, float* dx, int64_t n, int64_t cost, F f) {
  parallel_for(n, cost, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) dx[i] = f(x[i], y[i], dy[i]);
  });
}

}  // namespace

void unary(UnaryOp op, const float* x, float* out, int64_t n) {
  switch (op) {
    case UnaryOp::Neg: return map1(x, out, n, kCheap, [](float v) { return -v; });
    case UnaryOp::Exp: return map1(x, out, n, kTranscendental, [](float v) { return std::exp(v); });
    case UnaryOp::Log: return map1(x, out, n, kTranscendental, [](float v) { return std::log(v); });
    case UnaryOp::Sqrt: return map1(x, out, n, kCheap, [](float v) { return std::sqrt(v); });
    case UnaryOp::Abs: return map1(x, out, n, kCheap, [](float v) { return std::fabs(v); });
    case UnaryOp::Relu:  // NaN propagates; relu(−0) = 0
      return map1(x, out, n, kCheap, [](float v) { return v > 0.0f ? v : (v == v ? 0.0f : v); });
    case UnaryOp::Tanh: return map1(x, out, n, kTranscendental, [](float v) { return std::tanh(v); });
    case UnaryOp::Sigmoid: return map1(x, out, n, kTranscendental, sigmoidf);
    case UnaryOp::Softplus: return map1(x, out, n, kTranscendental, softplusf);
    case UnaryOp::Swish: return map1(x, out, n, kTranscendental, [](float v) { return v * sigmoidf(v); });
    case UnaryOp::Sin: return map1(x, out, n, kTranscendental, [](float v) { return std::sin(v); });
    case UnaryOp::Cos: return map1(x, out, n, kTranscendental, [](float v) { return std::cos(v); });
    case UnaryOp::Square: return map1(x, out, n, kCheap, [](float v) { return v * v; });
    case UnaryOp::Count: return;
  }
}

void unaryVjp(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  switch (op) {
    case UnaryOp::Neg: return map3(x, y, dy, dx, n, kCheap, [](float, float, float g) { return -g; });
    case UnaryOp::Exp:  // d e^x = e^x = y
      return map3(x, y, dy, dx, n, kCheap, [](float, float e, float g) { return g * e; });
    case UnaryOp::Log:  // d log x = 1/x
      return map3(x, y, dy, dx, n, kCheap, [](float v, float, float g) { return g / v; });
    case UnaryOp::Sqrt:  // d √x = 1/(2√x)
      return map3(x, y, dy, dx, n, kCheap, [](float, float s, float g) { return g / (2.0f * s); });
    case UnaryOp::Abs:  // sign(x), with abs'(0) = 0
      return map3(x, y, dy, dx, n, kCheap,
                  [](float v, float, float g) { return v > 0.0f ? g : (v < 0.0f ? -g : 0.0f); });
    case UnaryOp::Relu:  // relu'(0) = 0
      return map3(x, y, dy, dx, n, kCheap, [](float v, float, float g) { return v > 0.0f ? g : 0.0f; });
    case UnaryOp::Tanh:  // 1 − tanh²
      return map3(x, y, dy, dx, n, kCheap, [](float, float t, float g) { return g * (1.0f - t * t); });
    case UnaryOp::Sigmoid:  // σ(1 − σ)
      return map3(x, y, dy, dx, n, kCheap, [](float, float s, float g) { return g * s * (1.0f - s); });
    case UnaryOp::Softplus:  // σ(x)
      return map3(x, y, dy, dx, n, kTranscendental, [](float v, float, float g) { return g * sigmoidf(v); });
    case UnaryOp::Swish:  // σ(x) + x σ(x)(1 − σ(x))
      return map3(x, y, dy, dx, n, kTranscendental, [](float v, float, float g) {
        const float s = sigmoidf(v);
        return g * (s + v * s * (1.0f - s));
      });
    case UnaryOp::Sin:
      return map3(x, y, dy, dx, n, kTranscendental, [](float v, float, float g) { return g * std::cos(v); });
    case UnaryOp::Cos:
      return map3(x, y, dy, dx, n, kTranscendental, [](float v, float, float g) { return -g * std::sin(v); });
    case UnaryOp::Square:
      return map3(x, y, dy, dx, n, kCheap, [](float v, float, float g) { return 2.0f * g * v; });
    case UnaryOp::Count: return;
  }
}

namespace {

// One run of n outputs o[i] = f(a[i·as], b[i·bs]); the unit-stride and broadcast cases get their own
// loops so they vectorize.
template <class F>
inline void binaryRun(const float* a, int64_t as, const float* b, int64_t bs, float* o, int64_t n, F f) {
  if (as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], b[i]);
  } else if (as == 0 && bs == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = f(av, b[i]);
  } else if (as == 1 && bs == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = f(a[i * as], b[i * bs]);
  }
}

template <class F>
void binaryImpl(const float* a, const int64_t* aStrides, const float* b, const int64_t* bStrides, float* out,
                const int64_t* shape, int rank, int64_t cost, F f) {
  int64_t total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  if (total == 0) return;
  int64_t dense[kMaxRank];  // out's strides
  for (int d = rank - 1; d >= 0; d--) dense[d] = d == rank - 1 ? 1 : dense[d + 1] * shape[d + 1];
  const StridedShape<3> c = coalesce<3>(shape, rank, {aStrides, bStrides, dense});
  const int nd = c.rank;
  const int64_t inner = c.shape[nd - 1];
  const int64_t ia = c.strides[0][nd - 1];
  const int64_t ib = c.strides[1][nd - 1];
  if (nd == 1) {  // one run (same shape, scalar operand, or a single strided axis): split it
    parallel_for(inner, cost, [&](int64_t lo, int64_t hi) {
      binaryRun(a + lo * ia, ia, b + lo * ib, ib, out + lo, hi - lo, f);
    });
    return;
  }
  // Rows over the outer axes, each one run of the last axis (out is dense, so row r starts at r·inner).
  parallel_for(total / inner, inner * cost, [&](int64_t r0, int64_t r1) {
    RowCursor<3> row(c, r0);
    for (int64_t r = r0; r < r1; r++, row.next()) {
      binaryRun(a + row.offsets[0], ia, b + row.offsets[1], ib, out + r * inner, inner, f);
    }
  });
}

}  // namespace

void binary(BinaryOp op, const float* a, const int64_t* aStrides, const float* b, const int64_t* bStrides,
            float* out, const int64_t* shape, int rank) {
#define WARP_BINARY(COST, EXPR) \
  return binaryImpl(a, aStrides, b, bStrides, out, shape, rank, COST, [](float u, float v) { return EXPR; })
  switch (op) {
    case BinaryOp::Add: WARP_BINARY(kCheap, u + v);
    case BinaryOp::Sub: WARP_BINARY(kCheap, u - v);
    case BinaryOp::Mul: WARP_BINARY(kCheap, u * v);
    case BinaryOp::Div: WARP_BINARY(kCheap, u / v);
    case BinaryOp::Pow: WARP_BINARY(kTranscendental, powJs(u, v));
    case BinaryOp::Maximum: WARP_BINARY(kCheap, (u >= v || u != u) ? u : v);  // NaN wins, like the cpu
    case BinaryOp::Minimum: WARP_BINARY(kCheap, (u <= v || u != u) ? u : v);
    case BinaryOp::Greater: WARP_BINARY(kCheap, u > v ? 1.0f : 0.0f);
    case BinaryOp::Less: WARP_BINARY(kCheap, u < v ? 1.0f : 0.0f);
    case BinaryOp::Equal: WARP_BINARY(kCheap, u == v ? 1.0f : 0.0f);
    case BinaryOp::Count: return;
  }
#undef WARP_BINARY
}

namespace {

// The clip loops take their bounds as by-value parameters: read from a lambda's captures they would be
// memory that out[] might alias, which keeps GCC from vectorizing.
void clipRange(const float* x, float lo, float hi, float* out, int64_t b, int64_t e) {
  for (int64_t i = b; i < e; i++) {
    const float v = x[i];
    out[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

void clipVjpRange(const float* x, float lo, float hi, const float* dy, float* dx, int64_t b, int64_t e) {
  for (int64_t i = b; i < e; i++) {
    const float v = x[i], g = dy[i];
    dx[i] = ((v > lo) & (v < hi)) ? g : 0.0f;
  }
}

}  // namespace

void clip(const float* x, double lo, double hi, float* out, int64_t n) {
  // Comparing float v with float(lo) / float(hi) yields exactly the clamp against the doubles: no float
  // lies strictly between a bound and its rounding.
  const float flo = float(lo), fhi = float(hi);
  parallel_for(n, kCheap, [=](int64_t b, int64_t e) { clipRange(x, flo, fhi, out, b, e); });
}

void clipVjp(const float* x, double lo, double hi, const float* dy, float* dx, int64_t n) {
  // For a float v: v > lo ⇔ v > (lo rounded down to float) and v < hi ⇔ v < (hi rounded up), so the
  // strict double comparisons of the cpu backend become float ones.
  float flo = float(lo), fhi = float(hi);
  if (double(flo) > lo) flo = std::nextafter(flo, -std::numeric_limits<float>::infinity());
  if (double(fhi) < hi) fhi = std::nextafter(fhi, std::numeric_limits<float>::infinity());
  parallel_for(n, kCheap, [=](int64_t b, int64_t e) { clipVjpRange(x, flo, fhi, dy, dx, b, e); });
}

template <class C>
static void whereImpl(const C* cond, const float* a, const float* b, float* out, int64_t n) {
  parallel_for(n, kCheap, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      const float av = a[i], bv = b[i];  // both loaded unconditionally so the select vectorizes
      out[i] = cond[i] != 0 ? av : bv;
    }
  });
}

void where(const float* cond, const float* a, const float* b, float* out, int64_t n) { whereImpl(cond, a, b, out, n); }
void where(const int32_t* cond, const float* a, const float* b, float* out, int64_t n) {
  whereImpl(cond, a, b, out, n);
}

namespace {
/** Adam over [b, e): cloned per instruction set (the loop is bound by sqrt and division, not memory). */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__)  // ifunc: glibc only
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void adamRange(const float* g, const float* mu, const float* nu, float* muOut, float* nuOut, float* update, int64_t b,
               int64_t e, float b1, float b2, float o1, float o2, float r1, float r2, float eps, float epsRoot,
               float scale) {
  for (int64_t i = b; i < e; i++) {
    const float gi = g[i];
    const float m = b1 * mu[i] + o1 * gi;
    const float v = b2 * nu[i] + o2 * gi * gi;
    muOut[i] = m;
    nuOut[i] = v;
    update[i] = scale * (m * r1) / (std::sqrt(v * r2 + epsRoot) + eps);
  }
}
}  // namespace

void adamStep(const float* g, const float* mu, const float* nu, float* muOut, float* nuOut, float* update, int64_t n,
              const AdamStepArgs& a) {
  // One pass: three streams in, three out (the unfused ops made a dozen passes and buffers).
  const float b1 = float(a.b1), b2 = float(a.b2), o1 = float(1 - a.b1), o2 = float(1 - a.b2);
  const float r1 = float(1 / a.c1), r2 = float(1 / a.c2), eps = float(a.eps), epsRoot = float(a.epsRoot);
  const float scale = float(a.scale);
  parallel_for(n, 4, [=](int64_t b, int64_t e) {
    adamRange(g, mu, nu, muOut, nuOut, update, b, e, b1, b2, o1, o2, r1, r2, eps, epsRoot, scale);
  });
}

}  // namespace warp
