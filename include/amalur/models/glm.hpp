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

#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Cholesky>

#include "amalur/models/design.hpp"
#include "amalur/models/family.hpp"
#include "amalur/models/standardized.hpp"

namespace amalur {

/// A fitted GLM: coefficients on the design's columns, and the statistics
/// R's glm and statsmodels report.
struct glm_fit {
  amalur::family family = amalur::gaussian();
  bool has_intercept = true;
  double intercept = 0;
  Eigen::VectorXd coefficients;
  /// Standard errors of an unpenalized fit (empty when penalized), from the
  /// inverse of X^T W X at the solution times the dispersion.
  Eigen::VectorXd standard_errors;
  double intercept_standard_error = std::numeric_limits<double>::quiet_NaN();
  int iterations = 0;
  bool converged = false;
  std::string message;       // why it stopped, and any warning (separation)
  double deviance = 0;       // unscaled, unpenalized, as R's glm
  double log_likelihood = 0; // as statsmodels' llf
  double objective = 0;      // deviance / (2n) + penalties
  double dispersion = 1;     // Pearson chi^2 / (n - p) where estimated
  double gradient_norm = 0;  // of the objective (the KKT violation with L1)
  index_t rows = 0;

  /// The linear predictor X b + b0 (+ offset).
  template <class X>
  Eigen::VectorXd predict_link(const X& x) const {
    const auto& design = as_design(x);
    if (design.cols() != coefficients.size())
      detail::fail<dimension_error>("predict: the design has ", design.cols(), " columns but the model has ",
                                    coefficients.size(), " coefficients");
    Eigen::VectorXd eta = detail::times(design, coefficients);
    eta.array() += intercept;
    return eta;
  }
  /// The mean (a probability for binomial).
  template <class X>
  Eigen::VectorXd predict(const X& x) const {
    Eigen::VectorXd eta = predict_link(x);
    for (index_t i = 0; i < eta.size(); ++i) eta[i] = family.mean(eta[i]);
    return eta;
  }
};

/// Options and the fit. Setters return *this, so a model reads as one line.
class glm {
 public:
  explicit glm(amalur::family f = amalur::gaussian()) : family_(f) {}

  glm& intercept(bool on) { intercept_ = on; return *this; }
  glm& l2(double v) { check_penalty(v, "l2"); l2_ = v; return *this; }
  glm& l1(double v) { check_penalty(v, "l1"); l1_ = v; return *this; }
  glm& max_iterations(int v) {
    if (v < 1) detail::fail<value_error>("max_iterations must be at least 1, got ", v);
    max_iterations_ = v;
    return *this;
  }
  /// Bound on the relative change of the objective between iterations.
  glm& tolerance(double v) {
    if (!(v > 0)) detail::fail<value_error>("tolerance must be positive, got ", v);
    tolerance_ = v;
    return *this;
  }
  glm& on_progress(progress_callback f) { progress_ = std::move(f); return *this; }
  /// Fit on standardized columns (mean 0, variance 1, kept factorized as a
  /// rank-1 correction); penalties apply on that scale, as in glmnet, and the
  /// coefficients are reported on the original scale.
  glm& standardize(bool on) { standardize_ = on; return *this; }

  const amalur::family& family() const { return family_; }
  bool standardize() const { return standardize_; }
  bool intercept() const { return intercept_; }
  double l2() const { return l2_; }
  double l1() const { return l1_; }
  int max_iterations() const { return max_iterations_; }
  double tolerance() const { return tolerance_; }
  const progress_callback& progress() const { return progress_; }

  /// Fits on a normalized matrix, a materialized matrix or an Eigen matrix.
  /// `weights` (non-negative) and `offset` are optional (empty = none).
  template <class X>
  glm_fit fit(const X& x, const Eigen::VectorXd& y, const Eigen::VectorXd& weights = {},
              const Eigen::VectorXd& offset = {}) const;

 private:
  static void check_penalty(double v, const char* name) {
    if (!(v >= 0) || !std::isfinite(v)) detail::fail<value_error>(name, " must be finite and >= 0, got ", v);
  }

  amalur::family family_;
  bool intercept_ = true;
  double l2_ = 0, l1_ = 0;
  int max_iterations_ = 100;
  double tolerance_ = 1e-10;
  bool standardize_ = false;
  progress_callback progress_;
};

namespace detail {

/// The quadratic model of one Newton step, over [intercept, coefficients].
struct newton_system {
  Eigen::MatrixXd gram;   // X_a^T W X_a / n
  Eigen::VectorXd rhs;    // X_a^T W z / n
};

/// Working weights and response of IRLS at eta (eta includes the offset).
struct working_state {
  Eigen::VectorXd mu, weight, response;
};

inline working_state irls_state(const family& f, const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                                const Eigen::VectorXd& eta, const Eigen::VectorXd& offset) {
  working_state s{Eigen::VectorXd(eta.size()), Eigen::VectorXd(eta.size()), Eigen::VectorXd(eta.size())};
  for (index_t i = 0; i < eta.size(); ++i) {
    const double mu = f.mean(eta[i]), d = f.mean_derivative(eta[i]);
    s.mu[i] = mu;
    s.weight[i] = w[i] * d * d / f.variance(mu);
    s.response[i] = (eta[i] - (offset.size() ? offset[i] : 0.0)) + (y[i] - mu) / d;
  }
  return s;
}

/// X_a^T W X_a and X_a^T W z through the operator set: one weighted
/// crossprod and one two-column T^T X.
template <class Design>
newton_system build_system(const Design& x, bool intercept, const Eigen::VectorXd& weight,
                           const Eigen::VectorXd& response, double n) {
  const index_t p = x.cols(), q = p + (intercept ? 1 : 0);
  Eigen::MatrixXd v(weight.size(), 2);
  v.col(0) = weight;
  v.col(1) = weight.cwiseProduct(response);
  const Eigen::MatrixXd xv = transpose_times(x, v);
  newton_system s{Eigen::MatrixXd(q, q), Eigen::VectorXd(q)};
  s.gram.bottomRightCorner(p, p) = weighted_crossprod(x, weight);
  s.rhs.tail(p) = xv.col(1);
  if (intercept) {
    s.gram(0, 0) = weight.sum();
    s.gram.block(0, 1, 1, p) = xv.col(0).transpose();
    s.gram.block(1, 0, p, 1) = xv.col(0);
    s.rhs[0] = v.col(1).sum();
  }
  s.gram /= n;
  s.rhs /= n;
  return s;
}

/// The deviance at eta; false when eta leaves the link's domain.
inline bool deviance_at(const family& f, const Eigen::VectorXd& y, const Eigen::VectorXd& w, const Eigen::VectorXd& eta,
                        double& dev) {
  dev = 0;
  for (index_t i = 0; i < eta.size(); ++i) {
    if (!f.valid_eta(eta[i])) return false;
    dev += w[i] * f.unit_deviance(y[i], f.mean(eta[i]));
  }
  return std::isfinite(dev);
}

/// The factorized Newton matrix (gram + l2 on the last `penalized`
/// coefficients), equilibrated to a unit diagonal so the condition test does
/// not depend on the columns' units; LDLT's rcond() skips exactly zero
/// pivots, so the pivots are checked too. Rank deficiency is an error naming
/// the remedy.
class newton_factor {
 public:
  newton_factor(const Eigen::MatrixXd& gram, index_t penalized, double l2) {
    Eigen::MatrixXd g = gram;
    const index_t q = g.rows();
    if (q == 0) return;
    g.diagonal().tail(penalized).array() += l2;
    scale_ = g.diagonal().cwiseMax(std::numeric_limits<double>::min()).cwiseSqrt().cwiseInverse();
    ldlt_.compute(scale_.asDiagonal() * g * scale_.asDiagonal());
    const auto pivots = ldlt_.vectorD().cwiseAbs();
    const double rcond =
        ldlt_.info() == Eigen::Success ? std::min(ldlt_.rcond(), pivots.minCoeff() / pivots.maxCoeff()) : 0.0;
    if (!(rcond > 1e3 * std::numeric_limits<double>::epsilon() * static_cast<double>(q)) || !ldlt_.isPositive())
      detail::fail<value_error>("glm: the design is rank deficient (X^T W X is singular, reciprocal condition ",
                                rcond, "); drop collinear columns or add an l2 penalty");
  }
  Eigen::VectorXd solve(const Eigen::VectorXd& rhs) const {
    if (rhs.size() == 0) return rhs;
    return scale_.asDiagonal() * ldlt_.solve(scale_.asDiagonal() * rhs);
  }

 private:
  Eigen::VectorXd scale_;
  Eigen::LDLT<Eigen::MatrixXd> ldlt_;
};

inline Eigen::VectorXd solve_newton(const newton_system& sys, index_t penalized, double l2) {
  return newton_factor(sys.gram, penalized, l2).solve(sys.rhs);
}

/// Dispersion, log-likelihood and the separation check, from the rows'
/// sums (so a silo protocol can add them up across parties).
struct row_sums {
  double pearson = 0;   // sum w (y - mu)^2 / V(mu)
  index_t extreme = 0;  // binomial: fitted probabilities within 1e-8 of 0 or 1
};
inline row_sums sums_at(const family& f, const Eigen::VectorXd& y, const Eigen::VectorXd& w, const Eigen::VectorXd& mu) {
  row_sums s;
  const double eps = 1e-8;
  for (index_t i = 0; i < mu.size(); ++i) {
    s.pearson += w[i] * (y[i] - mu[i]) * (y[i] - mu[i]) / f.variance(mu[i]);
    s.extreme += mu[i] < eps || mu[i] > 1 - eps;
  }
  return s;
}
inline double log_likelihood_at(const family& f, const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                                const Eigen::VectorXd& mu, double scale) {
  double ll = 0;
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

/// Where IRLS stands between iterations: the accepted deviance and
/// objective, and R's relative-change stopping rule. Central and silo fits
/// share it, so they stop at the same iterate.
struct irls_track {
  double deviance = 0;
  double objective = std::numeric_limits<double>::infinity();
  bool have_b = false;
  static constexpr const char* halving_failed = "step-halving could not keep the linear predictor in the link's domain";

  [[noreturn]] static void fail_start(const family& f) {
    detail::fail<value_error>("glm: no valid linear predictor from the starting values (", name_of(f.kind()), " with ",
                              name_of(f.link()), " link); try the canonical link");
  }

  /// Step-halving goes on while the proposal is infeasible or the objective rose.
  bool should_halve(int half, double obj_next) const {
    return have_b && half < 30 && !(obj_next <= objective * (1 + 1e-12));
  }
  /// Accepts iteration `it`'s step; true when the fit has converged.
  bool accept(double dev_next, double obj_next, int it, bool exact_in_one_step, double tolerance, glm_fit& out) {
    const double change = have_b ? std::abs(obj_next - objective) / (std::abs(obj_next) + 0.1) : 1.0;
    deviance = dev_next;
    objective = obj_next;
    have_b = true;
    out.iterations = it;
    return exact_in_one_step || change < tolerance;
  }
};

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
/// sum_j g_j^2 / curvature_j.
inline double diagonal_decrement(const Eigen::VectorXd& g, const Eigen::VectorXd& curvature) {
  return (g.array().square() / curvature.array().max(std::numeric_limits<double>::min())).sum();
}

inline double soft_threshold(double z, double t) { return z > t ? z - t : (z < -t ? z + t : 0.0); }

/// Minimizes 1/2 b^T G b - c^T b + l2/2 |b_pen|^2 + l1 |b_pen|_1 by cyclic
/// coordinate descent (warm start at b) until the KKT conditions hold.
inline void coordinate_descent(const newton_system& s, bool intercept, double l2, double l1, Eigen::VectorXd& b) {
  const index_t q = b.size(), first = intercept ? 1 : 0;
  Eigen::VectorXd gb = s.gram * b;
  const double scale = std::max(1.0, s.rhs.cwiseAbs().maxCoeff());
  const double tol = 1e-12 * scale;
  for (int sweep = 0; sweep < 10000; ++sweep) {
    for (index_t j = 0; j < q; ++j) {
      const double gjj = s.gram(j, j);
      if (gjj <= 0) continue;  // a column without weight: its coefficient stays
      const double partial = s.rhs[j] - gb[j] + gjj * b[j];
      const double next = j < first ? partial / gjj : soft_threshold(partial, l1) / (gjj + l2);
      if (next != b[j]) {
        gb += s.gram.col(j) * (next - b[j]);
        b[j] = next;
      }
    }
    // KKT: the smooth gradient g = c - G b - l2 b must be 0 on the intercept,
    // l1 sign(b_j) where b_j != 0, and within [-l1, l1] where b_j = 0.
    double violation = 0;
    for (index_t j = 0; j < q; ++j) {
      const double g = s.rhs[j] - gb[j] - (j < first ? 0.0 : l2 * b[j]);
      const double v = j < first ? std::abs(g)
                       : b[j] != 0.0 ? std::abs(g - l1 * (b[j] > 0 ? 1.0 : -1.0))
                                     : std::max(0.0, std::abs(g) - l1);
      violation = std::max(violation, v);
    }
    if (violation <= tol) return;
  }
}

/// Statistics at the solution b: deviance, dispersion, log-likelihood,
/// gradient norm, standard errors, separation. Shared by every solver.
template <class Problem>
void finish_fit(const Problem& problem, const glm& spec, const Eigen::VectorXd& b, const Eigen::VectorXd& eta,
                double dev, double objective, glm_fit& out, const Eigen::VectorXd& curvature = {}) {
  const family& f = spec.family();
  const auto& x = problem.design();
  const Eigen::VectorXd& y = problem.labels();
  const Eigen::VectorXd& w = problem.weights();
  const index_t n = x.rows(), p = x.cols(), o = spec.intercept() ? 1 : 0, q = p + o;
  const double total = problem.total_weight();
  const bool penalized = spec.l2() > 0 || spec.l1() > 0;
  out.intercept = spec.intercept() ? b[0] : 0.0;
  out.coefficients = b.tail(p);
  out.deviance = dev;
  out.objective = objective;

  const working_state ws = irls_state(f, y, w, eta, problem.offset());
  const row_sums sums = sums_at(f, y, w, ws.mu);
  double llf_scale = 1;
  set_dispersion(f, sums, n, q, dev, total, out, llf_scale);
  out.log_likelihood = log_likelihood_at(f, y, w, ws.mu, llf_scale);

  Eigen::VectorXd grad = problem.smooth_gradient(b, eta);
  if (spec.l1() > 0)  // the KKT violation: subgradient distance from 0
    for (index_t j = o; j < q; ++j)
      grad[j] = b[j] != 0 ? grad[j] + spec.l1() * (b[j] > 0 ? 1 : -1) : std::max(0.0, std::abs(grad[j]) - spec.l1());
  out.gradient_norm = grad.norm();
  if (curvature.size() == grad.size()) confirm_minimum(out, diagonal_decrement(grad, curvature), spec.tolerance());

  if (!penalized) {
    const newton_system sys = build_system(x, spec.intercept(), ws.weight, ws.response, 1.0);
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(sys.gram);
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

}  // namespace detail

/// A GLM objective over a design: linear predictor, deviance, objective and
/// gradient at any coefficient vector b = [intercept, coefficients]. IRLS,
/// L-BFGS and the tests (finite differences) all evaluate through it.
template <class Design>
class glm_problem {
 public:
  glm_problem(const glm& spec, const Design& x, const Eigen::VectorXd& y, const Eigen::VectorXd& weights,
              const Eigen::VectorXd& offset)
      : spec_(spec), x_(x), y_(y), offset_(offset) {
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
    w_ = weights.size() ? weights : Eigen::VectorXd::Ones(n);
    for (index_t i = 0; i < n; ++i)
      if (!(w_[i] >= 0) || !std::isfinite(w_[i]))
        detail::fail<value_error>("glm: weight at row ", i, " must be finite and >= 0, got ", w_[i]);
    for (index_t i = 0; i < offset.size(); ++i)
      if (!std::isfinite(offset[i])) detail::fail<value_error>("glm: offset at row ", i, " is not finite");
    total_ = w_.sum();
    if (!(total_ > 0)) detail::fail<value_error>("glm: the sample weights sum to zero");
  }

  index_t rows() const { return x_.rows(); }
  index_t size() const { return x_.cols() + (spec_.intercept() ? 1 : 0); }
  double total_weight() const { return total_; }
  const Eigen::VectorXd& weights() const { return w_; }
  const Eigen::VectorXd& offset() const { return offset_; }
  const Eigen::VectorXd& labels() const { return y_; }
  const Design& design() const { return x_; }

  Eigen::VectorXd linear_predictor(const Eigen::VectorXd& b) const {
    Eigen::VectorXd eta = detail::times(x_, b.tail(x_.cols()));
    if (spec_.intercept()) eta.array() += b[0];
    if (offset_.size()) eta += offset_;
    return eta;
  }
  /// The deviance at eta; false when eta leaves the link's domain.
  bool deviance(const Eigen::VectorXd& eta, double& dev) const {
    return detail::deviance_at(spec_.family(), y_, w_, eta, dev);
  }
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
    Eigen::VectorXd score(n);
    for (index_t i = 0; i < n; ++i) {
      const double mu = f.mean(eta[i]);
      score[i] = w_[i] * (y_[i] - mu) * f.mean_derivative(eta[i]) / f.variance(mu);
    }
    Eigen::VectorXd grad(b.size());
    grad.tail(p) = -detail::transpose_times(x_, Eigen::MatrixXd(score)).col(0) / total_ + spec_.l2() * b.tail(p);
    if (spec_.intercept()) grad[0] = -score.sum() / total_;
    return grad;
  }

 private:
  const glm& spec_;
  const Design& x_;
  const Eigen::VectorXd& y_;
  Eigen::VectorXd w_;
  Eigen::VectorXd offset_;  // a copy: callers may pass a temporary
  double total_ = 0;
};

template <class X>
glm_fit glm::fit(const X& x_in, const Eigen::VectorXd& y, const Eigen::VectorXd& weights,
                 const Eigen::VectorXd& offset) const {
  const auto& x = as_design(x_in);
  if constexpr (!is_standardized<std::decay_t<decltype(x)>>::value) if (standardize_) {
    const standardized<std::decay_t<decltype(x)>> xs(x);
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
