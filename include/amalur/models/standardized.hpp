#pragma once
// Standardization that keeps the factorized form. Centring is not an
// f(0) = 0 operation: centring a one-hot source would make it dense, and it
// would be wrong on rows a source does not provide. So the standardized
// matrix stays T plus a rank-1 term:
//     T_std = (T - 1 mu^T) D^-1,
//     T_std X     = T (D^-1 X) - 1 (mu^T D^-1 X)
//     T_std^T Y   = D^-1 (T^T Y - mu 1^T Y)
//     T_std^T W T_std = D^-1 (T^T W T - mu (T^T w)^T - (T^T w) mu^T + (1^T w) mu mu^T) D^-1
// with mu the column means and D the population standard deviations (1 for
// a constant column), both weighted by the sample weights when there are any. Coefficients go back to the original scale.

#include "amalur/models/design.hpp"

namespace amalur {

template <class Design>
class standardized {
 public:
  using Scalar = double;

  explicit standardized(const Design& x)
      : standardized(x, x.col_means().template cast<double>(), x.col_variances().template cast<double>().cwiseSqrt()) {}
  /// With sample weights (glmnet's convention): weighted means and variances.
  standardized(const Design& x, const Eigen::VectorXd& weights)
      : standardized(x, weighted_mean(x, weights),
                     x.col_variances(weights.cast<typename Design::Scalar>().eval()).template cast<double>().cwiseSqrt()) {}
  /// With moments computed elsewhere (silo mode: agreed from per-silo sums).
  standardized(const Design& x, Eigen::VectorXd mean, Eigen::VectorXd scale)
      : x_(x), mean_(std::move(mean)), scale_(std::move(scale)) {
    if (mean_.size() != x.cols() || scale_.size() != x.cols())
      detail::fail<dimension_error>("standardized: ", mean_.size(), " means and ", scale_.size(), " scales for ",
                                    x.cols(), " columns");
    for (index_t j = 0; j < scale_.size(); ++j)
      if (!(scale_[j] > 0)) scale_[j] = 1.0;  // a constant column stays as it is
  }

  index_t rows() const { return x_.rows(); }
  index_t cols() const { return x_.cols(); }
  const Eigen::VectorXd& means() const { return mean_; }
  const Eigen::VectorXd& scales() const { return scale_; }

  template <class X>
  Eigen::MatrixXd multiply(const Eigen::MatrixBase<X>& b) const {
    const Eigen::MatrixXd scaled = scale_.cwiseInverse().asDiagonal() * b.template cast<double>();
    Eigen::MatrixXd out = detail::times(x_, scaled);
    out.rowwise() -= mean_.transpose() * scaled;
    return out;
  }
  template <class Y>
  Eigen::MatrixXd transpose_multiply(const Eigen::MatrixBase<Y>& y) const {
    const Eigen::MatrixXd yd = y.template cast<double>();
    Eigen::MatrixXd out = detail::transpose_times(x_, yd);
    out -= mean_ * yd.colwise().sum();
    return scale_.cwiseInverse().asDiagonal() * out;
  }
  Eigen::MatrixXd crossprod(const vector_ref& w) const {
    const Eigen::VectorXd tw = detail::transpose_times(x_, Eigen::MatrixXd(w)).col(0);
    Eigen::MatrixXd g = detail::weighted_crossprod(x_, w);
    g -= mean_ * tw.transpose() + tw * mean_.transpose() - w.sum() * mean_ * mean_.transpose();
    const Eigen::VectorXd inv = scale_.cwiseInverse();
    return inv.asDiagonal() * g * inv.asDiagonal();
  }
  Eigen::MatrixXd crossprod() const { return crossprod(Eigen::VectorXd::Ones(rows())); }

  /// Coefficients on the standardized scale to the original: b = D^-1 b_std,
  /// b0 = b0_std - mu^T D^-1 b_std.
  void to_original(Eigen::VectorXd& coefficients, double& intercept) const {
    coefficients = coefficients.cwiseQuotient(scale_);
    intercept -= mean_.dot(coefficients);
  }

 private:
  static Eigen::VectorXd weighted_mean(const Design& x, const Eigen::VectorXd& w) {
    if (w.size() != x.rows())
      detail::fail<dimension_error>("standardize: ", w.size(), " weights for ", x.rows(), " rows");
    return detail::transpose_times(x, Eigen::MatrixXd(w)).col(0) / w.sum();
  }

  const Design& x_;
  Eigen::VectorXd mean_, scale_;
};

template <class D>
const standardized<D>& as_design(const standardized<D>& t) {
  return t;
}

template <class T>
struct is_standardized : std::false_type {};
template <class D>
struct is_standardized<standardized<D>> : std::true_type {};

}  // namespace amalur
