#pragma once
// Whether the tests run on glibc's allocator, whose settings
// amalur/execution/memory.hpp changes: a sanitizer brings its own allocator,
// which takes no glibc settings.
#include <cstdlib>  // defines __GLIBC__ where the C library is glibc

namespace amalur_test {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool glibc_allocator = false;
#elif defined(__GLIBC__)
inline constexpr bool glibc_allocator = true;
#else
inline constexpr bool glibc_allocator = false;
#endif
}  // namespace amalur_test
