// The worker pool behind parallel_for: workers sleep on a condition variable between jobs (after watching
// for the next one for 200 µs: the rollouts' step loops post one every ~0.1 ms) and claim
// chunks from an atomic counter, so the caller also steals any chunk a late-waking worker has not
// started (no straggler waits when the other core is busy, e.g. with an OpenBLAS thread).
// Not here: any kernel logic. The pool is created on first use and deliberately never destroyed
// (its detached threads must outlive static destructors at process exit). Its size is the threads every
// kernel uses, GEMM included: WARP_NUM_THREADS, else the CPUs the process may run on.
#include "kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <thread>
#if defined(__linux__)
#include <sched.h>
#endif

namespace warp {
namespace {

struct Job {
  void (*fn)(void*, int64_t, int64_t);
  void* ctx;
  int64_t n;
  int64_t chunkSize;
  int64_t chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
};

// Claims and runs chunks until none are left.
void runChunks(Job& job) {
  for (;;) {
    const int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.chunks) return;
    const int64_t begin = c * job.chunkSize;
    const int64_t end = std::min(job.n, begin + job.chunkSize);
    job.fn(job.ctx, begin, end);
    job.done.fetch_add(1, std::memory_order_release);
  }
}

class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {
    for (int i = 1; i < threads_; i++) std::thread([this] { workerLoop(); }).detach();
  }

  int threads() const { return threads_; }

  void run(int64_t n, void (*fn)(void*, int64_t, int64_t), void* ctx, int64_t grain) {
    std::unique_lock<std::mutex> busy(dispatch_, std::try_to_lock);
    if (!busy.owns_lock()) {
      fn(ctx, 0, n);
      return;
    }
    // A few chunks per thread balance the load when a core is shared. Large chunks start at multiples
    // of 64 units (whole cache lines when units are floats) at a negligible cost in balance.
    const int64_t want = std::min<int64_t>(n, int64_t(threads_) * 4);
    int64_t chunkSize = grain > 0 ? grain : (n + want - 1) / want;
    if (grain <= 0 && chunkSize >= 4096) chunkSize = (chunkSize + 63) / 64 * 64;
    Job job;
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    job.chunkSize = chunkSize;
    job.chunks = (n + chunkSize - 1) / chunkSize;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    runChunks(job);
    // Chunks claimed by workers are finished within about one chunk's time: spin, then yield.
    for (int spins = 0; job.done.load(std::memory_order_acquire) < job.chunks; spins++) {
      if (spins > 1000) std::this_thread::yield();
    }
    // Retire the job and wait for workers still leaving runChunks (they may touch job.next once more).
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = nullptr;
    idle_.wait(lock, [this] { return active_ == 0; });
  }

 private:
  void workerLoop() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      // Step loops (the diagonal rollout) post a job every ~0.1 ms: a worker that has just finished one
      // watches for the next for kSpin before it sleeps, saving the wake-up (~20–30 µs here). Measured on
      // the 2-core VM, the diagonal mnist-ar step: median 180 ms against 205 ms sleeping at once.
      lock.unlock();
      const auto until = std::chrono::steady_clock::now() + kSpin;
      for (int i = 1; generation_.load(std::memory_order_acquire) == seen; i++) {
        if (i % 64 == 0 && std::chrono::steady_clock::now() > until) break;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
      lock.lock();
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
      seen = generation_.load(std::memory_order_relaxed);
      Job* job = job_;
      if (job == nullptr) continue;
      ++active_;
      lock.unlock();
      runChunks(*job);
      lock.lock();
      if (--active_ == 0) idle_.notify_all();
    }
  }

  const int threads_;
  std::mutex dispatch_;  // one job at a time
  std::mutex mutex_;     // guards job_, generation_, active_
  std::condition_variable wake_;
  std::condition_variable idle_;
  Job* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  static constexpr std::chrono::microseconds kSpin{200};
  int active_ = 0;
};

/** WARP_NUM_THREADS when set to a positive integer, else the CPUs this process may run on. */
int threadCount() {
  if (const char* env = std::getenv("WARP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return std::max(1, int(std::thread::hardware_concurrency()));
}

Pool& pool() {
  static Pool* p = new Pool(threadCount());
  return *p;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void parallel_run(int64_t n, void (*fn)(void*, int64_t, int64_t), void* ctx, int64_t grain) {
  pool().run(n, fn, ctx, grain);
}

}  // namespace warp
