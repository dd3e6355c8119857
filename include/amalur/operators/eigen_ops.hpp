#pragma once
// The operator set on a plain Eigen matrix (dense or sparse): the
// materialized twin of every factorized operator, and what models run on
// when given an Eigen matrix.

#include "amalur/core/error.hpp"
#include "amalur/core/traits.hpp"
#include "amalur/operators/part_kernels.hpp"

namespace amalur::eigen_ops {

inline void check(index_t got, index_t expected, const char* op) {
  if (got != expected) detail::fail<dimension_error>(op, ": X has ", got, " where T needs ", expected);
}

template <class T, class X>
auto multiply(const T& t, const Eigen::MatrixBase<X>& x) {
  check(x.rows(), t.cols(), "T * X");
  return column_result<typename T::Scalar, X>(t * x);
}
template <class T, class X>
auto transpose_multiply(const T& t, const Eigen::MatrixBase<X>& x) {
  check(x.rows(), t.rows(), "T^T * X");
  return column_result<typename T::Scalar, X>(t.transpose() * x);
}
template <class T, class X>
auto left_multiply(const T& t, const Eigen::MatrixBase<X>& x) {
  check(x.cols(), t.rows(), "X * T");
  return row_result<typename T::Scalar, X>(x * t);
}
template <class T, class X>
auto left_multiply_transpose(const T& t, const Eigen::MatrixBase<X>& x) {
  check(x.cols(), t.cols(), "X * T^T");
  return row_result<typename T::Scalar, X>(x * t.transpose());
}

/// T^T T; dense: a symmetric rank update (half the flops of a general product).
template <class T>
dense_matrix<typename T::Scalar> crossprod(const T& t) {
  using Scalar = typename T::Scalar;
  if constexpr (is_sparse_v<T>) {
    return kernels::sparse_weighted_gram(t, dense_vector<Scalar>::Ones(t.rows()).eval());
  } else {
    dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(t.cols(), t.cols());
    g.template selfadjointView<Eigen::Lower>().rankUpdate(t.transpose());
    g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
  }
}
/// T^T diag(w) T.
template <class T>
dense_matrix<typename T::Scalar> crossprod(const T& t, const dense_vector<typename T::Scalar>& w) {
  using Scalar = typename T::Scalar;
  check(w.size(), t.rows(), "T^T diag(w) T");
  if constexpr (is_sparse_v<T>) {
    return kernels::sparse_weighted_gram(t, w);
  } else {
    const dense_matrix<Scalar> wt = w.asDiagonal() * t;
    dense_matrix<Scalar> g(t.cols(), t.cols());
    g.noalias() = t.transpose() * wt;
    return g;
  }
}

/// Population column variances (ddof 0), centred.
template <class T>
dense_vector<typename T::Scalar> col_variances(const T& t) {
  using Scalar = typename T::Scalar;
  const dense_vector<Scalar> mean = (t.transpose() * dense_vector<Scalar>::Ones(t.rows())) / Scalar(t.rows());
  if constexpr (is_sparse_v<T>) {
    // Zeros count as (0 - mu)^2; the non-zeros correct that term.
    dense_vector<Scalar> sq = mean.array().square() * static_cast<Scalar>(t.rows());
    for (index_t k = 0; k < t.outerSize(); ++k)
      for (typename T::InnerIterator it(t, k); it; ++it) {
        const Scalar mu = mean[it.col()], v = it.value();
        sq[it.col()] += (v - mu) * (v - mu) - mu * mu;
      }
    return sq / static_cast<Scalar>(t.rows());
  } else {
    // Column by column: one streaming pass each, no n x d temporary.
    dense_vector<Scalar> var(t.cols());
    for (index_t c = 0; c < t.cols(); ++c) var[c] = (t.col(c).array() - mean[c]).square().sum() / Scalar(t.rows());
    return var;
  }
}

/// ||row i||^2 for every row.
template <class T>
dense_vector<typename T::Scalar> row_squared_norms(const T& t) {
  using Scalar = typename T::Scalar;
  if constexpr (is_sparse_v<T>)
    return t.cwiseAbs2() * dense_vector<Scalar>::Ones(t.cols());
  else
    return t.rowwise().squaredNorm();
}
template <class T>
bool any_negative(const T& t) {
  if constexpr (is_sparse_v<T>) {
    for (index_t k = 0; k < t.outerSize(); ++k)
      for (typename T::InnerIterator it(t, k); it; ++it)
        if (it.value() < 0) return true;
    return false;
  } else {
    return (t.array() < 0).any();
  }
}

/// Row i of T as a dense vector.
template <class T>
dense_vector<typename T::Scalar> row(const T& t, index_t i) {
  if (i < 0 || i >= t.rows()) detail::fail<index_error>("row ", i, " of a matrix of ", t.rows(), " rows");
  return dense_vector<typename T::Scalar>(t.row(i).transpose());
}

}  // namespace amalur::eigen_ops
