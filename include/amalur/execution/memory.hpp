#pragma once
// Opt-ins for a process's allocator; the library never calls them itself.
// Every n-sized vector is fresh memory whose pages the kernel faults in one
// by one, and a fault costs microseconds on a virtual machine: on a month of
// flights (508,239 rows) a repeated gaussian fit spent more time in page
// faults than in its kernels, and `amalur train` a third of its time.
//  - keep_freed_memory(): freed pages are reused, not faulted in again: for
//    processes that fit again and again (a service, a benchmark, a grid
//    search), and for a program whose phases free and allocate large blocks.
//  - return_free_memory(): hands what is free back to the system, after a
//    phase whose blocks are gone (a program's tables once its design is built).
//  - restart_with_huge_pages(argv): for a program's first touch of its data:
//    glibc backs its large blocks with transparent huge pages (2 MiB: 512
//    times fewer faults). The `amalur` program calls all three.

#include <cstdlib>  // defines __GLIBC__ where the C library is glibc
#include <limits>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__GLIBC__) && defined(__linux__)
#include <unistd.h>

#include <cstring>
#include <string>
#endif

namespace amalur {

/// Keeps freed blocks up to 32 MiB (glibc's largest heap threshold) in the
/// heap and stops trimming its free space, so freed pages are
/// reused rather than faulted in again. The process's peak memory is the same;
/// its memory after a peak stays at that peak. Threads started afterwards
/// (the kernels' helpers start at the first parallel step) share the main
/// heap: a thread's own glibc heap holds at most 64 MiB, and past that glibc
/// unmaps its freed heaps whatever the trim setting, so a helper faulted its
/// blocks in again on every call (on 2 threads, 163 of the cost-model grid's
/// 1,152 factorized timings moved by more than 1.5x between two runs; 74 with
/// one heap). Returns false where the C library offers no such setting
/// (anything but glibc) or a sanitizer's allocator stands in for glibc's:
/// nothing changes there.
inline bool keep_freed_memory() {
#if defined(__GLIBC__)
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1 &&
         mallopt(M_ARENA_MAX, 1) == 1;
#else
  return false;
#endif
}

/// Hands the free memory of every heap back to the system (glibc's
/// malloc_trim, which also releases free pages between blocks in use), so
/// that memory kept by keep_freed_memory() does not add to a later peak.
/// Returns whether any was released; false where the C library is not glibc
/// (or a sanitizer's allocator stands in for glibc's).
inline bool return_free_memory() {
#if defined(__GLIBC__)
  return malloc_trim(0) == 1;
#else
  return false;
#endif
}

/// return_free_memory(), except `count` blocks of `bytes` each, which stay
/// resident for the phase that allocates such blocks next: they are held
/// while the rest is handed back, then freed into the heap, where that
/// phase's allocations of the same size find them. A fit's n-sized vectors
/// otherwise come as fresh pages, cleared one by one: on a virtual machine
/// a repeated month gaussian fit took 63 ms on fresh memory, 15.5 ms on
/// reused memory. Blocks the heap cannot take from its free space come
/// from fresh pages that nothing touches, so they add nothing to the peak.
inline bool return_free_memory_except(std::size_t count, std::size_t bytes) {
#if defined(__GLIBC__)
  std::vector<void*> held;
  held.reserve(count);
  for (std::size_t k = 0; k < count; ++k) held.push_back(std::malloc(bytes));
  const bool released = return_free_memory();
  for (void* block : held) std::free(block);
  return released;
#else
  (void)count;
  (void)bytes;
  return false;
#endif
}

/// Restarts the program (execv of /proc/self/exe with the same arguments)
/// with glibc's malloc asked to back its large blocks with transparent huge
/// pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1: glibc reads its tunables
/// before main, so a program sets them for itself only by restarting), from
/// one heap for every thread (glibc.malloc.arena_max=1, unless the user set
/// it): in a thread's own arena the blocks were not huge-page backed, and 2M
/// flights rows read on 2 threads took 15,000 page faults instead of 2,300
/// (load 0.25 -> 0.15 s; one thread 0.21 s). Call it
/// first thing in main, before any thread or file is opened. Returns (false)
/// without restarting where the tunable is already set, by this restart or by
/// the user (glibc.malloc.hugetlb=0 keeps them off), where the C library is not
/// glibc on Linux, or where the restart fails; on success it does not return.
inline bool restart_with_huge_pages(char** argv) {
#if defined(__GLIBC__) && defined(__linux__)
  const char* before = std::getenv("GLIBC_TUNABLES");
  if (before && std::strstr(before, "glibc.malloc.hugetlb")) return false;
  const std::string saved = before ? before : "";
  std::string tunables = saved.empty() ? "glibc.malloc.hugetlb=1" : saved + ":glibc.malloc.hugetlb=1";
  if (saved.find("glibc.malloc.arena_max") == std::string::npos) tunables += ":glibc.malloc.arena_max=1";
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return false;
  execv("/proc/self/exe", argv);
  if (before) setenv("GLIBC_TUNABLES", saved.c_str(), 1);  // the restart failed: run on as started
  else unsetenv("GLIBC_TUNABLES");
  return false;
#else
  (void)argv;
  return false;
#endif
}

/// Whether glibc's malloc backs this process's large blocks with huge pages
/// (GLIBC_TUNABLES asks for glibc.malloc.hugetlb=1 or 2, as
/// restart_with_huge_pages sets it). New memory then faults in 2 MiB at a
/// time, at about the streaming rate: a hardware profile can price a build's
/// fresh pages at that rate (hardware_profile::fresh_bytes_per_second).
inline bool huge_pages_on() {
#if defined(__GLIBC__) && defined(__linux__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables &&
         (std::strstr(tunables, "glibc.malloc.hugetlb=1") || std::strstr(tunables, "glibc.malloc.hugetlb=2"));
#else
  return false;
#endif
}

}  // namespace amalur
