// Shape simplification shared by the strided kernels (binary, copyStrided): drops size-1 axes and
// merges neighbouring axes that are contiguous in every operand, so that same-shape, scalar and
// row/column broadcasts become one or two long runs. Not here: bounds checks (done in addon.cc).
#pragma once

#include <cstdint>

namespace warp {

/** Most axes a strided kernel accepts (addon.cc rejects more). */
constexpr int kMaxRank = 16;

/** A shape of `rank` axes with K operands' element strides; rank ≥ 1 after coalesce. */
template <int K>
struct StridedShape {
  int rank = 0;
  int64_t shape[kMaxRank];
  int64_t strides[K][kMaxRank];
};

template <int K>
StridedShape<K> coalesce(const int64_t* shape, int rank, const int64_t* const (&strides)[K]) {
  StridedShape<K> c;
  for (int d = 0; d < rank; d++) {
    const int64_t n = shape[d];
    if (n == 1) continue;
    const int last = c.rank - 1;
    bool merge = last >= 0;
    for (int k = 0; k < K && merge; k++) merge = c.strides[k][last] == strides[k][d] * n;
    if (merge) {
      c.shape[last] *= n;
      for (int k = 0; k < K; k++) c.strides[k][last] = strides[k][d];
    } else {
      c.shape[c.rank] = n;
      for (int k = 0; k < K; k++) c.strides[k][c.rank] = strides[k][d];
      c.rank++;
    }
  }
  if (c.rank == 0) {
    c.shape[0] = 1;
    for (int k = 0; k < K; k++) c.strides[k][0] = 0;
    c.rank = 1;
  }
  return c;
}

/**
 * Walks rows (all axes but the last) of a coalesced shape from row r0 on: `offsets[k]` is operand k's
 * element offset of the current row. Decodes r0 once, then steps like an odometer.
 */
template <int K>
struct RowCursor {
  const StridedShape<K>& s;
  int64_t idx[kMaxRank];
  int64_t offsets[K];

  RowCursor(const StridedShape<K>& shape, int64_t r0) : s(shape) {
    for (int k = 0; k < K; k++) offsets[k] = 0;
    int64_t rem = r0;
    for (int d = s.rank - 2; d >= 0; d--) {
      idx[d] = rem % s.shape[d];
      rem /= s.shape[d];
      for (int k = 0; k < K; k++) offsets[k] += idx[d] * s.strides[k][d];
    }
  }

  void next() {
    for (int d = s.rank - 2; d >= 0; d--) {
      if (++idx[d] < s.shape[d]) {
        for (int k = 0; k < K; k++) offsets[k] += s.strides[k][d];
        return;
      }
      idx[d] = 0;
      for (int k = 0; k < K; k++) offsets[k] -= s.strides[k][d] * (s.shape[d] - 1);
    }
  }
};

}  // namespace warp
