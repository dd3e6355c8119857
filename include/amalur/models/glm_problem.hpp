#pragma once
// A GLM objective over a design (linear predictor, deviance, objective,
// gradient at any b): IRLS, L-BFGS and the tests evaluate through it.

#include <utility>

#include "amalur/models/glm_options.hpp"
#include "amalur/models/glm_statistics.hpp"

namespace amalur {

namespace detail {
/// Tag: the caller keeps y alive for the problem's life (glm::fit, fit_lbfgs), so it is read in place.
struct borrow_labels_t {};
inline constexpr borrow_labels_t borrow_labels{};
}  // namespace detail

/// A GLM objective over a design: linear predictor, deviance, objective and
/// gradient at any coefficient vector b = [intercept, coefficients]. IRLS,
/// L-BFGS and the tests (finite differences) all evaluate through it.
template <class Design>
class glm_problem {
 public:
  /// y is copied: the problem may outlive it (an expression, a temporary).
  glm_problem(const glm& spec, const Design& x, const vector_ref& y, const vector_ref& weights,
              const vector_ref& offset)
      : glm_problem(spec, x, y, weights, offset, false) {}
  /// y is read in place (on 2M rows, 16 MB not copied): the caller keeps it alive.
  glm_problem(detail::borrow_labels_t, const glm& spec, const Design& x, const vector_ref& y,
              const vector_ref& weights, const vector_ref& offset)
      : glm_problem(spec, x, y, weights, offset, true) {}
  glm_problem(const glm_problem&) = delete;  // y_ may point into this object's own copy
  glm_problem& operator=(const glm_problem&) = delete;

 private:
  glm_problem(const glm& spec, const Design& x, const vector_ref& y, const vector_ref& weights,
              const vector_ref& offset, bool borrow)
      : spec_(spec),
        x_(x),
        y_own_(borrow ? Eigen::VectorXd() : Eigen::VectorXd(y)),
        y_(borrow ? y : vector_ref(y_own_)),
        offset_(offset) {
    const index_t n = x.rows();
    if (y.size() != n)
      detail::fail<dimension_error>("glm: y has ", y.size(), " entries but the design has ", n, " rows");
    if (weights.size() != 0 && weights.size() != n)
      detail::fail<dimension_error>("glm: weights have ", weights.size(), " entries but the design has ", n,
                                    " rows");
    if (offset.size() != 0 && offset.size() != n)
      detail::fail<dimension_error>("glm: offset has ", offset.size(), " entries but the design has ", n, " rows");
    for (index_t i = 0; i < n; ++i) spec.family().check_label(y[i], i);
    spec.family().check_not_degenerate(y, "y");
    unit_weights_ = weights.size() == 0;
    w_ = unit_weights_ ? Eigen::VectorXd::Ones(n) : Eigen::VectorXd(weights);
    for (index_t i = 0; i < weights.size(); ++i)
      if (!(w_[i] >= 0) || !std::isfinite(w_[i]))
        detail::fail<value_error>("glm: weight at row ", i, " must be finite and >= 0, got ", w_[i]);
    for (index_t i = 0; i < offset.size(); ++i)
      if (!std::isfinite(offset[i])) detail::fail<value_error>("glm: offset at row ", i, " is not finite");
    total_ = w_.sum();
    if constexpr (detail::has_context<Design>::value)
      threads_ = x.context()->threads();
    else
      threads_ = default_threads();
    if (!(total_ > 0)) detail::fail<value_error>("glm: the sample weights sum to zero");
  }

 public:

  index_t rows() const { return x_.rows(); }
  index_t size() const { return x_.cols() + (spec_.intercept() ? 1 : 0); }
  double total_weight() const { return total_; }
  const Eigen::VectorXd& weights() const { return w_; }
  /// No sample weights were given (every weight is 1).
  bool unit_weights() const { return unit_weights_; }
  const Eigen::VectorXd& offset() const { return offset_; }
  const vector_ref& labels() const { return y_; }
  const Design& design() const { return x_; }

  Eigen::VectorXd linear_predictor(const Eigen::VectorXd& b) const {
    Eigen::VectorXd eta;
    linear_predictor(b, eta);
    return eta;
  }
  /// The strategy of X_a b from now on (see strategy_for; automatic by default).
  void use_strategy(strategy s) { strategy_ = s; }
  /// X_a b (+ offset) into eta.
  void linear_predictor(const Eigen::VectorXd& b, Eigen::VectorXd& eta) const {
    if constexpr (detail::has_context<Design>::value && std::is_same_v<typename Design::Scalar, double>) {
      eta.resize(x_.rows());  // a normalized matrix computes into eta's own storage: no second n-vector
      x_.template add_product<operation::multiply>(b.tail(x_.cols()), eta, 1.0, strategy_, true);
    } else {
      eta = detail::times(x_, b.tail(x_.cols()), strategy_);
    }
    if (spec_.intercept()) eta.array() += b[0];
    if (offset_.size()) eta += offset_;
  }
  /// The deviance at eta; false when eta leaves the link's domain.
  bool deviance(const Eigen::VectorXd& eta, double& dev) const {
    Eigen::VectorXd mu(eta.size());
    return deviance(eta, mu, dev);
  }
  /// The same with `mu` (n) as scratch: no allocation. In fixed row blocks
  /// on the design's threads, the blocks' sums added in order: the same
  /// bits for every thread count.
  bool deviance(const Eigen::VectorXd& eta, Eigen::VectorXd& mu, double& dev) const {
    return deviance_blocks(eta, mu, nullptr, dev);
  }
  /// The same, also leaving mu' at eta in `slope` (n): IRLS's next working
  /// state then needs no pass of its own for mu and mu'.
  bool deviance(const Eigen::VectorXd& eta, Eigen::VectorXd& mu, Eigen::Ref<Eigen::VectorXd> slope, double& dev) const {
    return deviance_blocks(eta, mu, &slope, dev);
  }

 private:
  bool deviance_blocks(const Eigen::VectorXd& eta, Eigen::VectorXd& mu, Eigen::Ref<Eigen::VectorXd>* slope,
                       double& dev) const {
    const auto blocks = parallel_row_blocks<std::pair<bool, double>>(eta.size(), threads_, [&](index_t begin, index_t end) {
      const index_t len = end - begin;
      auto mu_k = mu.segment(begin, len);
      double dev_k = 0;
      const bool valid =
          slope ? detail::deviance_and_slope_at(spec_.family(), y_.segment(begin, len), w_.segment(begin, len),
                                                eta.segment(begin, len), mu_k, slope->segment(begin, len), dev_k)
                : detail::deviance_at(spec_.family(), y_.segment(begin, len), w_.segment(begin, len),
                                      eta.segment(begin, len), mu_k, dev_k);
      return std::make_pair(valid, dev_k);
    });
    dev = 0;
    for (const auto& [valid, dev_k] : blocks) {
      if (!valid) return false;
      dev += dev_k;
    }
    return std::isfinite(dev);
  }

 public:
  /// The threads the fit's row passes run on: the design's (its context's for a normalized matrix).
  int threads() const { return threads_; }
  double objective(double dev, const Eigen::VectorXd& b) const {
    const auto pen = b.tail(x_.cols());
    return dev / (2 * total_) + 0.5 * spec_.l2() * pen.squaredNorm() + spec_.l1() * pen.template lpNorm<1>();
  }
  /// Objective without the L1 term, and its gradient; +inf when b is infeasible.
  double smooth_objective(const Eigen::VectorXd& b, Eigen::VectorXd& grad) const {
    const Eigen::VectorXd eta = linear_predictor(b);
    double dev = 0;
    grad = Eigen::VectorXd::Zero(b.size());
    if (!deviance(eta, dev)) return std::numeric_limits<double>::infinity();
    grad = smooth_gradient(b, eta);
    const auto pen = b.tail(x_.cols());
    return dev / (2 * total_) + 0.5 * spec_.l2() * pen.squaredNorm();
  }
  /// Gradient of deviance / (2n) + l2/2 |b|^2 at b (eta = X_a b):
  /// -(1/n) X_a^T (w (y - mu) mu'(eta) / V(mu)) + l2 b.
  Eigen::VectorXd smooth_gradient(const Eigen::VectorXd& b, const Eigen::VectorXd& eta) const {
    const family& f = spec_.family();
    const index_t n = rows(), p = x_.cols();
    Eigen::VectorXd mu(n), d(n), score(n);
    detail::mean_and_derivative(f.link(), eta, mu, d);
    detail::with_variance(f.kind(), mu.array(), [&](const auto& v) {
      score.array() = w_.array() * (y_.array() - mu.array()) * d.array() / v;
    });
    Eigen::VectorXd grad(b.size());
    grad.tail(p) = -detail::transpose_times_ref(x_, score).col(0) / total_ + spec_.l2() * b.tail(p);
    if (spec_.intercept()) grad[0] = -score.sum() / total_;
    return grad;
  }

 private:
  const glm& spec_;
  const Design& x_;
  Eigen::VectorXd y_own_;   // y's copy, unless borrowed
  vector_ref y_;            // y_own_, or the caller's y
  Eigen::VectorXd w_;
  Eigen::VectorXd offset_;  // a copy: callers may pass a temporary
  double total_ = 0;
  bool unit_weights_ = true;
  int threads_ = 1;
  strategy strategy_ = strategy::automatic;
};

}  // namespace amalur
