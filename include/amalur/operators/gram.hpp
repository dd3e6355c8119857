#pragma once
// Gram matrices A^T diag(c) A of one matrix: the diagonal blocks of every
// crossprod, factorized or materialized.

#include <algorithm>

#include "amalur/core/traits.hpp"
#include "amalur/operators/materialize.hpp"
#include "amalur/operators/products.hpp"

namespace amalur::kernels {

/// A^T A of a dense A as a symmetric rank update (half the flops of a
/// general product), mirrored into a full matrix.
template <class Scalar>
EIGEN_DONT_INLINE dense_matrix<Scalar> symmetric_gram(const dense_cref<Scalar>& a) {
  dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(a.cols(), a.cols());
  g.template selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
  g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
  return g;
}

/// S^T diag(c) S for a sparse S, row by row: every unordered pair of
/// non-zeros in a row meets once (the upper triangle; the result is
/// symmetric, so the lower one is mirrored: half the flops of all pairs).
/// Faster than a sparse-sparse product when d is moderate.
template <class S, class Scalar = typename S::Scalar>
dense_matrix<Scalar> sparse_weighted_gram(const S& s, const vector_cref<Scalar>& c) {
  return detail::csr_weighted_gram<Scalar>(detail::row_major(s), c);
}

/// S^T diag(c) S for any S: c >= 0 on a dense S goes through rank updates
/// of sqrt(c) S; negative weights through general products.
template <class S, class Scalar = typename S::Scalar>
dense_matrix<Scalar> weighted_gram_of(const S& s, const vector_cref<Scalar>& c) {
  if constexpr (is_sparse_v<S>) {
    return sparse_weighted_gram(s, c);
  } else {
    // Block by block of rows, so the scaled rows stay in cache and no n x d
    // copy is made (on 2M rows, one column of S scaled is 16 MB).
    const index_t n = s.rows(), d = s.cols();
    const bool nonnegative = (c.array() >= Scalar(0)).all();
    const index_t step = std::max<index_t>(256, (index_t(1) << 15) / std::max<index_t>(1, d));
    dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(d, d), scaled(std::min(step, n), d);
    for (index_t begin = 0; begin < n; begin += step) {
      const index_t len = std::min(step, n - begin);
      auto rows = scaled.topRows(len);
      if (nonnegative) {
        rows.noalias() = c.segment(begin, len).cwiseSqrt().asDiagonal() * s.middleRows(begin, len);
        g.template selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
      } else {
        rows.noalias() = c.segment(begin, len).asDiagonal() * s.middleRows(begin, len);
        g.noalias() += s.middleRows(begin, len).transpose() * rows;
      }
    }
    if (nonnegative) g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
  }
}

}  // namespace amalur::kernels
