// Portable kernels for gemm.cc (any compiler and CPU; on x86-64 the compiler vectorizes the j loops
// with the baseline SSE2): a 4×8 micro-kernel and the row dot / scaled-row-sum kernels. The fallback
// when the CPU has neither AVX-512 nor AVX2+FMA, and the only path off x86-64.
#include "kernels/gemm.h"

namespace warp {
namespace {

constexpr int MR = 4, NR = 8;

template <int R>
void kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int ncols, bool accumulate) {
  float acc[R][NR] = {};
  for (int64_t k = 0; k < kc; k++) {
    for (int r = 0; r < R; r++) {
      const float a = ap[r];
      for (int j = 0; j < NR; j++) acc[r][j] += a * bp[j];
    }
    ap += MR;
    bp += NR;
  }
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    for (int j = 0; j < ncols; j++) cr[j] = accumulate ? cr[j] + acc[r][j] : acc[r][j];
  }
}

void dotRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y, bool accumulate) {
  for (int64_t j = 0; j < J; j++) {
    const float* wj = w + j * ldw;
    float p[8] = {};  // independent partial sums: vectorizable without reassociation
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
      for (int i = 0; i < 8; i++) p[i] += wj[k + i] * x[k + i];
    }
    float d = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
    for (; k < K; k++) d += wj[k] * x[k];
    y[j] = accumulate ? y[j] + d : d;
  }
}

void axpyRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y, bool accumulate) {
  if (!accumulate) {
    for (int64_t j = 0; j < J; j++) y[j] = 0.0f;
  }
  for (int64_t k = 0; k < K; k++) {
    const float xk = x[k];
    const float* wk = w + k * ldw;
    for (int64_t j = 0; j < J; j++) y[j] += xk * wk[j];
  }
}

}  // namespace

extern const GemmIsa kGemmGeneric = {
    "generic", MR, NR, {kernel<1>, kernel<2>, kernel<3>, kernel<4>}, {}, 0, 0, nullptr, dotRows, axpyRows,
};

}  // namespace warp
