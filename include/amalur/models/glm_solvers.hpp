#pragma once
// The Newton steps of a GLM fit: the IRLS working state, the weighted
// normal equations through the operator set, their factorization with a
// rank check, IRLS's stopping rule, and coordinate descent for L1.

#include <Eigen/Cholesky>
#include <type_traits>

#include "amalur/models/design.hpp"
#include "amalur/models/family.hpp"
#include "amalur/models/glm_fit.hpp"

namespace amalur::detail {

/// The quadratic model of one Newton step, over [intercept, coefficients].
struct newton_system {
  Eigen::MatrixXd gram;   // X_a^T W X_a / n
  Eigen::VectorXd rhs;    // X_a^T W z / n
};

/// Working weights and response of IRLS at eta (eta includes the offset).
struct working_state {
  Eigen::VectorXd mu, weight, response;
};

/// The working weights and response from mu and mu' at eta (computed by
/// the caller, as the deviance pass of the last step does).
template <class D = void>
inline void irls_state_from_mean(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w,
                                 const dependent_cref<D>& eta, const dependent_cref<D>& offset,
                                 const dependent_cref<D>& mu, const dependent_cref<D>& d, dependent_mref<D> weight,
                                 dependent_mref<D> response) {
  const auto m = mu.array(), dd = d.array();
  with_variance(f.kind(), m, [&](const auto& v) { weight.array() = w.array() * dd * dd / v; });
  if (offset.size())
    response.array() = (eta.array() - offset.array()) + (y.array() - m) / dd;
  else
    response.array() = eta.array() + (y.array() - m) / dd;
}

/// mu, the working weights W = w mu'^2 / V(mu) and the working response
/// z = eta - offset + (y - mu) / mu' at eta, into the caller's vectors
/// (`d` is scratch for mu', and may be `response` itself: each row reads its
/// own mu' before writing its z); the link and family are chosen once.
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline void irls_state_into(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& eta,
                            const dependent_cref<D>& offset, dependent_mref<D> mu, dependent_mref<D> d,
                            dependent_mref<D> weight, dependent_mref<D> response) {
  mean_and_derivative(f.link(), eta, mu, d);
  irls_state_from_mean<D>(f, y, w, eta, offset, mu, d, weight, response);
}
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline working_state irls_state(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& eta,
                                const dependent_cref<D>& offset) {
  const index_t n = eta.size();
  working_state s{Eigen::VectorXd(n), Eigen::VectorXd(n), Eigen::VectorXd(n)};
  Eigen::VectorXd d(n);
  irls_state_into(f, y, w, eta, offset, s.mu, d, s.weight, s.response);
  return s;
}

/// The n-sized vectors of one IRLS fit, allocated once and reused by every
/// step (fresh temporaries per step cost page faults on large n). The
/// working weights W live in v's first column (the crossprod takes that
/// column as it is), and mu' in its second until W z replaces it.
struct irls_workspace {
  Eigen::VectorXd eta, eta_next, mu;
  Eigen::MatrixXd v;  // [W, W z]: the right-hand side's two columns of T^T v
  explicit irls_workspace(index_t n) : eta(n), eta_next(n), mu(n), v(n, 2) {}
};

/// R's starting point: eta = g(mu_0) + offset with mu_0 the family's initial mean.
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline void initial_eta(const family& f, const dependent_cref<D>& y, const dependent_cref<D>& offset,
                        typename dependent<D>::vector& eta) {
  const auto a = y.array();
  auto e = eta.array();
  switch (f.kind()) {  // family::initial_mean
    case family_kind::gaussian:
      if (f.link() == link_kind::identity) e = a;
      else e = (a > 0.0).select(a, 1.0);
      break;
    case family_kind::binomial: e = (a + 0.5) / 2.0; break;
    case family_kind::poisson: e = a + 0.1; break;
    case family_kind::gamma: e = a; break;
  }
  switch (f.link()) {  // family::link_fn
    case link_kind::identity: break;
    case link_kind::logit: e = (e / (1.0 - e)).log(); break;
    case link_kind::log: e = e.log(); break;
    case link_kind::inverse: e = 1.0 / e; break;
  }
  if (offset.size()) eta += offset;
}

/// X^T V in double; no copy of V when the design's scalar is double.
template <class Design, class V>
Eigen::MatrixXd transpose_times_ref(const Design& x, const Eigen::MatrixBase<V>& v, strategy s = strategy::automatic) {
  using Scalar = typename Design::Scalar;
  if constexpr (std::is_same_v<Scalar, double>)
    return transpose_multiply_with(x, v.derived(), s);
  else
    return transpose_multiply_with(x, v.template cast<Scalar>().eval(), s).template cast<double>();
}
/// X_a^T W X_a / n and X_a^T W z / n from v = [W, W z] (n x 2): one
/// weighted crossprod (of v's first column, read in place) and one
/// two-column T^T X. `unscaled`, when given, receives the system before
/// the division (the standard errors' matrix and the gradient when W is final).
/// `unit_weights`: W is all ones, so the crossprod is the unweighted one.
/// `how`: the products' strategy (see strategy_for).
template <class Design>
void build_system_into(const Design& x, bool intercept, const Eigen::MatrixXd& v, double n, newton_system& s,
                       newton_system* unscaled = nullptr, bool unit_weights = false,
                       strategy how = strategy::automatic) {
  const index_t p = x.cols(), q = p + (intercept ? 1 : 0);
  const auto weight = v.col(0);
  const Eigen::MatrixXd xv = transpose_times_ref(x, v, how);
  s.gram.resize(q, q);
  s.rhs.resize(q);
  s.gram.bottomRightCorner(p, p) = unit_weights ? crossprod_of(x, how) : weighted_crossprod(x, weight, how);
  s.rhs.tail(p) = xv.col(1);
  if (intercept) {
    s.gram(0, 0) = weight.sum();
    s.gram.block(0, 1, 1, p) = xv.col(0).transpose();
    s.gram.block(1, 0, p, 1) = xv.col(0);
    s.rhs[0] = v.col(1).sum();
  }
  if (unscaled) *unscaled = s;
  s.gram /= n;
  s.rhs /= n;
}

/// X_a^T W X_a and X_a^T W z through the operator set: one weighted
/// crossprod and one two-column T^T X.
template <class Design>
newton_system build_system(const Design& x, bool intercept, const Eigen::VectorXd& weight,
                           const Eigen::VectorXd& response, double n) {
  Eigen::MatrixXd v(weight.size(), 2);
  v.col(0) = weight;
  v.col(1) = weight.cwiseProduct(response);
  newton_system s;
  build_system_into(x, intercept, v, n, s);
  return s;
}

/// The factorized Newton matrix (gram + l2 on the last `penalized`
/// coefficients), equilibrated to a unit diagonal so the condition test does
/// not depend on the columns' units; LDLT's rcond() skips exactly zero
/// pivots, so the pivots are checked too. Rank deficiency is an error naming
/// the remedy. (A template only so that a file which never fits a GLM does
/// not compile LDLT.)
template <class Matrix = Eigen::MatrixXd>
class basic_newton_factor {
 public:
  basic_newton_factor(const Matrix& gram, index_t penalized, double l2) {
    Matrix g = gram;
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
  Eigen::LDLT<Matrix> ldlt_;
};
using newton_factor = basic_newton_factor<>;

template <class System>
Eigen::VectorXd solve_newton(const System& sys, index_t penalized, double l2) {
  return newton_factor(sys.gram, penalized, l2).solve(sys.rhs);
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

/// sum_j g_j^2 / curvature_j.
// Templates on a dependent vector type, so that their Eigen expressions
// (a matrix-vector product here) are compiled only where they are called.
template <class D = void>
inline double diagonal_decrement(const dependent_cref<D>& g, const dependent_cref<D>& curvature) {
  return (g.array().square() / curvature.array().max(std::numeric_limits<double>::min())).sum();
}

inline double soft_threshold(double z, double t) { return z > t ? z - t : (z < -t ? z + t : 0.0); }

/// Minimizes 1/2 b^T G b - c^T b + l2/2 |b_pen|^2 + l1 |b_pen|_1 by cyclic
/// coordinate descent (warm start at b) until the KKT conditions hold.
template <class System>
void coordinate_descent(const System& s, bool intercept, double l2, double l1, Eigen::VectorXd& b) {
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

}  // namespace amalur::detail
