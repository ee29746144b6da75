// The bf16 transition products (bf16.h): packing, the AVX512-BF16 micro-kernel (14 rows × 32 columns,
// 28 zmm accumulators; per pair of k, two packed W vectors and one broadcast pair of X per row, one
// vdpbf16ps each) threaded over 32-column tiles, the transposed product of the gradient dA (pairs of rows
// packed per block of K with vcvtneps2bf16, then the same micro-kernel), and the emulation of both on the
// float32 GEMM. The AVX512-BF16 functions carry target attributes (no -march=native) and run only when
// the CPU has the instructions.
#include "kernels/bf16.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/gemm.h"
#include "kernels/parallel.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define WARP_BF16_X86 1
#define WARP_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#endif

namespace warp {
namespace {

constexpr int MR = 14;       // rows of X per micro-tile
constexpr int64_t NT = 32;   // columns of C per tile (two 16-row panels of W)
constexpr int64_t KB = 256;  // pairs of k per block (two panels of W or B: 32 KB, in L1/L2)
constexpr int64_t KR = 1024; // rows of K per block of the transposed product's emulation

inline int64_t pairs(int64_t K) { return (K + 1) / 2; }
inline int64_t roundUp(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/** A 64-byte aligned buffer that only grows, reused across calls. */
struct Scratch {
  void* data = nullptr;
  int64_t bytes = 0;
  template <class T>
  T* get(int64_t n) {
    const int64_t want = roundUp(std::max<int64_t>(n, 1) * int64_t(sizeof(T)), 64);
    if (want > bytes) {
      std::free(data);
      data = std::aligned_alloc(64, size_t(want));
      if (data == nullptr) throw std::bad_alloc();
      bytes = want;
    }
    return static_cast<T*>(data);
  }
  ~Scratch() { std::free(data); }
};
thread_local Scratch t_x, t_w;

bool cpuHasBf16() {
#ifdef WARP_BF16_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}
const bool g_hasBf16 = cpuHasBf16();

/** Whether matmul_bf16 uses vdpbf16ps: the CPU has it and the GEMM runs its avx512 kernels (not forced lower). */
bool native() { return g_hasBf16 && std::strcmp(gemm_isa(), "avx512") == 0; }

/** X (M×K) rounded to bfloat16 pairs, row-major with K2 words per row (odd K: zero high half). */
void packX(const float* x, int64_t M, int64_t K, uint32_t* xw) {
  const int64_t K2 = pairs(K);
  parallel_for(M, K, [=](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; m++) {
      const float* r = x + m * K;
      uint32_t* d = xw + m * K2;
      for (int64_t k = 0; k + 1 < K; k += 2) d[k / 2] = (bf16_bits(r[k]) >> 16) | bf16_bits(r[k + 1]);
      if (K % 2 != 0) d[K2 - 1] = bf16_bits(r[K - 1]) >> 16;
    }
  });
}

#ifdef WARP_BF16_X86
WARP_BF16 inline __mmask16 lowMask(int n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1u);
}

/**
 * C[0..R, 0..ncols) += Σ over kc pairs: X (row r's pair k at xw[r·ldr + k·ldk]) · the two panels at w0, w1.
 * The forward product reads X row-major (ldr = K2, ldk = 1), the transposed one a packed panel (1, MR).
 */
template <int R>
WARP_BF16 void tile(int64_t kc, const uint32_t* xw, int64_t ldr, int64_t ldk, const uint32_t* w0, const uint32_t* w1,
                    float* c, int64_t ldc, int ncols) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(w0 + k * 16);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(w1 + k * 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32(int(xw[r * ldr + k * ldk]));
      c0[r] = _mm512_dpbf16_ps(c0[r], a, b0);
      c1[r] = _mm512_dpbf16_ps(c1[r], a, b1);
    }
  }
  const __mmask16 m0 = lowMask(ncols), m1 = lowMask(ncols - 16);
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    _mm512_mask_storeu_ps(cr, m0, _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, cr)));
    _mm512_mask_storeu_ps(cr + 16, m1, _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, cr + 16)));
  }
}

using TileFn = void (*)(int64_t, const uint32_t*, int64_t, int64_t, const uint32_t*, const uint32_t*, float*, int64_t,
                       int);
constexpr TileFn kTile[MR] = {&tile<1>,  &tile<2>,  &tile<3>,  &tile<4>,  &tile<5>,  &tile<6>,  &tile<7>,
                              &tile<8>,  &tile<9>,  &tile<10>, &tile<11>, &tile<12>, &tile<13>, &tile<14>};

/** Every 32-column tile of C, claimed by the pool's threads; within one, k blocks outer so W stays in cache. */
void matmulNative(const uint32_t* xw, int64_t M, int64_t N, int64_t K2, const uint32_t* packed, float* c) {
  const int64_t tiles = roundUp(N, NT) / NT;
  parallel_for(tiles, M * K2 * NT, [=](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const uint32_t* w0 = packed + 2 * t * K2 * 16;
      const uint32_t* w1 = w0 + K2 * 16;
      const int ncols = int(std::min<int64_t>(NT, N - t * NT));
      for (int64_t k0 = 0; k0 < K2; k0 += KB) {
        const int64_t kc = std::min(KB, K2 - k0);
        for (int64_t m = 0; m < M; m += MR) {
          const int rows = int(std::min<int64_t>(MR, M - m));
          kTile[rows - 1](kc, xw + m * K2 + k0, K2, 1, w0 + k0 * 16, w1 + k0 * 16, c + m * N + t * NT, N, ncols);
        }
      }
    }
  });
}

/**
 * d[l] = (bf16(r0[l]) low, bf16(r1[l]) high) for l < n, zero for n ≤ l < w ≤ 16 (r1 null: high halves zero),
 * via vcvtneps2bf16 (masked forms: GCC 12's unmasked zero-extend and shift warn of undefined inputs).
 */
WARP_BF16 inline void pairWords(const float* r0, const float* r1, int n, int w, uint32_t* d) {
  const __mmask16 m = lowMask(n);
  __m512i v = _mm512_maskz_cvtepu16_epi32(m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, r0)));
  if (r1 != nullptr) {
    const __m512i hi = _mm512_maskz_cvtepu16_epi32(m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, r1)));
    v = _mm512_or_si512(v, _mm512_maskz_slli_epi32(m, hi, 16));
  }
  _mm512_mask_storeu_epi32(d, lowMask(w), v);
}

/**
 * Pairs k2 ∈ [k2a, k2b) of a block of kc pairs from row k0 of X (K×L, row-major; rows past K read as zero)
 * as bf16 pairs of rows in `panels` panels of w ≤ 16 columns: the pair k2 of column p·w + l at
 * dst[(p·kc + k2)·w + l], zero past L. Row by row, so that X streams through the cache in order.
 */
WARP_BF16 void packPairs(const float* x, int64_t K, int64_t L, int64_t k0, int64_t kc, int64_t k2a, int64_t k2b,
                         int w, int64_t panels, uint32_t* dst) {
  for (int64_t k2 = k2a; k2 < k2b; k2++) {
    const int64_t r = k0 + 2 * k2;
    const float* r0 = x + r * L;
    const float* r1 = r + 1 < K ? r0 + L : nullptr;
    for (int64_t p = 0; p < panels; p++) {
      const int64_t j = p * w;
      const int n = j >= L ? 0 : L - j < w ? int(L - j) : w;
      pairWords(r0 + (n > 0 ? j : 0), r1 != nullptr ? r1 + (n > 0 ? j : 0) : nullptr, n, w, dst + (p * kc + k2) * w);
    }
  }
}

/**
 * C (M×N) += bf16(A)ᵀ·bf16(B), A (K×M), B (K×N): K walked in blocks of KB pairs of rows, each packed (A in
 * MR-column panels, B in 16-column panels), then every 32-column tile of C claimed by the pool's threads
 * and run down all of A's panels (B's two panels stay in L1/L2 while A's block streams past them).
 */
void matmulTnNative(const float* a, const float* b, int64_t M, int64_t N, int64_t K, float* c) {
  const int64_t K2 = pairs(K), aPanels = (M + MR - 1) / MR, bPanels = roundUp(N, NT) / 16;
  const int64_t kcMax = std::min(KB, K2);
  uint32_t* ap = t_x.get<uint32_t>(aPanels * kcMax * MR);
  uint32_t* bp = t_w.get<uint32_t>(bPanels * kcMax * 16);
  for (int64_t kb = 0; kb < K2; kb += KB) {
    const int64_t kc = std::min(KB, K2 - kb);
    parallel_for(kc, 2 * (M + N), [=](int64_t k2a, int64_t k2b) {
      packPairs(a, K, M, 2 * kb, kc, k2a, k2b, MR, aPanels, ap);
      packPairs(b, K, N, 2 * kb, kc, k2a, k2b, 16, bPanels, bp);
    });
    parallel_for(bPanels / 2, M * kc * NT, [=](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++) {
        const uint32_t* w0 = bp + 2 * t * kc * 16;
        const int ncols = int(std::min<int64_t>(NT, N - t * NT));
        for (int64_t p = 0; p < aPanels; p++) {
          const int rows = int(std::min<int64_t>(MR, M - p * MR));
          kTile[rows - 1](kc, ap + p * kc * MR, 1, MR, w0, w0 + kc * 16, c + p * MR * N + t * NT, N, ncols);
        }
      }
    });
  }
}
#endif

/** d[i] = bf16(x[i]) as float32, i < n, in parallel. */
void roundInto(const float* x, int64_t n, float* d) {
  parallel_for(n, 1, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const uint32_t bits = bf16_bits(x[i]);
      std::memcpy(d + i, &bits, 4);
    }
  });
}

/** The emulation: W′ unpacked to float32 (N×K) and X rounded, then the float32 GEMM accumulating into C. */
void matmulEmulated(const float* x, int64_t M, int64_t N, int64_t K, const uint32_t* packed, float* c) {
  const int64_t K2 = pairs(K);
  float* w = t_w.get<float>(N * K);
  parallel_for(N, K, [=](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; n++) {
      const uint32_t* panel = packed + (n / 16) * K2 * 16 + n % 16;
      for (int64_t k = 0; k < K; k++) {
        const uint32_t word = panel[(k / 2) * 16];
        const uint32_t bits = k % 2 == 0 ? word << 16 : word & 0xFFFF0000u;
        std::memcpy(w + n * K + k, &bits, 4);
      }
    }
  });
  float* xr = t_x.get<float>(M * K);
  roundInto(x, M * K, xr);
  sgemm(false, true, M, N, K, xr, K, w, K, c, N, true);
}

/** The transposed product's emulation: blocks of KR rows of A and B rounded, through the float32 GEMM. */
void matmulTnEmulated(const float* a, const float* b, int64_t M, int64_t N, int64_t K, float* c, bool accumulate) {
  const int64_t kr = std::min(KR, K);
  float* ar = t_x.get<float>(kr * M);
  float* br = t_w.get<float>(kr * N);
  for (int64_t k0 = 0; k0 < K; k0 += KR) {
    const int64_t kk = std::min(KR, K - k0);
    roundInto(a + k0 * M, kk * M, ar);
    roundInto(b + k0 * N, kk * N, br);
    sgemm(true, false, M, N, kk, ar, M, br, N, c, N, accumulate || k0 > 0);
  }
}

}  // namespace

int64_t bf16_packed_words(int64_t N, int64_t K) { return roundUp(N, NT) * pairs(K); }

void pack_bf16(const float* w, int64_t N, int64_t K, uint32_t* packed) {
  const int64_t K2 = pairs(K), panels = roundUp(N, NT) / 16;
  parallel_for(panels, 16 * K, [=](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      uint32_t* d = packed + p * K2 * 16;
      std::memset(d, 0, size_t(K2 * 16) * sizeof(uint32_t));
      for (int64_t l = 0; l < 16 && p * 16 + l < N; l++) {
        const float* r = w + (p * 16 + l) * K;
        for (int64_t k = 0; k < K; k++) d[(k / 2) * 16 + l] |= k % 2 == 0 ? bf16_bits(r[k]) >> 16 : bf16_bits(r[k]);
      }
    }
  });
}

void matmul_bf16(const float* x, int64_t M, int64_t N, int64_t K, const uint32_t* packed, float* c) {
  if (M <= 0 || N <= 0 || K <= 0) return;
#ifdef WARP_BF16_X86
  if (native()) {
    uint32_t* xw = t_x.get<uint32_t>(M * pairs(K));
    packX(x, M, K, xw);
    matmulNative(xw, M, N, pairs(K), packed, c);
    return;
  }
#endif
  matmulEmulated(x, M, N, K, packed, c);
}

void matmul_bf16_tn(const float* a, const float* b, int64_t M, int64_t N, int64_t K, float* c, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) std::memset(c, 0, size_t(M * N) * sizeof(float));
    return;
  }
#ifdef WARP_BF16_X86
  if (native()) {
    if (!accumulate) std::memset(c, 0, size_t(M * N) * sizeof(float));
    matmulTnNative(a, b, M, N, K, c);
    return;
  }
#endif
  matmulTnEmulated(a, b, M, N, K, c, accumulate);
}

const char* bf16_path() { return native() ? "avx512bf16" : "emulated"; }

}  // namespace warp
