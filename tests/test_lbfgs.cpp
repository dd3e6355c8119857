// L-BFGS and custom models (target amalur::lbfgs, LBFGS++): the same
// solutions as Newton, through the same operator set.

#include <catch2/catch.hpp>

#include <amalur/models/custom.hpp>

#include "models_fixture.hpp"

using Eigen::MatrixXd;
using Eigen::VectorXd;

TEST_CASE("L-BFGS reaches the Newton solution", "[models]") {
  const star s(4000, 30, 6);
  const auto t = s.normalized();
  std::mt19937_64 rng(3);
  const VectorXd y = draw_labels(amalur::poisson(), t * VectorXd::Constant(6, 0.3), rng);
  const auto spec = amalur::glm(amalur::poisson()).l2(1e-3);
  const auto newton = spec.fit(t, y);
  const auto lbfgs = amalur::fit_lbfgs(spec, t, y);
  CHECK(lbfgs.converged);
  CHECK(relative(lbfgs.objective, newton.objective) < 1e-10);
  CHECK((lbfgs.coefficients - newton.coefficients).cwiseAbs().maxCoeff() < 1e-4);
  CHECK_THROWS_AS(amalur::fit_lbfgs(amalur::glm(amalur::poisson()).l1(0.1), t, y), amalur::value_error);
}

namespace {
struct huber {
  double delta = 1.0;
  double value(double y, double eta) const {
    const double r = std::abs(y - eta);
    return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
  }
  double derivative(double y, double eta) const { return std::clamp(eta - y, -delta, delta); }
};
}  // namespace

TEST_CASE("a custom model (Huber regression) fits through the operator set", "[models]") {
  const star s(5000, 30, 7);
  auto t = s.normalized();
  VectorXd beta(6);
  beta << 1, -1, 0.5, 0.25, -0.5, 2;
  VectorXd y = t * beta;
  y.array() += 0.7;
  y[10] += 500;  // an outlier Huber shrugs off
  t.set_strategy(amalur::strategy::factorized);
  const auto fit = amalur::fit_custom(huber{}, t, y);
  CHECK(fit.converged);
  CHECK(fit.gradient_norm < 1e-6);
  CHECK((fit.coefficients - beta).cwiseAbs().maxCoeff() < 0.02);
  const auto same = amalur::fit_custom(huber{}, t.materialize(), y);
  CHECK(relative(fit.objective, same.objective) < 1e-10);
  static_assert(amalur::is_row_loss<huber>::value && !amalur::is_row_loss<int>::value);
}

