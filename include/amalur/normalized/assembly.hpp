#pragma once
// Building T from its parts: dense, CSR, or one row. What the materialized strategy and the user's
// `materialize()` run; T is anything with rows(), cols() and for_each_part.

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

/// T as CSR: the better materialized form when T is mostly zeros. Two passes over the parts (count,
/// then fill) write Eigen's arrays in place; a row whose parts gave its columns out of order is put in
/// order where it lies, which costs nothing for the common row that is already sorted.
template <class T>
csr_matrix<typename T::Scalar> sparse(const T& t) {
  using Scalar = typename T::Scalar;
  using storage = typename csr_matrix<Scalar>::StorageIndex;
  const auto rows = static_cast<std::size_t>(t.rows());
  std::vector<index_t> cursor(rows + 1, 0);
  for_each_nonzero(t, [&](index_t i, index_t, Scalar) { ++cursor[static_cast<std::size_t>(i) + 1]; });
  for (std::size_t i = 0; i < rows; ++i) cursor[i + 1] += cursor[i];
  const index_t nnz = cursor.back();
  if (nnz > static_cast<index_t>(std::numeric_limits<storage>::max()))
    detail::fail<dimension_error>("materialize_sparse: ", nnz, " non-zeros overflow the CSR index type");
  csr_matrix<Scalar> out(t.rows(), t.cols());
  out.resizeNonZeros(nnz);
  storage* const outer = out.outerIndexPtr();
  storage* const inner = out.innerIndexPtr();
  Scalar* const value = out.valuePtr();
  for (std::size_t i = 0; i <= rows; ++i) outer[i] = static_cast<storage>(cursor[i]);
  for_each_nonzero(t, [&](index_t i, index_t c, Scalar v) {
    const auto k = static_cast<std::size_t>(cursor[static_cast<std::size_t>(i)]++);
    inner[k] = static_cast<storage>(c);
    value[k] = v;
  });
  for (std::size_t i = 0; i < rows; ++i) {
    // Insertion sort on the two arrays: rows are short and nearly always in order already.
    for (storage k = outer[i] + 1; k < outer[i + 1]; ++k) {
      const storage c = inner[k];
      if (inner[k - 1] <= c) continue;
      const Scalar v = value[k];
      storage m = k;
      for (; m > outer[i] && inner[m - 1] > c; --m) {
        inner[m] = inner[m - 1];
        value[m] = value[m - 1];
      }
      inner[m] = c;
      value[m] = v;
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
