#pragma once
// The helper threads behind parallel_tasks: started once and kept, so a
// parallel kernel costs a wake-up (microseconds) instead of a thread start
// and join (some 60 us here, several times a GLM step). One pool serves the
// process: the "small std::thread pool in the core", no OpenMP.
//
// A caller posts its job, runs tasks itself, then takes its job back from
// the queue and waits only for helpers that joined it. Tasks are claimed
// from a shared counter and write their own outputs, so which thread runs a
// task changes no bits. With no helper free (a busy pool, or a child after
// fork, which has none) the caller runs every task alone: never a deadlock.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "amalur/core/config.hpp"

namespace amalur::detail {

inline bool& in_parallel_task() {
  static thread_local bool inside = false;
  return inside;
}

class task_pool {
 public:
  /// The process's pool; never destroyed, so kernels called during static
  /// destruction still find it (its threads end with the process).
  static task_pool& shared() {
    static task_pool* const pool = new task_pool();
    return *pool;
  }

  /// Runs call(task, k) for k in [0, count) on the caller and up to
  /// `helpers` pool threads; rethrows the first exception a task threw.
  void run(index_t count, int helpers, void (*call)(void*, index_t), void* task) {
    job j{count, call, task};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (; started_ < helpers; ++started_) std::thread(&task_pool::serve, this, started_).detach();
      for (int h = 0; h < helpers; ++h) queue_.push_back(&j);
      queued_.store(static_cast<int>(queue_.size()), std::memory_order_release);
    }
    if (helpers == 1)
      wake_.notify_one();
    else
      wake_.notify_all();
    j.take_tasks();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queue_.erase(std::remove(queue_.begin(), queue_.end(), &j), queue_.end());
      queued_.store(static_cast<int>(queue_.size()), std::memory_order_release);
      finished_.wait(lock, [&] { return j.joined == 0; });
    }
    if (j.error) std::rethrow_exception(j.error);
  }

 private:
  struct job {
    index_t count;
    void (*call)(void*, index_t);
    void* task;
    std::atomic<index_t> next{0};
    int joined = 0;  // helpers inside take_tasks (guarded by the pool's mutex)
    std::exception_ptr error;
    std::mutex error_mutex;

    job(index_t c, void (*f)(void*, index_t), void* t) : count(c), call(f), task(t) {}
    void take_tasks() {
      bool& inside = in_parallel_task();
      const bool was_inside = inside;
      inside = true;
      for (index_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < count;) {
        try {
          call(task, k);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          next.store(count, std::memory_order_relaxed);  // no new tasks
        }
      }
      inside = was_inside;
    }
  };

  task_pool() = default;

  /// A helper's life: wait for a posted job, join it, report back. Kernels
  /// come in quick succession (a GLM step runs several), so a helper spins
  /// for a while before it blocks: waking a blocked thread goes through the
  /// kernel, which on a virtual machine can take longer than the task, and
  /// the woken thread may be placed on the caller's own core. Measured on a
  /// month of flights, 2 threads, 5 IRLS steps: spawning threads 80 ms,
  /// spinning 0.2 ms 73 ms, spinning 3 ms 70.5 ms (medians of 6). Only as
  /// many helpers as there are other cores spin: more would take the cores
  /// from the callers (a user may ask for more threads than cores).
  void serve(int index) {
    const bool may_spin = index + 1 < static_cast<int>(std::thread::hardware_concurrency());
    for (;;) {
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(may_spin ? 2 : 0);
      for (unsigned spin = 1; may_spin && queued_.load(std::memory_order_acquire) == 0; ++spin) {
        pause();
        if (spin % 64 == 0 && std::chrono::steady_clock::now() > spin_until) break;
      }
      job* j;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty(); });
        j = queue_.back();
        queue_.pop_back();
        queued_.store(static_cast<int>(queue_.size()), std::memory_order_release);
        ++j->joined;
      }
      j->take_tasks();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --j->joined;
      }
      finished_.notify_all();
    }
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::vector<job*> queue_;      // one entry per helper a job wants
  std::atomic<int> queued_{0};   // queue_.size(), for helpers spinning without the lock
  int started_ = 0;
};

}  // namespace amalur::detail
