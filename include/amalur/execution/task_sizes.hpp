#pragma once
// How the kernels cut work into tasks: shared by the threads that run them
// (execution/parallel.hpp) and the cost model that predicts them
// (cost/counts.hpp). Plain constants, no dependencies.

#include <cstddef>

namespace amalur {

/// Rows per task where kernels cut target rows: fixed, so the cut is the same for any thread count.
inline constexpr std::ptrdiff_t kTaskRows = 32768;

/// Work (stored entries touched) that tasks beside the largest must add up to
/// before a helper thread pays for its start (tens of microseconds).
inline constexpr double kParallelWorkMin = 131072;

/// About what handing a parallel operator's steps to the kept helper threads
/// costs (execution/task_pool.hpp: a few us while they spin, some 100 us
/// once they have blocked; up to two steps an operator).
inline constexpr double kThreadStartSeconds = 4e-5;

}  // namespace amalur
