#pragma once
// Your own model on the operator set: give a per-row loss of the linear
// predictor eta = X b + b0, and amalur minimizes
//     (1/n) sum_i loss(y_i, eta_i) + l2 / 2 ||b||^2
// by L-BFGS, with the gradient (1/n) X^T loss'(y, eta) computed factorized.
// A loss is any type with
//     double value(double y, double eta) const;
//     double derivative(double y, double eta) const;   // d value / d eta
// (see examples/huber_regression.cpp).

#include <type_traits>

#include "amalur/models/lbfgs.hpp"

namespace amalur {

template <class L, class = void>
struct is_row_loss : std::false_type {};
template <class L>
struct is_row_loss<L, std::void_t<decltype(double(std::declval<const L&>().value(0.0, 0.0))),
                                  decltype(double(std::declval<const L&>().derivative(0.0, 0.0)))>>
    : std::true_type {};

struct custom_fit {
  double intercept = 0;
  Eigen::VectorXd coefficients;
  double objective = 0;
  double gradient_norm = 0;
  int iterations = 0;
  bool converged = false;
  std::string message;

  template <class X>
  Eigen::VectorXd predict_link(const X& x) const {
    return detail::linear_predictor(as_design(x), coefficients, intercept);
  }
};

struct custom_options {
  bool intercept = true;
  double l2 = 0;
  lbfgs_options solver;
};

template <class Loss, class X>
custom_fit fit_custom(const Loss& loss, const X& x_in, const vector_ref& y, const custom_options& opt = {}) {
  static_assert(is_row_loss<Loss>::value,
                "amalur::fit_custom: the loss needs value(y, eta) and derivative(y, eta), both returning double");
  const auto& x = as_design(x_in);
  const index_t n = x.rows(), p = x.cols(), o = opt.intercept ? 1 : 0;
  if (y.size() != n) detail::fail<dimension_error>("fit_custom: y has ", y.size(), " entries, the design ", n, " rows");
  if (!y.allFinite()) detail::fail<value_error>("fit_custom: y holds a non-finite value");
  auto objective = [&](const Eigen::VectorXd& b, Eigen::VectorXd& grad) {
    Eigen::VectorXd eta = detail::times(x, b.tail(p));
    if (opt.intercept) eta.array() += b[0];
    double value = 0;
    Eigen::VectorXd d(n);
    for (index_t i = 0; i < n; ++i) {
      value += loss.value(y[i], eta[i]);
      d[i] = loss.derivative(y[i], eta[i]);
    }
    grad.resize(b.size());
    grad.tail(p) = detail::transpose_times(x, Eigen::MatrixXd(d)).col(0) / static_cast<double>(n) + opt.l2 * b.tail(p);
    if (opt.intercept) grad[0] = d.sum() / static_cast<double>(n);
    return value / static_cast<double>(n) + 0.5 * opt.l2 * b.tail(p).squaredNorm();
  };
  Eigen::VectorXd b = Eigen::VectorXd::Zero(p + o);
  custom_fit out;
  auto [iterations, converged, message] = detail::run_lbfgs(objective, b, out.objective, opt.solver);
  Eigen::VectorXd grad;
  out.objective = objective(b, grad);
  out.gradient_norm = grad.norm();
  out.intercept = opt.intercept ? b[0] : 0.0;
  out.coefficients = b.tail(p);
  out.iterations = iterations;
  out.converged = converged && b.allFinite();
  out.message = message;
  return out;
}

}  // namespace amalur
