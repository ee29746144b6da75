// The diagonal linear recurrence θ_t = clip(a ⊙ θ_{t−1} + U_t) and its backward, as an element-wise
// sequential scan (threads over sequences) and as a chunked associative scan over time (threads over
// sequences × chunks): (1) every chunk scans its inputs from a zero state, (2) the chunk-end states are
// carried across chunks, c_k = h_k + a^{len_k} ⊙ c_{k−1}, (3) every step adds a^{j+1} ⊙ c_{k−1}. The same
// three passes as the cpu kernels (src/backends/cpu/scan.ts). Layout (N, T, P) row-major.
#include "kernels/scan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/parallel.h"

namespace warp {
namespace {

/**
 * out_s = src_s + a ⊙ out_{s−1} over the T rows of every sequence, in time order or reversed (s = 0 is
 * the last step then); out_{−1} = init row n (zero when init is null).
 */
void scanRows(const float* a, const float* src, const float* init, float* out, int64_t N, int64_t T, int64_t P,
              bool reverse, int64_t chunk) {
  const int64_t step = reverse ? -P : P;
  const bool chunked = chunk >= 1 && chunk < T;
  const int64_t L = chunked ? chunk : T;
  const int64_t K = chunked ? (T + L - 1) / L : 1;
  auto row = [&](int64_t n, int64_t s) { return n * T * P + (reverse ? (T - 1 - s) : s) * P; };
  // Pass 1 over (sequence, chunk) pairs.
  parallel_for(N * K, L * P, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const int64_t n = i / K, s0 = (i % K) * L, len = std::min(L, T - s0);
      for (int64_t j = 0; j < len; j++) {
        const int64_t o = row(n, s0 + j);
        float* y = out + o;
        const float* x = src + o;
        if (j > 0) {
          const float* prev = y - step;
          for (int64_t p = 0; p < P; p++) y[p] = x[p] + a[p] * prev[p];
        } else if (!chunked && init) {
          const float* prev = init + n * P;
          for (int64_t p = 0; p < P; p++) y[p] = x[p] + a[p] * prev[p];
        } else {
          std::copy(x, x + P, y);
        }
      }
    }
  });
  if (!chunked) return;
  // Pass 2 per sequence: the carries c_k (K, P), kept for pass 3.
  std::vector<float> carry(size_t(N * K * P));
  parallel_for(N, K * P, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; n++) {
      for (int64_t k = 0; k < K; k++) {
        const int64_t len = std::min(L, T - k * L);
        const float* end = out + row(n, k * L + len - 1);
        float* c = carry.data() + (n * K + k) * P;
        const float* prev = k > 0 ? c - P : init ? init + n * P : nullptr;
        for (int64_t p = 0; p < P; p++) {
          c[p] = end[p] + (prev ? std::pow(a[p], float(len)) * prev[p] : 0.0f);
        }
      }
    }
  });
  // Pass 3 over (sequence, chunk) pairs: out_{s0+j} += a^{j+1} ⊙ c_{k−1}.
  parallel_for(N * K, L * P, [&](int64_t b, int64_t e) {
    std::vector<float> pw(static_cast<size_t>(P));
    for (int64_t i = b; i < e; i++) {
      const int64_t n = i / K, k = i % K, s0 = k * L, len = std::min(L, T - s0);
      const float* c = k > 0 ? carry.data() + (n * K + k - 1) * P : init ? init + n * P : nullptr;
      if (!c) continue;
      std::copy(a, a + P, pw.begin());
      for (int64_t j = 0; j < len; j++) {
        float* y = out + row(n, s0 + j);
        for (int64_t p = 0; p < P; p++) {
          y[p] += pw[p] * c[p];
          pw[p] *= a[p];
        }
      }
    }
  });
}

}  // namespace

void diagonalScan(const float* a, const float* U, const float* theta0, float* out, const ScanArgs& r) {
  const int64_t T = r.T, P = r.P;
  if (!clipping(r.clip)) {
    scanRows(a, U, theta0, out, r.N, T, P, false, r.chunk);
    return;
  }
  // Compared in float: no float lies strictly between c and float(c), so v > c and v > float(c) pick the
  // same result (the stored bound), and the loop vectorizes.
  const float c = float(r.clip);
  parallel_for(r.N, T * P, [&, c](int64_t b, int64_t e) {
    const float hi = c, lo = -c;  // locals, not captures that out[] might alias: the loop vectorizes
    for (int64_t n = b; n < e; n++) {
      for (int64_t t = 0; t < T; t++) {
        const int64_t o = (n * T + t) * P;
        const float* prev = t > 0 ? out + o - P : theta0 + n * P;
        for (int64_t p = 0; p < P; p++) {
          const float v = U[o + p] + a[p] * prev[p];
          out[o + p] = v > hi ? hi : (v < lo ? lo : v);
        }
      }
    }
  });
}

void diagonalScanVjp(const float* a, const float* theta0, const float* out, const float* dOut, float* da,
                     float* dU, float* dTheta0, const ScanArgs& r) {
  const int64_t N = r.N, T = r.T, P = r.P;
  // A clipped state holds float(clip): compare against the stored bound.
  const bool clip = clipping(r.clip);
  const float c = clip ? float(r.clip) : 0.0f;
  if (T == 1) {
    // One step (the autoregressive rollout's): g, dθ_0 and da in a single pass over the rows in memory
    // order (da's P sums in double, over n in order as below).
    std::vector<double> acc(size_t(P), 0.0);
    double* __restrict s = acc.data();
    for (int64_t n = 0; n < N; n++) {
      const int64_t o = n * P;
      const float* __restrict v = out + o;
      const float* __restrict dO = dOut + o;
      const float* __restrict th = theta0 + o;
      float* __restrict g = dU + o;
      float* __restrict d0 = dTheta0 + o;
      if (clip) {
        for (int64_t p = 0; p < P; p++) g[p] = keepIf((v[p] < c) & (v[p] > -c), dO[p] + 0.0f);
      } else {
        for (int64_t p = 0; p < P; p++) g[p] = dO[p] + 0.0f;
      }
      for (int64_t p = 0; p < P; p++) {
        d0[p] = a[p] * g[p];
        s[p] += double(g[p]) * th[p];
      }
    }
    for (int64_t p = 0; p < P; p++) da[p] = float(acc[p]);
    return;
  }
  if (!clip) {
    scanRows(a, dOut, nullptr, dU, N, T, P, true, r.chunk);
  } else {
    parallel_for(N, T * P, [&, c](int64_t b, int64_t e) {
      const float hi = c, lo = -c;
      for (int64_t n = b; n < e; n++) {
        for (int64_t t = T - 1; t >= 0; t--) {
          const int64_t o = (n * T + t) * P;
          const float* __restrict v = out + o;
          const float* __restrict dO = dOut + o;
          float* __restrict d = dU + o;
          // Branch-free masks and the last step split out, so that the loops vectorize.
          if (t == T - 1) {
            for (int64_t p = 0; p < P; p++) d[p] = keepIf((v[p] < hi) & (v[p] > lo), dO[p] + 0.0f);
          } else {
            const float* __restrict next = d + P;
            for (int64_t p = 0; p < P; p++) d[p] = keepIf((v[p] < hi) & (v[p] > lo), dO[p] + a[p] * next[p]);
          }
        }
      }
    });
  }
  // da = Σ_{n,t} g_t ⊙ θ_{t−1} in double (serial over n, rows in memory order: P accumulators),
  // dθ_0 = a ⊙ g_1.
  std::vector<double> acc(size_t(P), 0.0);
  for (int64_t n = 0; n < N; n++) {
    for (int64_t p = 0; p < P; p++) {
      const float g0 = dU[n * T * P + p];
      dTheta0[n * P + p] = a[p] * g0;
      acc[p] += double(g0) * theta0[n * P + p];
    }
    for (int64_t t = 1; t < T; t++) {
      const int64_t o = (n * T + t) * P;
      for (int64_t p = 0; p < P; p++) acc[p] += double(dU[o + p]) * out[o - P + p];
    }
  }
  for (int64_t p = 0; p < P; p++) da[p] = float(acc[p]);
}

}  // namespace warp
