// The GEMM-backed kernels: batched matmul and the fused linear recurrence (forward and backward), all
// as row-major products on our own sgemm (gemm.h); the recurrence packs A once per call and reuses it at
// every step. Shapes are in the comments as rows×cols; "ld" is a leading dimension in elements. Not
// here: argument validation (addon.cc), the GEMM itself (gemm.cc).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"

namespace warp {
namespace {

// RecurrenceArgs.clip ≤ 0, NaN or ±Infinity means no clipping.
bool clipping(double c) { return c > 0 && std::isfinite(c); }

/**
 * Rows [n0, n1) of an N×P block at `x` (leading dimension `ldx`) clamped to [−c, c] in place; NaN stays
 * NaN. Comparing float v with float(c) gives exactly the clamp against the double c (no float lies
 * strictly between c and float(c)). Scalars are by-value parameters so the row loop vectorizes.
 */
void clipRows(float* x, int64_t ldx, int64_t P, float c, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; n++) {
    float* row = x + n * ldx;
    for (int64_t p = 0; p < P; p++) {
      const float v = row[p] > c ? c : row[p];
      row[p] = v < -c ? -c : v;
    }
  }
}

/**
 * Rows [n0, n1) of g (ld `ldg`) zeroed where the forward output θ (same layout) was clipped. A clipped
 * entry holds float(clip), so the test is |θ| < float(clip), not |θ| < clip: when clip rounds down to
 * float (0.9), a clipped entry is below clip and would wrongly pass. NaN entries are masked too.
 */
void maskClipped(float* g, const float* theta, int64_t ldg, int64_t P, float c, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; n++) {
    float* gr = g + n * ldg;
    const float* tr = theta + n * ldg;
    for (int64_t p = 0; p < P; p++) gr[p] = std::fabs(tr[p]) < c ? gr[p] : 0.0f;
  }
}

}  // namespace

void matmul(const float* a, const float* b, float* out, const MatmulArgs& x) {
  const int64_t M = x.M, N = x.N, K = x.K;
  if (x.batch <= 0 || M == 0 || N == 0) return;
  const int64_t lda = x.transA ? M : K;  // A stored K×M when transposed, else M×K
  const int64_t ldb = x.transB ? K : N;  // B stored N×K when transposed, else K×N
  if (x.batch > 1 && x.strideB == 0 && !x.transA && x.strideA == M * K) {
    // One shared B and a contiguous A batch: the batch is just more rows, (batch·M)×K · K×N.
    sgemm(false, x.transB, x.batch * M, N, K, a, lda, b, ldb, out, N, x.accumulate);
    return;
  }
  const auto items = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      sgemm(x.transA, x.transB, M, N, K, a + i * x.strideA, lda, b + i * x.strideB, ldb, out + i * M * N, N,
            x.accumulate);
    }
  };
  // Products too small for sgemm to split (below kSerialFmas: the block transition's (N×k)·(k×k) per
  // block) are spread over the threads whole: each runs on one thread as if alone, so the numbers do not
  // change.
  if (M * N * K < kSerialFmas) parallel_for(x.batch, M * N * K, items);
  else items(0, x.batch);
}

void linearRecurrence(const float* A, const float* U, const float* theta0, float* out, const RecurrenceArgs& args) {
  // Row form: Θ_t (N×P) = Θ_{t−1} (N×P) · Aᵀ + U_t. Step t of all N sequences is the N rows at
  // out + t·P with leading dimension T·P, so each step is one GEMM accumulating onto a copy of U_t.
  const int64_t N = args.N, T = args.T, P = args.P, ldt = T * P;
  if (N == 0 || T == 0 || P == 0) return;
  const bool clip = clipping(args.clip);
  const float fc = float(args.clip);
  const PackedB At(true, P, P, A, P);  // op(B) = Aᵀ
  for (int64_t t = 0; t < T; t++) {
    float* cur = out + t * P;
    for (int64_t n = 0; n < N; n++) std::memcpy(cur + n * ldt, U + n * ldt + t * P, size_t(P) * sizeof(float));
    const float* prev = t == 0 ? theta0 : cur - P;
    const int64_t ldPrev = t == 0 ? P : ldt;
    At.multiply(false, N, prev, ldPrev, cur, ldt, true);
    if (clip) parallel_for(N, P, [=](int64_t n0, int64_t n1) { clipRows(cur, ldt, P, fc, n0, n1); });
  }
}

void linearRecurrenceVjp(const float* A, const float* theta0, const float* out, const float* dOut, float* dA,
                         float* dU, float* dTheta0, const RecurrenceArgs& args) {
  // g_t = ∂L/∂(pre-clip Θ_t) (N×P) = (dOut_t + g_{t+1} A) ⊙ mask_t, built in place in dU (dU_t = g_t):
  //   carry term    g_{t+1} A     (N×P · P×P), added into dU_t by the GEMM of step t+1;
  //   clip mask     mask_t        = [|Θ_t| < float(clip)] from the forward output;
  //   input grad    dθ_0 = g_1 A  (N×P);
  //   weight grad   dA = Σ_t g_tᵀ Θ_{t−1}  (P×P), done after the loop as one big GEMM (below).
  const int64_t N = args.N, T = args.T, P = args.P, ldt = T * P;
  if (P == 0) return;
  if (N == 0 || T == 0) {  // no steps: every gradient is zero
    std::fill(dA, dA + P * P, 0.0f);
    std::fill(dTheta0, dTheta0 + N * P, 0.0f);
    return;
  }
  const bool clip = clipping(args.clip);
  const float fc = float(args.clip);
  std::memcpy(dU, dOut, size_t(N * T * P) * sizeof(float));
  const PackedB Ap(false, P, P, A, P);
  for (int64_t t = T - 1; t >= 0; t--) {
    float* g = dU + t * P;
    if (clip) {
      const float* theta = out + t * P;
      parallel_for(N, P, [=](int64_t n0, int64_t n1) { maskClipped(g, theta, ldt, P, fc, n0, n1); });
    }
    if (t > 0) Ap.multiply(false, N, g, ldt, g - P, ldt, true);
    else Ap.multiply(false, N, g, ldt, dTheta0, P, false);
  }
  // dA = Σ_{n,t} g_{n,t}ᵀ Θ_{n,t−1}. Viewed as (N·T)×P matrices (ld P), the previous state of g's row r
  // is out's row r−1, except at t = 0 (r = n·T) where it is θ_0[n]. So:
  //   shifted term     Σ_{r=1}^{NT−1} g_rᵀ out_{r−1}             one GEMM, P×(NT−1) · (NT−1)×P;
  //   t = 0 correction Σ_n g_{nT}ᵀ (θ_0[n] − out_{nT−1})          one GEMM, P×N · N×P (rows of g at ld T·P),
  // with out_{−1} := 0, which also covers the row r = 0 the shifted term skips.
  const int64_t R = N * T;
  if (R > 1) {
    sgemm(true, false, P, P, R - 1, dU + P, P, out, P, dA, P, false);
  }
  std::vector<float> diff(size_t(N * P));
  for (int64_t n = 0; n < N; n++) {
    const float* prev = n > 0 ? out + (n * T - 1) * P : nullptr;
    for (int64_t p = 0; p < P; p++) diff[size_t(n * P + p)] = theta0[n * P + p] - (prev ? prev[p] : 0.0f);
  }
  sgemm(true, false, P, P, N, dU, ldt, diff.data(), P, dA, P, R > 1);
}

}  // namespace warp
