// A tiny fork-join helper for the element-wise kernels and reductions: splits [0, n) into chunks run by
// the calling thread plus a few persistent workers, for every kernel including the GEMM (gemm.cc).
// Not a general scheduler: one job at a time; a call made while another job is running (e.g. from a
// second worker_thread) simply runs serially.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace warp {

/**
 * Below this many element-operations a kernel runs on the calling thread. Measured on the 2-core target
 * VM, waking a worker costs ~20–30 µs: a 2-way split of add/neg/sum only pays off from ~1M elements
 * (1.1–1.6× there, 1.7–2× at 4M) and of exp (cost 8 per element) from ~128k (1.8× at 256k).
 */
constexpr int64_t kParallelMinWork = int64_t(1) << 20;

/** Threads used by parallel_for, counting the caller (WARP_NUM_THREADS, else the CPUs available). */
int pool_threads();

/**
 * Runs fn(ctx, begin, end) over disjoint ranges covering [0, n), possibly concurrently; ranges of `grain`
 * units, or (grain 0) a few per thread.
 */
void parallel_run(int64_t n, void (*fn)(void*, int64_t, int64_t), void* ctx, int64_t grain = 0);

/**
 * Calls body(begin, end) over disjoint ranges covering [0, n) units; `unitCost` is the work of one unit
 * in element-operations and decides whether splitting is worth it.
 */
template <class Body>
void parallel_for(int64_t n, int64_t unitCost, Body&& body, int64_t grain = 0) {
  if (n <= 0) return;
  if (n < 2 || n * unitCost < kParallelMinWork || pool_threads() < 2) {
    body(int64_t(0), n);
    return;
  }
  using Fn = std::remove_reference_t<Body>;
  parallel_run(
      n, [](void* ctx, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(b, e); },
      const_cast<void*>(static_cast<const void*>(&body)), grain);
}

/**
 * parallel_for with every unit claimed on its own, in order: for units of a millisecond or so (GEMM
 * tiles), where a few chunks per thread would leave one thread finishing a long last chunk alone.
 */
template <class Body>
void parallel_for_units(int64_t n, int64_t unitCost, Body&& body) {
  parallel_for(n, unitCost, std::forward<Body>(body), 1);
}

}  // namespace warp
