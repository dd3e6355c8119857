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
template <class S, class Scalar>
dense_matrix<Scalar> sparse_weighted_gram(const S& s, const dense_vector<Scalar>& c) {
  return detail::csr_weighted_gram<Scalar>(detail::row_major(s), c);
}

/// S^T diag(c) S for any S: c >= 0 on a dense S goes through the rank update
/// of sqrt(c) S; negative weights through a general product.
template <class S, class Scalar>
dense_matrix<Scalar> weighted_gram_of(const S& s, const dense_vector<Scalar>& c) {
  if constexpr (is_sparse_v<S>) {
    return sparse_weighted_gram(s, c);
  } else {
    if ((c.array() >= Scalar(0)).all()) return symmetric_gram<Scalar>(dense_matrix<Scalar>(c.cwiseSqrt().asDiagonal() * s));
    dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(s.cols(), s.cols());
    add_transpose_times(s, dense_matrix<Scalar>(c.asDiagonal() * s), g);
    return g;
  }
}

}  // namespace amalur::kernels
