// xtensor arrays as sources, without copies.

#include <catch2/catch.hpp>

#include <amalur/amalur.hpp>
#include <amalur/interop/xtensor.hpp>

TEST_CASE("an xtensor array is a source without a copy", "[xtensor]") {
  xt::xtensor<double, 2> fact = {{1, 2}, {3, 4}, {5, 6}};  // row-major
  xt::xtensor<double, 2> dim = {{10, 20}, {30, 40}};
  auto t = amalur::normalized(
      amalur::source(amalur::eigen_view(fact), amalur::identity_rows(), amalur::columns<0, 1>()),
      amalur::source(amalur::eigen_view(dim), amalur::gather_rows({1, 0, 1}), amalur::columns<2, 3>()));
  CHECK(std::get<0>(t.sources()).matrix().data() == fact.data());
  Eigen::MatrixXd expected(3, 4);
  expected << 1, 2, 30, 40, 3, 4, 10, 20, 5, 6, 30, 40;
  CHECK(t.materialize() == expected);
  xt::xtensor<double, 1> beta = {1, -1, 0.5, 2};
  const Eigen::VectorXd y = t * amalur::eigen_view(beta);
  CHECK(y.isApprox(expected * Eigen::Vector4d(1, -1, 0.5, 2)));

  Eigen::MatrixXd g = t.crossprod();
  auto view = amalur::xtensor_view(g);
  CHECK(view(0, 2) == g(0, 2));
  CHECK(&view(1, 3) == &g(1, 3));
}
