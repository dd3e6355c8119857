#pragma once
// A GLM's options: the family, the penalties, the stopping rule. Setters
// return *this, so a model reads as one line; fit() is in glm.hpp.

#include <cmath>

#include "amalur/models/design.hpp"
#include "amalur/models/family.hpp"
#include "amalur/models/glm_fit.hpp"

namespace amalur {

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
  glm_fit fit(const X& x, const vector_ref& y, const vector_ref& weights = Eigen::VectorXd(),
              const vector_ref& offset = Eigen::VectorXd()) const;

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

}  // namespace amalur
