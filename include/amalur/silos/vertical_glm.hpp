#pragma once
// GLM training over a vertical split (a join: each party holds some columns
// of T for the same target rows). The same IRLS iterates as central
// training: each Newton system (X^T W X / n + l2) b = X^T W z / n is solved
// by conjugate gradient across parties, preconditioned by each party's own
// diagonal block X_k^T W X_k (exact for that block, computed locally from W),
// to a relative residual of 1e-12; step-halving and the stopping rule are
// the central ones. Written once for every party (SPMD): the aggregator
// (rank 0) holds the label, the intercept and its own columns; each silo
// holds its columns and its indicator.
//
// What crosses, per IRLS iteration: W and z (n each, aggregator -> silos);
// per CG step u_k = X_k p_k (n, silo -> aggregator), W s / n (n, back) and
// three scalar sums; per iteration u_k of the proposal (n) and three scalar
// sums for the penalty, then the step decision (scalars). Coefficients
// stay in their silos until the end, when each silo reports its block.

#include "amalur/models/glm.hpp"
#include "amalur/models/standardized.hpp"
#include "amalur/normalized/dynamic_normalized_matrix.hpp"
#include "amalur/silos/collectives.hpp"

namespace amalur::silos {

using encoded_matrix = dynamic_normalized_matrix<double>;
using standardized_matrix = standardized<encoded_matrix>;

/// A party's columns of T: its encoded design (if any, standardized when
/// the fit asks) and, at the aggregator, the intercept column first.
struct column_block {
  const encoded_matrix* x = nullptr;
  bool intercept = false;
  index_t rows = 0;
  const standardized_matrix* scaled = nullptr;  // x with centring and scaling, kept factorized

  index_t features() const { return x ? x->cols() : 0; }
  index_t size() const { return features() + (intercept ? 1 : 0); }
  /// Calls f on the design the fit sees.
  template <class F>
  auto on_design(F&& f) const {
    return scaled ? f(*scaled) : f(*x);
  }

  Eigen::VectorXd times(const Eigen::VectorXd& b) const {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(rows);
    if (x) out = on_design([&](const auto& d) -> Eigen::VectorXd { return amalur::detail::times(d, b.tail(features()).eval()); });
    if (intercept) out.array() += b[0];
    return out;
  }
  Eigen::VectorXd transpose_times(const Eigen::VectorXd& v) const {
    Eigen::VectorXd out(size());
    if (intercept) out[0] = v.sum();
    if (x)
      out.tail(features()) = on_design(
          [&](const auto& d) -> Eigen::VectorXd { return amalur::detail::transpose_times(d, Eigen::MatrixXd(v)).col(0); });
    return out;
  }
  /// This party's diagonal block of X^T W X / n and its part of X^T W z / n.
  amalur::detail::newton_system system(const Eigen::VectorXd& w, const Eigen::VectorXd& z, double n) const {
    if (x) return on_design([&](const auto& d) { return amalur::detail::build_system(d, intercept, w, z, n); });
    amalur::detail::newton_system s{Eigen::MatrixXd(size(), size()), Eigen::VectorXd(size())};
    if (intercept) {
      s.gram(0, 0) = w.sum() / n;
      s.rhs[0] = w.dot(z) / n;
    }
    return s;
  }
};

/// What only the aggregator holds.
struct label_block {
  Eigen::VectorXd y, weights, offset;
  double total = 0;
};

namespace detail {

/// (X^T diag(w) X + l2 on penalized coefficients) p, across parties; `w` is known to all.
inline Eigen::VectorXd hessian_times(channel& ch, const column_block& x, const Eigen::VectorXd& w, double l2,
                                     const Eigen::VectorXd& p) {
  const Eigen::MatrixXd s = sum_at_aggregator(ch, x.times(p), kind::partial_predictor);
  Eigen::VectorXd v;
  if (ch.is_aggregator()) v = w.cwiseProduct(s.col(0));
  v = broadcast(ch, v, kind::product);
  Eigen::VectorXd out = x.transpose_times(v);
  out.tail(x.features()) += l2 * p.tail(x.features());
  return out;
}

/// Preconditioned CG on (X^T diag(w) X + l2) x = rhs, blocks held by the
/// parties, warm-started at x. Every party takes the same steps: the
/// scalars it uses are the totals the aggregator sends back.
inline int conjugate_gradient(channel& ch, const column_block& x, const Eigen::VectorXd& w, double l2,
                              const amalur::detail::newton_factor& block, const Eigen::VectorXd& rhs,
                              Eigen::VectorXd& solution, int max_steps, double tolerance = 1e-12) {
  const double rhs_norm = std::sqrt(all_sum(ch, rhs.squaredNorm()));
  if (rhs_norm == 0) {
    solution.setZero();
    return 0;
  }
  Eigen::VectorXd r = rhs - hessian_times(ch, x, w, l2, solution);
  Eigen::VectorXd z = block.solve(r);
  Eigen::VectorXd p = z;
  double rz = all_sum(ch, r.dot(z));
  double rr = all_sum(ch, r.squaredNorm());
  int step = 0;
  for (; step < max_steps && std::sqrt(rr) > tolerance * rhs_norm && rz > 0; ++step) {
    const Eigen::VectorXd hp = hessian_times(ch, x, w, l2, p);
    const double php = all_sum(ch, p.dot(hp));
    if (!(php > 0)) break;  // no curvature left along p: the solve is as good as it gets
    const double alpha = rz / php;
    solution += alpha * p;
    r -= alpha * hp;
    z = block.solve(r);
    const double rz_next = all_sum(ch, r.dot(z));
    rr = all_sum(ch, r.squaredNorm());
    p = z + (rz_next / rz) * p;
    rz = rz_next;
  }
  return step;
}

enum step_code { keep_going = 0, converged = 1, stopped = 2, failed = 3 };

}  // namespace detail

/// A silo's report at the end of a fit, and the aggregator's result.
struct vertical_fit {
  glm_fit fit;  // aggregator: statistics, intercept and its own coefficients
  Eigen::VectorXd block;  // this party's coefficients (intercept first at the aggregator)
  Eigen::VectorXd block_variance;  // diagonal of (X^T W X)^-1 on this block (unpenalized fits), times the dispersion
  int conjugate_gradient_steps = 0;
};

/// Fits a GLM over a vertical split. Every party calls it with its block;
/// `labels` only at the aggregator. `parameters` is the total over parties.
inline vertical_fit fit_vertical(channel& ch, const glm& spec, const column_block& x, const label_block* labels,
                                 index_t parameters) {
  const bool aggregator = ch.is_aggregator();
  if (aggregator && !labels) amalur::detail::fail<value_error>("fit_vertical: the aggregator needs the labels");
  const family& f = spec.family();
  const index_t n = x.rows, own = x.size(), pen = x.features();
  const double l2 = spec.l2();
  const int max_cg = static_cast<int>(2 * parameters + 50);
  vertical_fit result;
  glm_fit& out = result.fit;
  out.family = f;
  out.has_intercept = spec.intercept();
  out.rows = n;

  Eigen::VectorXd b = Eigen::VectorXd::Zero(own), eta;
  amalur::detail::irls_track track;
  if (aggregator) {
    eta.resize(n);
    for (index_t i = 0; i < n; ++i)
      eta[i] = f.link_fn(f.initial_mean(labels->y[i])) + (labels->offset.size() ? labels->offset[i] : 0.0);
  }
  const bool exact_in_one_step = f.kind() == family_kind::gaussian && f.link() == link_kind::identity;
  const double total = aggregator ? labels->total : 0.0;
  const double n_total = broadcast(ch, total, kind::count);

  int code = detail::keep_going;
  Eigen::VectorXd curvature = Eigen::VectorXd::Ones(own);  // this party's diagonal of the last Newton system
  Eigen::VectorXd w_last;  // and its weights, which the standard errors take (as the central fit's)
  for (int it = 1; it <= spec.max_iterations() && code == detail::keep_going; ++it) {
    ch.set_phase("iteration " + std::to_string(it) + " (weights)");
    Eigen::VectorXd w, z;
    if (aggregator) {
      const amalur::detail::working_state ws =
          amalur::detail::irls_state(f, labels->y, labels->weights, eta, labels->offset);
      w = ws.weight;
      z = ws.response;
    }
    w = broadcast(ch, w, kind::weights);
    z = broadcast(ch, z, kind::working_response);
    w_last = w;
    const amalur::detail::newton_system sys = x.system(w, z, n_total);
    const amalur::detail::newton_factor block(sys.gram, pen, l2);
    curvature = sys.gram.diagonal();
    curvature.tail(pen).array() += l2;
    ch.set_phase("iteration " + std::to_string(it) + " (conjugate gradient)");
    Eigen::VectorXd next = b;
    const Eigen::VectorXd w_scaled = w / n_total;
    result.conjugate_gradient_steps += detail::conjugate_gradient(ch, x, w_scaled, l2, block, sys.rhs, next, max_cg);

    // The proposal's linear predictor and penalty, so the aggregator can
    // halve the step without asking again: b + t d is linear in t.
    ch.set_phase("iteration " + std::to_string(it) + " (step)");
    const Eigen::MatrixXd proposal = sum_at_aggregator(ch, x.times(next), kind::partial_predictor);
    const Eigen::VectorXd d = next - b;
    const double bb = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, b.tail(pen).squaredNorm()), kind::dot)(0, 0);
    const double bd = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, b.tail(pen).dot(d.tail(pen))), kind::dot)(0, 0);
    const double dd = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, d.tail(pen).squaredNorm()), kind::dot)(0, 0);
    double t = 1;
    if (aggregator) {
      const Eigen::VectorXd eta_full = proposal.col(0) + (labels->offset.size() ? labels->offset : Eigen::VectorXd::Zero(n));
      auto objective_at = [&](double step, Eigen::VectorXd& eta_t, double& dev_t) {
        eta_t = track.have_b ? Eigen::VectorXd(eta + step * (eta_full - eta)) : eta_full;
        if (!amalur::detail::deviance_at(f, labels->y, labels->weights, eta_t, dev_t))
          return std::numeric_limits<double>::infinity();
        const double penalty = bb + 2 * step * bd + step * step * dd;
        return dev_t / (2 * total) + 0.5 * l2 * penalty;
      };
      Eigen::VectorXd eta_next;
      double dev_next = 0;
      double obj_next = objective_at(1.0, eta_next, dev_next);
      for (int half = 0; track.should_halve(half, obj_next); ++half) {
        t *= 0.5;
        obj_next = objective_at(t, eta_next, dev_next);
      }
      if (!std::isfinite(obj_next)) {
        code = track.have_b ? detail::stopped : detail::failed;
        t = 0;
        if (track.have_b) out.message = amalur::detail::irls_track::halving_failed;
      } else {
        eta = eta_next;
        const bool converged = track.accept(dev_next, obj_next, it, exact_in_one_step, spec.tolerance(), out);
        code = converged ? detail::converged : detail::keep_going;
      }
    }
    t = broadcast(ch, t, kind::decision);
    code = static_cast<int>(broadcast(ch, static_cast<double>(code), kind::decision));
    b += t * d;
    if (code == detail::failed && aggregator) amalur::detail::irls_track::fail_start(f);
  }
  out.converged = code == detail::converged;
  if (aggregator && !out.converged && out.message.empty())
    out.message = "no convergence in " + std::to_string(spec.max_iterations()) + " iterations";
  result.block = b;

  // Statistics at the solution: rows at the aggregator, the gradient and
  // (unpenalized) the diagonal of the last Newton system's inverse by CG solves across parties.
  ch.set_phase("final statistics");
  Eigen::VectorXd score;
  const bool penalized = l2 > 0;
  amalur::detail::row_sums sums;
  if (aggregator) {
    Eigen::VectorXd mu(n);  // at the solution: the standard errors take the last iteration's W
    amalur::detail::mean(f.link(), eta, mu);
    sums = amalur::detail::sums_at(f, labels->y, labels->weights, mu);
    double llf_scale = 1;
    amalur::detail::set_dispersion(f, sums, n, parameters, track.deviance, total, out, llf_scale);
    out.log_likelihood = amalur::detail::log_likelihood_at(f, labels->y, labels->weights, mu, llf_scale);
    out.deviance = track.deviance;
    out.objective = track.objective;
    score.resize(n);
    for (index_t i = 0; i < n; ++i)
      score[i] = labels->weights[i] * (labels->y[i] - mu[i]) * f.mean_derivative(eta[i]) / f.variance(mu[i]);
  }
  score = broadcast(ch, score, kind::score);
  Eigen::VectorXd grad = -x.transpose_times(score) / n_total;
  grad.tail(pen) += l2 * b.tail(pen);
  const double grad2 = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, grad.squaredNorm()), kind::dot)(0, 0);
  const double decrement = sum_at_aggregator(
      ch, Eigen::MatrixXd::Constant(1, 1, amalur::detail::diagonal_decrement(grad, curvature)), kind::dot)(0, 0);
  if (aggregator) {
    out.gradient_norm = std::sqrt(grad2);
    out.objective = track.objective;
    amalur::detail::confirm_minimum(out, decrement, spec.tolerance());
  }

  if (!penalized && w_last.size()) {
    const amalur::detail::newton_system sys = x.system(w_last, Eigen::VectorXd::Zero(w_last.size()), 1.0);
    const amalur::detail::newton_factor block(sys.gram, 0, 0.0);
    // Each party's size, so every party walks the same unit vectors.
    Eigen::MatrixXd sizes = Eigen::MatrixXd::Zero(ch.parties(), 1);
    sizes(ch.rank(), 0) = static_cast<double>(own);
    sizes = broadcast(ch, sum_at_aggregator(ch, sizes, kind::count), kind::count);
    result.block_variance.resize(own);
    for (int r = 0; r < ch.parties(); ++r)
      for (index_t j = 0; j < static_cast<index_t>(sizes(r, 0)); ++j) {
        ch.set_phase("standard errors (column " + std::to_string(j) + " of party " + std::to_string(r) + ")");
        Eigen::VectorXd unit = Eigen::VectorXd::Zero(own), e = Eigen::VectorXd::Zero(own);
        if (r == ch.rank()) unit[j] = 1;
        detail::conjugate_gradient(ch, x, w_last, 0.0, block, unit, e, max_cg, 1e-10);
        if (r == ch.rank()) result.block_variance[j] = e[j];
      }
    const double dispersion = broadcast(ch, out.dispersion, kind::dot);
    result.block_variance *= dispersion;
  }
  if (aggregator) {
    out.intercept = spec.intercept() ? b[0] : 0.0;
    out.coefficients = b.tail(pen);
    amalur::detail::check_separation(f, penalized, sums, n, track.deviance, total, out);
  }
  return result;
}

}  // namespace amalur::silos
