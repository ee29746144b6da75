// The fused per-sample root MLP, forward and backward, in float32 with double sums: every sample m has its
// own weights θ_m (row m of theta, P floats laid out per layer as W_l (d_{l+1}×d_l, row-major) then b_l),
// so each layer is a tiny mat-vec read straight from θ. Samples are split over the pool when M·P is large.
// Semantics match src/backends/cpu/root-mlp.ts. Also here, row by row around the same row functions: one
// step of the diagonal autoregressive rollout with its root (diagonalRootStep and its backward; the cpu
// backend composes them from its kernels), so that a θ row goes from the step to the root in L1 and the
// batch splits once per step over the pool. Where the GEMM runs its AVX-512 kernels, the root's layers (up
// to 32 inputs) and the step's passes over a row have AVX-512 versions beside the portable loops.
// Not here: validation (addon.cc), float64 (cpu backend).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WARP_ROWS512 1
#endif

#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/scan.h"

namespace warp {

const char* const kRootActivationNames[int(RootActivation::Count)] = {"relu",     "tanh", "softplus", "swish",
                                                                      "identity", "sin",  "cos"};

namespace {

/** Stable logistic: never exponentiates a positive number. */
inline float sigmoidf(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

// Activations as f(z) and f'(z) in float, with elementwise.cc's conventions (relu'(0) = 0, NaN propagates).
// df also receives y = f(z), which tanh reuses (1 − y²) instead of a second tanhf.
struct Relu {
  static float f(float z) { return z > 0.0f ? z : (z == z ? 0.0f : z); }
  static float df(float z, float) { return z > 0.0f ? 1.0f : 0.0f; }
};
struct Tanh {
  static float f(float z) { return std::tanh(z); }
  static float df(float, float y) { return 1.0f - y * y; }
};
struct Softplus {  // log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}); derivative σ(z)
  static float f(float z) { return std::fmax(z, 0.0f) + std::log1p(std::exp(-std::fabs(z))); }
  static float df(float z, float) { return sigmoidf(z); }
};
struct Swish {  // z σ(z); derivative σ + z σ (1 − σ)
  static float f(float z) { return z * sigmoidf(z); }
  static float df(float z, float) {
    const float s = sigmoidf(z);
    return s + z * s * (1.0f - s);
  }
};
struct Identity {
  static float f(float z) { return z; }
  static float df(float, float) { return 1.0f; }
};
struct Sin {
  static float f(float z) { return std::sin(z); }
  static float df(float z, float) { return std::cos(z); }
};
struct Cos {
  static float f(float z) { return std::cos(z); }
  static float df(float z, float) { return -std::sin(z); }
};

/** Per-layer offsets into a θ row and a hidden row, from dims (d_0..d_L). */
struct Layout {
  int L;
  const int64_t* dims;
  std::vector<int64_t> wOff;  // layer l's W_l starts at wOff[l] in a θ row; b_l follows W_l
  std::vector<int64_t> zOff;  // hidden layer l's pre-activation (output of layer l, l < L−1) in a hidden row
  int64_t P = 0, H = 0, width = 0;
  bool wide;  // layers of at most kWideMaxIn inputs go through the AVX-512 layer functions below

  explicit Layout(const RootMlpArgs& a)
      : L(a.nDims - 1), dims(a.dims), wOff(size_t(L)), zOff(size_t(L)), wide(std::strcmp(gemm_isa(), "avx512") == 0) {
    for (int l = 0; l < L; l++) {
      wOff[size_t(l)] = P;
      zOff[size_t(l)] = H;
      P += dims[l + 1] * (dims[l] + 1);
      if (l < L - 1) H += dims[l + 1];
    }
    for (int l = 0; l <= L; l++) width = std::max(width, dims[l]);
  }
};

/**
 * Σ_j w[j]·h[j], j < n, in double. Eight independent partial sums let GCC vectorize the loop without
 * reassociating (no -ffast-math); a tree combines them, a shorter dependency chain than adding them in
 * turn (~15% faster forward at fan-in 24). float·float products are exact in double.
 */
inline double dot(const float* w, const double* h, int64_t n) {
  double p[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int k = 0; k < 8; k++) p[k] += double(w[j + k]) * h[j + k];
  }
  double tail = 0;
  for (; j < n; j++) tail += double(w[j]) * h[j];
  return tail + (((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7])));
}

// AVX-512 layers of a root row, for layers of at most kWideMaxIn inputs (WARP's roots are tens wide), used
// when the GEMM's instruction set is avx512 (so WARP_NATIVE_ISA and setGemmIsa also select the loops of
// the row functions, which every other machine runs). A layer's input vector and, backward, its W_lᵀ g sums
// stay in registers (the loops keep them in memory: a store-to-load round trip per output), and eight
// outputs' dot products are reduced together. The sums: lane k of eight adds the products of inputs j ≡ k
// (mod 8) in j order with fused multiply-adds, inputs past the layer's width as zeros; the lanes combine as
// dot() does, ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)); then the bias. Backward, dW_l and
// W_lᵀ g are the loops' operations in the loops' order (dW = float(g_i·h_j); Σ_i by fused multiply-adds).
constexpr int64_t kWideMaxIn = 32;
#ifdef WARP_ROWS512
// GCC 12's conversion intrinsics start from an undefined vector, which -W(maybe-)uninitialized reports
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#define WARP_AVX512_ROW __attribute__((target("avx512f,avx512vl,avx512dq,fma")))

WARP_AVX512_ROW inline __mmask8 chunkMask(int64_t n, int c) {
  const int64_t r = n - 8 * int64_t(c);
  return r >= 8 ? __mmask8(0xFF) : r <= 0 ? __mmask8(0) : __mmask8((1u << r) - 1u);
}

/** Lanes i of the result: the tree sum of p[i]'s eight lanes, i < 8. */
WARP_AVX512_ROW inline __m512d reduce8(const __m512d p[8]) {
  __m512d u[4], w[2];
  for (int q = 0; q < 4; q++) {  // lanes (k, k + 4) of outputs 2q, 2q + 1
    const __m512d a = p[2 * q], b = p[2 * q + 1];
    u[q] = _mm512_add_pd(_mm512_shuffle_f64x2(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f64x2(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  }
  for (int q = 0; q < 2; q++) {  // (p0 + p4) + (p2 + p6) and (p1 + p5) + (p3 + p7) of outputs 4q … 4q + 3
    const __m512d a = u[2 * q], b = u[2 * q + 1];
    w[q] = _mm512_add_pd(_mm512_shuffle_f64x2(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f64x2(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  const __m512d r = _mm512_add_pd(_mm512_unpacklo_pd(w[0], w[1]), _mm512_unpackhi_pd(w[0], w[1]));
  return _mm512_permutexvar_pd(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), r);  // outputs 0, 4, 1, 5, … in order
}

/** z[i] = double(b[i]) + W[i, :]·h for i < nOut, nIn ≤ 8·NC (the sums as described above). */
template <int NC>
WARP_AVX512_ROW void layerForward512(const float* w, const float* b, const double* h, int64_t nIn, int64_t nOut,
                                     double* z) {
  __mmask8 m[NC];
  __m512d hv[NC];
  for (int c = 0; c < NC; c++) {
    m[c] = chunkMask(nIn, c);
    hv[c] = _mm512_maskz_loadu_pd(m[c], h + 8 * c);
  }
  for (int64_t i0 = 0; i0 < nOut; i0 += 8) {
    const int64_t n = std::min<int64_t>(8, nOut - i0);
    __m512d p[8];
#pragma GCC unroll 8
    for (int o = 0; o < 8; o++) {
      p[o] = _mm512_setzero_pd();
      if (o < n) {
        const float* wi = w + (i0 + o) * nIn;
#pragma GCC unroll 4
        for (int c = 0; c < NC; c++) {
          p[o] = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_maskz_loadu_ps(m[c], wi + 8 * c)), hv[c], p[o]);
        }
      }
    }
    const __mmask8 mo = chunkMask(n, 0);
    const __m512d bias = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mo, b + i0));
    _mm512_mask_storeu_pd(z + i0, mo, _mm512_add_pd(bias, reduce8(p)));
  }
}

/**
 * One layer backward, nIn ≤ 8·NC: db = g; dW row i = float(g_i·h); gh = W_lᵀ g when gh is non-null, summed
 * over i in order by fused multiply-adds from zero.
 */
template <int NC>
WARP_AVX512_ROW void layerBackward512(const float* wl, float* dwl, float* db, const double* g, const double* h,
                                      int64_t nIn, int64_t nOut, double* gh) {
  __mmask8 m[NC];
  __m512d hv[NC], acc[NC];
  for (int c = 0; c < NC; c++) {
    m[c] = chunkMask(nIn, c);
    hv[c] = _mm512_maskz_loadu_pd(m[c], h + 8 * c);
    acc[c] = _mm512_setzero_pd();
  }
  for (int64_t i = 0; i < nOut; i++) {
    const double gi = g[i];
    db[i] = float(gi);
    const __m512d gv = _mm512_set1_pd(gi);
    const float* wi = wl + i * nIn;
    float* dwi = dwl + i * nIn;
#pragma GCC unroll 4
    for (int c = 0; c < NC; c++) {
      _mm256_mask_storeu_ps(dwi + 8 * c, m[c], _mm512_cvtpd_ps(_mm512_mul_pd(gv, hv[c])));
      if (gh != nullptr) {
        acc[c] = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_maskz_loadu_ps(m[c], wi + 8 * c)), gv, acc[c]);
      }
    }
  }
  if (gh != nullptr) {
    for (int c = 0; c < NC; c++) _mm512_mask_storeu_pd(gh + 8 * c, m[c], acc[c]);
  }
}
#pragma GCC diagnostic pop
#endif

/** The layer through layerForward512 when the layout says so and the layer fits; false: the caller's loop. */
inline bool wideForward(const Layout& lay, const float* w, const float* b, const double* h, int64_t nIn, int64_t nOut,
                        double* z) {
#ifdef WARP_ROWS512
  if (!lay.wide || nIn > kWideMaxIn) return false;
  switch ((nIn + 7) / 8) {
    case 1: layerForward512<1>(w, b, h, nIn, nOut, z); return true;
    case 2: layerForward512<2>(w, b, h, nIn, nOut, z); return true;
    case 3: layerForward512<3>(w, b, h, nIn, nOut, z); return true;
    default: layerForward512<4>(w, b, h, nIn, nOut, z); return true;
  }
#else
  return false;
#endif
}

/** The layer through layerBackward512 likewise. */
inline bool wideBackward(const Layout& lay, const float* wl, float* dwl, float* db, const double* g, const double* h,
                         int64_t nIn, int64_t nOut, double* gh) {
#ifdef WARP_ROWS512
  if (!lay.wide || nIn > kWideMaxIn) return false;
  switch ((nIn + 7) / 8) {
    case 1: layerBackward512<1>(wl, dwl, db, g, h, nIn, nOut, gh); return true;
    case 2: layerBackward512<2>(wl, dwl, db, g, h, nIn, nOut, gh); return true;
    case 3: layerBackward512<3>(wl, dwl, db, g, h, nIn, nOut, gh); return true;
    default: layerBackward512<4>(wl, dwl, db, g, h, nIn, nOut, gh); return true;
  }
#else
  return false;
#endif
}

// The backward visits a θ row's layers last to first, which defeats the hardware prefetcher on small
// rows: when θ is too big to be cache-resident (> kStreamBytes) it prefetches up to kPrefetchBytes of the
// next sample's θ and dθ rows. Measured on the 2-core target VM, M = 100352, P = 1298: backward 68 → 41 ms;
// at M = 128 (θ in cache) the prefetches cost ~12%, hence the size gate.
constexpr int64_t kStreamBytes = int64_t(8) << 20;
constexpr int64_t kPrefetchBytes = 16384;

/** Prefetches the start of a row of `floats` floats, for reading (Write = 0) or writing (Write = 1). */
template <int Write>
inline void prefetchRow(const float* row, int64_t floats) {
  const char* p = reinterpret_cast<const char*>(row);
  const int64_t bytes = std::min(floats * int64_t(sizeof(float)), kPrefetchBytes);
  for (int64_t c = 0; c < bytes; c += 64) __builtin_prefetch(p + c, Write);
}

/**
 * Scratch of one thread for the row functions below: four vectors of the widest layer in double, and
 * `rowFloats` floats for a caller's θ-sized row. Kept per thread between calls (the step kernels run once
 * per step of a rollout), so at most one may be alive per thread.
 */
struct RowScratch {
  double *a, *b, *c, *d;
  float* row;
  RowScratch(const Layout& lay, int64_t rowFloats = 0) {
    thread_local std::vector<double> h;
    thread_local std::vector<float> f;
    const size_t w = size_t(lay.width);
    if (h.size() < 4 * w) h.resize(4 * w);
    if (f.size() < size_t(rowFloats)) f.resize(size_t(rowFloats));
    a = h.data();
    b = a + w;
    c = b + w;
    d = c + w;
    row = f.data();
  }
};

// The row functions (a root MLP row each way, and the element-wise halves of the diagonal step) are cloned
// per instruction set: the addon is built for any x86-64, and the baseline would run their double sums
// two lanes wide.
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__)  // ifunc: glibc only
#define WARP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WARP_CLONES
#endif

/**
 * One sample forward, θ row w: z_l = W_l h_l + b_l, h_{l+1} = act(float(z_l)) for hidden layers (float(z_l)
 * stored to `hid` when non-null), out = float(z_{L−1}). h (width) is kept in double.
 */
template <class Act>
WARP_CLONES void forwardRow(const Layout& lay, const float* w, const float* xm, float* om, float* hid,
                            RowScratch& s) {
  const int L = lay.L;
  double* h = s.a;
  double* z = s.b;
  for (int64_t j = 0; j < lay.dims[0]; j++) h[j] = xm[j];
  for (int l = 0; l < L; l++) {
    const int64_t nIn = lay.dims[l], nOut = lay.dims[l + 1];
    const float* b = w + nOut * nIn;
    if (!wideForward(lay, w, b, h, nIn, nOut, z)) {
      for (int64_t i = 0; i < nOut; i++) z[i] = double(b[i]) + dot(w + i * nIn, h, nIn);
    }
    w = b + nOut;
    if (l < L - 1) {
      for (int64_t i = 0; i < nOut; i++) {
        const float zf = float(z[i]);
        if (hid != nullptr) hid[i] = zf;
        z[i] = Act::f(zf);
      }
      if (hid != nullptr) hid += nOut;
      std::swap(h, z);
    } else {
      for (int64_t i = 0; i < nOut; i++) om[i] = float(z[i]);
    }
  }
}

/** Samples [m0, m1) forward (forwardRow). */
template <class Act>
void forwardRange(const Layout& lay, const float* theta, const float* x, float* out, float* hidden, int64_t m0,
                  int64_t m1) {
  RowScratch s(lay);
  for (int64_t m = m0; m < m1; m++) {
    forwardRow<Act>(lay, theta + m * lay.P, x + m * lay.dims[0], out + m * lay.dims[lay.L],
                    hidden != nullptr ? hidden + m * lay.H : nullptr, s);
  }
}

/**
 * One sample backward, last layer first, θ row w, dθ row dw. With g = ∂L/∂z_l (d_{l+1}) and h_l the layer's
 * input: db_l = g; dW_l row i = g_i·h_l; ∂L/∂h_l = W_lᵀ g, accumulated row by row as gh += g_i·W_l[i, :];
 * g_{l−1} = gh ⊙ act'(z_{l−1}); dx = W_0ᵀ g_0 (only when dXm is non-null). h_l = act(z_{l−1}) and
 * act'(z_{l−1}) come from the stored float pre-activations `hid`, as in the forward.
 */
template <class Act>
WARP_CLONES void backwardRow(const Layout& lay, const float* w, const float* xm, const float* hid,
                             const float* dOm, float* dw, float* dXm, RowScratch& s) {
  const int L = lay.L;
  double* g = s.a;
  double* gh = s.b;
  double* hIn = s.c;
  double* dAct = s.d;
  for (int64_t i = 0; i < lay.dims[L]; i++) g[i] = dOm[i];
  for (int l = L - 1; l >= 0; l--) {
    const int64_t nIn = lay.dims[l], nOut = lay.dims[l + 1];
    const float* wl = w + lay.wOff[size_t(l)];
    float* dwl = dw + lay.wOff[size_t(l)];
    float* db = dwl + nOut * nIn;
    if (l == 0) {
      for (int64_t j = 0; j < nIn; j++) hIn[j] = xm[j];
    } else {
      const float* z = hid + lay.zOff[size_t(l - 1)];
      for (int64_t j = 0; j < nIn; j++) {
        const float y = Act::f(z[j]);
        hIn[j] = y;
        dAct[j] = Act::df(z[j], y);
      }
    }
    const bool needGh = l > 0 || dXm != nullptr;
    if (!wideBackward(lay, wl, dwl, db, g, hIn, nIn, nOut, needGh ? gh : nullptr)) {
      if (needGh) {
        for (int64_t j = 0; j < nIn; j++) gh[j] = 0.0;
      }
      for (int64_t i = 0; i < nOut; i++) {
        const double gi = g[i];
        db[i] = float(gi);
        const float* wi = wl + i * nIn;
        float* dwi = dwl + i * nIn;
        if (needGh) {
          for (int64_t j = 0; j < nIn; j++) {
            dwi[j] = float(gi * hIn[j]);
            gh[j] += double(wi[j]) * gi;
          }
        } else {
          for (int64_t j = 0; j < nIn; j++) dwi[j] = float(gi * hIn[j]);
        }
      }
    }
    if (l > 0) {
      for (int64_t j = 0; j < nIn; j++) gh[j] *= dAct[j];
      std::swap(g, gh);
    } else if (dXm != nullptr) {
      for (int64_t j = 0; j < nIn; j++) dXm[j] = float(gh[j]);
    }
  }
}

/** Samples [m0, m1) backward (backwardRow), prefetching the next sample's rows when asked. */
template <class Act>
void backwardRange(const Layout& lay, const float* theta, const float* x, const float* hidden, const float* dOut,
                   float* dTheta, float* dX, bool prefetch, int64_t m0, int64_t m1) {
  RowScratch s(lay);
  const int64_t dIn = lay.dims[0];
  for (int64_t m = m0; m < m1; m++) {
    if (prefetch && m + 1 < m1) {
      prefetchRow<0>(theta + (m + 1) * lay.P, lay.P);
      prefetchRow<1>(dTheta + (m + 1) * lay.P, lay.P);
    }
    backwardRow<Act>(lay, theta + m * lay.P, x + m * dIn, hidden + m * lay.H, dOut + m * lay.dims[lay.L],
                     dTheta + m * lay.P, dX != nullptr ? dX + m * dIn : nullptr, s);
  }
}

template <class Act>
void forward(const Layout& lay, const float* theta, const float* x, float* out, float* hidden, int64_t M) {
  // One unit is a sample: P multiply-adds (plus H activations), costed as one element-operation each: a
  // split from M ≈ 800 samples at Dθ = 1298. The autoregressive rollout's per-step batches (M = 128) stay
  // on one thread: measured on the idle 2-core VM, the diagonal mnist-ar step took 305–341 ms so against
  // 366–500 ms with the split from ~100 samples (BENCHMARKS.md).
  parallel_for(M, lay.P, [&](int64_t b, int64_t e) { forwardRange<Act>(lay, theta, x, out, hidden, b, e); });
}

template <class Act>
void backward(const Layout& lay, const float* theta, const float* x, const float* hidden, const float* dOut,
              float* dTheta, float* dX, int64_t M) {
  const bool prefetch = M * lay.P * int64_t(sizeof(float)) > kStreamBytes;
  // One unit is a sample: a dW write and a Wᵀg multiply-add per weight, 2 element-operations.
  parallel_for(M, 2 * lay.P, [&](int64_t b, int64_t e) {
    backwardRange<Act>(lay, theta, x, hidden, dOut, dTheta, dX, prefetch, b, e);
  });
}

/** Calls fn(Act{}) with the activation's functor type: one instantiation of a kernel per activation. */
template <class Fn>
void withActivation(RootActivation act, Fn&& fn) {
  switch (act) {
    case RootActivation::Relu: return fn(Relu{});
    case RootActivation::Tanh: return fn(Tanh{});
    case RootActivation::Softplus: return fn(Softplus{});
    case RootActivation::Swish: return fn(Swish{});
    case RootActivation::Identity: return fn(Identity{});
    case RootActivation::Sin: return fn(Sin{});
    case RootActivation::Cos: return fn(Cos{});
    case RootActivation::Count: return;
  }
}

/**
 * th = clip(u + a ⊙ prev [+ th]), u = Σ_j in[j]·Bt[j] summed in j order into `u` (P floats) first (Bt: Din
 * rows of P); with `accumulate` th holds an extra term on entry (the low-rank (θ_{t−1} V) Uᵀ); hi ≤ 0: no
 * clip.
 */
WARP_CLONES void stepRow(const float* __restrict a, const float* __restrict Bt, const float* __restrict prev,
                         const float* __restrict in, float* __restrict u, float* __restrict th, int64_t P,
                         int64_t Din, bool accumulate, float hi) {
  if (Din == 0) std::fill(u, u + P, 0.0f);
  for (int64_t j = 0; j < Din; j++) {
    const float xj = in[j];
    const float* __restrict bj = Bt + j * P;
    if (j == 0) {
      for (int64_t p = 0; p < P; p++) u[p] = xj * bj[p];
    } else {
      for (int64_t p = 0; p < P; p++) u[p] += xj * bj[p];
    }
  }
  if (accumulate) {
    for (int64_t p = 0; p < P; p++) th[p] = (u[p] + a[p] * prev[p]) + th[p];
  } else {
    for (int64_t p = 0; p < P; p++) th[p] = u[p] + a[p] * prev[p];
  }
  if (hi > 0) {
    const float lo = -hi;
    for (int64_t p = 0; p < P; p++) th[p] = th[p] > hi ? hi : (th[p] < lo ? lo : th[p]);
  }
}

/**
 * The step's backward on one row, g holding the root's dθ on entry: g ← (g + carry) ⊙ [θ not clipped];
 * carry ← a ⊙ g; sa += g ⊙ prev; sdB[j] += in[j]·g; dInc[j] = g · Bt[j] (16 interleaved float sums).
 */
WARP_CLONES void stepVjpRow(const float* __restrict a, const float* __restrict Bt, const float* __restrict prev,
                            const float* __restrict v, const float* __restrict in, float* __restrict g,
                            float* __restrict cr, float* __restrict sa, float* __restrict sdB,
                            float* __restrict dInc, int64_t P, int64_t Din, float hi) {
  if (hi > 0) {
    const float lo = -hi;
    for (int64_t p = 0; p < P; p++) g[p] = keepIf((v[p] < hi) & (v[p] > lo), g[p] + cr[p]);
  } else {
    for (int64_t p = 0; p < P; p++) g[p] = g[p] + cr[p];
  }
  for (int64_t p = 0; p < P; p++) {
    cr[p] = a[p] * g[p];
    sa[p] += g[p] * prev[p];
  }
  for (int64_t j = 0; j < Din; j++) {
    const float xj = in[j];
    const float* __restrict bj = Bt + j * P;
    float* __restrict db = sdB + j * P;
    float part[16] = {};
    int64_t p = 0;
    for (; p + 16 <= P; p += 16) {
      for (int q = 0; q < 16; q++) {
        db[p + q] += g[p + q] * xj;
        part[q] += g[p + q] * bj[p + q];
      }
    }
    float tail = 0.0f;
    for (; p < P; p++) {
      db[p] += g[p] * xj;
      tail += g[p] * bj[p];
    }
    for (int w = 8; w >= 1; w /= 2) {
      for (int q = 0; q < w; q++) part[q] += part[q + w];
    }
    dInc[j] = part[0] + tail;
  }
}

#ifdef WARP_ROWS512
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
/** Sum of the 16 lanes as stepVjpRow's tree adds them: halves of 8, then 4, 2, 1. */
WARP_AVX512_ROW inline float hsum16(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

/**
 * stepVjpRow in one pass over the row on AVX-512, for DIN ≤ 4 inputs: the same operations per element
 * (the sums by fused multiply-adds, dInc's in 16 lanes over whole blocks of 16, then the tail in order).
 */
template <int DIN>
WARP_AVX512_ROW void stepVjpRow512(const float* __restrict a, const float* __restrict Bt,
                                   const float* __restrict prev, const float* __restrict v,
                                   const float* __restrict in, float* __restrict g, float* __restrict cr,
                                   float* __restrict sa, float* __restrict sdB, float* __restrict dInc, int64_t P,
                                   float hi) {
  const bool clip = hi > 0;
  const __m512 vhi = _mm512_set1_ps(hi), vlo = _mm512_set1_ps(-hi);
  __m512 part[DIN], xv[DIN];
  for (int j = 0; j < DIN; j++) {
    part[j] = _mm512_setzero_ps();
    xv[j] = _mm512_set1_ps(in[j]);
  }
  const int64_t P16 = P / 16 * 16;
  for (int64_t p = 0; p < P16; p += 16) {
    __m512 gv = _mm512_add_ps(_mm512_loadu_ps(g + p), _mm512_loadu_ps(cr + p));
    if (clip) {
      const __m512 th = _mm512_loadu_ps(v + p);
      gv = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(th, vhi, _CMP_LT_OQ) & _mm512_cmp_ps_mask(th, vlo, _CMP_GT_OQ), gv);
    }
    _mm512_storeu_ps(g + p, gv);
    _mm512_storeu_ps(cr + p, _mm512_mul_ps(_mm512_loadu_ps(a + p), gv));
    _mm512_storeu_ps(sa + p, _mm512_fmadd_ps(gv, _mm512_loadu_ps(prev + p), _mm512_loadu_ps(sa + p)));
#pragma GCC unroll 4
    for (int j = 0; j < DIN; j++) {
      float* db = sdB + j * P + p;
      _mm512_storeu_ps(db, _mm512_fmadd_ps(gv, xv[j], _mm512_loadu_ps(db)));
      part[j] = _mm512_fmadd_ps(gv, _mm512_loadu_ps(Bt + j * P + p), part[j]);
    }
  }
  float tail[DIN] = {};
  const float lo = -hi;
  for (int64_t p = P16; p < P; p++) {
    const float gp = clip ? keepIf((v[p] < hi) & (v[p] > lo), g[p] + cr[p]) : g[p] + cr[p];
    g[p] = gp;
    cr[p] = a[p] * gp;
    sa[p] = std::fma(gp, prev[p], sa[p]);
    for (int j = 0; j < DIN; j++) {
      sdB[j * P + p] = std::fma(gp, in[j], sdB[j * P + p]);
      tail[j] = std::fma(gp, Bt[j * P + p], tail[j]);
    }
  }
  for (int j = 0; j < DIN; j++) dInc[j] = hsum16(part[j]) + tail[j];
}

/** stepRow in one pass over the row on AVX-512 for 1 ≤ DIN ≤ 4 inputs: the same operations per element. */
template <int DIN>
WARP_AVX512_ROW void stepRow512(const float* __restrict a, const float* __restrict Bt, const float* __restrict prev,
                                const float* __restrict in, float* __restrict th, int64_t P, bool accumulate,
                                float hi) {
  __m512 xv[DIN];
  for (int j = 0; j < DIN; j++) xv[j] = _mm512_set1_ps(in[j]);
  const __m512 vhi = _mm512_set1_ps(hi), vlo = _mm512_set1_ps(-hi);
  for (int64_t p = 0; p < P; p += 16) {
    const __mmask16 m = P - p >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (P - p)) - 1u);
    __m512 u = _mm512_mul_ps(xv[0], _mm512_maskz_loadu_ps(m, Bt + p));
#pragma GCC unroll 4
    for (int j = 1; j < DIN; j++) u = _mm512_fmadd_ps(xv[j], _mm512_maskz_loadu_ps(m, Bt + j * P + p), u);
    __m512 t = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + p), _mm512_maskz_loadu_ps(m, prev + p), u);
    if (accumulate) t = _mm512_add_ps(t, _mm512_maskz_loadu_ps(m, th + p));
    if (hi > 0) {  // t > hi ? hi : (t < −hi ? −hi : t): NaN stays
      t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, vlo, _CMP_LT_OQ), vlo);
      t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, vhi, _CMP_GT_OQ), vhi);
    }
    _mm512_mask_storeu_ps(th + p, m, t);
  }
}
#pragma GCC diagnostic pop
#endif

/** stepRow through stepRow512 when the layout says so and Din fits; false: the caller's loops. */
inline bool wideStep(const Layout& lay, const float* a, const float* Bt, const float* prev, const float* in,
                     float* th, int64_t P, int64_t Din, bool accumulate, float hi) {
#ifdef WARP_ROWS512
  if (!lay.wide) return false;
  switch (Din) {
    case 1: stepRow512<1>(a, Bt, prev, in, th, P, accumulate, hi); return true;
    case 2: stepRow512<2>(a, Bt, prev, in, th, P, accumulate, hi); return true;
    case 3: stepRow512<3>(a, Bt, prev, in, th, P, accumulate, hi); return true;
    case 4: stepRow512<4>(a, Bt, prev, in, th, P, accumulate, hi); return true;
    default: return false;
  }
#else
  return false;
#endif
}

/** stepVjpRow through stepVjpRow512 when the layout says so and Din fits; false: the caller's loops. */
inline bool wideStepVjp(const Layout& lay, const float* a, const float* Bt, const float* prev, const float* v,
                        const float* in, float* g, float* cr, float* sa, float* sdB, float* dInc, int64_t P,
                        int64_t Din, float hi) {
#ifdef WARP_ROWS512
  if (!lay.wide) return false;
  switch (Din) {
    case 1: stepVjpRow512<1>(a, Bt, prev, v, in, g, cr, sa, sdB, dInc, P, hi); return true;
    case 2: stepVjpRow512<2>(a, Bt, prev, v, in, g, cr, sa, sdB, dInc, P, hi); return true;
    case 3: stepVjpRow512<3>(a, Bt, prev, v, in, g, cr, sa, sdB, dInc, P, hi); return true;
    case 4: stepVjpRow512<4>(a, Bt, prev, v, in, g, cr, sa, sdB, dInc, P, hi); return true;
    default: return false;
  }
#else
  return false;
#endif
}

/**
 * Rows of one diagonal step are cut into a fixed number of chunks (independent of the thread count, so
 * the per-chunk float sums of the backward, added in chunk order, give the same numbers on any machine);
 * the pool's threads take contiguous runs of chunks, one run each, so a row stays on one core from step to
 * step. Batches below kStepSplitMin elements (N·P) stay on the calling thread.
 */
constexpr int64_t kStepChunks = 8;
constexpr int64_t kStepSplitMin = int64_t(1) << 15;

int64_t stepChunks(int64_t N) { return std::min<int64_t>(N, kStepChunks); }

/** body(c0, c1) over runs of the chunks [0, C), one run per thread. */
template <class Body>
void overChunks(int64_t C, int64_t N, int64_t P, Body&& body) {
  const int64_t U = N * P >= kStepSplitMin ? std::min<int64_t>(C, pool_threads()) : 1;
  if (U <= 1) {
    body(int64_t(0), C);
    return;
  }
  parallel_for(U, kParallelMinWork, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; u++) body(u * C / U, (u + 1) * C / U);
  });
}

/** B (P, Din) as Din contiguous rows of P (B itself when Din = 1). */
const float* rowsOfB(const float* B, int64_t P, int64_t Din) {
  if (Din == 1) return B;
  thread_local std::vector<float> t;
  t.resize(size_t(P * Din));
  for (int64_t p = 0; p < P; p++) {
    for (int64_t j = 0; j < Din; j++) t[size_t(j * P + p)] = B[p * Din + j];
  }
  return t.data();
}

}  // namespace

void rootMlp(const float* theta, const float* x, float* out, float* hidden, const RootMlpArgs& a) {
  if (a.M == 0) return;
  const Layout lay(a);
  withActivation(a.act, [&](auto act) { forward<decltype(act)>(lay, theta, x, out, hidden, a.M); });
}

void rootMlpVjp(const float* theta, const float* x, const float* hidden, const float* dOut, float* dTheta,
                float* dX, const RootMlpArgs& a) {
  if (a.M == 0) return;
  const Layout lay(a);
  withActivation(a.act, [&](auto act) { backward<decltype(act)>(lay, theta, x, hidden, dOut, dTheta, dX, a.M); });
}

void diagonalRootStep(const float* a, const float* B, const float* thetaPrev, const float* inc, const float* x,
                      float* theta, float* out, float* hidden, const DiagonalRootStepArgs& r) {
  const int64_t N = r.mlp.M, P = r.P, Din = r.Din;
  if (N == 0) return;
  const Layout lay(r.mlp);
  const float* Bt = rowsOfB(B, P, Din);
  const float hi = clipping(r.clip) ? float(r.clip) : 0.0f;
  const int64_t C = stepChunks(N), d0 = lay.dims[0], dL = lay.dims[lay.L];
  withActivation(r.mlp.act, [&](auto act) {
    using Act = decltype(act);
    overChunks(C, N, P, [&](int64_t c0, int64_t c1) {
      RowScratch s(lay, P);  // s.row: u
      for (int64_t n = c0 * N / C; n < c1 * N / C; n++) {
        float* th = theta + n * P;
        // the next row of θ_t is written next: its lines are fetched while this row's root runs
        if (n + 1 < N) prefetchRow<1>(th + P, P);
        if (!wideStep(lay, a, Bt, thetaPrev + n * P, inc + n * Din, th, P, Din, r.accumulate, hi)) {
          stepRow(a, Bt, thetaPrev + n * P, inc + n * Din, s.row, th, P, Din, r.accumulate, hi);
        }
        if (out != nullptr) {
          forwardRow<Act>(lay, th, x + n * d0, out + n * dL, hidden != nullptr ? hidden + n * lay.H : nullptr, s);
        }
      }
    });
  });
}

void diagonalRootStepVjp(const float* a, const float* B, const float* thetaPrev, const float* theta,
                         const float* inc, const float* x, const float* hidden, const float* dOut, float* carry,
                         double* da, double* dB, float* dInc, float* dX, float* gOut,
                         const DiagonalRootStepArgs& r) {
  const int64_t N = r.mlp.M, P = r.P, Din = r.Din;
  if (N == 0) return;
  const Layout lay(r.mlp);
  const float* Bt = rowsOfB(B, P, Din);
  const float hi = clipping(r.clip) ? float(r.clip) : 0.0f;
  const int64_t C = stepChunks(N), d0 = lay.dims[0], dL = lay.dims[lay.L], per = P * (1 + Din);
  // Per chunk: Σ g ⊙ θ_{t−1} (P) and Σ gᵀ inc (Din rows of P), in float over the chunk's rows.
  thread_local std::vector<float> sumsBuf;  // the caller's: the threads below get its pointer
  sumsBuf.assign(size_t(C * per), 0.0f);
  float* const sums = sumsBuf.data();
  withActivation(r.mlp.act, [&](auto act) {
    using Act = decltype(act);
    overChunks(C, N, P, [&](int64_t c0, int64_t c1) {
      RowScratch s(lay, gOut != nullptr ? 0 : P);  // s.row: g when the caller keeps none
      for (int64_t c = c0; c < c1; c++) {
        float* sa = sums + c * per;
        for (int64_t n = c * N / C; n < (c + 1) * N / C; n++) {
          const float* th = theta + n * P;
          const float* prev = thetaPrev + n * P;
          if (n + 1 < N) prefetchRow<0>(prev + P, P);  // the next row's θ_{t−1} comes from memory
          float* g = gOut != nullptr ? gOut + n * P : s.row;
          backwardRow<Act>(lay, th, x + n * d0, hidden + n * lay.H, dOut + n * dL, g,
                           dX != nullptr ? dX + n * d0 : nullptr, s);
          float* const cr = carry + n * P;
          if (!wideStepVjp(lay, a, Bt, prev, th, inc + n * Din, g, cr, sa, sa + P, dInc + n * Din, P, Din, hi)) {
            stepVjpRow(a, Bt, prev, th, inc + n * Din, g, cr, sa, sa + P, dInc + n * Din, P, Din, hi);
          }
        }
      }
    });
  });
  for (int64_t c = 0; c < C; c++) {
    const float* sa = sums + c * per;
    for (int64_t p = 0; p < P; p++) da[p] += double(sa[p]);
    for (int64_t j = 0; j < Din; j++) {
      for (int64_t p = 0; p < P; p++) dB[p * Din + j] += double(sa[P + j * P + p]);
    }
  }
}

}  // namespace warp
