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
/// A block indicator takes each source row once, so its parts need no
/// per-row counts (no n-sized vectors for the fact table's parts).
template <class S, class Rows>
part_shape shape_of_part(const S& s, const Rows& rows, const part_layout& p, double& target_nonzeros) {
  using Scalar = typename S::Scalar;
  dense_vector<Scalar> count;  // how many target rows take each source row
  if constexpr (!Rows::is_block) count = row_weights<Rows, Scalar>(rows, nullptr);
  double stored = 0, in_target = 0;
  if constexpr (is_sparse_v<S>) {
    const auto target = detail::target_of_source_column(p);
    for (index_t k = 0; k < s.outerSize(); ++k)
      for (typename S::InnerIterator it(s, k); it; ++it)
        if (target[static_cast<std::size_t>(it.col())] != none && it.value() != 0) {
          stored += 1;
          if constexpr (Rows::is_block)
            in_target += 1;
          else
            in_target += static_cast<double>(count[it.row()]);
        }
  } else {
    stored = static_cast<double>(s.rows()) * static_cast<double>(p.columns.size());
    for (const auto& c : p.columns) {
      const auto nonzero = s.col(c.source).array() != Scalar(0);
      if constexpr (Rows::is_block)
        in_target += static_cast<double>(nonzero.count());
      else
        in_target += static_cast<double>(nonzero.template cast<Scalar>().matrix().dot(count));
    }
  }
  target_nonzeros += in_target;
  part_shape shape;
  shape.source_rows = static_cast<double>(s.rows());
  shape.source_cols = static_cast<double>(p.columns.size());
  shape.nonzeros = stored;
  shape.taken_rows = Rows::is_block ? shape.source_rows : static_cast<double>(count.sum());
  shape.sparse = is_sparse_v<S>;
  shape.block_rows = Rows::is_block;
  if constexpr (!Rows::is_block) {
    shape.ordered_rows = true;
    index_t last = 0;
    for (index_t i = 0; i < rows.target_rows() && shape.ordered_rows; ++i) {
      const index_t j = rows.source_row(i);
      if (j == none) continue;
      shape.ordered_rows = j >= last;
      last = j;
    }
  }
  return shape;
}

}  // namespace amalur::kernels
