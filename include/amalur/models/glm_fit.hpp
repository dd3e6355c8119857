#pragma once
// A fitted GLM: the coefficients and the statistics R's glm and statsmodels report.

#include <limits>
#include <string>

#include "amalur/models/design.hpp"
#include "amalur/models/family.hpp"

namespace amalur {

/// A fitted GLM: coefficients on the design's columns, and the statistics
/// R's glm and statsmodels report.
struct glm_fit {
  amalur::family family = amalur::gaussian();
  bool has_intercept = true;
  double intercept = 0;
  Eigen::VectorXd coefficients;
  /// Standard errors of an unpenalized fit (empty when penalized): the
  /// inverse of the last IRLS step's X^T W X times the dispersion, as R's glm
  /// and statsmodels give them (L-BFGS fits: X^T W X at the solution).
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
    return detail::linear_predictor(as_design(x), coefficients, intercept);
  }
  /// The mean (a probability for binomial).
  template <class X>
  Eigen::VectorXd predict(const X& x) const {
    Eigen::VectorXd eta = predict_link(x);
    for (index_t i = 0; i < eta.size(); ++i) eta[i] = family.mean(eta[i]);
    return eta;
  }
};

}  // namespace amalur
