// The general strided copy (broadcast, transpose, slice, concat, pad) for float32 and int32 buffers.
// Rows of the coalesced shape are split over the pool only when the destination index map is provably
// one-to-one and src/dst do not overlap, so any other copy keeps its sequential result.
// Not here: offset/bounds checks (addon.cc applies offsets and checks the extents), gather/scatterAdd.
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/strided.h"

namespace warp {
namespace {

// Wrapping int32 add (like JS Int32Array +=) without signed-overflow UB; plain add for float.
inline float addWrap(float x, float y) { return x + y; }
inline int32_t addWrap(int32_t x, int32_t y) { return int32_t(uint32_t(x) + uint32_t(y)); }

// Row-major-like destination: each axis steps over the whole extent of the axes inside it, hence no two
// multi-indices write the same element.
bool injective(const StridedShape<2>& c) {
  int64_t inside = 1;  // extent covered by the axes after d
  for (int d = c.rank - 1; d >= 0; d--) {
    const int64_t s = std::llabs(c.strides[1][d]);
    if (s < inside) return false;
    inside = s * c.shape[d];
  }
  return true;
}

// Whether the element ranges touched by src and dst intersect (an in-place copy must stay sequential).
template <class T>
bool overlapping(const StridedShape<2>& c, const T* src, const T* dst) {
  const T* lo[2] = {src, dst};
  const T* hi[2] = {src, dst};
  for (int k = 0; k < 2; k++) {
    for (int d = 0; d < c.rank; d++) {
      const int64_t reach = c.strides[k][d] * (c.shape[d] - 1);
      (reach < 0 ? lo[k] : hi[k]) += reach;
    }
  }
  return lo[0] <= hi[1] && lo[1] <= hi[0];
}

template <class T>
void copyImpl(const T* src, const int64_t* srcStrides, T* dst, const int64_t* dstStrides, const int64_t* shape,
              int rank, bool accumulate) {
  int64_t total = 1;
  for (int d = 0; d < rank; d++) total *= shape[d];
  if (total == 0) return;
  const StridedShape<2> c = coalesce<2>(shape, rank, {srcStrides, dstStrides});
  const int nd = c.rank;
  const int64_t inner = c.shape[nd - 1];
  const int64_t is = c.strides[0][nd - 1];
  const int64_t id = c.strides[1][nd - 1];
  const int64_t rows = total / inner;
  auto body = [&](int64_t r0, int64_t r1) {
    RowCursor<2> row(c, r0);
    for (int64_t r = r0; r < r1; r++, row.next()) {
      const T* s = src + row.offsets[0];
      T* o = dst + row.offsets[1];
      if (accumulate) {
        if (is == 1 && id == 1) {
          for (int64_t i = 0; i < inner; i++) o[i] = addWrap(o[i], s[i]);
        } else {
          for (int64_t i = 0; i < inner; i++) o[i * id] = addWrap(o[i * id], s[i * is]);
        }
      } else if (is == 1 && id == 1) {
        std::memmove(o, s, size_t(inner) * sizeof(T));
      } else {
        for (int64_t i = 0; i < inner; i++) o[i * id] = s[i * is];
      }
    }
  };
  if (injective(c) && !overlapping(c, src, static_cast<const T*>(dst))) {
    parallel_for(rows, inner, body);
  } else {
    body(0, rows);
  }
}

}  // namespace

void copyStrided(const float* src, const int64_t* srcStrides, float* dst, const int64_t* dstStrides,
                 const int64_t* shape, int rank, bool accumulate) {
  copyImpl(src, srcStrides, dst, dstStrides, shape, rank, accumulate);
}

void copyStrided(const int32_t* src, const int64_t* srcStrides, int32_t* dst, const int64_t* dstStrides,
                 const int64_t* shape, int rank, bool accumulate) {
  copyImpl(src, srcStrides, dst, dstStrides, shape, rank, accumulate);
}

}  // namespace warp
