#pragma once
// Small counts fixed at compile time for the row loops of the crossprod
// kernels: a loop over a group's few dense columns or CSR parts, or over a
// one-column dense block, unrolls when its count is a constant and keeps its
// pointers in registers; through run-time counts each row pays the loop's
// setup and reloads (2-2.8x slower on the flights fact table).

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "amalur/core/config.hpp"

namespace amalur::kernels::detail {

/// Calls f(std::integral_constant<int, count>) when count <= Most, else
/// f(std::integral_constant<int, -1>) (the count read at run time).
template <int Most, int N = 0, class F>
void with_fixed_count(index_t count, F&& f) {
  if constexpr (N > Most) {
    f(std::integral_constant<int, -1>{});
  } else {
    if (count == N) f(std::integral_constant<int, N>{});
    else with_fixed_count<Most, N + 1>(count, std::forward<F>(f));
  }
}

/// N items copied into the loop's own storage (N >= 0), or read from the vector (N = -1).
template <class T, int N>
struct fixed_list {
  std::array<T, static_cast<std::size_t>(N)> items;
  explicit fixed_list(const std::vector<T>& v) {
    for (std::size_t k = 0; k < items.size(); ++k) items[k] = v[k];
  }
  static constexpr index_t size() { return N; }
  const T& operator[](index_t k) const { return items[static_cast<std::size_t>(k)]; }
};
template <class T>
struct fixed_list<T, -1> {
  const std::vector<T>& items;
  explicit fixed_list(const std::vector<T>& v) : items(v) {}
  index_t size() const { return static_cast<index_t>(items.size()); }
  const T& operator[](index_t k) const { return items[static_cast<std::size_t>(k)]; }
};

}  // namespace amalur::kernels::detail
