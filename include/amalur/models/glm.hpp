#pragma once
// Generalized linear models (Gaussian, Binomial, Poisson, Gamma) fitted by
// IRLS / Newton on the weighted crossprod T^T W T, which a normalized matrix
// computes factorized. Objective in glmnet's convention:
//     deviance / (2 n) + l2 / 2 ||b||^2 + l1 ||b||_1,   intercept not penalized,
// with n the sum of the sample weights. L1 (elastic net) by proximal Newton:
// coordinate descent on the small Gram matrix, stopping on the KKT conditions.
//
//   auto fit = amalur::glm(amalur::binomial()).l2(1e-3).fit(T, y);
//   Eigen::VectorXd p = fit.predict(T);

#include "amalur/models/glm_options.hpp"
#include "amalur/models/glm_problem.hpp"
#include "amalur/models/glm_solvers.hpp"
#include "amalur/models/glm_statistics.hpp"
#include "amalur/models/standardized.hpp"

namespace amalur {

template <class X>
glm_fit glm::fit(const X& x_in, const vector_ref& y, const vector_ref& weights, const vector_ref& offset) const {
  const auto& x = as_design(x_in);
  if constexpr (!is_standardized<std::decay_t<decltype(x)>>::value) if (standardize_) {
    const auto xs = weights.size() ? standardized<std::decay_t<decltype(x)>>(x, weights)
                                   : standardized<std::decay_t<decltype(x)>>(x);
    glm plain = *this;
    plain.standardize_ = false;
    glm_fit fit = plain.fit(xs, y, weights, offset);
    xs.to_original(fit.coefficients, fit.intercept);
    if (fit.standard_errors.size()) fit.standard_errors = fit.standard_errors.cwiseQuotient(xs.scales());
    fit.intercept_standard_error = std::numeric_limits<double>::quiet_NaN();  // needs the full covariance
    return fit;
  }
  using design_type = std::decay_t<decltype(x)>;
  glm_problem<design_type> problem(detail::borrow_labels, *this, x, y, weights, offset);
  const index_t n = x.rows(), p = x.cols(), o = intercept_ ? 1 : 0, q = p + o;
  const Eigen::VectorXd& w = problem.weights();
  const double total = problem.total_weight();

  glm_fit out;
  out.family = family_;
  out.has_intercept = intercept_;
  out.rows = n;
  detail::stopwatch clock;

  // Gaussian with identity link: the working weights are the prior weights
  // and the working response is y - offset, whatever eta, so one weighted
  // least squares solve is the solution (without L1, `iterations` is then 1:
  // it counts the Newton systems solved). For every family the last system
  // serves the standard errors (finish_fit).
  const bool fixed_weights = family_.kind() == family_kind::gaussian && family_.link() == link_kind::identity;
  const bool exact_in_one_step = fixed_weights && l1_ == 0;
  // Unit weights and no offset: the deviance at the one step's solution is
  // the RSS, y^T y - 2 b^T X_a^T y + b^T X_a^T X_a b from the system just
  // solved, with no T b and no pass over the rows (the month of flights, one
  // thread: 16.0-16.3 -> 12.7-13.1 ms). The expansion loses the digits of its terms'
  // size: where the RSS is under 1e-4 of them, the pass computes it.
  const bool deviance_from_system = exact_in_one_step && problem.unit_weights() && offset.size() == 0;
  const double y_squared = deviance_from_system ? y.squaredNorm() : 0.0;
  // One step knows all its products, so one decision serves them (strategy_for).
  const operation gram_op = problem.unit_weights() ? operation::crossprod : operation::weighted_crossprod;
  const strategy how = exact_in_one_step ? detail::strategy_for(x, {{gram_op, 1},
                                                                    {operation::transpose_multiply, 2},
                                                                    {operation::multiply, deviance_from_system ? 0.0 : 1.0}})
                                         : strategy::automatic;
  problem.use_strategy(how);
  detail::irls_workspace ws(n);
  // Start as R does: from the family's initial means, not from b = 0 (with
  // fixed weights no step reads eta before the first one writes it).
  if (!fixed_weights) detail::initial_eta(family_, y, offset, ws.eta);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(q);
  detail::irls_track track;
  if (fixed_weights) {
    ws.v.col(0) = w;
    if (offset.size())
      ws.v.col(1) = w.cwiseProduct(y - offset);
    else
      ws.v.col(1) = w.cwiseProduct(y);
  }

  detail::newton_system sys;
  detail::newton_system final_system;  // the last system solved, unscaled: X_a^T W X_a and X_a^T W z
  Eigen::VectorXd curvature;   // the last Newton system's diagonal, to scale the final gradient
  // mu and mu' at eta: from the first step on, the deviance pass that accepted
  // eta left them in ws.mu and v's second column.
  bool have_slope = false;
  for (int it = 1; it <= max_iterations_; ++it) {
    if (!fixed_weights) {
      // Row blocks on the fit's threads: each block's rows are its own.
      parallel_rows(n, problem.threads(), [&](index_t begin, index_t end) {
        const index_t len = end - begin;
        auto mu = ws.mu.segment(begin, len);
        auto v = ws.v.middleRows(begin, len);
        auto weight = v.col(0), response = v.col(1);  // mu' first, then z over it
        const auto eta = ws.eta.segment(begin, len);
        if (!have_slope) detail::mean_and_derivative(family_.link(), eta, mu, response);
        detail::irls_state_from_mean(family_, y.segment(begin, len), w.segment(begin, len), eta,
                                     offset.size() ? vector_ref(offset.segment(begin, len)) : offset, mu, response,
                                     weight, response);
        response.array() *= weight.array();
      });
    }
    detail::build_system_into(x, intercept_, ws.v, total, sys, &final_system, fixed_weights && problem.unit_weights(),
                              how);
    curvature = sys.gram.diagonal();
    curvature.tail(p).array() += l2_;
    Eigen::VectorXd next = b;
    if (l1_ > 0) {
      detail::coordinate_descent(sys, intercept_, l2_, l1_, next);
    } else {
      next = detail::solve_newton(sys, p, l2_);
    }
    // Step-halving: back towards the last iterate while eta leaves the
    // link's domain or the objective does not decrease.
    double dev_next = 0, obj_next = 0;
    auto evaluate = [&] {
      if (deviance_from_system) {
        const double cross = next.dot(final_system.rhs), quadratic = next.dot(final_system.gram * next);
        const double rss = y_squared - 2 * cross + quadratic;
        if (rss >= 1e-4 * (y_squared + 2 * std::abs(cross) + std::abs(quadratic))) {
          dev_next = rss;
          obj_next = problem.objective(dev_next, next);
          return;
        }
      }
      problem.linear_predictor(next, ws.eta_next);
      // v is free once the system is built: its second column takes mu' for the next step.
      const bool valid = fixed_weights ? problem.deviance(ws.eta_next, ws.mu, dev_next)
                                       : problem.deviance(ws.eta_next, ws.mu, ws.v.col(1), dev_next);
      obj_next = valid ? problem.objective(dev_next, next) : std::numeric_limits<double>::infinity();
    };
    evaluate();
    for (int half = 0; track.should_halve(half, obj_next); ++half) {
      next = 0.5 * (next + b);
      evaluate();
    }
    if (!std::isfinite(obj_next)) {
      have_slope = false;  // mu and mu' are the rejected proposal's
      if (!track.have_b) detail::irls_track::fail_start(family_);
      out.message = detail::irls_track::halving_failed;
      break;
    }
    b = next;
    ws.eta.swap(ws.eta_next);
    have_slope = !fixed_weights;
    const bool converged = track.accept(dev_next, obj_next, it, exact_in_one_step, tolerance_, out);
    if (progress_ && !progress_({it, track.objective, clock.seconds()})) {
      out.message = "stopped by the progress callback";
      break;
    }
    if (converged) {
      out.converged = true;
      break;
    }
  }
  if (!out.converged && out.message.empty())
    out.message = "no convergence in " + std::to_string(max_iterations_) + " iterations";
  const bool have_system = final_system.gram.size() > 0;
  detail::finish_fit(problem, *this, b, ws.eta, track.deviance, track.objective, out, curvature,
                     have_system ? &final_system : nullptr, fixed_weights, &ws, have_slope);
  return out;
}

/// Least squares (a Gaussian GLM with identity link): one solve of the
/// normal equations through the factorized crossprod.
inline glm linear_regression() { return glm(gaussian()); }
/// Logistic regression (a Binomial GLM with logit link).
inline glm logistic_regression() { return glm(binomial()); }

}  // namespace amalur

