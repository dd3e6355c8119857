#pragma once
// What a model trains on: anything with the operator set (rows, cols,
// multiply, transpose_multiply, crossprod(w), ...): a normalized matrix
// (factorized), a materialized_matrix, or a plain Eigen matrix seen through
// matrix_view. Models are written once against this set, so the strategy is
// a choice of argument, not a second implementation.

#include <chrono>
#include <functional>

#include "amalur/materialized/materialized_matrix.hpp"
#include "amalur/normalized/normalized_base.hpp"

namespace amalur {

/// How models take labels, weights and offsets: any dense vector or
/// expression (a slice `y(rows)`, a block, a Map) without a copy where it
/// already is one.
using vector_ref = Eigen::Ref<const Eigen::VectorXd>;

template <class D>
const D& as_design(const normalized_base<D>& t) {
  return static_cast<const D&>(t);
}
template <class S>
const materialized_matrix<S>& as_design(const materialized_matrix<S>& t) {
  return t;
}
template <class M>
const matrix_view<M>& as_design(const matrix_view<M>& t) {
  return t;
}
template <class D>
matrix_view<D> as_design(const Eigen::MatrixBase<D>& m) {
  return matrix_view<D>(m.derived());
}
template <class D>
matrix_view<D> as_design(const Eigen::SparseMatrixBase<D>& m) {
  return matrix_view<D>(m.derived());
}

/// Reported by long fits after each iteration; return false to stop the fit.
struct progress {
  int iteration = 0;
  double objective = 0;
  double seconds = 0;
};
using progress_callback = std::function<bool(const progress&)>;

namespace detail {
/// Seconds since construction, for progress reports.
class stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// X B in double, whatever the design's scalar type (a vector when B is one).
template <class Design, class B>
column_result<double, B> times(const Design& x, const Eigen::MatrixBase<B>& b) {
  using Scalar = typename Design::Scalar;
  if constexpr (std::is_same_v<Scalar, double>)
    return x.multiply(b.derived());  // returned as is: cast<double> would hand back a const reference, then a copy
  else
    return x.multiply(column_result<Scalar, B>(b.template cast<Scalar>())).template cast<double>();
}
/// X^T V in double.
template <class Design>
Eigen::MatrixXd transpose_times(const Design& x, const Eigen::MatrixXd& v) {
  using Scalar = typename Design::Scalar;
  return x.transpose_multiply(v.cast<Scalar>().eval()).template cast<double>();
}
/// X^T diag(w) X in double; no copy of w when the design's scalar is double.
template <class Design>
Eigen::MatrixXd weighted_crossprod(const Design& x, const vector_ref& w) {
  using Scalar = typename Design::Scalar;
  if constexpr (std::is_same_v<Scalar, double>)
    return x.crossprod(w);
  else
    return x.crossprod(w.cast<Scalar>().eval()).template cast<double>();
}
/// X^T X in double: the unweighted kernels read no weights (a gaussian fit
/// without sample weights: the month of flights' crossprod, 1 thread, 9.9-10.4 -> 9.5-9.8 ms).
template <class Design>
Eigen::MatrixXd crossprod_of(const Design& x) {
  if constexpr (std::is_same_v<typename Design::Scalar, double>)
    return x.crossprod();
  else
    return x.crossprod().template cast<double>();
}
/// X b + b0: the linear predictor of every linear model's predict.
template <class Design>
Eigen::VectorXd linear_predictor(const Design& x, const Eigen::VectorXd& coefficients, double intercept) {
  if (x.cols() != coefficients.size())
    fail<dimension_error>("predict: the design has ", x.cols(), " columns but the model has ", coefficients.size(),
                          " coefficients");
  Eigen::VectorXd eta = times(x, coefficients);
  eta.array() += intercept;
  return eta;
}
}  // namespace detail

}  // namespace amalur
