// The project's own float32 GEMM: row-major C (+)= op(A)·op(B), BLIS-style (operands packed into
// micro-panels, a register-blocked micro-kernel per instruction set), threaded over parallel.cc's pool.
// The instruction set (avx512, avx2, generic) is chosen once at load time from the CPU's features, or
// forced with WARP_NATIVE_ISA; the ISA files (gemm_avx512.cc, gemm_avx2.cc) are compiled with function
// target attributes only, so the addon runs on any x86-64 (and builds with the generic path elsewhere).
// Not here: batching and the recurrence (blas.cc), argument validation (addon.cc).
#pragma once

#include <cstdint>

namespace warp {

/**
 * One instruction set's kernels. Packed operands: op(A) (M×K) as MR-row panels and op(B) (K×N) as
 * NR-column panels; within a block of kc rows of K, a panel holds kc consecutive groups of MR (NR)
 * floats, zero-padded past the matrix edge.
 */
/** Below this many multiply-adds sgemm runs a product's packed tiles on one thread. */
constexpr int64_t kSerialFmas = int64_t(1) << 22;
/**
 * Steps of k before the end of a micro-tile at which the AVX kernels prefetch C's rows: the epilogue's
 * loads of a tile evicted to L2 or L3 otherwise stalled it (10 % of the kernel's time on the dA product;
 * BENCHMARKS.md, session 10).
 */
constexpr int64_t kPrefetchC = 48;

/** Prefetches into L1 every cache line of `rows` rows of `width` floats at c (row stride ldc floats). */
inline void prefetchRows(const float* c, int64_t ldc, int rows, int width) {
  for (int r = 0; r < rows; r++) {
    const char* row = reinterpret_cast<const char*>(c + r * ldc);
    for (int off = 0; off < width * 4; off += 64) __builtin_prefetch(row + off, 0, 3);
    __builtin_prefetch(row + width * 4 - 1, 0, 3);  // a row not aligned to a line ends on one more
  }
}

struct GemmIsa {
  const char* name;
  int mr, nr;
  /**
   * kernel[r − 1]: C[0..r, 0..ncols) (+)= Ap (kc×MR panel, first r rows used) · Bp (kc×NR panel);
   * ncols ≤ NR, C row-major with leading dimension ldc. accumulate = false overwrites C (NaN in C is
   * discarded, never multiplied by zero).
   */
  void (*kernel[16])(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int ncols,
                     bool accumulate);
  /**
   * Optional (null: unused): as kernel, but B read in place from row-major op(B) (row stride ldb, only
   * the first ncols columns touched), for products whose B would cost as much to pack as to multiply.
   */
  void (*kernelB[16])(int64_t kc, const float* ap, const float* b, int64_t ldb, float* c, int64_t ldc, int ncols,
                      bool accumulate);
  /**
   * Optional (null: unused) unpacked tile for C = A·Bᵀ with both operands contiguous along k:
   * C[i, j] (+)= Σ_k A[i·lda + k] · B[j·ldb + k], i < ra ≤ dm, j < rb ≤ dn. Used when op(B) is
   * transposed and M is small, where packing B would cost as much as the product.
   */
  int dm, dn;
  void (*dotTile)(int64_t K, const float* a, int64_t lda, int ra, const float* b, int64_t ldb, int rb, float* c,
                  int64_t ldc, bool accumulate);
  /** y[j] (+)= Σ_k W[j·ldw + k] · x[k], j < J (row dot products). */
  void (*dotRows)(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y, bool accumulate);
  /** y[j] (+)= Σ_k x[k] · W[k·ldw + j], j < J (a sum of scaled rows). */
  void (*axpyRows)(int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y, bool accumulate);
};

extern const GemmIsa kGemmGeneric;
#if defined(__x86_64__) || defined(_M_X64)
extern const GemmIsa kGemmAvx2;
extern const GemmIsa kGemmAvx512;
#endif

/** The instruction set in use ("avx512", "avx2" or "generic"). */
const char* gemm_isa();
/**
 * Selects an instruction set by name; false (and no change) when the name is unknown or the CPU lacks
 * it. For tests and benchmarks: not safe while another thread is inside sgemm.
 */
bool gemm_set_isa(const char* name);
/** Whether this CPU (and build) can run the named instruction set. */
bool gemm_isa_supported(const char* name);

/**
 * C (M×N, ld ldc) = op(A)·op(B), or C += op(A)·op(B) when accumulate. op(A) is M×K: A stored M×K (lda)
 * or, when transA, K×M. op(B) is K×N: B stored K×N (ldb) or, when transB, N×K. K = 0 clears C (or
 * leaves it when accumulating).
 */
void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, bool accumulate);

/**
 * op(B) (K×N) packed once into a caller's buffer of packedBFloats(K, N) floats, for many sgemmPackedB
 * products with the same right operand (the autoregressive rollout's A at every step). The layout is the
 * instruction set's: packedBUsable tells whether a buffer fits the one in use now.
 */
int64_t packedBFloats(int64_t K, int64_t N);
void packBInto(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* buf);
bool packedBUsable(const float* buf);
/** C (M×N, ld ldc) (+)= op(A)·op(B) with op(B) from packBInto. */
void sgemmPackedB(bool transA, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* buf,
                  float* C, int64_t ldc, bool accumulate);

/**
 * op(B) packed once for many products with the same right operand (the recurrence's A at every step).
 * Owns its memory (packBInto's layout).
 */
class PackedB {
 public:
  PackedB(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb);
  ~PackedB();
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  /** C (M×N, ld ldc) (+)= op(A)·B_packed, op(A) as in sgemm. */
  void multiply(bool transA, int64_t M, const float* A, int64_t lda, float* C, int64_t ldc, bool accumulate) const;

 private:
  int64_t K_, N_;
  float* data_;
};

}  // namespace warp
