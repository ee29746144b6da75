// The GEMM driver: instruction-set choice, packing, cache blocking and threading around the micro-kernels
// of gemm_avx512.cc / gemm_avx2.cc / gemm_generic.cc.
//
// C (M×N) (+)= op(A) (M×K) · op(B) (K×N), all row-major. K is cut into blocks of KC (one micro-panel of
// B, KC×NR, stays in L1 while the kernel streams A's micro-panels from L2); each block of op(A) and op(B)
// is packed once per call into shared buffers (panels zero-padded to MR / NR), in parallel over panels,
// then C is cut into tiles (up to MC rows × a few NR-column panels) that the pool's threads claim
// one at a time, which balances the load (also when another process takes part of a core). Packing everything
// up front keeps each thread from repacking A or B per tile; when K is large (the dA product over all
// N·T rows), K is walked in super-blocks so the packed copies stay within kPackFloats, and operands whose
// rows of K are contiguous (Aᵀ, plain B) are packed row by row so that they stream in order.
// Single-row and single-column products skip packing (row dots or scaled-row sums over the unpacked
// operand: the batch-1 rollout reads the matrix once per step), and so does A·Bᵀ with few rows (dot
// tiles: transposing B into panels would cost as much as the product), and A·B with few rows reads B
// in place (kernelB). Products with a tiny K (≤ kSmallK: WARP's input term Δx·Bᵀ) or few columns
// (≤ kSmallN: its gradients) are sums of scaled rows or row dots over unpacked operands.
#include "kernels/gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/parallel.h"

namespace warp {
namespace {

// rows of K per packed block: 384 measured 3 % faster than 256 on the dA product (BENCHMARKS.md, session 9)
constexpr int64_t KC = 384;
constexpr int64_t kPackFloats = int64_t(4) << 20;  // packed A + B per super-block (16 MB)
constexpr int64_t kDotMaxM = 128;                  // A·Bᵀ with at most this many rows: dotTile, no packing
constexpr int64_t kSmallK = 8;     // K at most this: rows of C as sums of K scaled rows of op(B), no packing
constexpr int64_t kRankK = 64;     // … and A·Bᵀ with K at most this (a low-rank factor: z·Uᵀ, r = K)
constexpr int64_t kSmallN = 4;     // N at most this: C column by column as row dots or scaled-row sums
constexpr int64_t kDirectMaxM = 256;               // A·B with at most this many rows: B read in place

bool supported(const GemmIsa* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();  // we run from a static initializer, possibly before libgcc's own
  if (isa == &kGemmAvx512) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
  }
  if (isa == &kGemmAvx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == &kGemmGeneric;
}

const GemmIsa* byName(const char* name) {
  if (name == nullptr) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(name, "avx512") == 0) return &kGemmAvx512;
  if (std::strcmp(name, "avx2") == 0) return &kGemmAvx2;
#endif
  if (std::strcmp(name, "generic") == 0) return &kGemmGeneric;
  return nullptr;
}

const GemmIsa* best() {
#if defined(__x86_64__) || defined(_M_X64)
  if (supported(&kGemmAvx512)) return &kGemmAvx512;
  if (supported(&kGemmAvx2)) return &kGemmAvx2;
#endif
  return &kGemmGeneric;
}

/** The widest supported instruction set, or WARP_NATIVE_ISA's when the CPU has it. */
const GemmIsa* g_isa = [] {
  const GemmIsa* forced = byName(std::getenv("WARP_NATIVE_ISA"));
  return forced != nullptr && supported(forced) ? forced : best();
}();

/** A 64-byte aligned float buffer that only grows: the per-thread packing scratch, reused across calls. */
struct Scratch {
  float* data = nullptr;
  int64_t size = 0;
  float* get(int64_t n) {
    if (n > size) {
      std::free(data);
      data = static_cast<float*>(std::aligned_alloc(64, size_t((n + 15) / 16 * 16) * sizeof(float)));
      if (data == nullptr) throw std::bad_alloc();
      size = n;
    }
    return data;
  }
  ~Scratch() { std::free(data); }
};
thread_local Scratch t_pack, t_vec;

inline int64_t roundUp(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/**
 * Packs X[r][k] = src[r·rs + k·ks], r < rows, k < kc, into one panel of width w (kc groups of w floats),
 * zero-filling rows ≥ rows.
 */
void packPanel(const float* src, int64_t rs, int64_t ks, int64_t rows, int64_t kc, int w, float* dst) {
  if (rows < w) std::memset(dst, 0, size_t(kc * w) * sizeof(float));
  if (ks == 1) {  // each row contiguous along k
    for (int64_t r = 0; r < rows; r++) {
      const float* s = src + r * rs;
      float* d = dst + r;
      for (int64_t k = 0; k < kc; k++) d[k * w] = s[k];
    }
  } else if (rs == 1) {  // each k contiguous along rows
    for (int64_t k = 0; k < kc; k++) std::memcpy(dst + k * w, src + k * ks, size_t(rows) * sizeof(float));
  } else {
    for (int64_t k = 0; k < kc; k++) {
      for (int64_t r = 0; r < rows; r++) dst[k * w + r] = src[r * rs + k * ks];
    }
  }
}

/**
 * An operand packed over k ∈ [k0, k0 + kk): `rows` rows of X (X[r][k] = src[r·rs + k·ks]) in panels of
 * width w; the KC-block starting at k0 + kb lies at dst + kb·rowsPad, its panel p at p·kcb·w within it.
 */
struct PackJob {
  const float* src;
  int64_t rs, ks, rows;
  int w;
  float* dst;
  int64_t panels() const { return (rows + w - 1) / w; }
  /**
   * Rows q ∈ [q0, q1) of the super-block [k0, k0 + kk) when each k is contiguous along the rows (rs = 1):
   * source row k0 + q copied in order into every panel, so that the source streams through the cache.
   */
  void rowsAt(int64_t k0, int64_t kk, int64_t q0, int64_t q1) const {
    switch (w) {  // the kernels' panel widths: whole-panel copies of a constant size, inlined
      case 32: return rowsAtW<32>(k0, kk, q0, q1);
      case 14: return rowsAtW<14>(k0, kk, q0, q1);
      case 16: return rowsAtW<16>(k0, kk, q0, q1);
      case 6: return rowsAtW<6>(k0, kk, q0, q1);
      case 8: return rowsAtW<8>(k0, kk, q0, q1);
      case 4: return rowsAtW<4>(k0, kk, q0, q1);
      default: return rowsAtW<0>(k0, kk, q0, q1);
    }
  }
  /** rowsAt for panels of width W (w when W is 0). */
  template <int W>
  void rowsAtW(int64_t k0, int64_t kk, int64_t q0, int64_t q1) const {
    const int64_t width = W > 0 ? W : w, np = panels(), full = rows / width, rowsPad = np * width;
    for (int64_t q = q0; q < q1; q++) {
      const int64_t kb = q / KC * KC, kcb = std::min(KC, kk - kb);
      const float* s = src + (k0 + q) * ks;
      float* d = dst + kb * rowsPad + (q - kb) * width;
      for (int64_t p = 0; p < full; p++, s += width, d += kcb * width) {
        std::memcpy(d, s, size_t(width) * sizeof(float));
      }
      if (full < np) {
        const int64_t n = rows - full * width;
        std::memcpy(d, s, size_t(n) * sizeof(float));
        std::memset(d + n, 0, size_t(width - n) * sizeof(float));
      }
    }
  }
  void panel(int64_t p, int64_t k0, int64_t kk) const {
    const int64_t rowsPad = panels() * w;
    for (int64_t kb = 0; kb < kk; kb += KC) {
      const int64_t kcb = std::min(KC, kk - kb);
      packPanel(src + p * w * rs + (k0 + kb) * ks, rs, ks, std::min<int64_t>(w, rows - p * w), kcb, w,
                dst + kb * rowsPad + p * kcb * w);
    }
  }
};

/**
 * Packs the panels of one or two operands over [k0, k0 + kk): in parallel over source rows when every k
 * is contiguous along the panel rows (op(A) transposed, B plain: the dA product Gᵀ·Θ over all N·T rows
 * reads its operands in order), else in parallel over panels.
 */
void pack(const PackJob* a, const PackJob* b, int64_t k0, int64_t kk) {
  if ((a == nullptr || a->rs == 1) && (b == nullptr || b->rs == 1)) {
    const int64_t width = (a != nullptr ? a->rows : 0) + (b != nullptr ? b->rows : 0);
    parallel_for(kk, width, [=](int64_t q0, int64_t q1) {
      if (a != nullptr) a->rowsAt(k0, kk, q0, q1);
      if (b != nullptr) b->rowsAt(k0, kk, q0, q1);
    });
    return;
  }
  const int64_t na = a != nullptr ? a->panels() : 0, nb = b != nullptr ? b->panels() : 0;
  const int64_t w = a != nullptr ? a->w : b->w;
  parallel_for(na + nb, kk * w, [=](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      if (p < na) a->panel(p, k0, kk);
      else b->panel(p - na, k0, kk);
    }
  });
}

/**
 * C (+)= op(A)·op(B) over one super-block of kk rows of K, A packed as PackJob lays it out (Mpad per k).
 * B likewise packed (Npad per k) when ldbDirect = 0, else read in place: bp is op(B)'s first row of the
 * super-block, with row stride ldbDirect. accumulate applies to the first KC-block; later blocks add.
 */
void computeBlock(const GemmIsa& isa, int64_t M, int64_t N, int64_t kk, const float* ap, const float* bp,
                  int64_t ldbDirect, float* C, int64_t ldc, bool accumulate) {
  const int mr = isa.mr, nr = isa.nr;
  const int64_t mPanels = (M + mr - 1) / mr, nPanels = (N + nr - 1) / nr;
  const int64_t Mpad = mPanels * mr, Npad = nPanels * nr;
  const int64_t mcPanels = std::max<int64_t>(1, 192 / mr);  // MC ≈ 192 rows: A's block stays in L2
  const int64_t mBlocks = (mPanels + mcPanels - 1) / mcPanels;
  const bool serial = M * N * kk < kSerialFmas || pool_threads() < 2;
  // Tiles of mcPanels × g panels: at least ~8 per thread for dynamic balance, at most 8 panels wide.
  const int64_t want = serial ? 1 : int64_t(pool_threads()) * 8;
  const int64_t g = std::clamp<int64_t>(mBlocks * nPanels / want, 1, 8);
  const int64_t nGroups = (nPanels + g - 1) / g;
  auto tiles = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t ib = t / nGroups, jg = t % nGroups;
      const int64_t ip0 = ib * mcPanels, ip1 = std::min(mPanels, ip0 + mcPanels);
      const int64_t jp0 = jg * g, jp1 = std::min(nPanels, jp0 + g);
      for (int64_t kb = 0; kb < kk; kb += KC) {
        const int64_t kcb = std::min(KC, kk - kb);
        const float* apb = ap + kb * Mpad;
        const bool acc = accumulate || kb > 0;
        for (int64_t jp = jp0; jp < jp1; jp++) {
          const int ncols = int(std::min<int64_t>(nr, N - jp * nr));
          for (int64_t ip = ip0; ip < ip1; ip++) {
            const int rows = int(std::min<int64_t>(mr, M - ip * mr));
            const float* a = apb + ip * kcb * mr;
            float* c = C + ip * mr * ldc + jp * nr;
            if (ldbDirect > 0) {
              isa.kernelB[rows - 1](kcb, a, bp + kb * ldbDirect + jp * nr, ldbDirect, c, ldc, ncols, acc);
            } else {
              isa.kernel[rows - 1](kcb, a, bp + kb * Npad + jp * kcb * nr, c, ldc, ncols, acc);
            }
          }
        }
      }
    }
  };
  const int64_t nTiles = mBlocks * nGroups;
  if (serial) tiles(0, nTiles);
  else parallel_for_units(nTiles, kParallelMinWork, tiles);
}

/** Rows of K per super-block so that `padded` packed rows (A's and/or B's) fit kPackFloats. */
int64_t superBlock(int64_t padded, int64_t K) {
  return std::min(K, std::max<int64_t>(1, kPackFloats / padded / KC) * KC);
}

/** y (J, contiguous) (+)= row dots or scaled-row sums, split over the pool by ranges of j. */
void gemv(bool dot, int64_t J, int64_t K, const float* w, int64_t ldw, const float* x, float* y, bool accumulate) {
  const GemmIsa& isa = *g_isa;
  parallel_for(J, K, [&](int64_t j0, int64_t j1) {
    if (dot) isa.dotRows(j1 - j0, K, w + j0 * ldw, ldw, x, y + j0, accumulate);
    else isa.axpyRows(j1 - j0, K, w + j0, ldw, x, y + j0, accumulate);
  });
}

/** x[k] = src[k·stride], k < n: a contiguous copy of a strided vector (or src itself when stride is 1). */
const float* contiguous(const float* src, int64_t stride, int64_t n, Scratch& s) {
  if (stride == 1) return src;
  float* d = s.get(n);
  for (int64_t k = 0; k < n; k++) d[k] = src[k * stride];
  return d;
}

}  // namespace

const char* gemm_isa() { return g_isa->name; }

bool gemm_isa_supported(const char* name) {
  const GemmIsa* isa = byName(name);
  return isa != nullptr && supported(isa);
}

bool gemm_set_isa(const char* name) {
  const GemmIsa* isa = byName(name);
  if (isa == nullptr || !supported(isa)) return false;
  g_isa = isa;
  return true;
}

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // empty sum
    if (!accumulate) {
      for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    }
    return;
  }
  if (M == 1) {  // out (1×N) = a · op(B), a[k] = A[k] or A[k·lda]
    const float* a = contiguous(A, transA ? lda : 1, K, t_vec);
    if (transB) gemv(true, N, K, B, ldb, a, C, accumulate);  // C[j] = B[j, :] · a
    else gemv(false, N, K, B, ldb, a, C, accumulate);        // C = Σ_k a[k] B[k, :]
    return;
  }
  if (N == 1 && ldc == 1) {  // out (M×1) = op(A) · b, b[k] = B[k·ldb] or B[k]
    const float* b = contiguous(B, transB ? 1 : ldb, K, t_vec);
    if (transA) gemv(false, M, K, A, lda, b, C, accumulate);  // C = Σ_k b[k] A[k, :]
    else gemv(true, M, K, A, lda, b, C, accumulate);          // C[i] = A[i, :] · b
    return;
  }
  const GemmIsa& isa = *g_isa;
  if (K <= kSmallK || (transB && !transA && K <= kRankK)) {
    // A rank-K update with K small (WARP's input term Δx·Bᵀ, K = the data size; a low-rank factor z·Uᵀ):
    // dot products of length K waste the vector lanes and packing costs about as much as the product, so
    // rows of C are sums of K scaled rows of op(B), made contiguous once.
    const float* b = B;
    int64_t ldbb = ldb;
    if (transB) {
      float* d = t_pack.get(K * N);
      for (int64_t j = 0; j < N; j++) {
        for (int64_t k = 0; k < K; k++) d[k * N + j] = B[j * ldb + k];
      }
      b = d;
      ldbb = N;
    }
    parallel_for(M, N * K, [&](int64_t i0, int64_t i1) {
      float a[kRankK];
      for (int64_t i = i0; i < i1; i++) {
        for (int64_t k = 0; k < K; k++) a[k] = transA ? A[k * lda + i] : A[i * lda + k];
        isa.axpyRows(N, K, b, ldbb, a, C + i * ldc, accumulate);
      }
    });
    return;
  }
  if (N <= kSmallN) {
    // A few output columns (the input term's gradients Gᵀ·Δx and G·B): per column j, row dots or sums of
    // scaled rows of op(A) against op(B)'s column j, through a contiguous column.
    float* y = t_pack.get(M);
    for (int64_t j = 0; j < N; j++) {
      const float* bj = contiguous(B + (transB ? j * ldb : j), transB ? 1 : ldb, K, t_vec);
      gemv(!transA, M, K, A, lda, bj, y, false);
      for (int64_t i = 0; i < M; i++) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.0f) + y[i];
    }
    return;
  }
  if (transB && !transA && M <= kDotMaxM && isa.dotTile != nullptr) {
    // C = A·Bᵀ for a few rows of A (the autoregressive step θ_{t−1}·Aᵀ): dot products straight from both
    // operands. Units are blocks of dn rows of B; each stays in L1 while all of A streams past it.
    const int dm = isa.dm, dn = isa.dn;
    const int64_t nBlocks = (N + dn - 1) / dn;
    parallel_for(nBlocks, M * K * dn, [&](int64_t j0, int64_t j1) {
      for (int64_t jb = j0; jb < j1; jb++) {
        const int64_t j = jb * dn;
        const int rb = int(std::min<int64_t>(dn, N - j));
        for (int64_t i = 0; i < M; i += dm) {
          isa.dotTile(K, A + i * lda, lda, int(std::min<int64_t>(dm, M - i)), B + j * ldb, ldb, rb, C + i * ldc + j,
                      ldc, accumulate);
        }
      }
    });
    return;
  }
  if (!transB && M <= kDirectMaxM && isa.kernelB[0] != nullptr) {
    // Few rows: packing B would cost about as much as the product; only A is packed.
    const int64_t Mpad = roundUp(M, isa.mr);
    const int64_t ks = superBlock(Mpad, K);
    const PackJob a{A, transA ? 1 : lda, transA ? lda : 1, M, isa.mr, t_pack.get(ks * Mpad)};
    for (int64_t k0 = 0; k0 < K; k0 += ks) {
      const int64_t kk = std::min(ks, K - k0);
      pack(&a, nullptr, k0, kk);
      computeBlock(isa, M, N, kk, a.dst, B + k0 * ldb, ldb, C, ldc, accumulate || k0 > 0);
    }
    return;
  }
  const PackJob pa{A, transA ? 1 : lda, transA ? lda : 1, M, isa.mr, nullptr};
  const PackJob pb{B, transB ? ldb : 1, transB ? 1 : ldb, N, isa.nr, nullptr};
  const int64_t Mpad = pa.panels() * isa.mr, Npad = pb.panels() * isa.nr;
  const int64_t ks = superBlock(Mpad + Npad, K);
  float* buf = t_pack.get(ks * (Mpad + Npad));
  // B first: its panels are read with aligned vector loads (A's elements are broadcast).
  const PackJob b{pb.src, pb.rs, pb.ks, N, isa.nr, buf};
  const PackJob a{pa.src, pa.rs, pa.ks, M, isa.mr, buf + ks * Npad};
  for (int64_t k0 = 0; k0 < K; k0 += ks) {
    const int64_t kk = std::min(ks, K - k0);
    pack(&a, &b, k0, kk);
    computeBlock(isa, M, N, kk, a.dst, b.dst, 0, C, ldc, accumulate || k0 > 0);
  }
}

namespace {
/**
 * A caller's packed-B buffer: buf[0] holds the panel width it was packed with, the panels start at the
 * first 64-byte boundary after it (the micro-kernels load them aligned).
 */
float* alignedStart(float* buf) {
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf + 1) + 63) & ~uintptr_t(63));
}
}  // namespace

int64_t packedBFloats(int64_t K, int64_t N) { return std::max<int64_t>(K * roundUp(N, g_isa->nr), 1) + 17; }

void packBInto(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* buf) {
  buf[0] = float(g_isa->nr);
  const PackJob b{B, transB ? ldb : 1, transB ? 1 : ldb, N, g_isa->nr, alignedStart(buf)};
  if (K > 0 && N > 0) pack(nullptr, &b, 0, K);
}

bool packedBUsable(const float* buf) { return buf[0] == float(g_isa->nr); }

void sgemmPackedB(bool transA, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* buf,
                  float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) {
      for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    }
    return;
  }
  const float* packed = alignedStart(const_cast<float*>(buf));
  const GemmIsa& isa = *g_isa;
  const int64_t Mpad = roundUp(M, isa.mr), Npad = roundUp(N, isa.nr);
  const int64_t ks = superBlock(Mpad, K);
  const PackJob a{A, transA ? 1 : lda, transA ? lda : 1, M, isa.mr, t_pack.get(ks * Mpad)};
  for (int64_t k0 = 0; k0 < K; k0 += ks) {
    const int64_t kk = std::min(ks, K - k0);
    pack(&a, nullptr, k0, kk);
    computeBlock(isa, M, N, kk, a.dst, packed + k0 * Npad, 0, C, ldc, accumulate || k0 > 0);
  }
}

PackedB::PackedB(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb) : K_(K), N_(N) {
  data_ = static_cast<float*>(std::malloc(size_t(packedBFloats(K, N)) * sizeof(float)));
  if (data_ == nullptr) throw std::bad_alloc();
  packBInto(transB, K, N, B, ldb, data_);
}

PackedB::~PackedB() { std::free(data_); }

void PackedB::multiply(bool transA, int64_t M, const float* A, int64_t lda, float* C, int64_t ldc,
                       bool accumulate) const {
  sgemmPackedB(transA, M, N_, K_, A, lda, data_, C, ldc, accumulate);
}

}  // namespace warp
