// The bf16 transition product (bf16.h): packing, the AVX512-BF16 micro-kernel (14 rows × 32 columns,
// 28 zmm accumulators; per pair of k, two packed W vectors and one broadcast pair of X per row, one
// vdpbf16ps each) threaded over 32-column tiles, and the emulation on the float32 GEMM. The AVX512-BF16
// functions carry target attributes (no -march=native) and run only when the CPU has the instructions.
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
constexpr int64_t KB = 256;  // pairs of k per block (two panels: 32 KB, in L1/L2)

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

/** C[0..R, 0..ncols) += Σ over kc pairs: X rows (xw, ldx words per row) · the two panels at w0, w1. */
template <int R>
WARP_BF16 void tile(int64_t kc, const uint32_t* xw, int64_t ldx, const uint32_t* w0, const uint32_t* w1, float* c,
                    int64_t ldc, int ncols) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(w0 + k * 16);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(w1 + k * 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32(int(xw[r * ldx + k]));
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

using TileFn = void (*)(int64_t, const uint32_t*, int64_t, const uint32_t*, const uint32_t*, float*, int64_t, int);
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
          kTile[rows - 1](kc, xw + m * K2 + k0, K2, w0 + k0 * 16, w1 + k0 * 16, c + m * N + t * NT, N, ncols);
        }
      }
    }
  });
}
#endif

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
  parallel_for(M * K, 1, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const uint32_t bits = bf16_bits(x[i]);
      std::memcpy(xr + i, &bits, 4);
    }
  });
  sgemm(false, true, M, N, K, xr, K, w, K, c, N, true);
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

const char* bf16_path() { return native() ? "avx512bf16" : "emulated"; }

}  // namespace warp
