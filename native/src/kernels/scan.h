// Float32 diagonal linear recurrence of the native backend, one-to-one with the `diagonalScan` and
// `diagonalScanVjp` entries of the Kernels interface (src/backends/kernels.ts) and with the cpu kernels
// (src/backends/cpu/scan.ts) they are tested against. Not here: argument checking (src/addon.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace warp {

/** Whether a clip bound clips: finite and positive (≤ 0, NaN or ±Infinity: no clipping). */
inline bool clipping(double c) { return c > 0 && std::isfinite(c); }

/**
 * x where `keep`, else +0, without a branch (clip masks of θ at its bound are unpredictable): the bits
 * ANDed with an all-ones or all-zeros mask, exact for every x (NaN, ±Inf, −0).
 */
inline float keepIf(bool keep, float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits &= 0u - uint32_t(keep);
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

struct ScanArgs {
  int64_t N, T, P;
  double clip;    // ≤ 0, NaN or ±Infinity: no clipping
  int64_t chunk;  // ≥ 1 and < T: the chunked associative scan over time (no clipping); else sequential
};
/** θ_t = clip(a ⊙ θ_{t−1} + U_t), t = 1..T. a (P); U, out (N, T, P); theta0 (N, P). */
void diagonalScan(const float* a, const float* U, const float* theta0, float* out, const ScanArgs& args);
/** Backward of diagonalScan; da (P), dU (N, T, P), dTheta0 (N, P) are overwritten. */
void diagonalScanVjp(const float* a, const float* theta0, const float* out, const float* dOut, float* da,
                     float* dU, float* dTheta0, const ScanArgs& args);

}  // namespace warp
