// Models: factorized equals materialized on random integration scenarios,
// known coefficients are recovered, optimality holds at the solution, and
// the hard cases (separation, rank deficiency, no convergence) say so.
// (L-BFGS and custom models, which need LBFGS++, are in test_lbfgs.cpp.)

#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>

#include "models_fixture.hpp"

using Eigen::MatrixXd;
using Eigen::VectorXd;

/// [1 | m]: the design with the intercept's column, as the closed forms take it.
static MatrixXd with_intercept(const MatrixXd& m) {
  MatrixXd xa(m.rows(), m.cols() + 1);
  xa << VectorXd::Ones(m.rows()), m;
  return xa;
}

TEST_CASE("each GLM, factorized, equals the materialized fit on random scenarios", "[models][differential]") {
  const int count = std::max(1, scenario_count() / 5);
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base_seed() + static_cast<std::uint64_t>(k);
    INFO(replay_hint(seed));
    const scenario sc = random_scenario(seed);
    const MatrixXd t = oracle(sc);
    const auto nm = build<double>(sc);
    std::mt19937_64 rng(seed);
    const amalur::family& fam = kFamilies[k % 4];
    INFO("family " << amalur::name_of(fam.kind()));
    VectorXd beta(t.cols());
    for (index_t j = 0; j < beta.size(); ++j) beta[j] = 0.6 * (unit(rng) - 0.5);
    const VectorXd y = draw_labels(fam, t * beta, rng);
    if (fam.kind() == amalur::family_kind::gamma && (y.array() <= 0).any()) continue;
    if ((fam.kind() == amalur::family_kind::binomial && (y.array() == y[0]).all()) ||
        (fam.kind() == amalur::family_kind::poisson && (y.array() == 0).all()))
      continue;  // labels with nothing to fit are an error by design
    const auto spec = amalur::glm(fam).l2(1e-3);
    const amalur::glm_fit f = spec.fit(nm, y);
    const amalur::glm_fit m = spec.fit(t, y);
    const amalur::glm_fit b = spec.fit(amalur::materialize_best(nm), y);
    CHECK(f.converged == m.converged);
    CHECK(relative(f.objective, m.objective) < 1e-10);
    CHECK(relative(b.objective, m.objective) < 1e-10);
    CHECK(relative(f.deviance, m.deviance) < 1e-9);
    // Coefficients: the error a perturbation of the objective allows grows with the condition number.
    MatrixXd g = (t.transpose() * t) / static_cast<double>(t.rows());
    g.diagonal().array() += 1e-3;
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(g);
    const double cond = eig.eigenvalues().maxCoeff() / eig.eigenvalues().minCoeff();
    CHECK((f.coefficients - m.coefficients).cwiseAbs().maxCoeff() <= 1e-9 * cond * (1 + m.coefficients.norm()));
    CHECK((f.predict(nm) - m.predict(t)).cwiseAbs().maxCoeff() <= 1e-8 * cond);
  }
}

TEST_CASE("a float design gives the double fit to float accuracy", "[models][differential]") {
  const int count = std::max(1, scenario_count() / 20);
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base_seed() + static_cast<std::uint64_t>(k);
    INFO(replay_hint(seed));
    const scenario sc = random_scenario(seed);
    const MatrixXd t = oracle(sc);
    std::mt19937_64 rng(seed);
    VectorXd beta(t.cols());
    for (index_t j = 0; j < beta.size(); ++j) beta[j] = unit(rng) - 0.5;
    const VectorXd y = draw_labels(amalur::binomial(), t * beta, rng);
    if ((y.array() == y[0]).all()) continue;  // one class: an error by design (nothing to separate)
    const auto spec = amalur::logistic_regression().l2(1e-2);
    CHECK(relative(spec.fit(build<float>(sc), y).objective, spec.fit(t, y).objective) < 1e-5);
  }
}

TEST_CASE("each GLM recovers the coefficients it was generated from", "[models]") {
  const star s(40000, 50, 11);
  const auto t = s.normalized();
  VectorXd beta(6);
  beta << 0.8, -0.5, 0.3, 0.6, -0.4, 0.2;
  for (const amalur::family& fam :
       {amalur::gaussian(), amalur::binomial(), amalur::poisson(), amalur::gamma(amalur::link_kind::log),
        amalur::gamma()}) {
    INFO("family " << amalur::name_of(fam.kind()) << " link " << amalur::name_of(fam.link()));
    // The inverse link needs eta > 0: shift the intercept.
    const double b0 = fam.link() == amalur::link_kind::inverse ? 3.0 : 0.2;
    VectorXd eta = t * beta;
    eta.array() += b0;
    std::mt19937_64 rng(5);
    const VectorXd y = draw_labels(fam, eta, rng);
    const auto fit = amalur::glm(fam).fit(t, y);
    REQUIRE(fit.converged);
    REQUIRE(fit.standard_errors.size() == 6);
    // Within 5 standard errors of the truth, and the intercept too.
    CHECK(((fit.coefficients - beta).array().abs() <= 5 * fit.standard_errors.array()).all());
    CHECK(std::abs(fit.intercept - b0) <= 5 * fit.intercept_standard_error);
    // Optimality checked directly: the gradient vanishes at the solution.
    CHECK(fit.gradient_norm < 1e-7);
  }
}

TEST_CASE("the GLM gradient matches finite differences (MorpheusPy drops y from the logistic one)", "[models]") {
  const star s(500, 20, 3);
  const auto t = s.normalized();
  std::mt19937_64 rng(9);
  for (const amalur::family& fam : kFamilies) {
    INFO("family " << amalur::name_of(fam.kind()));
    VectorXd eta = t * VectorXd::Constant(6, 0.2);
    const VectorXd y = draw_labels(fam, eta, rng);
    const auto spec = amalur::glm(fam).l2(0.05);
    const amalur::glm_problem<decltype(t)> problem(spec, t, y, Eigen::VectorXd(), Eigen::VectorXd());
    VectorXd b(7);
    for (index_t j = 0; j < 7; ++j) b[j] = 0.3 * (unit(rng) - 0.5);
    VectorXd grad, unused;
    problem.smooth_objective(b, grad);
    for (index_t j = 0; j < 7; ++j) {
      const double h = 1e-6;
      VectorXd up = b, down = b;
      up[j] += h;
      down[j] -= h;
      const double numeric = (problem.smooth_objective(up, unused) - problem.smooth_objective(down, unused)) / (2 * h);
      CHECK(std::abs(numeric - grad[j]) < 1e-7 * (1 + std::abs(numeric)));
    }
  }
}

TEST_CASE("the log-likelihood's closed forms equal the sum over rows", "[models]") {
  // Binomial: sum y log p + (1 - y) log(1 - p); Gaussian with sample
  // weights (the per-row path) against the same sum written out.
  const star s(2000, 20, 3);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  std::mt19937_64 rng(5);
  VectorXd labels(m.rows()), w(m.rows()), y(m.rows());
  for (index_t i = 0; i < m.rows(); ++i) {
    labels[i] = unit(rng) < 1.0 / (1.0 + std::exp(-m.row(i).sum() / 4)) ? 1.0 : 0.0;
    w[i] = 0.5 + unit(rng);
    y[i] = m.row(i).sum() + unit(rng);
  }
  const auto logistic = amalur::logistic_regression().fit(t, labels);
  const VectorXd p = logistic.predict(t);
  double ll = 0;
  for (index_t i = 0; i < p.size(); ++i) ll += labels[i] > 0 ? std::log(p[i]) : std::log(1 - p[i]);
  CHECK(std::abs(logistic.log_likelihood - ll) < 1e-9 * std::abs(ll));
  const auto weighted = amalur::linear_regression().fit(t, y, w);
  const VectorXd mu = weighted.predict(t);
  const double scale = weighted.deviance / w.sum();  // statsmodels' llf scale: RSS_w / sum w
  double wll = 0;
  for (index_t i = 0; i < mu.size(); ++i)
    wll += -0.5 * (w[i] * (y[i] - mu[i]) * (y[i] - mu[i]) / scale + std::log(2 * M_PI * scale / w[i]));
  CHECK(std::abs(weighted.log_likelihood - wll) < 1e-9 * std::abs(wll));
}

TEST_CASE("a logistic fit's standard errors come from its last Newton system, as R's glm", "[models]") {
  // IRLS is deterministic, so a fit stopped one step earlier gives the
  // iterate whose weights the last system used: W = p (1 - p) there.
  const star s(2000, 20, 3);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  std::mt19937_64 rng(8);
  VectorXd labels(m.rows());
  for (index_t i = 0; i < m.rows(); ++i) labels[i] = unit(rng) < 1.0 / (1.0 + std::exp(-m.row(i).sum() / 4)) ? 1.0 : 0.0;
  const MatrixXd xa = with_intercept(m);
  for (const int steps : {2, 3}) {
    const auto last = amalur::logistic_regression().max_iterations(steps).fit(t, labels);
    const auto before = amalur::logistic_regression().max_iterations(steps - 1).fit(t, labels);
    REQUIRE(last.iterations == steps);
    VectorXd b(xa.cols());
    b << before.intercept, before.coefficients;
    const VectorXd p = ((-(xa * b).array()).exp() + 1.0).inverse().matrix();
    const MatrixXd info = xa.transpose() * (p.array() * (1.0 - p.array())).matrix().asDiagonal() * xa;
    const VectorXd se = info.inverse().diagonal().cwiseSqrt();
    INFO("steps " << steps);
    CHECK((last.standard_errors - se.tail(m.cols())).cwiseAbs().maxCoeff() < 1e-10 * se.maxCoeff());
    CHECK(std::abs(last.intercept_standard_error - se[0]) < 1e-10 * se[0]);
  }
}

TEST_CASE("linear regression equals the closed form and statsmodels' log-likelihood", "[models]") {
  const star s(3000, 30, 4);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  std::mt19937_64 rng(2);
  VectorXd y(m.rows());
  for (index_t i = 0; i < y.size(); ++i) y[i] = m.row(i).sum() + unit(rng);
  const auto fit = amalur::linear_regression().fit(t, y);
  const MatrixXd xa = with_intercept(m);
  const VectorXd closed = (xa.transpose() * xa).ldlt().solve(xa.transpose() * y);
  CHECK(std::abs(fit.intercept - closed[0]) < 1e-10);
  CHECK((fit.coefficients - closed.tail(6)).cwiseAbs().maxCoeff() < 1e-10);
  const double rss = (y - xa * closed).squaredNorm(), n = static_cast<double>(y.size());
  CHECK(std::abs(fit.deviance - rss) < 1e-8 * rss);
  CHECK(std::abs(fit.log_likelihood - (-n / 2 * (std::log(2 * M_PI * rss / n) + 1))) < 1e-8);
  // Standard errors: sigma^2 (X^T X)^{-1}, sigma^2 = RSS / (n - p).
  const VectorXd se = ((xa.transpose() * xa).inverse().diagonal() * rss / (n - 7)).cwiseSqrt();
  CHECK((fit.standard_errors - se.tail(6)).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(fit.iterations == 1);  // one weighted least squares solve
  // With an offset the closed form's response is y - offset (the same fit as on y - offset).
  const VectorXd offset = VectorXd::LinSpaced(y.size(), -2.0, 3.0);
  const auto with_offset = amalur::linear_regression().fit(t, y, VectorXd(), offset);
  const auto shifted = amalur::linear_regression().fit(t, y - offset);
  CHECK(std::abs(with_offset.intercept - shifted.intercept) < 1e-10);
  CHECK((with_offset.coefficients - shifted.coefficients).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(std::abs(with_offset.deviance - shifted.deviance) < 1e-8 * shifted.deviance);
}

TEST_CASE("linear regression's deviance stays exact where the RSS is tiny against y^T y", "[models]") {
  // The deviance comes from the solved system (y^T y - 2 b^T X^T y + b^T X^T X b) unless that
  // expansion would lose the digits: a near-exact fit, or a mean far larger than the noise.
  const star s(3000, 30, 4);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  const MatrixXd xa = with_intercept(m);
  std::mt19937_64 rng(5);
  for (const auto& [mean, noise] : {std::pair{0.0, 1e-5}, std::pair{1e6, 1.0}, std::pair{0.0, 1.0}}) {
    VectorXd y(m.rows());
    for (index_t i = 0; i < y.size(); ++i) y[i] = mean + m.row(i).sum() + noise * unit(rng);
    const auto fit = amalur::linear_regression().fit(t, y);
    VectorXd b(7);
    b << fit.intercept, fit.coefficients;
    const double rss = (y - xa * b).squaredNorm();
    CHECK(std::abs(fit.deviance - rss) < 1e-8 * rss);
  }
}

TEST_CASE("elastic net: proximal Newton satisfies the KKT conditions and zeroes weak coefficients", "[models]") {
  const star s(5000, 40, 8);
  const auto t = s.normalized();
  VectorXd beta(6);
  beta << 1.0, 0, 0, -0.8, 0, 0.5;
  std::mt19937_64 rng(1);
  const VectorXd y = draw_labels(amalur::binomial(), t * beta, rng);
  const auto fit = amalur::logistic_regression().l1(0.02).l2(0.01).fit(t, y);
  CHECK(fit.converged);
  CHECK(fit.gradient_norm < 1e-8);  // distance of the subgradient from 0
  CHECK((fit.coefficients.array() == 0).count() >= 2);
  CHECK(fit.standard_errors.size() == 0);  // penalized: no standard errors
  const auto m = amalur::logistic_regression().l1(0.02).l2(0.01).fit(t.materialize(), y);
  CHECK(relative(fit.objective, m.objective) < 1e-10);
}

TEST_CASE("hard cases give a clear outcome", "[models]") {
  SECTION("separable classes: not converged, finite coefficients, a message") {
    MatrixXd x(6, 1);
    x << -3, -2, -1, 1, 2, 3;
    VectorXd y(6);
    y << 0, 0, 0, 1, 1, 1;
    const auto fit = amalur::logistic_regression().fit(x, y);
    CHECK_FALSE(fit.converged);
    CHECK(fit.coefficients.allFinite());
    CHECK_THAT(fit.message, Catch::Contains("separable"));
  }
  SECTION("a rank-deficient design is an error unless penalized") {
    MatrixXd f = MatrixXd::Random(50, 1);
    auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0>()),
                                amalur::source(f, amalur::identity_rows(), amalur::columns<1>()));
    const VectorXd y = VectorXd::Random(50);
    CHECK_THROWS_WITH(amalur::linear_regression().fit(t, y), Catch::Contains("rank deficient"));
    CHECK(amalur::linear_regression().l2(0.1).fit(t, y).converged);
  }
  SECTION("an iteration limit reports no convergence") {
    const star s(2000, 20, 1);
    const auto t = s.normalized();
    std::mt19937_64 rng(4);
    const VectorXd y = draw_labels(amalur::binomial(), t * VectorXd::Constant(6, 0.5), rng);
    const auto fit = amalur::logistic_regression().max_iterations(1).fit(t, y);
    CHECK_FALSE(fit.converged);
    CHECK_THAT(fit.message, Catch::Contains("no convergence in 1 iterations"));
  }
  SECTION("labels outside the family's support") {
    const MatrixXd x = MatrixXd::Random(4, 1);
    CHECK_THROWS_WITH(amalur::logistic_regression().fit(x, VectorXd::Constant(4, 0.5)), Catch::Contains("0 or 1"));
    CHECK_THROWS_WITH(amalur::glm(amalur::poisson()).fit(x, VectorXd::Constant(4, -1)), Catch::Contains("negative"));
    CHECK_THROWS_WITH(amalur::glm(amalur::gamma()).fit(x, VectorXd::Zero(4)), Catch::Contains("positive"));
    CHECK_THROWS_AS(amalur::linear_regression().fit(x, VectorXd::Ones(3)), amalur::dimension_error);
  }
  SECTION("the progress callback sees every iteration and can stop the fit") {
    const star s(2000, 20, 1);
    const auto t = s.normalized();
    std::mt19937_64 rng(4);
    const VectorXd y = draw_labels(amalur::binomial(), t * VectorXd::Constant(6, 0.5), rng);
    std::vector<int> seen;
    const auto fit = amalur::logistic_regression()
                         .on_progress([&](const amalur::progress& p) {
                           seen.push_back(p.iteration);
                           return p.iteration < 2;
                         })
                         .fit(t, y);
    CHECK(seen == std::vector<int>{1, 2});
    CHECK_FALSE(fit.converged);
    CHECK_THAT(fit.message, Catch::Contains("progress callback"));
  }
}

TEST_CASE("k-means, factorized, gives the materialized assignment and inertia", "[models][differential]") {
  const int count = std::max(1, scenario_count() / 10);
  int compared = 0;
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base_seed() + static_cast<std::uint64_t>(k);
    INFO(replay_hint(seed));
    const scenario sc = random_scenario(seed);
    if (sc.rows < 8) continue;
    const MatrixXd t = oracle(sc);
    const auto nm = build<double>(sc);
    const auto model = amalur::kmeans(3).seed(seed).max_iterations(50);
    const auto f = model.fit(nm);
    const auto m = model.fit(t);
    // Compare only where no point is near a tie between two centroids.
    const MatrixXd d = amalur::detail::squared_distances(amalur::as_design(t), t.rowwise().squaredNorm(), m.centroids);
    bool tie = false;
    for (index_t i = 0; i < d.rows(); ++i) {
      VectorXd row = d.row(i);
      std::sort(row.data(), row.data() + row.size());
      tie = tie || row[1] - row[0] < 1e-8 * (1 + row[0]);
    }
    if (tie) continue;
    ++compared;
    CHECK(f.labels == m.labels);
    CHECK(relative(f.inertia, m.inertia) < 1e-10);
    CHECK(f.predict(nm) == m.labels);
  }
  CHECK(compared > count / 4);
}

TEST_CASE("NMF, factorized, equals the materialized updates and its loss is the true loss", "[models]") {
  const star s(2000, 30, 2);
  auto t = s.normalized().cwisePow(2.0);  // non-negative
  t.set_strategy(amalur::strategy::factorized);
  const auto f = amalur::nmf(3).seed(4).max_iterations(60).fit(t);
  const MatrixXd m = t.materialize();
  const auto g = amalur::nmf(3).seed(4).max_iterations(60).fit(m);
  CHECK(relative(f.loss, g.loss) < 1e-10);
  CHECK(relative(f.loss, (m - f.w * f.h).squaredNorm()) < 1e-9);
  CHECK((f.w.array() >= 0).all());
  CHECK((f.h.array() >= 0).all());
  CHECK_THROWS_WITH(amalur::nmf(2).fit(s.normalized()), Catch::Contains("negative"));
}

TEST_CASE("standardization stays factorized and reports coefficients on the original scale", "[models]") {
  const star s(3000, 25, 12);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  std::mt19937_64 rng(8);
  const VectorXd y = draw_labels(amalur::binomial(), t * VectorXd::Constant(6, 0.4), rng);
  // Unpenalized, standardizing changes nothing in the original scale.
  const auto plain = amalur::logistic_regression().fit(t, y);
  const auto std_fit = amalur::logistic_regression().standardize(true).fit(t, y);
  CHECK((plain.coefficients - std_fit.coefficients).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(std::abs(plain.intercept - std_fit.intercept) < 1e-8);
  CHECK((plain.standard_errors - std_fit.standard_errors).cwiseAbs().maxCoeff() < 1e-8);
  // Penalized: equals a fit on the explicitly standardized, materialized T.
  const auto pen = amalur::logistic_regression().l2(0.05).standardize(true).fit(t, y);
  const VectorXd mu = m.colwise().mean().transpose();
  const VectorXd sd = ((m.rowwise() - mu.transpose()).array().square().colwise().mean()).sqrt().transpose();
  const MatrixXd z = (m.rowwise() - mu.transpose()) * sd.cwiseInverse().asDiagonal();
  const auto ref = amalur::logistic_regression().l2(0.05).fit(z, y);
  CHECK((pen.coefficients - ref.coefficients.cwiseQuotient(sd)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(std::abs(pen.intercept - (ref.intercept - mu.dot(ref.coefficients.cwiseQuotient(sd)))) < 1e-8);
  CHECK(std::abs(pen.objective - ref.objective) < 1e-10);

  // With sample weights the moments are weighted (glmnet), factorized and materialized alike.
  VectorXd w(m.rows());
  for (index_t i = 0; i < w.size(); ++i) w[i] = 0.25 + static_cast<double>(i % 7);
  const auto weighted = amalur::logistic_regression().l2(0.05).standardize(true).fit(t, y, w);
  const VectorXd mw = (m.transpose() * w) / w.sum();
  const VectorXd sw =
      ((w.asDiagonal() * (m.rowwise() - mw.transpose()).array().square().matrix()).colwise().sum() / w.sum())
          .array()
          .sqrt()
          .transpose();
  const MatrixXd zw = (m.rowwise() - mw.transpose()) * sw.cwiseInverse().asDiagonal();
  const auto wref = amalur::logistic_regression().l2(0.05).fit(zw, y, w);
  CHECK((weighted.coefficients - wref.coefficients.cwiseQuotient(sw)).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(std::abs(weighted.objective - wref.objective) < 1e-10);
  const auto weighted_twin = amalur::logistic_regression().l2(0.05).standardize(true).fit(m, y, w);
  CHECK((weighted.coefficients - weighted_twin.coefficients).cwiseAbs().maxCoeff() < 1e-8);
  // Different weights move the standardized penalty, so the unweighted moments would not do.
  CHECK((mw - mu).cwiseAbs().maxCoeff() > 1e-3);
}

TEST_CASE("AUC equals the pairwise Mann-Whitney count, ties counted half", "[models][metrics]") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(rng() % 300);
    Eigen::VectorXd y(n), score(n);
    // Few distinct values (many ties), both signs, signed zeros and infinities.
    const double values[] = {-std::numeric_limits<double>::infinity(), -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.25,
                             0.25 + 1e-16, 3.0, std::numeric_limits<double>::infinity()};
    for (Eigen::Index i = 0; i < n; ++i) {
      y[i] = static_cast<double>(rng() % 2);
      score[i] = trial % 2 ? values[rng() % 10] : std::ldexp(static_cast<double>(rng() % 2001) - 1000.0, -5);
    }
    y[0] = 1;
    if (n > 1) y[n - 1] = 0;
    if (n == 1) continue;
    double wins = 0, pairs = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < n; ++j)
        if (y[i] == 1 && y[j] == 0) {
          pairs += 1;
          wins += score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0;
        }
    CHECK(amalur::metrics::auc(y, score) == Approx(wins / pairs).epsilon(1e-12));
  }
  Eigen::VectorXd y(3), score(3);
  y << 1, 0, 1;
  score << 0.1, std::nan(""), 0.3;
  CHECK_THROWS_WITH(amalur::metrics::auc(y, score), Catch::Contains("NaN"));
}
