#pragma once
// The indicator side of every rewrite: I_k Y (gather), I_k^T X (scatter),
// their column twins for X T and X T^T, and I_a^T diag(w) I_b (co-occurrence).
// Block kinds (identity, offset) never get here for gathers: the operators
// use Eigen blocks for them. Loops run in a fixed order, so results do not
// depend on anything but the input.

#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/metadata/indicator.hpp"

namespace amalur::kernels {

/// out.row(i) += y.row(row_of[i]) for every target row that takes a source row.
template <class Rows, class Scalar>
void gather_rows_add(const Rows& rows, const dense_matrix<Scalar>& y, nondeduced<dense_mref<Scalar>> out) {
  if constexpr (Rows::is_block) {
    out.middleRows(rows.offset(), rows.source_rows()) += y;
  } else {
    const index_t* r = rows.data();
    const index_t n = rows.target_rows();
    for (index_t c = 0; c < y.cols(); ++c) {
      const Scalar* yc = y.col(c).data();
      Scalar* oc = out.col(c).data();
      for (index_t i = 0; i < n; ++i) {
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
    const index_t* r = rows.data();
    const index_t n = rows.target_rows();
    for (index_t c = 0; c < x.cols(); ++c) {
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

/// out.col(i) += v.col(row_of[i]): the gather for X T^T.
template <class Rows, class Scalar>
void gather_cols_add(const Rows& rows, const dense_matrix<Scalar>& v, nondeduced<dense_mref<Scalar>> out) {
  if constexpr (Rows::is_block) {
    out.middleCols(rows.offset(), rows.source_rows()) += v;
  } else {
    // Raw loops: the columns are short (m = rows of X, often 1).
    const index_t* r = rows.data();
    const index_t m = v.rows(), stride = out.outerStride();
    Scalar* o = out.data();
    const Scalar* vd = v.data();
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      if constexpr (Rows::may_be_none)
        if (r[i] == none) continue;
      const Scalar* src = vd + r[i] * m;
      Scalar* dst = o + i * stride;
      for (index_t k = 0; k < m; ++k) dst[k] += src[k];
    }
  }
}

/// X I_k: column j of the result sums the columns of X that take source row j.
template <class Rows, class Scalar>
dense_matrix<Scalar> scatter_cols(const Rows& rows, const dense_cref<Scalar>& x) {
  if constexpr (Rows::is_block) {
    return x.middleCols(rows.offset(), rows.source_rows());
  } else {
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(x.rows(), rows.source_rows());
    const index_t* r = rows.data();
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
dense_vector<Scalar> row_weights(const Rows& rows, const dense_vector<Scalar>* w) {
  if constexpr (Rows::is_block) {
    if (w) return w->segment(rows.offset(), rows.source_rows());
    return dense_vector<Scalar>::Ones(rows.source_rows());
  } else {
    dense_vector<Scalar> c = dense_vector<Scalar>::Zero(rows.source_rows());
    const index_t* r = rows.data();
    for (index_t i = 0; i < rows.target_rows(); ++i) {
      if constexpr (Rows::may_be_none)
        if (r[i] == none) continue;
      c[r[i]] += w ? (*w)[i] : Scalar(1);
    }
    return c;
  }
}

namespace detail {
/// CSR with at most one entry per row: row `ra` holds (row_b(ra), weight).
template <class Scalar, class RowOf, class Weight>
csr_matrix<Scalar> one_per_row(index_t rows, index_t cols, RowOf row_b, Weight weight) {
  csr_matrix<Scalar> c(rows, cols);
  index_t nnz = 0;
  for (index_t ra = 0; ra < rows; ++ra) nnz += row_b(ra) != none;
  c.resizeNonZeros(nnz);
  auto* outer = c.outerIndexPtr();
  auto* inner = c.innerIndexPtr();
  Scalar* value = c.valuePtr();
  index_t k = 0;
  outer[0] = 0;
  for (index_t ra = 0; ra < rows; ++ra) {
    const index_t rb = row_b(ra);
    if (rb != none) {
      inner[k] = static_cast<typename csr_matrix<Scalar>::StorageIndex>(rb);
      value[k++] = weight(ra);
    }
    outer[ra + 1] = static_cast<typename csr_matrix<Scalar>::StorageIndex>(k);
  }
  return c;
}
}  // namespace detail

/// C = I_a^T diag(w) I_b (n_a x n_b): how often (weighted) source row p of a
/// and source row q of b meet in one target row. Its size depends on the data.
template <class Scalar, class RowsA, class RowsB>
csr_matrix<Scalar> cooccurrence(const RowsA& a, const RowsB& b, const dense_vector<Scalar>* w) {
  auto wt = [w](index_t i) { return w ? (*w)[i] : Scalar(1); };
  if constexpr (RowsA::is_block) {
    const index_t off = a.offset();
    return detail::one_per_row<Scalar>(
        a.source_rows(), b.source_rows(), [&](index_t ra) { return b.source_row(ra + off); },
        [&](index_t ra) { return wt(ra + off); });
  } else if constexpr (RowsB::is_block) {
    const index_t off = b.offset();
    csr_matrix<Scalar> ct = detail::one_per_row<Scalar>(
        b.source_rows(), a.source_rows(), [&](index_t rb) { return a.source_row(rb + off); },
        [&](index_t rb) { return wt(rb + off); });
    return ct.transpose();
  } else {
    std::vector<Eigen::Triplet<Scalar>> entries;
    entries.reserve(static_cast<std::size_t>(a.target_rows()));
    for (index_t i = 0; i < a.target_rows(); ++i) {
      const index_t ra = a.source_row(i), rb = b.source_row(i);
      if (ra != none && rb != none) entries.emplace_back(ra, rb, wt(i));
    }
    csr_matrix<Scalar> c(a.source_rows(), b.source_rows());
    c.setFromTriplets(entries.begin(), entries.end());
    return c;
  }
}

}  // namespace amalur::kernels
