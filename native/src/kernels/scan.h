// Float32 diagonal linear recurrence of the native backend, one-to-one with the `diagonalScan` and
// `diagonalScanVjp` entries of the Kernels interface (src/backends/kernels.ts) and with the cpu kernels
// (src/backends/cpu/scan.ts) they are tested against. Not here: argument checking (src/addon.cc).
#pragma once

#include <cstdint>

namespace warp {

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

struct StepVjpArgs {
  int64_t N, P, Din;
  double clip;  // ≤ 0, NaN or ±Infinity: no clipping
};
/**
 * One step of the diagonal autoregressive rollout's backward in one pass over the rows: g = (dTheta +
 * carry) ⊙ [θ not clipped]; carry ← a ⊙ g; da += Σ_n g ⊙ thetaPrev; dB += gᵀ inc; dInc ← g B (double sums).
 */
void diagonalStepVjp(const float* a, const float* thetaPrev, const float* theta, const float* dTheta, float* carry,
                     const float* inc, const float* B, double* da, double* dB, float* dInc, const StepVjpArgs& args);

}  // namespace warp
