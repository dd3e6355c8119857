#pragma once
// The indicator side of every rewrite: I_k Y (gather, over a range of
// target rows so T X runs in row blocks), I_k^T X (scatter) and its column
// twin for X T. (The co-occurrence I_a^T diag(w) I_b of the crossprod is
// applied row by row in row_groups.hpp, never built.) Loops run in a fixed
// order, so results do not depend on anything but the input.

#include <algorithm>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/metadata/indicator.hpp"

namespace amalur::kernels {

/// out.row(i) += y.row(row_of[i]) for every target row that takes a source row.
template <class Rows, class Scalar>
void gather_rows_add(const Rows& rows, const dense_matrix<Scalar>& y, nondeduced<dense_mref<Scalar>> out,
                     index_t begin = 0, index_t end = -1) {
  if (end < 0) end = rows.target_rows();
  if constexpr (Rows::is_block) {
    const index_t first = std::max(begin, rows.offset()), last = std::min(end, rows.offset() + rows.source_rows());
    if (first < last) out.middleRows(first, last - first) += y.middleRows(first - rows.offset(), last - first);
  } else {
    const row_index* r = rows.data();
    for (index_t c = 0; c < y.cols(); ++c) {
      const Scalar* yc = y.col(c).data();
      Scalar* oc = out.col(c).data();
      for (index_t i = begin; i < end; ++i) {
        if constexpr (Rows::may_be_none)
          if (r[i] == none) continue;
        oc[i] += yc[r[i]];
      }
    }
  }
}

/// I_k^T X: row j of the result sums the rows of X that take source row j.
template <class Rows, class Scalar>
dense_matrix<Scalar> scatter_rows(const Rows& rows, const dense_cref<Scalar>& x) {
  if constexpr (Rows::is_block) {
    return x.middleRows(rows.offset(), rows.source_rows());
  } else {
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(rows.source_rows(), x.cols());
    const row_index* r = rows.data();
    const index_t n = rows.target_rows(), m = x.cols(), z_stride = z.rows(), x_stride = x.outerStride();
    if (m == 2) {  // one pass over the row index for a GLM's two columns
      const Scalar *x0 = x.data(), *x1 = x0 + x_stride;
      Scalar *z0 = z.data(), *z1 = z0 + z_stride;
      for (index_t i = 0; i < n; ++i) {
        if constexpr (Rows::may_be_none)
          if (r[i] == none) continue;
        z0[r[i]] += x0[i];
        z1[r[i]] += x1[i];
      }
      return z;
    }
    for (index_t c = 0; c < m; ++c) {
      const Scalar* xc = x.col(c).data();
      Scalar* zc = z.col(c).data();
      for (index_t i = 0; i < n; ++i) {
        if constexpr (Rows::may_be_none)
          if (r[i] == none) continue;
        zc[r[i]] += xc[i];
      }
    }
    return z;
  }
}

/// X I_k: column j of the result sums the columns of X that take source row j.
template <class Rows, class Scalar>
dense_matrix<Scalar> scatter_cols(const Rows& rows, const dense_cref<Scalar>& x) {
  if constexpr (Rows::is_block) {
    return x.middleCols(rows.offset(), rows.source_rows());
  } else {
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(x.rows(), rows.source_rows());
    const row_index* r = rows.data();
    const index_t m = x.rows(), stride = x.outerStride();
    const Scalar* xd = x.data();
    Scalar* zd = z.data();
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      if constexpr (Rows::may_be_none)
        if (r[i] == none) continue;
      const Scalar* src = xd + i * stride;
      Scalar* dst = zd + r[i] * m;
      for (index_t k = 0; k < m; ++k) dst[k] += src[k];
    }
    return z;
  }
}

/// I_k^T w (w null: all ones, giving the row multiplicities c_k).
template <class Rows, class Scalar>
dense_vector<Scalar> row_weights(const Rows& rows, const Scalar* w) {
  if constexpr (Rows::is_block) {
    if (w) return Eigen::Map<const dense_vector<Scalar>>(w + rows.offset(), rows.source_rows());
    return dense_vector<Scalar>::Ones(rows.source_rows());
  } else {
    dense_vector<Scalar> c = dense_vector<Scalar>::Zero(rows.source_rows());
    const row_index* r = rows.data();
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      if constexpr (Rows::may_be_none)
        if (r[i] == none) continue;
      c[r[i]] += w ? w[i] : Scalar(1);
    }
    return c;
  }
}

}  // namespace amalur::kernels
