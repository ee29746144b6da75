// The fused per-sample root MLP, forward and backward, in float32 with double sums: every sample m has its
// own weights θ_m (row m of theta, P floats laid out per layer as W_l (d_{l+1}×d_l, row-major) then b_l),
// so each layer is a tiny mat-vec read straight from θ. Samples are split over the pool when M·P is large.
// Semantics match src/backends/cpu/root-mlp.ts. Not here: validation (addon.cc), float64 (cpu backend).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/parallel.h"

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

  explicit Layout(const RootMlpArgs& a) : L(a.nDims - 1), dims(a.dims), wOff(size_t(L)), zOff(size_t(L)) {
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
 * Samples [m0, m1) forward: z_l = W_l h_l + b_l, h_{l+1} = act(float(z_l)) for hidden layers (float(z_l)
 * stored to `hidden` when non-null), out = float(z_{L−1}). h (width) is kept in double.
 */
template <class Act>
void forwardRange(const Layout& lay, const float* theta, const float* x, float* out, float* hidden, int64_t m0,
                  int64_t m1) {
  const int L = lay.L;
  const int64_t dIn = lay.dims[0], dOut = lay.dims[L];
  std::vector<double> bufH(size_t(lay.width)), bufZ(size_t(lay.width));
  for (int64_t m = m0; m < m1; m++) {
    double* h = bufH.data();
    double* z = bufZ.data();
    const float* xm = x + m * dIn;
    for (int64_t j = 0; j < dIn; j++) h[j] = xm[j];
    const float* w = theta + m * lay.P;
    float* hid = hidden != nullptr ? hidden + m * lay.H : nullptr;
    for (int l = 0; l < L; l++) {
      const int64_t nIn = lay.dims[l], nOut = lay.dims[l + 1];
      const float* b = w + nOut * nIn;
      for (int64_t i = 0; i < nOut; i++) z[i] = double(b[i]) + dot(w + i * nIn, h, nIn);
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
        float* om = out + m * dOut;
        for (int64_t i = 0; i < nOut; i++) om[i] = float(z[i]);
      }
    }
  }
}

/**
 * Samples [m0, m1) backward, last layer first. With g = ∂L/∂z_l (d_{l+1}) and h_l the layer's input:
 *   db_l = g;  dW_l row i = g_i·h_l;  ∂L/∂h_l = W_lᵀ g, accumulated row by row as gh += g_i·W_l[i, :];
 *   g_{l−1} = gh ⊙ act'(z_{l−1});  dx = W_0ᵀ g_0 (only when dX is non-null).
 * h_l = act(z_{l−1}) and act'(z_{l−1}) come from the stored float pre-activations, as in the forward.
 */
template <class Act>
void backwardRange(const Layout& lay, const float* theta, const float* x, const float* hidden, const float* dOut,
                   float* dTheta, float* dX, bool prefetch, int64_t m0, int64_t m1) {
  const int L = lay.L;
  const int64_t dIn = lay.dims[0], dLast = lay.dims[L];
  const size_t wd = size_t(lay.width);
  std::vector<double> bufG(wd), bufGh(wd), hIn(wd), dAct(wd);
  for (int64_t m = m0; m < m1; m++) {
    double* g = bufG.data();
    double* gh = bufGh.data();
    if (prefetch && m + 1 < m1) {
      prefetchRow<0>(theta + (m + 1) * lay.P, lay.P);
      prefetchRow<1>(dTheta + (m + 1) * lay.P, lay.P);
    }
    const float* dOm = dOut + m * dLast;
    for (int64_t i = 0; i < dLast; i++) g[i] = dOm[i];
    for (int l = L - 1; l >= 0; l--) {
      const int64_t nIn = lay.dims[l], nOut = lay.dims[l + 1];
      const float* w = theta + m * lay.P + lay.wOff[size_t(l)];
      float* dw = dTheta + m * lay.P + lay.wOff[size_t(l)];
      float* db = dw + nOut * nIn;
      if (l == 0) {
        const float* xm = x + m * dIn;
        for (int64_t j = 0; j < nIn; j++) hIn[j] = xm[j];
      } else {
        const float* z = hidden + m * lay.H + lay.zOff[size_t(l - 1)];
        for (int64_t j = 0; j < nIn; j++) {
          const float y = Act::f(z[j]);
          hIn[j] = y;
          dAct[j] = Act::df(z[j], y);
        }
      }
      const bool needGh = l > 0 || dX != nullptr;
      if (needGh) {
        for (int64_t j = 0; j < nIn; j++) gh[j] = 0.0;
      }
      for (int64_t i = 0; i < nOut; i++) {
        const double gi = g[i];
        db[i] = float(gi);
        const float* wi = w + i * nIn;
        float* dwi = dw + i * nIn;
        if (needGh) {
          for (int64_t j = 0; j < nIn; j++) {
            dwi[j] = float(gi * hIn[j]);
            gh[j] += double(wi[j]) * gi;
          }
        } else {
          for (int64_t j = 0; j < nIn; j++) dwi[j] = float(gi * hIn[j]);
        }
      }
      if (l > 0) {
        for (int64_t j = 0; j < nIn; j++) gh[j] *= dAct[j];
        std::swap(g, gh);
      } else if (dX != nullptr) {
        float* dXm = dX + m * dIn;
        for (int64_t j = 0; j < nIn; j++) dXm[j] = float(gh[j]);
      }
    }
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

}  // namespace

void rootMlp(const float* theta, const float* x, float* out, float* hidden, const RootMlpArgs& a) {
  if (a.M == 0) return;
  const Layout lay(a);
  switch (a.act) {
    case RootActivation::Relu: return forward<Relu>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Tanh: return forward<Tanh>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Softplus: return forward<Softplus>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Swish: return forward<Swish>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Identity: return forward<Identity>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Sin: return forward<Sin>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Cos: return forward<Cos>(lay, theta, x, out, hidden, a.M);
    case RootActivation::Count: return;
  }
}

void rootMlpVjp(const float* theta, const float* x, const float* hidden, const float* dOut, float* dTheta,
                float* dX, const RootMlpArgs& a) {
  if (a.M == 0) return;
  const Layout lay(a);
  switch (a.act) {
    case RootActivation::Relu: return backward<Relu>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Tanh: return backward<Tanh>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Softplus: return backward<Softplus>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Swish: return backward<Swish>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Identity: return backward<Identity>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Sin: return backward<Sin>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Cos: return backward<Cos>(lay, theta, x, hidden, dOut, dTheta, dX, a.M);
    case RootActivation::Count: return;
  }
}

}  // namespace warp
