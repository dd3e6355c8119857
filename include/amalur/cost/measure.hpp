#pragma once
// Measures a part as the cost model counts it: one pass over the source and
// its indicator, once per normalized matrix (the result is shared by copies).

#include <vector>

#include "amalur/core/traits.hpp"
#include "amalur/cost/counts.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/gather_scatter.hpp"
#include "amalur/operators/materialize.hpp"

namespace amalur::kernels {

/// The part's shape; adds its non-zero cells of T to `target_nonzeros`.
template <class S, class Rows>
part_shape shape_of_part(const S& s, const Rows& rows, const part_layout& p, double& target_nonzeros) {
  using Scalar = typename S::Scalar;
  const dense_vector<Scalar> count = row_weights<Rows, Scalar>(rows, nullptr);
  dense_vector<Scalar> row_nonzeros = dense_vector<Scalar>::Zero(s.rows());
  if constexpr (is_sparse_v<S>) {
    const auto target = detail::target_of_source_column(p);
    for (index_t k = 0; k < s.outerSize(); ++k)
      for (typename S::InnerIterator it(s, k); it; ++it)
        if (target[static_cast<std::size_t>(it.col())] != none && it.value() != 0) row_nonzeros[it.row()] += 1;
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
