#pragma once
// L-BFGS fits (target amalur::lbfgs, Debian's header-only LBFGS++): for wide
// designs, where the Newton system (d x d) costs more than a few passes over
// the data. Each evaluation is one T * b and one T^T r, factorized on a
// normalized matrix. Also the solver behind custom models (models/custom.hpp).

#include <LBFGS.h>

#include <stdexcept>

#include "amalur/models/glm.hpp"

namespace amalur {

struct lbfgs_options {
  int max_iterations = 500;
  double gradient_tolerance = 1e-8;   // ||g|| < max(eps, eps_rel ||b||)
  double relative_tolerance = 1e-12;  // relative change of the objective between iterations
  progress_callback on_progress;
};

namespace detail {
struct stop_requested {};

/// Minimizes f(b, grad) from b; returns (iterations, converged, message).
template <class F>
std::tuple<int, bool, std::string> run_lbfgs(F&& f, Eigen::VectorXd& b, double& fx, const lbfgs_options& opt) {
  LBFGSpp::LBFGSParam<double> param;
  param.epsilon = opt.gradient_tolerance;
  param.epsilon_rel = opt.gradient_tolerance;
  param.past = 1;
  param.delta = opt.relative_tolerance;
  param.max_iterations = opt.max_iterations;
  LBFGSpp::LBFGSSolver<double> solver(param);
  stopwatch clock;
  int evaluations = 0;
  auto counted = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    const double v = f(x, g);
    if (opt.on_progress && !opt.on_progress({++evaluations, v, clock.seconds()})) throw stop_requested{};
    return v;
  };
  try {
    const int it = solver.minimize(counted, b, fx);
    const bool converged = it < opt.max_iterations;
    return {it, converged, converged ? "" : "no convergence in " + std::to_string(opt.max_iterations) + " iterations"};
  } catch (const stop_requested&) {
    return {evaluations, false, "stopped by the progress callback"};
  } catch (const std::exception& e) {
    return {evaluations, false, std::string("L-BFGS stopped: ") + e.what()};
  }
}
}  // namespace detail

/// Fits `spec` (family, link, intercept, l2) by L-BFGS. L1 needs the
/// proximal Newton solver of glm::fit.
template <class X>
glm_fit fit_lbfgs(const glm& spec, const X& x_in, const vector_ref& y, const vector_ref& weights = Eigen::VectorXd(),
                  const vector_ref& offset = Eigen::VectorXd(), lbfgs_options opt = {}) {
  if (spec.l1() > 0) detail::fail<value_error>("fit_lbfgs: L-BFGS handles l2 only; use glm::fit for l1");
  const auto& x = as_design(x_in);
  const glm_problem<std::decay_t<decltype(x)>> problem(detail::borrow_labels, spec, x, y, weights, offset);
  if (!opt.on_progress) opt.on_progress = spec.progress();
  // Start from the intercept-only mean, which is inside every link's domain.
  Eigen::VectorXd b = Eigen::VectorXd::Zero(problem.size());
  if (spec.intercept()) b[0] = spec.family().link_fn(spec.family().initial_mean(problem.weights().dot(y) / problem.total_weight()));
  double fx = 0;
  auto [iterations, converged, message] = detail::run_lbfgs(
      [&](const Eigen::VectorXd& v, Eigen::VectorXd& g) { return problem.smooth_objective(v, g); }, b, fx, opt);
  glm_fit out;
  out.family = spec.family();
  out.has_intercept = spec.intercept();
  out.rows = x.rows();
  out.iterations = iterations;
  out.converged = converged;
  out.message = message;
  const Eigen::VectorXd eta = problem.linear_predictor(b);
  double dev = 0;
  if (!problem.deviance(eta, dev)) detail::fail<value_error>("fit_lbfgs: the solution left the link's domain");
  detail::finish_fit(problem, spec, b, eta, dev, problem.objective(dev, b), out);
  return out;
}

}  // namespace amalur
