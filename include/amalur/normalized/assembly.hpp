#pragma once
// Building T from its parts: dense, CSR, or one row. What the materialized strategy and the user's
// `materialize()` run; T is anything with rows(), cols() and for_each_part.

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "amalur/core/error.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/materialize.hpp"

namespace amalur::assembly {

/// T as a dense matrix.
template <class T>
dense_matrix<typename T::Scalar> dense(const T& t) {
  dense_matrix<typename T::Scalar> out = dense_matrix<typename T::Scalar>::Zero(t.rows(), t.cols());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::materialize_into(s, r, p, out); });
  return out;
}

/// Calls f(target row, target column, value) for every non-zero cell of T.
template <class T, class F>
void for_each_nonzero(const T& t, F&& f) {
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::for_each_entry(s, r, p, f); });
}

/// T as CSR: the better materialized form when T is mostly zeros.
template <class T>
csr_matrix<typename T::Scalar> sparse(const T& t) {
  using Scalar = typename T::Scalar;
  using storage = typename csr_matrix<Scalar>::StorageIndex;
  const auto rows = static_cast<std::size_t>(t.rows());
  std::vector<index_t> start(rows + 1, 0);
  for_each_nonzero(t, [&](index_t i, index_t, Scalar) { ++start[static_cast<std::size_t>(i) + 1]; });
  for (std::size_t i = 0; i < rows; ++i) start[i + 1] += start[i];
  const index_t nnz = start.back();
  if (nnz > static_cast<index_t>(std::numeric_limits<storage>::max()))
    detail::fail<dimension_error>("materialize_sparse: ", nnz, " non-zeros overflow the CSR index type");
  std::vector<std::pair<storage, Scalar>> cells(static_cast<std::size_t>(nnz));
  std::vector<index_t> cursor(start.begin(), start.end() - 1);
  for_each_nonzero(t, [&](index_t i, index_t c, Scalar v) {
    cells[static_cast<std::size_t>(cursor[static_cast<std::size_t>(i)]++)] = {static_cast<storage>(c), v};
  });
  csr_matrix<Scalar> out(t.rows(), t.cols());
  out.resizeNonZeros(nnz);
  for (std::size_t i = 0; i <= rows; ++i) out.outerIndexPtr()[i] = static_cast<storage>(start[i]);
  for (std::size_t i = 0; i < rows; ++i) {
    auto first = cells.begin() + start[i], last = cells.begin() + start[i + 1];
    std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto k = start[i]; k < start[i + 1]; ++k) {
      out.innerIndexPtr()[k] = cells[static_cast<std::size_t>(k)].first;
      out.valuePtr()[k] = cells[static_cast<std::size_t>(k)].second;
    }
  }
  return out;
}

/// Row i of T (d), read from the sources.
template <class T>
dense_vector<typename T::Scalar> row(const T& t, index_t i) {
  if (i < 0 || i >= t.rows()) detail::fail<index_error>("row ", i, " of a normalized matrix of ", t.rows(), " rows");
  dense_vector<typename T::Scalar> out = dense_vector<typename T::Scalar>::Zero(t.cols());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    const index_t j = r.source_row(i);
    if (j == none) return;
    for (const auto& c : p.columns) out[c.target] = s.coeff(j, c.source);
  });
  return out;
}

}  // namespace amalur::assembly
