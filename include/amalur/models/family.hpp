#pragma once
// GLM families and links, as R's glm and statsmodels define them.
// Links: identity, logit, log, inverse (eta = 1 / mu). Each family has its
// canonical link by default, validates its labels, and gives the unit
// deviance, the variance function and the log-likelihood.

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

enum class link_kind { identity, logit, log, inverse };
enum class family_kind { gaussian, binomial, poisson, gamma };

inline const char* name_of(link_kind l) {
  switch (l) {
    case link_kind::identity: return "identity";
    case link_kind::logit: return "logit";
    case link_kind::log: return "log";
    case link_kind::inverse: return "inverse";
  }
  return "?";
}
inline const char* name_of(family_kind f) {
  switch (f) {
    case family_kind::gaussian: return "gaussian";
    case family_kind::binomial: return "binomial";
    case family_kind::poisson: return "poisson";
    case family_kind::gamma: return "gamma";
  }
  return "?";
}

/// A family with its link.
class family {
 public:
  explicit family(family_kind kind) : family(kind, canonical(kind)) {}
  /// The links each family allows are R's (among identity, logit, log,
  /// inverse); another is an error naming the family and its links, rather
  /// than a fit that fails later for a reason that names neither.
  family(family_kind kind, link_kind link) : kind_(kind), link_(link) {
    const char* allowed = kind == family_kind::gaussian   ? "identity, log, inverse"
                          : kind == family_kind::binomial ? "logit, log"
                          : kind == family_kind::poisson  ? "log, identity"
                                                          : "inverse, identity, log";
    const bool ok = kind == family_kind::gaussian   ? link != link_kind::logit
                    : kind == family_kind::binomial ? link == link_kind::logit || link == link_kind::log
                    : kind == family_kind::poisson  ? link == link_kind::log || link == link_kind::identity
                                                    : link != link_kind::logit;
    if (!ok)
      detail::fail<value_error>("the ", name_of(link), " link is not available for the ", name_of(kind), " family (",
                                allowed, ")");
  }

  family_kind kind() const { return kind_; }
  link_kind link() const { return link_; }
  static link_kind canonical(family_kind kind) {
    switch (kind) {
      case family_kind::gaussian: return link_kind::identity;
      case family_kind::binomial: return link_kind::logit;
      case family_kind::poisson: return link_kind::log;
      case family_kind::gamma: return link_kind::inverse;
    }
    return link_kind::identity;
  }
  /// The dispersion is estimated (Gaussian, Gamma) or fixed at 1.
  bool estimates_dispersion() const { return kind_ == family_kind::gaussian || kind_ == family_kind::gamma; }

  /// Throws when the labels leave nothing to fit: one class for binomial,
  /// all zero for Poisson (the maximum-likelihood intercept is infinite).
  /// From the labels' sum and count (valid labels assumed), so parties can
  /// check a label split across them; `name` names it in the message.
  void check_not_degenerate(double sum, index_t n, const std::string& name) const {
    if (n == 0) detail::fail<value_error>("label '", name, "' has no rows to train on");
    if (kind_ == family_kind::binomial && (sum == 0 || sum == static_cast<double>(n)))
      detail::fail<value_error>("label '", name, "' has one class only (every row is ", sum == 0 ? 0 : 1,
                                "): a binomial model has nothing to separate");
    if (kind_ == family_kind::poisson && sum == 0)
      detail::fail<value_error>("label '", name, "' is 0 in every row: a poisson model's intercept would be -infinity");
  }
  template <class Vector>
  void check_not_degenerate(const Vector& y, const std::string& name) const {
    check_not_degenerate(y.sum(), static_cast<index_t>(y.size()), name);
  }

  /// Throws when a label lies outside the family's support.
  void check_label(double y, index_t row) const {
    if (!std::isfinite(y)) detail::fail<value_error>("label at row ", row, " is not finite");
    switch (kind_) {
      case family_kind::binomial:
        if (y != 0.0 && y != 1.0)
          detail::fail<value_error>("binomial labels must be 0 or 1; row ", row, " has ", y);
        break;
      case family_kind::poisson:
        if (y < 0.0) detail::fail<value_error>("poisson labels must not be negative; row ", row, " has ", y);
        break;
      case family_kind::gamma:
        if (y <= 0.0) detail::fail<value_error>("gamma labels must be positive; row ", row, " has ", y);
        break;
      case family_kind::gaussian: break;
    }
  }

  // --- link ---
  double link_fn(double mu) const {
    switch (link_) {
      case link_kind::identity: return mu;
      case link_kind::logit: return std::log(mu / (1.0 - mu));
      case link_kind::log: return std::log(mu);
      case link_kind::inverse: return 1.0 / mu;
    }
    return mu;
  }
  double mean(double eta) const {
    switch (link_) {
      case link_kind::identity: return eta;
      case link_kind::logit: {
        // Clamped as R's binomial()$linkinv: mu stays inside (0, 1).
        constexpr double eps = std::numeric_limits<double>::epsilon();
        const double mu = 1.0 / (1.0 + std::exp(-eta));
        return std::min(std::max(mu, eps), 1.0 - eps);
      }
      case link_kind::log: return std::max(std::exp(eta), std::numeric_limits<double>::min());
      case link_kind::inverse: return 1.0 / eta;
    }
    return eta;
  }
  /// d mu / d eta.
  double mean_derivative(double eta) const {
    switch (link_) {
      case link_kind::identity: return 1.0;
      case link_kind::logit: {
        const double e = std::exp(-std::abs(eta));
        return std::max(e / ((1.0 + e) * (1.0 + e)), std::numeric_limits<double>::epsilon());
      }
      case link_kind::log: return std::max(std::exp(eta), std::numeric_limits<double>::min());
      case link_kind::inverse: return -1.0 / (eta * eta);
    }
    return 1.0;
  }
  /// Is eta inside the link's domain for this family (mu valid)?
  bool valid_eta(double eta) const {
    if (!std::isfinite(eta)) return false;
    if (link_ == link_kind::inverse) return kind_ == family_kind::gaussian ? eta != 0.0 : eta > 0.0;
    if (link_ == link_kind::identity && (kind_ == family_kind::poisson || kind_ == family_kind::gamma))
      return eta > 0.0;
    if (link_ == link_kind::identity && kind_ == family_kind::binomial) return eta > 0.0 && eta < 1.0;
    return true;
  }

  // --- family ---
  double variance(double mu) const {
    switch (kind_) {
      case family_kind::gaussian: return 1.0;
      case family_kind::binomial: return mu * (1.0 - mu);
      case family_kind::poisson: return mu;
      case family_kind::gamma: return mu * mu;
    }
    return 1.0;
  }
  /// Starting mean, as R's family()$initialize.
  double initial_mean(double y) const {
    switch (kind_) {
      case family_kind::gaussian: return link_ == link_kind::identity ? y : (y > 0.0 ? y : 1.0);
      case family_kind::binomial: return (y + 0.5) / 2.0;
      case family_kind::poisson: return y + 0.1;
      case family_kind::gamma: return y;
    }
    return y;
  }
  /// Unit deviance d(y, mu); the deviance is sum_i w_i d(y_i, mu_i).
  double unit_deviance(double y, double mu) const {
    switch (kind_) {
      case family_kind::gaussian: return (y - mu) * (y - mu);
      case family_kind::binomial:
        return 2.0 * (xlogy(y, y / mu) + xlogy(1.0 - y, (1.0 - y) / (1.0 - mu)));
      case family_kind::poisson: return 2.0 * (xlogy(y, y / mu) - (y - mu));
      case family_kind::gamma: return 2.0 * (-std::log(y / mu) + (y - mu) / mu);
    }
    return 0.0;
  }
  /// Log-likelihood of one observation with prior weight w at dispersion
  /// `scale`, as statsmodels' loglike_obs.
  double log_likelihood(double y, double mu, double w, double scale) const {
    constexpr double two_pi = 6.283185307179586;
    switch (kind_) {
      case family_kind::gaussian:
        return -0.5 * (w * (y - mu) * (y - mu) / scale + std::log(two_pi * scale / w));
      case family_kind::binomial: return w * (xlogy(y, mu) + xlogy(1.0 - y, 1.0 - mu));
      case family_kind::poisson: return w * (xlogy(y, mu) - mu - std::lgamma(y + 1.0));
      case family_kind::gamma: {
        const double ws = w / scale, ym = y / mu;
        return ws * std::log(ws * ym) - ws * ym - std::lgamma(ws) - std::log(y);
      }
    }
    return 0.0;
  }

 private:
  static double xlogy(double x, double y) { return x == 0.0 ? 0.0 : x * std::log(y); }

  family_kind kind_;
  link_kind link_;
};

namespace detail {
// The same formulas on whole vectors: the link or family is chosen once per
// call, outside the row loop, and each case is one Eigen array expression
// (vectorized; no per-row switch). The scalar members above stay the
// reference for single values (predict, tests).
using array_cref = Eigen::Ref<const Eigen::VectorXd>;
using array_mref = Eigen::Ref<Eigen::VectorXd>;
/// Eigen::VectorXd, named through a template parameter: a function taking
/// these is instantiated (and its expressions compiled) only when called.
template <class D>
struct dependent {
  using vector = Eigen::VectorXd;
};
template <class D>
using dependent_cref = Eigen::Ref<const typename dependent<D>::vector>;
template <class D>
using dependent_mref = Eigen::Ref<typename dependent<D>::vector>;

/// mu = g^{-1}(eta) and d = d mu / d eta for every row (family::mean, family::mean_derivative).
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline void mean_and_derivative(link_kind link, const dependent_cref<D>& eta, dependent_mref<D> mu, dependent_mref<D> d) {
  constexpr double eps = std::numeric_limits<double>::epsilon(), tiny = std::numeric_limits<double>::min();
  const auto e = eta.array();
  switch (link) {
    case link_kind::identity:
      mu = eta;
      d.setOnes();
      return;
    case link_kind::logit: {
      // One exp per row: with u = exp(-eta), mu = 1 / (1 + u) and mu' =
      // mu (u mu), exact in both tails (u mu = 1 - mu without cancellation);
      // eta is held above -700 so u stays finite (mu is floored at eps there anyway).
      d.array() = (-e.max(-700.0)).exp();  // u, until mu' replaces it
      mu.array() = 1.0 / (1.0 + d.array());
      d.array() = (mu.array() * (d.array() * mu.array())).max(eps);
      mu.array() = mu.array().max(eps).min(1.0 - eps);
      return;
    }
    case link_kind::log:
      mu.array() = e.exp().max(tiny);
      d = mu;
      return;
    case link_kind::inverse:
      mu.array() = 1.0 / e;
      d.array() = -1.0 / e.square();
      return;
  }
}
/// mu only.
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline void mean(link_kind link, const dependent_cref<D>& eta, dependent_mref<D> mu) {
  constexpr double eps = std::numeric_limits<double>::epsilon(), tiny = std::numeric_limits<double>::min();
  const auto e = eta.array();
  switch (link) {
    case link_kind::identity: mu = eta; return;
    case link_kind::logit: mu.array() = (1.0 / (1.0 + (-e.max(-700.0)).exp())).max(eps).min(1.0 - eps); return;  // as mean_and_derivative
    case link_kind::log: mu.array() = e.exp().max(tiny); return;
    case link_kind::inverse: mu.array() = 1.0 / e; return;
  }
}

/// Calls f(V) with V(mu) the family's variance as an array expression.
template <class Mu, class F>
decltype(auto) with_variance(family_kind kind, const Eigen::ArrayBase<Mu>& mu, F&& f) {
  switch (kind) {
    case family_kind::binomial: return f(mu * (1.0 - mu));
    case family_kind::poisson: return f(mu);
    case family_kind::gamma: return f(mu.square());
    case family_kind::gaussian: break;
  }
  return f(Eigen::ArrayXd::Ones(mu.size()));
}

/// x log(y), 0 where x = 0 (as family::xlogy).
template <class X, class Y>
auto xlogy(const Eigen::ArrayBase<X>& x, const Eigen::ArrayBase<Y>& y) {
  return (x == 0.0).select(0.0, x * y.log());
}

/// Is every eta inside the link's domain for the family (family::valid_eta)?
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline bool all_valid_eta(const family& f, const dependent_cref<D>& eta) {
  const auto e = eta.array();
  if (!e.isFinite().all()) return false;
  if (f.link() == link_kind::inverse) return f.kind() == family_kind::gaussian ? (e != 0.0).all() : (e > 0.0).all();
  if (f.link() == link_kind::identity && (f.kind() == family_kind::poisson || f.kind() == family_kind::gamma))
    return (e > 0.0).all();
  if (f.link() == link_kind::identity && f.kind() == family_kind::binomial) return (e > 0.0 && e < 1.0).all();
  return true;
}

/// sum_i w_i d(y_i, mu_i) (family::unit_deviance); with the Gaussian family
/// the RSS. Every case vectorizes (Eigen 3.4's select() does not, so the
/// per-step forms avoid it): binomial labels are 0 or 1 (check_label), so
/// d = -2 log(mu) or -2 log(1 - mu); Poisson's y log(y / mu) is 0 at y = 0
/// through the floor on y / mu.
// A template on a dependent vector type, so that its Eigen expressions are
// compiled only where it is used, not in every file that includes it.
template <class D = void>
inline double weighted_deviance(family_kind kind, const dependent_cref<D>& y, const dependent_cref<D>& w, const dependent_cref<D>& mu) {
  constexpr double tiny = std::numeric_limits<double>::min();
  const auto a = y.array(), m = mu.array(), ww = w.array();
  switch (kind) {
    case family_kind::gaussian: return (ww * (a - m).square()).sum();
    case family_kind::binomial: return (ww * (-2.0 * (a * m + (1.0 - a) * (1.0 - m)).log())).sum();
    case family_kind::poisson: return (ww * (2.0 * (a * (a / m).max(tiny).log() - (a - m)))).sum();
    case family_kind::gamma: return (ww * (2.0 * (-(a / m).log() + (a - m) / m))).sum();
  }
  return 0.0;
}
}  // namespace detail

inline family gaussian(link_kind l = link_kind::identity) { return family(family_kind::gaussian, l); }
inline family binomial(link_kind l = link_kind::logit) { return family(family_kind::binomial, l); }
inline family poisson(link_kind l = link_kind::log) { return family(family_kind::poisson, l); }
inline family gamma(link_kind l = link_kind::inverse) { return family(family_kind::gamma, l); }

}  // namespace amalur
