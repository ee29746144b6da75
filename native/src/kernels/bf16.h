// The bf16 transition products of `model.transition_dtype: bf16`: C (M×N) += bf16(X) (M×K) · bf16(W)ᵀ,
// W (N×K), both operands rounded to bfloat16 (round to nearest even, subnormals flushed to zero as the
// AVX512-BF16 instructions do), products exact in float32, sums in float32. W is packed once per
// forward (pack_bf16: A′ for the step, A′ᵀ for its backward) and reused at every step; the gradient
// dA = bf16(G)ᵀ·bf16(Θ) over all steps' rows is matmul_bf16_tn. Where the CPU has AVX512-BF16 and the
// GEMM runs its avx512 kernels, vdpbf16ps does the dot products; otherwise the same rounded operands go
// through the float32 GEMM (same products, float32 sums in another order). Not here: argument
// validation (addon.cc).
#pragma once

#include <cstdint>

namespace warp {

/** The bfloat16 rounding of x as float32 bits (low 16 bits zero): RNE, subnormals → ±0, NaN quieted. */
inline uint32_t bf16_bits(float x) {
  uint32_t b;
  __builtin_memcpy(&b, &x, 4);
  if ((b & 0x7F800000u) == 0) return b & 0x80000000u;                           // ±0 and subnormals
  if ((b & 0x7FFFFFFFu) > 0x7F800000u) return (b | 0x00400000u) & 0xFFFF0000u;  // NaN, quiet
  return (b + 0x7FFFu + ((b >> 16) & 1u)) & 0xFFFF0000u;
}

/** 32-bit words of the packed form of an N×K matrix: N rounded up to 32, K to pairs. */
int64_t bf16_packed_words(int64_t N, int64_t K);

/**
 * Packs W (N×K, row-major) rounded to bfloat16 into panels of 16 rows: word (j·K2 + k2)·16 + l of panel j
 * holds the pair (W[16j + l][2k2], W[16j + l][2k2 + 1]) (even element in the low half), K2 = ⌈K/2⌉;
 * zero past the matrix edges.
 */
void pack_bf16(const float* w, int64_t N, int64_t K, uint32_t* packed);

/** C (M×N, row-major) += bf16(X) (M×K, row-major) · W′ᵀ for W′ packed by pack_bf16. */
void matmul_bf16(const float* x, int64_t M, int64_t N, int64_t K, const uint32_t* packed, float* c);

/**
 * C (M×N, row-major) (+)= bf16(A)ᵀ·bf16(B), A (K×M) and B (K×N) row-major: the transition's gradient
 * dA = Σ_t g_tᵀ θ_{t−1} over all stashed rows (or over one chunk of them, accumulated). Pairs of rows are packed per block of K (the AVX512-BF16
 * path) or rounded and sent through the float32 GEMM (the emulation); float32 sums either way.
 */
void matmul_bf16_tn(const float* a, const float* b, int64_t M, int64_t N, int64_t K, float* c, bool accumulate);

/** The path matmul_bf16 takes now: "avx512bf16" or "emulated". */
const char* bf16_path();

}  // namespace warp
