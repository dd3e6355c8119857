// The allocator settings of amalur/execution/memory.hpp, in a process of
// their own: a thread's heap is fixed when the thread first allocates, so the
// check needs a thread that starts after keep_freed_memory().

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include <amalur/execution/memory.hpp>

#include "allocator.hpp"

namespace {
#if defined(RUSAGE_THREAD)
long thread_page_faults() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}
#endif
}  // namespace

TEST_CASE("after keep_freed_memory a new thread reuses its freed blocks past a thread heap's 64 MiB",
          "[memory]") {
  const bool kept = amalur::keep_freed_memory();
  if (!amalur_test::glibc_allocator) return;  // nothing to check: the setting does not apply
  CHECK(kept);
#if defined(RUSAGE_THREAD)
  // Four 20 MiB blocks per round: 80 MiB, past one thread heap. In a heap of
  // the thread's own every round faulted 10,241 pages in again; with the
  // main heap the third round takes the first rounds' pages.
  std::vector<long> faults;
  std::thread worker([&] {
    for (int round = 0; round < 3; ++round) {
      const long before = thread_page_faults();
      std::vector<std::vector<double>> blocks;
      for (int k = 0; k < 4; ++k) blocks.emplace_back(std::size_t(20) << 17, 1.0 + k);
      faults.push_back(blocks.back().back() == 4.0 ? thread_page_faults() - before : -1);
    }
  });
  worker.join();
  REQUIRE(faults.size() == 3);
  CHECK(faults[0] > 10000);  // the first round does touch fresh pages: the count measures them
  CHECK(faults[2] >= 0);
  CHECK(faults[2] < 1000);
#endif
}
