#pragma once
// GLM training over a horizontal split (a union: each silo holds its own
// target rows, all columns, and their labels). Exact IRLS: per iteration
// each silo sends its X_k^T W_k X_k (p x p) and X_k^T W_k z_k (p); the
// aggregator, which holds only the parameters, adds them up, solves, and
// sends the proposal back; each silo answers with its deviance (a scalar)
// for the step-halving. Written once for every party (SPMD).

#include "amalur/models/glm.hpp"
#include "amalur/normalized/dynamic_normalized_matrix.hpp"
#include "amalur/silos/collectives.hpp"
#include "amalur/silos/vertical_glm.hpp"

namespace amalur::silos {

/// A silo's rows: its design (all columns; standardized with the agreed
/// moments when the fit asks) and labels.
struct row_block {
  const encoded_matrix* x = nullptr;
  Eigen::VectorXd y, weights, offset;
  const standardized_matrix* scaled = nullptr;
  template <class F>
  auto on_design(F&& f) const {
    return scaled ? f(*scaled) : f(*x);
  }
};

/// Fits a GLM over a horizontal split; `rows` is null at the aggregator.
/// `parameters` = columns of T (without the intercept), `total_rows` = n.
inline glm_fit fit_horizontal(channel& ch, const glm& spec, const row_block* rows, index_t parameters,
                              index_t total_rows) {
  const bool aggregator = ch.is_aggregator();
  const family& f = spec.family();
  const index_t p = parameters, o = spec.intercept() ? 1 : 0, q = p + o;
  const double l2 = spec.l2();
  const double total = static_cast<double>(total_rows);
  glm_fit out;
  out.family = f;
  out.has_intercept = spec.intercept();
  out.rows = total_rows;

  // Silo side: the rows' linear predictor at any b.
  Eigen::VectorXd eta, eta_trial;
  auto linear_predictor = [&](const Eigen::VectorXd& b) {
    Eigen::VectorXd e =
        rows->on_design([&](const auto& d) -> Eigen::VectorXd { return amalur::detail::times(d, b.tail(p).eval()); });
    if (spec.intercept()) e.array() += b[0];
    if (rows->offset.size()) e += rows->offset;
    return e;
  };
  if (!aggregator) {
    eta.resize(rows->y.size());
    for (index_t i = 0; i < eta.size(); ++i)
      eta[i] = f.link_fn(f.initial_mean(rows->y[i])) + (rows->offset.size() ? rows->offset[i] : 0.0);
  }
  Eigen::VectorXd b = Eigen::VectorXd::Zero(q);
  amalur::detail::irls_track track;
  const bool exact_in_one_step = f.kind() == family_kind::gaussian && f.link() == link_kind::identity;
  // Decisions after each trial: evaluate another, accept (and go on, or
  // stop converged), stop without accepting, or fail.
  enum { another = 0, accept = 1, accept_converged = 2, stop = 3, fail = 4 };

  int code = accept;
  Eigen::VectorXd curvature;  // the last Newton system's diagonal (aggregator)
  Eigen::MatrixXd last_gram;  // and its matrix, unscaled: the standard errors' (as the central fit's)
  for (int it = 1; it <= spec.max_iterations() && code == accept; ++it) {
    ch.set_phase("iteration " + std::to_string(it) + " (Newton system)");
    amalur::detail::newton_system sys{Eigen::MatrixXd::Zero(q, q), Eigen::VectorXd::Zero(q)};
    if (!aggregator) {
      const amalur::detail::working_state ws = amalur::detail::irls_state(f, rows->y, rows->weights, eta, rows->offset);
      sys = rows->on_design(
          [&](const auto& d) { return amalur::detail::build_system(d, spec.intercept(), ws.weight, ws.response, 1.0); });
    }
    sys.gram = sum_at_aggregator(ch, sys.gram, kind::gram);
    if (aggregator) last_gram = sys.gram;
    sys.gram /= total;
    sys.rhs = sum_at_aggregator(ch, sys.rhs, kind::rhs).col(0) / total;
    if (aggregator) {
      curvature = sys.gram.diagonal();
      curvature.tail(p).array() += l2;
    }
    Eigen::VectorXd next;
    if (aggregator) next = amalur::detail::solve_newton(sys, p, l2);

    ch.set_phase("iteration " + std::to_string(it) + " (step)");
    for (int half = 0;; ++half) {
      next = broadcast(ch, next, kind::coefficients);
      double dev_k = 0;
      if (!aggregator) {
        eta_trial = linear_predictor(next);
        if (!amalur::detail::deviance_at(f, rows->y, rows->weights, eta_trial, dev_k))
          dev_k = std::numeric_limits<double>::quiet_NaN();
      }
      const double dev_next = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, dev_k), kind::deviance)(0, 0);
      int decision = another;
      if (aggregator) {
        const double obj_next = std::isfinite(dev_next)
                                    ? dev_next / (2 * total) + 0.5 * l2 * next.tail(p).squaredNorm()
                                    : std::numeric_limits<double>::infinity();
        if (track.should_halve(half, obj_next)) {
          next = 0.5 * (next + b);
        } else if (!std::isfinite(obj_next)) {
          decision = track.have_b ? stop : fail;
          if (track.have_b) out.message = amalur::detail::irls_track::halving_failed;
        } else {
          b = next;
          const bool converged = track.accept(dev_next, obj_next, it, exact_in_one_step, spec.tolerance(), out);
          decision = converged ? accept_converged : accept;
        }
      }
      decision = static_cast<int>(broadcast(ch, static_cast<double>(decision), kind::decision));
      if (decision == another) continue;
      if ((decision == accept || decision == accept_converged) && !aggregator) eta = eta_trial;
      code = decision;
      break;
    }
    if (code == fail && aggregator) amalur::detail::irls_track::fail_start(f);
  }
  out.converged = code == accept_converged;
  if (aggregator && !out.converged && out.message.empty())
    out.message = "no convergence in " + std::to_string(spec.max_iterations()) + " iterations";

  // Statistics at the solution, from per-silo sums.
  ch.set_phase("final statistics");
  const bool penalized = l2 > 0;
  amalur::detail::row_sums local;
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(q);
  Eigen::VectorXd mu;  // at the solution: the statistics need no working weights (the standard errors take the last system's)
  if (!aggregator) {
    mu.resize(eta.size());
    amalur::detail::mean(f.link(), eta, mu);
    local = amalur::detail::sums_at(f, rows->y, rows->weights, mu);
    Eigen::VectorXd score(eta.size());
    for (index_t i = 0; i < eta.size(); ++i)
      score[i] = rows->weights[i] * (rows->y[i] - mu[i]) * f.mean_derivative(eta[i]) / f.variance(mu[i]);
    gradient.tail(p) = rows->on_design([&](const auto& d) -> Eigen::VectorXd {
      return amalur::detail::transpose_times(d, Eigen::MatrixXd(score)).col(0);
    });
    if (spec.intercept()) gradient[0] = score.sum();
  }
  amalur::detail::row_sums sums;
  sums.pearson = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, local.pearson), kind::dot)(0, 0);
  sums.extreme = static_cast<index_t>(
      sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, static_cast<double>(local.extreme)), kind::dot)(0, 0));
  gradient = sum_at_aggregator(ch, gradient, kind::gradient).col(0);
  double llf_scale = 1;
  if (aggregator) amalur::detail::set_dispersion(f, sums, total_rows, q, track.deviance, total, out, llf_scale);
  llf_scale = broadcast(ch, llf_scale, kind::dot);
  const double llf = aggregator ? 0.0 : amalur::detail::log_likelihood_at(f, rows->y, rows->weights, mu, llf_scale);
  out.log_likelihood = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, llf), kind::dot)(0, 0);
  if (!aggregator) return out;

  out.deviance = track.deviance;
  out.objective = track.objective;
  out.intercept = spec.intercept() ? b[0] : 0.0;
  out.coefficients = b.tail(p);
  Eigen::VectorXd grad = -gradient / total;
  grad.tail(p) += l2 * b.tail(p);
  out.gradient_norm = grad.norm();
  out.objective = track.objective;
  if (curvature.size() == grad.size())
    amalur::detail::confirm_minimum(out, amalur::detail::diagonal_decrement(grad, curvature), spec.tolerance());
  if (!penalized && last_gram.size()) {
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(last_gram);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive() && ldlt.rcond() > 1e-14) {
      const Eigen::VectorXd se = (ldlt.solve(Eigen::MatrixXd::Identity(q, q)).diagonal() * out.dispersion).cwiseSqrt();
      out.standard_errors = se.tail(p);
      if (spec.intercept()) out.intercept_standard_error = se[0];
    }
  }
  amalur::detail::check_separation(f, penalized, sums, total_rows, track.deviance, total, out);
  return out;
}

}  // namespace amalur::silos
