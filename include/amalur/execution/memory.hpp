#pragma once
// An opt-in for processes that fit again and again (a service, a benchmark,
// a grid search): keep freed memory in the process instead of handing it back.
// glibc returns large freed blocks to the system, so each fit's n-sized
// vectors fault every page in anew; a fault costs microseconds on a virtual
// machine, and on a month of flights (508,239 rows) a repeated gaussian fit
// spent more time in page faults than in its kernels. The library never calls
// this itself: the allocator is the process's to tune.

#include <cstdlib>  // defines __GLIBC__ where the C library is glibc
#include <limits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace amalur {

/// Keeps freed blocks up to 32 MiB (glibc's largest heap threshold) in the
/// heap and stops trimming its free space, so freed pages are
/// reused rather than faulted in again. The process's peak memory is the same;
/// its memory after a peak stays at that peak. Returns false where the C
/// library offers no such setting (anything but glibc): nothing changes there.
inline bool keep_freed_memory() {
#if defined(__GLIBC__)
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1;
#else
  return false;
#endif
}

}  // namespace amalur
