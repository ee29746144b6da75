// AVX-512 kernels for gemm.cc: a 14×32 micro-kernel (28 zmm accumulators, two B vectors and a broadcast
// A element per step of k) and the row dot / scaled-row-sum kernels of the single-row and single-column
// products. Every function carries the target attribute instead of the file being built with -mavx512f,
// so nothing here runs unless gemm.cc has checked the CPU. No standard-library calls inside the target
// functions (their inline instances could otherwise be shared with generic code).
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "kernels/gemm.h"

#define WARP_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))

namespace warp {
namespace {

constexpr int MR = 14, NR = 32;

WARP_AVX512 inline __mmask16 lowMask(int n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u);
}

/** Sum of the 16 lanes (own reduction: GCC 12's _mm512_reduce_add_ps warns under -O3). */
WARP_AVX512 inline float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/**
 * R rows of the micro-tile. Packed: B panels of NR floats per k (aligned loads). Direct: B read in place
 * with row stride ldb, masked to ncols columns so that nothing past the matrix edge is touched.
 */
template <int R, bool Packed>
WARP_AVX512 inline void tile(int64_t kc, const float* ap, const float* bp, int64_t ldb, float* c, int64_t ldc,
                             int ncols, bool accumulate) {
  const __mmask16 m0 = lowMask(ncols), m1 = lowMask(ncols - 16);
  const bool full = ncols == NR;
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  const int64_t kPrefetch = kc > kPrefetchC ? kc - kPrefetchC : -1;  // C's rows, before the epilogue
  for (int64_t k = 0; k < kc; k++) {
    if (k == kPrefetch) prefetchRows(c, ldc, R, NR);
    __m512 b0, b1;
    if (Packed) {
      b0 = _mm512_load_ps(bp);
      b1 = _mm512_load_ps(bp + 16);
    } else if (full) {
      b0 = _mm512_loadu_ps(bp);
      b1 = _mm512_loadu_ps(bp + 16);
    } else {
      b0 = _mm512_maskz_loadu_ps(m0, bp);
      b1 = _mm512_maskz_loadu_ps(m1, bp + 16);
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const __m512 a = _mm512_set1_ps(ap[r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
    ap += MR;
    bp += Packed ? NR : ldb;
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, cr));
      c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, m0, c0[r]);
    _mm512_mask_storeu_ps(cr + 16, m1, c1[r]);
  }
}

template <int R>
WARP_AVX512 void kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int ncols,
                        bool accumulate) {
  tile<R, true>(kc, ap, bp, NR, c, ldc, ncols, accumulate);
}

template <int R>
WARP_AVX512 void kernelB(int64_t kc, const float* ap, const float* b, int64_t ldb, float* c, int64_t ldc, int ncols,
                         bool accumulate) {
  tile<R, false>(kc, ap, b, ldb, c, ldc, ncols, accumulate);
}

/** C (ra×rb) (+)= A·Bᵀ over K, A and B rows contiguous: 6×4 accumulators reduced at the end. */
WARP_AVX512 void dotTile(int64_t K, const float* a, int64_t lda, int ra, const float* b, int64_t ldb, int rb,
                         float* c, int64_t ldc, bool accumulate) {
  constexpr int DM = 6, DN = 4;
  const float* ar[DM];
  const float* br[DN];
  for (int i = 0; i < DM; i++) ar[i] = a + (i < ra ? i : 0) * lda;  // rows past the edge repeat row 0
  for (int j = 0; j < DN; j++) br[j] = b + (j < rb ? j : 0) * ldb;
  __m512 s[DM][DN];
#pragma GCC unroll 8
  for (int i = 0; i < DM; i++) {
#pragma GCC unroll 4
    for (int j = 0; j < DN; j++) s[i][j] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < K; k += 16) {
    const __mmask16 m = lowMask(int(K - k < 16 ? K - k : 16));
    __m512 bv[DN];
#pragma GCC unroll 4
    for (int j = 0; j < DN; j++) bv[j] = _mm512_maskz_loadu_ps(m, br[j] + k);
#pragma GCC unroll 8
    for (int i = 0; i < DM; i++) {
      const __m512 av = _mm512_maskz_loadu_ps(m, ar[i] + k);
#pragma GCC unroll 4
      for (int j = 0; j < DN; j++) s[i][j] = _mm512_fmadd_ps(av, bv[j], s[i][j]);
    }
  }
  float d[DM][DN];  // reduced with constant indices so that s stays in registers
#pragma GCC unroll 8
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

WARP_AVX512 void dotRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y,
                         bool accumulate) {
  int64_t j = 0;
  for (; j + 4 <= J; j += 4) {
    const float* w0 = w + j * ldw;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t k = 0; k < K; k += 16) {
      const __mmask16 m = lowMask(int(K - k < 16 ? K - k : 16));
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + k);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + k), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + ldw + k), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + 2 * ldw + k), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + 3 * ldw + k), xv, s3);
    }
    const float d[4] = {hsum(s0), hsum(s1), hsum(s2), hsum(s3)};
    for (int r = 0; r < 4; r++) y[j + r] = accumulate ? y[j + r] + d[r] : d[r];
  }
  for (; j < J; j++) {
    const float* wj = w + j * ldw;
    __m512 s = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
      const __mmask16 m = lowMask(int(K - k < 16 ? K - k : 16));
      s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, wj + k), _mm512_maskz_loadu_ps(m, x + k), s);
    }
    const float d = hsum(s);
    y[j] = accumulate ? y[j] + d : d;
  }
}

WARP_AVX512 void axpyRows(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y,
                          bool accumulate) {
  int64_t j = 0;
  for (; j + 64 <= J; j += 64) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t k = 0; k < K; k++) {
      const float* wk = w + k * ldw + j;
      const __m512 xv = _mm512_set1_ps(x[k]);
      s0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wk), s0);
      s1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wk + 16), s1);
      s2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wk + 32), s2);
      s3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wk + 48), s3);
    }
    if (accumulate) {
      s0 = _mm512_add_ps(s0, _mm512_loadu_ps(y + j));
      s1 = _mm512_add_ps(s1, _mm512_loadu_ps(y + j + 16));
      s2 = _mm512_add_ps(s2, _mm512_loadu_ps(y + j + 32));
      s3 = _mm512_add_ps(s3, _mm512_loadu_ps(y + j + 48));
    }
    _mm512_storeu_ps(y + j, s0);
    _mm512_storeu_ps(y + j + 16, s1);
    _mm512_storeu_ps(y + j + 32, s2);
    _mm512_storeu_ps(y + j + 48, s3);
  }
  for (; j < J; j += 16) {
    const __mmask16 m = lowMask(int(J - j < 16 ? J - j : 16));
    __m512 s = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k++) {
      s = _mm512_fmadd_ps(_mm512_set1_ps(x[k]), _mm512_maskz_loadu_ps(m, w + k * ldw + j), s);
    }
    if (accumulate) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, y + j));
    _mm512_mask_storeu_ps(y + j, m, s);
  }
}

}  // namespace

extern const GemmIsa kGemmAvx512 = {
    "avx512",
    MR,
    NR,
    {kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>, kernel<7>, kernel<8>, kernel<9>, kernel<10>,
     kernel<11>, kernel<12>, kernel<13>, kernel<14>},
    {kernelB<1>, kernelB<2>, kernelB<3>, kernelB<4>, kernelB<5>, kernelB<6>, kernelB<7>, kernelB<8>, kernelB<9>,
     kernelB<10>, kernelB<11>, kernelB<12>, kernelB<13>, kernelB<14>},
    6,
    4,
    dotTile,
    dotRows,
    axpyRows,
};

}  // namespace warp
#endif
