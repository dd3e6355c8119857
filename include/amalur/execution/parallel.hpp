#pragma once
// Deterministic parallelism for the kernels, on std::thread (the core stays
// Eigen-only: no OpenMP; the helpers are kept in execution/task_pool.hpp,
// which needs no configuring). Work is cut into tasks whose
// boundaries depend on the data's shape only, never on the thread count; a
// task writes its own output and the caller combines outputs in task order,
// so every thread count gives bit-identical results. A kernel called from
// inside a task runs serially.
//
// The thread count: amalur::set_default_threads(n) for the process (0, the
// default, means every core), or execution_context::set_threads(n) for one
// matrix. Eigen's own products run single-threaded inside the tasks; users
// who build with -fopenmp should define EIGEN_DONT_PARALLELIZE (or call
// Eigen::setNbThreads(1)) so Eigen does not split them again.

#include <algorithm>
#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"
#include "amalur/execution/task_pool.hpp"
#include "amalur/execution/task_sizes.hpp"

namespace amalur {

namespace detail {
inline std::atomic<int>& default_threads_slot() {
  static std::atomic<int> slot{0};
  return slot;
}
}  // namespace detail

/// This machine's cores (at least 1).
inline int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}
/// The thread count of contexts that set none: every core unless set.
inline int default_threads() {
  const int n = detail::default_threads_slot().load(std::memory_order_relaxed);
  return n > 0 ? n : hardware_threads();
}
/// Sets the process-wide thread count (0: every core); thread-safe.
inline void set_default_threads(int threads) {
  if (threads < 0) detail::fail<value_error>("set_default_threads: ", threads, " threads; use 1 or more, or 0 for every core");
  detail::default_threads_slot().store(threads, std::memory_order_relaxed);
}

/// The threads worth using for tasks of the given work: 1 when the tasks
/// beside the largest are too small to pay for a helper thread. The work
/// comes from shapes, and the cut never depends on the thread count, so the
/// results are the same bits either way.
inline int threads_worth(const std::vector<double>& task_work, int threads) {
  double total = 0, largest = 0;
  for (double w : task_work) {
    total += w;
    largest = std::max(largest, w);
  }
  return total - largest < kParallelWorkMin ? 1 : threads;
}

namespace detail {
/// The threads themselves, compiled once per program rather than once per
/// kernel: the kernels' tasks reach it through a plain function pointer.
inline void run_tasks(index_t count, int threads, void (*call)(void*, index_t), void* task) {
  if (count <= 0) return;
  const index_t workers = in_parallel_task() ? 1 : std::min<index_t>(std::max(threads, 1), count);
  if (workers == 1) {
    for (index_t k = 0; k < count; ++k) call(task, k);
    return;
  }
  task_pool::shared().run(count, static_cast<int>(workers - 1), call, task);
}
}  // namespace detail

/// Runs task(k) for every k in [0, count) on up to `threads` threads, the
/// caller's among them; serially inside another task. The first exception
/// a task throws is rethrown here once every thread has stopped.
template <class Task>
void parallel_tasks(index_t count, int threads, Task&& task) {
  using task_type = std::remove_reference_t<Task>;
  detail::run_tasks(count, threads, [](void* t, index_t k) { (*static_cast<task_type*>(t))(k); },
                    const_cast<void*>(static_cast<const void*>(&task)));
}

namespace detail {
/// Task numbers by decreasing work, ties in task order (outside the
/// templates: one sort per program, not one per task type).
inline std::vector<index_t> largest_first(const std::vector<double>& work) {
  std::vector<index_t> order(work.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<index_t>(k);
  std::sort(order.begin(), order.end(), [&](index_t a, index_t b) {
    const double wa = work[static_cast<std::size_t>(a)], wb = work[static_cast<std::size_t>(b)];
    return wa > wb || (!(wb > wa) && a < b);
  });
  return order;
}
}  // namespace detail

/// parallel_tasks over tasks of the given work (see threads_worth), started
/// largest first so that a few large tasks do not end on one thread after
/// the small ones. Each task writes its own output: the order changes no bits.
template <class Task>
void parallel_tasks_by_work(const std::vector<double>& work, int threads, Task&& task) {
  const std::vector<index_t> order = detail::largest_first(work);
  parallel_tasks(static_cast<index_t>(order.size()), threads_worth(work, threads),
                 [&](index_t k) { task(order[static_cast<std::size_t>(k)]); });
}

/// Runs body(begin, end) over [0, n) in fixed blocks of kTaskRows, in parallel:
/// for kernels whose blocks write disjoint outputs.
template <class Body>
void parallel_rows(index_t n, int threads, Body&& body) {
  const index_t blocks = (n + kTaskRows - 1) / kTaskRows;
  parallel_tasks(blocks, threads, [&](index_t b) { body(b * kTaskRows, std::min(n, (b + 1) * kTaskRows)); });
}

/// Runs body(begin, end) -> Result over the same fixed blocks in parallel and
/// returns the blocks' results in block order: sums the caller adds in that
/// order are the same bits for every thread count.
template <class Result, class Body>
std::vector<Result> parallel_row_blocks(index_t n, int threads, Body&& body) {
  std::vector<Result> out(static_cast<std::size_t>((n + kTaskRows - 1) / kTaskRows));
  parallel_rows(n, threads, [&](index_t begin, index_t end) { out[static_cast<std::size_t>(begin / kTaskRows)] = body(begin, end); });
  return out;
}

}  // namespace amalur
