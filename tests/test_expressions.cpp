// A normalized matrix inside Eigen expressions: every form an Eigen user
// writes equals the same form on the materialized T, under both strategies,
// on random integration scenarios; and the execution context's rules
// (copies own their settings, a shared context is shared on request).

#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace amalur_test;
using amalur::strategy;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
bool near(const MatrixXd& got, const MatrixXd& want) {
  return got.rows() == want.rows() && got.cols() == want.cols() &&
         ((got - want).array().abs() <= 1e-10 * (1.0 + want.array().abs())).all();
}
}  // namespace

TEST_CASE("Eigen expression forms with T equal the same forms with the materialized T", "[expressions]") {
  const int count = std::max(1, scenario_count() / 4);
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base_seed() + static_cast<std::uint64_t>(k);
    INFO(replay_hint(seed));
    const scenario sc = random_scenario(seed);
    const MatrixXd m = oracle(sc);
    for (const strategy s : {strategy::factorized, strategy::materialized, strategy::automatic}) {
      INFO("strategy " << amalur::name_of(s));
      auto t = build<double>(sc);
      t.set_strategy(s);
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> u(-1, 1);
      const auto random = [&](index_t r, index_t c) { return MatrixXd::NullaryExpr(r, c, [&] { return u(rng); }).eval(); };
      const VectorXd x = random(m.cols(), 1), y = random(m.rows(), 1);
      const MatrixXd X = random(m.cols(), 3), A = random(m.rows(), 2), L = random(2, m.rows());

      VectorXd r = y;
      r += t * x;
      CHECK(near(r, y + m * x));
      r -= t * x;
      CHECK(near(r, y));
      r.noalias() = t * x;
      CHECK(near(r, m * x));
      r.noalias() -= 2.0 * (t * x);
      CHECK(near(r, -(m * x)));
      r = 0.5 * (t * x) + y;
      CHECK(near(r, 0.5 * (m * x) + y));
      CHECK(near(A.transpose() * (t * X), A.transpose() * (m * X)));
      CHECK(std::abs((t * x).sum() - (m * x).sum()) <= 1e-10 * (1 + (m * x).cwiseAbs().sum()));
      const VectorXd e = (0.1 * (t * x)).array().exp().matrix();
      CHECK(near(e, (0.1 * (m * x)).array().exp().matrix()));
      CHECK(near(t.transpose() * (y - t * x), m.transpose() * (y - m * x)));
      const MatrixXd gram = t.transpose() * t + MatrixXd::Identity(m.cols(), m.cols());
      CHECK(near(gram, m.transpose() * m + MatrixXd::Identity(m.cols(), m.cols())));
      CHECK(near(L * t, L * m));
      CHECK(near(X.transpose() * t.transpose(), X.transpose() * m.transpose()));
      const Eigen::RowVectorXd row = y.transpose() * t;
      CHECK(near(row, y.transpose() * m));
      auto later = (t * X).eval();
      CHECK(near(later, m * X));
      CHECK(near((t * X).eval(strategy::materialized), m * X));
      CHECK(near((t.transpose() * t).eval(strategy::factorized), m.transpose() * m));
      // The destination aliases the operand: the result is still right.
      VectorXd z = x;
      z = (t.transpose() * (t * z)).eval();
      CHECK(near(z, m.transpose() * (m * x)));
      MatrixXd square = MatrixXd::Identity(m.cols(), m.cols());
      square = (t.transpose() * t) * square;
      CHECK(near(square, m.transpose() * m));
      // A block of a larger matrix as the destination.
      MatrixXd big = MatrixXd::Zero(m.rows() + 2, 4);
      big.block(1, 1, m.rows(), 3).noalias() += t * X;
      CHECK(near(big.block(1, 1, m.rows(), 3), m * X));
      CHECK(big.row(0).isZero());
    }
  }
}

TEST_CASE("shape mismatches in expressions throw and name the operator", "[expressions][errors]") {
  const scenario sc = random_scenario(base_seed());
  const auto t = build<double>(sc);
  const VectorXd wrong = VectorXd::Ones(t.cols() + 1);
  CHECK_THROWS_AS(t * wrong, amalur::dimension_error);
  CHECK_THROWS_WITH(t.transpose() * VectorXd::Ones(t.rows() + 1), Catch::Contains("T^T * X"));
  CHECK_THROWS_WITH(MatrixXd::Ones(2, t.rows() + 1) * t, Catch::Contains("X * T"));
  CHECK_THROWS_WITH(MatrixXd::Ones(2, t.cols() + 1) * t.transpose(), Catch::Contains("X * T^T"));
}

TEST_CASE("a copy's settings are its own; the crossprod accepts a copy; a shared context is shared", "[context]") {
  const scenario sc = random_scenario(base_seed() + 7);
  const MatrixXd m = oracle(sc);
  auto t = build<double>(sc);
  t.set_strategy(strategy::factorized);
  auto u = t;
  u.set_strategy(strategy::materialized);
  CHECK(t.get_strategy() == strategy::factorized);
  CHECK(u.get_strategy() == strategy::materialized);
  const VectorXd x = VectorXd::Ones(m.cols());
  const VectorXd via_u = u * x;
  CHECK(u.report().materialized_calls == 1);
  CHECK(t.report().materialized_calls == 0);
  CHECK(near(via_u, m * x));
  // T^T U for a copy U of T is the crossprod; so is a matrix over the same sources.
  CHECK(near(t.transpose() * u, m.transpose() * m));
  const amalur::dynamic_normalized_matrix<double> same(t.sources(), t.source_precedence(), t.cols());
  CHECK(near(t.transpose() * same, m.transpose() * m));
  const auto other = build<double>(sc);  // equal values, different data
  CHECK_THROWS_AS(t.transpose() * other, amalur::metadata_error);
  // A kept T outlives forget_materialized for whoever holds it.
  const auto kept = u.materialized(false);
  u.forget_materialized();
  CHECK(!u.report().materialized);
  CHECK(near(kept->materialize(), m));
  // An attached context is shared by the matrices it is attached to and their later copies.
  auto context = std::make_shared<amalur::execution_context>();
  t.attach_context(context);
  auto w = t;
  w.set_strategy(strategy::materialized);
  CHECK(t.get_strategy() == strategy::materialized);
  const VectorXd via_w = w * x;
  CHECK(near(via_w, m * x));
  CHECK(t.report().materialized);  // w built T into the shared context
  CHECK(context->report().materialized_calls == 1);
}
