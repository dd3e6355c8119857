#pragma once
// Column statistics of one part, for the factorized mean and the centred
// (population, ddof 0) variance: sum_j c[j] (S[j, col] - mu)^2 over the
// source rows, weighted by how many target rows take each.

#include <vector>

#include "amalur/core/traits.hpp"
#include "amalur/cost/counts.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/gather_scatter.hpp"

namespace amalur::kernels {

/// Adds to `squares[c]` the centred sum of squares of the part's cells in
/// target column c, and to `provided[c]` how many target rows the part fills.
template <class S, class Rows, class Scalar>
void centred_squares(const S& s, const Rows& rows, const part_layout& p, const dense_vector<Scalar>& mean,
                     dense_vector<Scalar>& squares, dense_vector<Scalar>& provided) {
  const dense_vector<Scalar> count = row_weights<Rows, Scalar>(rows, nullptr);
  const Scalar total = count.sum();
  if constexpr (is_sparse_v<S>) {
    // Zeros of S count as (0 - mu)^2; non-zeros correct that term.
    std::vector<index_t> target(static_cast<std::size_t>(p.source_cols), none);
    for (const auto& c : p.columns) target[static_cast<std::size_t>(c.source)] = c.target;
    for (const auto& c : p.columns) squares[c.target] += total * mean[c.target] * mean[c.target];
    for (index_t k = 0; k < s.outerSize(); ++k)
      for (typename S::InnerIterator it(s, k); it; ++it) {
        const index_t c = target[static_cast<std::size_t>(it.col())];
        if (c == none) continue;
        const Scalar mu = mean[c], v = it.value();
        squares[c] += count[it.row()] * ((v - mu) * (v - mu) - mu * mu);
      }
  } else {
    for (const auto& c : p.columns)
      squares[c.target] += (count.array() * (s.col(c.source).array() - mean[c.target]).square()).sum();
  }
  for (const auto& c : p.columns) provided[c.target] += total;
}

/// The part as the cost model counts it; adds the part's non-zero cells of
/// T to `target_nonzeros`. One pass over the source and the indicator.
template <class S, class Rows>
part_shape shape_of_part(const S& s, const Rows& rows, const part_layout& p, double& target_nonzeros) {
  using Scalar = typename S::Scalar;
  const dense_vector<Scalar> count = row_weights<Rows, Scalar>(rows, nullptr);
  dense_vector<Scalar> row_nonzeros = dense_vector<Scalar>::Zero(s.rows());
  if constexpr (is_sparse_v<S>) {
    std::vector<char> included(static_cast<std::size_t>(p.source_cols), 0);
    for (const auto& c : p.columns) included[static_cast<std::size_t>(c.source)] = 1;
    for (index_t k = 0; k < s.outerSize(); ++k)
      for (typename S::InnerIterator it(s, k); it; ++it)
        if (included[static_cast<std::size_t>(it.col())] && it.value() != 0) row_nonzeros[it.row()] += 1;
  } else {
    for (const auto& c : p.columns) row_nonzeros += (s.col(c.source).array() != Scalar(0)).template cast<Scalar>().matrix();
  }
  target_nonzeros += static_cast<double>(count.dot(row_nonzeros));
  part_shape shape;
  shape.source_rows = static_cast<double>(s.rows());
  shape.source_cols = static_cast<double>(p.columns.size());
  shape.nonzeros = is_sparse_v<S> ? static_cast<double>(row_nonzeros.sum()) : shape.source_rows * shape.source_cols;
  shape.taken_rows = static_cast<double>(count.sum());
  shape.sparse = is_sparse_v<S>;
  shape.block_rows = Rows::is_block;
  return shape;
}

}  // namespace amalur::kernels
