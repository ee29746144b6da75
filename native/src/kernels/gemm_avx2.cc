// AVX2+FMA kernels for gemm.cc: a 6×16 micro-kernel (12 ymm accumulators, two B vectors and a broadcast
// A element per step of k) and the row dot / scaled-row-sum kernels of single-row and single-column
// products. Compiled with target attributes only (see gemm_avx512.cc for why no library calls inside).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/gemm.h"

#define WARP_AVX2 __attribute__((target("avx2,fma")))

namespace warp {
namespace {

constexpr int MR = 6, NR = 16;

/** Lanes i < n of a ymm mask (all-ones lanes are written / loaded by maskstore / maskload). */
WARP_AVX2 inline __m256i lowMask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

WARP_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/**
 * R rows of the micro-tile. Packed: B panels of NR floats per k (aligned loads). Direct: B read in place
 * with row stride ldb, masked to ncols columns so that nothing past the matrix edge is touched.
 */
template <int R, bool Packed>
WARP_AVX2 inline void tile(int64_t kc, const float* ap, const float* bp, int64_t ldb, float* c, int64_t ldc,
                           int ncols, bool accumulate) {
  const bool full = ncols == NR;
  const __m256i m0 = lowMask(ncols), m1 = lowMask(ncols - 8);
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  const int64_t kPrefetch = kc > kPrefetchC ? kc - kPrefetchC : -1;  // C's rows, before the epilogue
  for (int64_t k = 0; k < kc; k++) {
    if (k == kPrefetch) prefetchRows(c, ldc, R, NR);
    __m256 b0, b1;
    if (Packed) {
      b0 = _mm256_load_ps(bp);
      b1 = _mm256_load_ps(bp + 8);
    } else if (full) {
      b0 = _mm256_loadu_ps(bp);
      b1 = _mm256_loadu_ps(bp + 8);
    } else {
      b0 = _mm256_maskload_ps(bp, m0);
      b1 = _mm256_maskload_ps(bp + 8, m1);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const __m256 a = _mm256_broadcast_ss(ap + r);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
    ap += MR;
    bp += Packed ? NR : ldb;
  }
  if (full) {
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      float* cr = c + r * ldc;
      if (accumulate) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(cr));
        c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8));
      }
      _mm256_storeu_ps(cr, c0[r]);
      _mm256_storeu_ps(cr + 8, c1[r]);
    }
    return;
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_maskload_ps(cr, m0));
      c1[r] = _mm256_add_ps(c1[r], _mm256_maskload_ps(cr + 8, m1));
    }
    _mm256_maskstore_ps(cr, m0, c0[r]);
    _mm256_maskstore_ps(cr + 8, m1, c1[r]);
  }
}

template <int R>
WARP_AVX2 void kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int ncols,
                      bool accumulate) {
  tile<R, true>(kc, ap, bp, NR, c, ldc, ncols, accumulate);
}

template <int R>
WARP_AVX2 void kernelB(int64_t kc, const float* ap, const float* b, int64_t ldb, float* c, int64_t ldc, int ncols,
                       bool accumulate) {
  tile<R, false>(kc, ap, b, ldb, c, ldc, ncols, accumulate);
}

/** C (ra×rb) (+)= A·Bᵀ over K, A and B rows contiguous: 2×4 accumulators reduced at the end. */
WARP_AVX2 void dotTile(int64_t K, const float* a, int64_t lda, int ra, const float* b, int64_t ldb, int rb,
                       float* c, int64_t ldc, bool accumulate) {
  constexpr int DM = 2, DN = 4;
  const float* ar[DM];
  const float* br[DN];
  for (int i = 0; i < DM; i++) ar[i] = a + (i < ra ? i : 0) * lda;  // rows past the edge repeat row 0
  for (int j = 0; j < DN; j++) br[j] = b + (j < rb ? j : 0) * ldb;
  __m256 s[DM][DN];
#pragma GCC unroll 2
  for (int i = 0; i < DM; i++) {
#pragma GCC unroll 4
    for (int j = 0; j < DN; j++) s[i][j] = _mm256_setzero_ps();
  }
  const int64_t K8 = K / 8 * 8;
  const __m256i mt = lowMask(int(K - K8));
  for (int64_t k = 0; k < K; k += 8) {
    const bool tail = k == K8;
    __m256 bv[DN];
#pragma GCC unroll 4
    for (int j = 0; j < DN; j++) bv[j] = tail ? _mm256_maskload_ps(br[j] + k, mt) : _mm256_loadu_ps(br[j] + k);
#pragma GCC unroll 2
    for (int i = 0; i < DM; i++) {
      const __m256 av = tail ? _mm256_maskload_ps(ar[i] + k, mt) : _mm256_loadu_ps(ar[i] + k);
#pragma GCC unroll 4
      for (int j = 0; j < DN; j++) s[i][j] = _mm256_fmadd_ps(av, bv[j], s[i][j]);
    }
  }
  float d[DM][DN];  // reduced with constant indices so that s stays in registers
#pragma GCC unroll 2
  for (int i = 0; i < DM; i++) {
#pragma GCC unroll 4
    for (int j = 0; j < DN; j++) d[i][j] = hsum(s[i][j]);
  }
  for (int i = 0; i < ra; i++) {
    for (int j = 0; j < rb; j++) {
      float* cij = c + i * ldc + j;
      *cij = accumulate ? *cij + d[i][j] : d[i][j];
    }
  }
}

WARP_AVX2 void dotRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y,
                       bool accumulate) {
  const int64_t K8 = K / 8 * 8;
  const __m256i mt = lowMask(int(K - K8));
  int64_t j = 0;
  for (; j + 4 <= J; j += 4) {
    const float* w0 = w + j * ldw;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t k = 0; k < K8; k += 8) {
      const __m256 xv = _mm256_loadu_ps(x + k);
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), xv, s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + ldw + k), xv, s1);
      s2 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + 2 * ldw + k), xv, s2);
      s3 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + 3 * ldw + k), xv, s3);
    }
    if (K8 < K) {
      const __m256 xv = _mm256_maskload_ps(x + K8, mt);
      s0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + K8, mt), xv, s0);
      s1 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + ldw + K8, mt), xv, s1);
      s2 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + 2 * ldw + K8, mt), xv, s2);
      s3 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + 3 * ldw + K8, mt), xv, s3);
    }
    const float d[4] = {hsum(s0), hsum(s1), hsum(s2), hsum(s3)};
    for (int r = 0; r < 4; r++) y[j + r] = accumulate ? y[j + r] + d[r] : d[r];
  }
  for (; j < J; j++) {
    const float* wj = w + j * ldw;
    __m256 s = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(wj + k), _mm256_loadu_ps(x + k), s);
    if (K8 < K) s = _mm256_fmadd_ps(_mm256_maskload_ps(wj + K8, mt), _mm256_maskload_ps(x + K8, mt), s);
    const float d = hsum(s);
    y[j] = accumulate ? y[j] + d : d;
  }
}

WARP_AVX2 void axpyRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y,
                        bool accumulate) {
  int64_t j = 0;
  for (; j + 32 <= J; j += 32) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t k = 0; k < K; k++) {
      const float* wk = w + k * ldw + j;
      const __m256 xv = _mm256_broadcast_ss(x + k);
      s0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wk), s0);
      s1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wk + 8), s1);
      s2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wk + 16), s2);
      s3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wk + 24), s3);
    }
    if (accumulate) {
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(y + j));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(y + j + 8));
      s2 = _mm256_add_ps(s2, _mm256_loadu_ps(y + j + 16));
      s3 = _mm256_add_ps(s3, _mm256_loadu_ps(y + j + 24));
    }
    _mm256_storeu_ps(y + j, s0);
    _mm256_storeu_ps(y + j + 8, s1);
    _mm256_storeu_ps(y + j + 16, s2);
    _mm256_storeu_ps(y + j + 24, s3);
  }
  for (; j < J; j += 8) {
    const __m256i m = lowMask(int(J - j < 8 ? J - j : 8));
    __m256 s = _mm256_setzero_ps();
    for (int64_t k = 0; k < K; k++) {
      s = _mm256_fmadd_ps(_mm256_broadcast_ss(x + k), _mm256_maskload_ps(w + k * ldw + j, m), s);
    }
    if (accumulate) s = _mm256_add_ps(s, _mm256_maskload_ps(y + j, m));
    _mm256_maskstore_ps(y + j, m, s);
  }
}

}  // namespace

extern const GemmIsa kGemmAvx2 = {
    "avx2",
    MR,
    NR,
    {kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>},
    {kernelB<1>, kernelB<2>, kernelB<3>, kernelB<4>, kernelB<5>, kernelB<6>},
    2,
    4,
    dotTile,
    dotRows,
    axpyRows,
};

}  // namespace warp
#endif
