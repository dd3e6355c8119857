#pragma once
// Mapping matrices M_k (d x d_k), stored compressed as the target column of
// each source column (or amalur::dropped). A mapping is either fixed at
// compile time, static_columns<2, 3, 4>, whose size and shape are constexpr,
// or a run-time column_map.

#include <algorithm>
#include <array>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

namespace detail {
template <std::size_t N>
constexpr bool all_valid(const std::array<index_t, N>& c) {
  for (std::size_t i = 0; i < N; ++i)
    if (c[i] < 0 && c[i] != dropped) return false;
  return true;
}
template <std::size_t N>
constexpr bool all_distinct(const std::array<index_t, N>& c) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (c[i] != dropped && c[i] == c[j]) return false;
  return true;
}

/// Shared by both mapping kinds: every entry a target column or dropped,
/// no target column twice.
inline void check_columns(const index_t* col_of, index_t size, index_t source_cols) {
  if (size != source_cols)
    fail<dimension_error>("column mapping lists ", size, " columns but the source has ", source_cols);
  for (index_t j = 0; j < size; ++j) {
    if (col_of[j] < 0 && col_of[j] != dropped)
      fail<index_error>("column mapping: source column ", j, " maps to target column ", col_of[j],
                        " (negative; use amalur::dropped to leave a column out)");
    for (index_t k = 0; k < j; ++k)
      if (col_of[j] != dropped && col_of[j] == col_of[k])
        fail<metadata_error>("column mapping: source columns ", k, " and ", j,
                             " both map to target column ", col_of[j]);
  }
}
}  // namespace detail

/// Compile-time mapping: source column j is target column Cs[j].
template <index_t... Cs>
struct static_columns {
  static constexpr std::array<index_t, sizeof...(Cs)> col_of{Cs...};
  static_assert(sizeof...(Cs) > 0, "amalur::columns<...>: a source must map at least one column");
  static_assert(detail::all_valid(col_of),
                "amalur::columns<...>: a target column is negative (use amalur::dropped)");
  static_assert(detail::all_distinct(col_of),
                "amalur::columns<...>: two source columns map to the same target column");

  static constexpr index_t size() { return static_cast<index_t>(sizeof...(Cs)); }
  static constexpr const index_t* data() { return col_of.data(); }
  void check(index_t source_cols) const { detail::check_columns(data(), size(), source_cols); }
};

/// Run-time mapping.
class column_map {
 public:
  column_map() = default;
  explicit column_map(std::vector<index_t> col_of) : col_of_(std::move(col_of)) {}

  index_t size() const { return static_cast<index_t>(col_of_.size()); }
  const index_t* data() const { return col_of_.data(); }
  void check(index_t source_cols) const { detail::check_columns(data(), size(), source_cols); }

 private:
  std::vector<index_t> col_of_;
};

/// Do two mappings map the same source columns to the same target columns?
template <class A, class B>
bool same_columns(const A& a, const B& b) {
  return a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
}
template <index_t... A, index_t... B>
bool operator==(const static_columns<A...>& a, const static_columns<B...>& b) { return same_columns(a, b); }
inline bool operator==(const column_map& a, const column_map& b) { return same_columns(a, b); }

/// columns<2, 3, 4>(): the schema is fixed at compile time.
template <index_t... Cs>
constexpr static_columns<Cs...> columns() {
  return {};
}
/// columns({2, 3, 4}): the schema is known at run time.
inline column_map columns(std::vector<index_t> col_of) { return column_map(std::move(col_of)); }
/// The block first, first + 1, ..., first + count - 1.
inline column_map column_block(index_t first, index_t count) {
  std::vector<index_t> c(static_cast<std::size_t>(count));
  for (index_t j = 0; j < count; ++j) c[static_cast<std::size_t>(j)] = first + j;
  return column_map(std::move(c));
}

}  // namespace amalur
