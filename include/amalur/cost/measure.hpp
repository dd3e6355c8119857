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

/// What the parts on one gathered indicator share: how many target rows
/// take each source row, and whether they take them in order.
struct indicator_counts {
  dense_vector<double> count;
  bool ordered_rows = true;
};
template <class Rows>
indicator_counts count_rows(const Rows& rows) {
  indicator_counts c;
  c.count = row_weights<Rows, double>(rows, nullptr);
  index_t last = 0;
  for (index_t i = 0; i < rows.target_rows() && c.ordered_rows; ++i) {
    const index_t j = rows.source_row(i);
    if (j == none) continue;
    c.ordered_rows = j >= last;
    last = j;
  }
  return c;
}

/// The part's shape; adds its non-zero cells of T to `target_nonzeros`.
/// A block indicator takes each source row once, so its parts need no
/// per-row counts (no n-sized vectors for the fact table's parts); a
/// gathered one's counts (`counts`, count_rows) serve all its parts.
template <class S, class Rows>
part_shape shape_of_part(const S& s, const Rows& rows, const part_layout& p, double& target_nonzeros,
                         const indicator_counts& counts = {}) {
  using Scalar = typename S::Scalar;
  const dense_vector<double>& count = counts.count;  // how many target rows take each source row
  if constexpr (!Rows::is_block)
    if (count.size() != rows.source_rows())
      amalur::detail::fail<value_error>("shape_of_part: the counts are not this indicator's (an amalur bug)");
  double stored = 0, in_target = 0;
  if constexpr (is_sparse_v<S>) {
    const bool each_column_mapped = static_cast<index_t>(p.columns.size()) == p.source_cols;
    if (Rows::is_block && s.isCompressed() && each_column_mapped) {
      // Every stored value is one cell of T: count the non-zero values in one
      // vectorized pass, not row by row (the month's fact table: 1M values).
      const Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>> values(s.valuePtr(), s.nonZeros());
      stored = in_target = static_cast<double>((values != Scalar(0)).count());
    } else {
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
    }
  } else {
    stored = static_cast<double>(s.rows()) * static_cast<double>(p.columns.size());
    for (const auto& c : p.columns) {
      const auto nonzero = s.col(c.source).array() != Scalar(0);
      if constexpr (Rows::is_block)
        in_target += static_cast<double>(nonzero.count());
      else
        in_target += nonzero.template cast<double>().matrix().dot(count);
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
  if constexpr (!Rows::is_block) shape.ordered_rows = counts.ordered_rows;
  return shape;
}

}  // namespace amalur::kernels
