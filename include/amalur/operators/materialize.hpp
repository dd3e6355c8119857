#pragma once
// Building the target T from one part: the materialized twin's input.
// Dense T (column copies through the indicator) or CSR T (row by row).

#include <algorithm>
#include <utility>
#include <vector>

#include "amalur/core/traits.hpp"
#include "amalur/metadata/layout.hpp"

namespace amalur::kernels {

namespace detail {
/// A sparse source in row-major order (a reference when it already is).
template <class S>
decltype(auto) row_major(const S& s) {
  using Scalar = typename S::Scalar;
  if constexpr (std::is_same_v<S, csr_matrix<Scalar>>)
    return (s);
  else
    return csr_matrix<Scalar>(s);
}

inline std::vector<index_t> target_of_source_column(const part_layout& p) {
  std::vector<index_t> target(static_cast<std::size_t>(p.source_cols), none);
  for (const auto& c : p.columns) target[static_cast<std::size_t>(c.source)] = c.target;
  return target;
}
}  // namespace detail

/// Calls f(target row, target column, value) for every non-zero cell the part provides.
template <class S, class Rows, class F>
void for_each_entry(const S& s, const Rows& rows, const part_layout& p, F&& f) {
  if constexpr (is_sparse_v<S>) {
    const auto& r = detail::row_major(s);
    const auto target = detail::target_of_source_column(p);
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      const index_t j = rows.source_row(i);
      if (j == none) continue;
      for (typename std::decay_t<decltype(r)>::InnerIterator it(r, j); it; ++it) {
        const index_t c = target[static_cast<std::size_t>(it.col())];
        if (c != none && it.value() != 0) f(i, c, it.value());
      }
    }
  } else {
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      const index_t j = rows.source_row(i);
      if (j == none) continue;
      for (const auto& c : p.columns) {
        const auto v = s(j, c.source);
        if (v != 0) f(i, c.target, v);
      }
    }
  }
}

/// Writes the part's cells into a dense T (n x d), zero elsewhere.
template <class S, class Rows>
void materialize_into(const S& s, const Rows& rows, const part_layout& p, dense_mref<typename S::Scalar> t) {
  using Scalar = typename S::Scalar;
  if constexpr (is_sparse_v<S>) {
    for_each_entry(s, rows, p, [&](index_t i, index_t c, Scalar v) { t(i, c) = v; });
  } else if constexpr (Rows::is_block) {
    for (const auto& c : p.columns) t.col(c.target).segment(rows.offset(), rows.source_rows()) = s.col(c.source);
  } else {
    const index_t n = rows.target_rows();
    for (const auto& c : p.columns) {
      auto src = s.col(c.source);
      Scalar* tc = t.col(c.target).data();
      for (index_t i = 0; i < n; ++i) {
        const index_t j = rows.source_row(i);
        if (j != none) tc[i] = src[j];
      }
    }
  }
}

}  // namespace amalur::kernels
