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
  const glm_problem<design_type> problem(*this, x, y, weights, offset);
  const index_t n = x.rows(), p = x.cols(), o = intercept_ ? 1 : 0, q = p + o;
  const Eigen::VectorXd& w = problem.weights();
  const double total = problem.total_weight();

  glm_fit out;
  out.family = family_;
  out.has_intercept = intercept_;
  out.rows = n;
  detail::stopwatch clock;

  // Start as R does: from the family's initial means, not from b = 0.
  Eigen::VectorXd eta(n);
  for (index_t i = 0; i < n; ++i)
    eta[i] = family_.link_fn(family_.initial_mean(y[i])) + (offset.size() ? offset[i] : 0.0);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(q);
  detail::irls_track track;
  const bool exact_in_one_step =
      family_.kind() == family_kind::gaussian && family_.link() == link_kind::identity && l1_ == 0;

  Eigen::VectorXd curvature;  // the last Newton system's diagonal, to scale the final gradient
  for (int it = 1; it <= max_iterations_; ++it) {
    const detail::working_state ws = detail::irls_state(family_, y, w, eta, offset);
    const detail::newton_system sys = detail::build_system(x, intercept_, ws.weight, ws.response, total);
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
    Eigen::VectorXd eta_next;
    double dev_next = 0, obj_next = 0;
    auto evaluate = [&] {
      eta_next = problem.linear_predictor(next);
      obj_next = problem.deviance(eta_next, dev_next) ? problem.objective(dev_next, next)
                                                      : std::numeric_limits<double>::infinity();
    };
    evaluate();
    for (int half = 0; track.should_halve(half, obj_next); ++half) {
      next = 0.5 * (next + b);
      evaluate();
    }
    if (!std::isfinite(obj_next)) {
      if (!track.have_b) detail::irls_track::fail_start(family_);
      out.message = detail::irls_track::halving_failed;
      break;
    }
    b = next;
    eta = eta_next;
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
  detail::finish_fit(problem, *this, b, eta, track.deviance, track.objective, out, curvature);
  return out;
}

/// Least squares (a Gaussian GLM with identity link): one solve of the
/// normal equations through the factorized crossprod.
inline glm linear_regression() { return glm(gaussian()); }
/// Logistic regression (a Binomial GLM with logit link).
inline glm logistic_regression() { return glm(binomial()); }

}  // namespace amalur

