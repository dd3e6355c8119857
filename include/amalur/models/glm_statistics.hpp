#pragma once
// Statistics of a GLM fit from per-row sums: deviance, dispersion,
// log-likelihood, the separation check, the convergence confirmation and
// the standard errors (so a silo protocol can add the sums across parties).

#include <cmath>

#include "amalur/models/glm_options.hpp"
#include "amalur/models/glm_solvers.hpp"

namespace amalur::detail {

/// The deviance at eta into `mu` (scratch, n); false when eta leaves the link's domain.
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline bool deviance_at(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& eta,
                        dependent_mref<D> mu, double& dev) {
  dev = 0;
  if (!all_valid_eta(f, eta)) return false;
  mean(f.link(), eta, mu);
  dev = weighted_deviance(f.kind(), y, w, mu);
  return std::isfinite(dev);
}
/// The same, also leaving mu' at eta in `d` (what the next IRLS step's
/// working state needs when eta is accepted: no second pass for mu and mu').
template <class D = void>
inline bool deviance_and_slope_at(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w,
                                  const dependent_cref<D>& eta, dependent_mref<D> mu, dependent_mref<D> d, double& dev) {
  dev = 0;
  if (!all_valid_eta(f, eta)) return false;
  mean_and_derivative(f.link(), eta, mu, d);
  dev = weighted_deviance(f.kind(), y, w, mu);
  return std::isfinite(dev);
}
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline bool deviance_at(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& eta,
                        double& dev) {
  Eigen::VectorXd mu(eta.size());
  return deviance_at(f, y, w, eta, mu, dev);
}

/// Dispersion, log-likelihood and the separation check, from the rows'
/// sums (so a silo protocol can add them up across parties).
struct row_sums {
  double pearson = 0;   // sum w (y - mu)^2 / V(mu)
  index_t extreme = 0;  // binomial: fitted probabilities within 1e-8 of 0 or 1
};
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline row_sums sums_at(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& mu) {
  row_sums s;
  const double eps = 1e-8;
  const auto m = mu.array();
  s.pearson = with_variance(f.kind(), m, [&](const auto& v) {
    return (w.array() * (y.array() - m).square() / v).sum();
  });
  s.extreme = (m < eps || m > 1 - eps).count();
  return s;
}
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline double log_likelihood_at(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& mu,
                                double scale) {
  constexpr double two_pi = 6.283185307179586;
  const auto a = y.array(), m = mu.array(), ww = w.array();
  switch (f.kind()) {  // rows of weight 0 add nothing
    case family_kind::gaussian:
      return (ww > 0).select(-0.5 * (ww * (a - m).square() / scale + (two_pi * scale / ww).log()), 0.0).sum();
    case family_kind::binomial:
      return (ww > 0).select(ww * (xlogy(a, m) + xlogy(1.0 - a, 1.0 - m)), 0.0).sum();
    case family_kind::poisson:
    case family_kind::gamma: break;
  }
  double ll = 0;  // lgamma per row: no Eigen array form in the core module
  for (index_t i = 0; i < mu.size(); ++i)
    if (w[i] > 0) ll += f.log_likelihood(y[i], mu[i], w[i], scale);
  return ll;
}
/// statsmodels' llf scale: Gaussian with identity link at RSS / n, else the dispersion.
inline void set_dispersion(const family& f, const row_sums& sums, index_t n, index_t q, double dev, double total,
                           glm_fit& out, double& llf_scale) {
  out.dispersion = f.estimates_dispersion() ? sums.pearson / std::max(1.0, static_cast<double>(n - q)) : 1.0;
  llf_scale = f.kind() == family_kind::gaussian && f.link() == link_kind::identity ? dev / total : out.dispersion;
}
/// Separation: infinite maximum-likelihood coefficients are no convergence.
inline void check_separation(const family& f, bool penalized, const row_sums& sums, index_t n, double dev,
                             double total, glm_fit& out) {
  if (f.kind() != family_kind::binomial || penalized) return;
  if (sums.extreme == n || dev < 1e-8 * total) {
    out.converged = false;
    out.message = "the classes are separable: the maximum-likelihood coefficients are infinite; add an l2 penalty";
  } else if (sums.extreme > 0) {
    out.message += (out.message.empty() ? "" : "; ") + std::string("fitted probabilities numerically 0 or 1 occurred");
  }
}

/// "Converged" also needs a small gradient: the diagonal Newton decrement
/// sum_j g_j^2 / H_jj (about twice the decrease a Newton step would still
/// find) must be within the tolerance's scale, or the fit stalled short of
/// a minimum (the relative-change rule alone cannot tell).
inline void confirm_minimum(glm_fit& out, double decrement, double tolerance) {
  if (!out.converged || !(decrement > 20 * tolerance * (std::abs(out.objective) + 0.1))) return;
  out.converged = false;
  out.message = "the objective stopped changing but its gradient is not small (scaled squared norm " +
                std::to_string(decrement) + "): no minimum was reached";
}

/// Statistics at the solution b: deviance, dispersion, log-likelihood,
/// gradient norm, standard errors, separation. Shared by every solver.
/// `last`, when given, is the last system IRLS solved (unscaled: X_a^T W
/// X_a and X_a^T W z): its matrix serves the standard errors, as R's glm and
/// statsmodels take them, with no second crossprod (for a non-Gaussian
/// family its weights are those of the previous iterate). When W does not
/// depend on eta (`weights_fixed`: Gaussian, identity link) the gradient is
/// also the normal equations' residual X_a^T W z - X_a^T W X_a b (no pass
/// over T) and the Pearson sum is the deviance (no pass over the rows).
/// Without `last` the matrix is built here, at b.
template <class Problem>
void finish_fit(const Problem& problem, const glm& spec, const Eigen::VectorXd& b, const Eigen::VectorXd& eta,
                double dev, double objective, glm_fit& out, const Eigen::VectorXd& curvature = {},
                const newton_system* last = nullptr, bool weights_fixed = false,
                irls_workspace* scratch = nullptr, bool scratch_holds_mean = false) {
  const family& f = spec.family();
  const auto& x = problem.design();
  const auto& y = problem.labels();
  const Eigen::VectorXd& w = problem.weights();
  const index_t n = x.rows(), p = x.cols(), o = spec.intercept() ? 1 : 0, q = p + o;
  const double total = problem.total_weight();
  const bool penalized = spec.l2() > 0 || spec.l1() > 0;
  const bool build_gram = !penalized && !last;
  const newton_system* fixed = weights_fixed ? last : nullptr;
  out.intercept = spec.intercept() ? b[0] : 0.0;
  out.coefficients = b.tail(p);
  out.deviance = dev;
  out.objective = objective;

  // Unless `fixed` holds them: one pass for mu, mu' and V at eta; then
  // v = [score, W]: the gradient's score w (y - mu) mu' / V and, when the
  // standard errors need them, the working weights; one two-column T^T v
  // serves both. The passes run in fixed row blocks on the fit's threads,
  // their sums added in block order. The fit's workspace serves as scratch
  // when given (not eta's): no fresh n-vectors at the end of a fit; where
  // the fit's last deviance pass left mu and mu' at eta in it
  // (`scratch_holds_mean`), they are not computed again.
  Eigen::VectorXd own_mu;
  Eigen::MatrixXd own_v;
  if (!scratch) {
    own_mu.resize(n);
    own_v.resize(n, 2);
  }
  Eigen::VectorXd& mu = scratch ? scratch->mu : own_mu;
  Eigen::MatrixXd& both = scratch ? scratch->v : own_v;
  auto v = both.leftCols(build_gram ? 2 : 1);
  auto d = both.col(1);  // mu' until W replaces it, row by row
  const int threads = problem.threads();
  row_sums sums;
  if (fixed) {
    sums.pearson = dev;  // identity link, unit variance: w (y - mu)^2 summed, the deviance itself
  } else {
    const auto block_sums = parallel_row_blocks<row_sums>(n, threads, [&](index_t begin, index_t end) {
      const index_t len = end - begin;
      auto mu_k = mu.segment(begin, len);
      auto d_k = d.segment(begin, len);
      if (!(scratch && scratch_holds_mean)) mean_and_derivative(f.link(), eta.segment(begin, len), mu_k, d_k);
      const auto y_k = y.segment(begin, len).array(), w_k = w.segment(begin, len).array();
      with_variance(f.kind(), mu_k.array(), [&](const auto& var) {
        v.col(0).segment(begin, len).array() = w_k * (y_k - mu_k.array()) * d_k.array() / var;
        if (build_gram) v.col(1).segment(begin, len).array() = w_k * d_k.array() * d_k.array() / var;
      });
      return sums_at(f, y.segment(begin, len), w.segment(begin, len), mu_k);
    });
    for (const row_sums& s : block_sums) {
      sums.pearson += s.pearson;
      sums.extreme += s.extreme;
    }
  }
  double llf_scale = 1;
  set_dispersion(f, sums, n, q, dev, total, out, llf_scale);
  // Closed forms where the deviance already holds the row sums: binomial
  // labels are 0 or 1, so each row's w log p is minus half its deviance; a
  // Gaussian with unit weights has the RSS and n. Otherwise one pass.
  constexpr double two_pi = 6.283185307179586;
  if (f.kind() == family_kind::binomial) {
    out.log_likelihood = -0.5 * dev;
  } else if (f.kind() == family_kind::gaussian && problem.unit_weights()) {
    out.log_likelihood = -0.5 * (dev / llf_scale + static_cast<double>(n) * std::log(two_pi * llf_scale));
  } else {
    const Eigen::VectorXd& at = fixed ? eta : mu;  // the identity link's mean is eta
    const auto block_ll = parallel_row_blocks<double>(n, threads, [&](index_t begin, index_t end) {
      const index_t len = end - begin;
      return log_likelihood_at(f, y.segment(begin, len), w.segment(begin, len), at.segment(begin, len), llf_scale);
    });
    out.log_likelihood = 0;
    for (const double ll : block_ll) out.log_likelihood += ll;
  }

  Eigen::MatrixXd xv;
  Eigen::VectorXd grad(q);
  if (fixed) {
    grad = -(fixed->rhs - fixed->gram * b) / total;
    grad.tail(p) += spec.l2() * b.tail(p);
  } else {
    xv = transpose_times_ref(x, v);
    grad.tail(p) = -xv.col(0) / total + spec.l2() * b.tail(p);
    if (spec.intercept()) grad[0] = -v.col(0).sum() / total;
  }
  if (spec.l1() > 0)  // the KKT violation: subgradient distance from 0
    for (index_t j = o; j < q; ++j)
      grad[j] = b[j] != 0 ? grad[j] + spec.l1() * (b[j] > 0 ? 1 : -1) : std::max(0.0, std::abs(grad[j]) - spec.l1());
  out.gradient_norm = grad.norm();
  if (curvature.size() == grad.size()) confirm_minimum(out, diagonal_decrement(grad, curvature), spec.tolerance());

  if (!penalized) {
    Eigen::MatrixXd built;
    if (build_gram) {
      const auto weight = v.col(1);  // read in place, not copied
      built.resize(q, q);
      built.bottomRightCorner(p, p) = weighted_crossprod(x, weight);
      if (spec.intercept()) {
        built(0, 0) = weight.sum();
        built.block(0, 1, 1, p) = xv.col(1).transpose();
        built.block(1, 0, p, 1) = xv.col(1);
      }
    }
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(build_gram ? built : last->gram);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive() && ldlt.rcond() > 1e-14) {
      const Eigen::VectorXd se =
          (ldlt.solve(Eigen::MatrixXd::Identity(q, q)).diagonal() * out.dispersion).cwiseSqrt();
      out.standard_errors = se.tail(p);
      if (spec.intercept()) out.intercept_standard_error = se[0];
    }
  }
  check_separation(f, penalized, sums, n, dev, total, out);
  if (!b.allFinite()) {
    out.converged = false;
    out.message = "the coefficients are not finite";
  }
}

}  // namespace amalur::detail
