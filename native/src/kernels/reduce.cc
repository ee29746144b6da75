// Reductions: sum over the middle axis of an (outer, reduce, inner) view, and the fused row-wise
// softmax cross-entropy. Sums accumulate in double, like the cpu backend, so long float32 reductions
// keep their accuracy. Not here: choosing the axes (the ops reshape to this canonical form).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/parallel.h"

namespace warp {
namespace {

// Inner columns summed together per work unit; the accumulator row stays in L1.
constexpr int64_t kInnerBlock = 512;

/** Σ x[0..n) in double with independent partial sums (so the adds pipeline and vectorize). */
double sumContiguous(const float* x, int64_t n) {
  constexpr int kLanes = 8;
  double part[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; l++) part[l] += x[i + l];
  }
  double s = 0;
  for (; i < n; i++) s += x[i];
  for (int l = 0; l < kLanes; l++) s += part[l];
  return s;
}

/** acc[0..w) += Σ_{r ∈ [r0, r1)} x[r·inner + j], j < w: one block of columns over a range of rows. */
void sumColumns(const float* x, int64_t inner, int64_t r0, int64_t r1, int64_t w, double* acc) {
  for (int64_t r = r0; r < r1; r++) {
    const float* row = x + r * inner;
    for (int64_t j = 0; j < w; j++) acc[j] += row[j];
  }
}

}  // namespace

void reduceSum(const float* x, int64_t outer, int64_t reduce, int64_t inner, float* out) {
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {
    if (outer >= pool_threads()) {  // many rows: one row per unit
      parallel_for(outer, reduce, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; o++) out[o] = float(sumContiguous(x + o * reduce, reduce));
      });
      return;
    }
    // A few long rows (e.g. a full sum): split each row and add the partial sums.
    for (int64_t o = 0; o < outer; o++) {
      const float* row = x + o * reduce;
      std::vector<double> parts(size_t(pool_threads()) * 4, 0.0);  // ≥ the pool's chunk count
      const int64_t chunk = (reduce + int64_t(parts.size()) - 1) / int64_t(parts.size());
      parallel_for(int64_t(parts.size()), chunk, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
          const int64_t b = std::min(reduce, p * chunk), e = std::min(reduce, b + chunk);
          parts[size_t(p)] = sumContiguous(row + b, e - b);
        }
      });
      double s = 0;
      for (double v : parts) s += v;
      out[o] = float(s);
    }
    return;
  }
  // inner > 1: units are (o, block of ≤ kInnerBlock columns), each summed over all `reduce` rows.
  const int64_t blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t units = outer * blocks;
  if (units >= pool_threads()) {
    parallel_for(units, reduce * std::min(inner, kInnerBlock), [&](int64_t u0, int64_t u1) {
      double acc[kInnerBlock];
      for (int64_t u = u0; u < u1; u++) {
        const int64_t o = u / blocks, j0 = (u % blocks) * kInnerBlock, w = std::min(kInnerBlock, inner - j0);
        std::fill(acc, acc + w, 0.0);
        sumColumns(x + o * reduce * inner + j0, inner, 0, reduce, w, acc);
        for (int64_t j = 0; j < w; j++) out[o * inner + j0 + j] = float(acc[j]);
      }
    });
    return;
  }
  // One narrow output row (outer = 1, inner ≤ kInnerBlock) over many rows: split the rows, then combine.
  const int64_t parts = int64_t(pool_threads()) * 4;
  const int64_t chunk = (reduce + parts - 1) / parts;
  std::vector<double> partial(size_t(parts * inner), 0.0);
  parallel_for(parts, chunk * inner, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t b = std::min(reduce, p * chunk), e = std::min(reduce, b + chunk);
      sumColumns(x, inner, b, e, inner, partial.data() + p * inner);
    }
  });
  for (int64_t j = 0; j < inner; j++) {
    double s = 0;
    for (int64_t p = 0; p < parts; p++) s += partial[size_t(p * inner + j)];
    out[j] = float(s);
  }
}

void softmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t B, int64_t C, float* loss,
                         float* probs) {
  // Per row: subtract the max before exponentiating (stable), sum in double, then
  // loss = max + log Σ e^{x−max} − x[label]. A NaN anywhere in the row makes the max, hence all, NaN.
  parallel_for(B, C * 8, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const float* x = logits + b * C;
      float* p = probs + b * C;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t c = 0; c < C; c++) {
        if (!(x[c] <= mx) && mx == mx) mx = x[c];  // takes larger values and the first NaN, then keeps NaN
      }
      double sum = 0;
      for (int64_t c = 0; c < C; c++) {
        const float e = std::exp(x[c] - mx);
        p[c] = e;
        sum += e;
      }
      for (int64_t c = 0; c < C; c++) p[c] = float(double(p[c]) / sum);
      const int32_t label = labels[b];
      const double picked = (label >= 0 && label < C) ? double(x[label]) : std::numeric_limits<double>::quiet_NaN();
      loss[b] = float(double(mx) + std::log(sum) - picked);
    }
  });
}

}  // namespace warp
