// Bad input gets an amalur exception that names the problem; never UB.

#include <catch2/catch.hpp>

#include <limits>

#include <amalur/amalur.hpp>

using amalur::index_t;
using amalur::none;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
/// Catch2 2.13's Contains matches strings; this matches an exception's message.
class Contains : public Catch::MatcherBase<std::exception> {
 public:
  explicit Contains(std::string part) : part_(std::move(part)) {}
  bool match(const std::exception& e) const override { return std::string(e.what()).find(part_) != std::string::npos; }
  std::string describe() const override { return "has a message containing \"" + part_ + "\""; }

 private:
  std::string part_;
};

MatrixXd dim() { return MatrixXd::Ones(2, 2); }
}  // namespace

TEST_CASE("indicators reject out-of-range and missing rows", "[errors]") {
  const MatrixXd d = dim();
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::gather_rows({0, 2}), amalur::columns({0, 1})), amalur::index_error,
                       Contains("takes source row 2, outside the source's 2 rows"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::gather_rows({-3}), amalur::columns({0, 1})), amalur::index_error,
                       Contains("source row -3"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::gather_rows({0, none}), amalur::columns({0, 1})),
                       amalur::index_error, Contains("use partial_rows"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::partial_rows({none, 5}), amalur::columns({0, 1})),
                       amalur::index_error, Contains("target row 1 takes source row 5"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::offset_rows(1, 2), amalur::columns({0, 1})), amalur::index_error,
                       Contains("ends past the 2 target rows"));
  // Explicit indicators store 32-bit rows: an index past that is refused, never wrapped.
  const index_t past = index_t{1} << 31;
  CHECK_THROWS_MATCHES(amalur::gather_rows({0, past}), amalur::index_error,
                       Contains("gather_rows: target row 1 takes source row 2147483648, past what"));
  CHECK_THROWS_MATCHES(amalur::partial_rows(std::vector<index_t>{none, -past - 1}), amalur::index_error,
                       Contains("partial_rows: target row 1 takes source row -2147483649"));
  CHECK_THROWS_AS(amalur::source(d, amalur::offset_rows(-1, 4), amalur::columns({0, 1})), amalur::index_error);
}

TEST_CASE("mappings reject wrong sizes, negative and repeated target columns", "[errors]") {
  const MatrixXd d = dim();
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::identity_rows(), amalur::columns({0, 1, 2})),
                       amalur::dimension_error, Contains("lists 3 columns but the source has 2"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::identity_rows(), amalur::columns<0>()), amalur::dimension_error,
                       Contains("lists 1 columns"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::identity_rows(), amalur::columns({0, -4})), amalur::index_error,
                       Contains("target column -4"));
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::identity_rows(), amalur::columns({3, 3})), amalur::metadata_error,
                       Contains("both map to target column 3"));
}

TEST_CASE("non-finite values are rejected when data enter", "[errors]") {
  MatrixXd d = dim();
  d(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(amalur::source(d, amalur::identity_rows(), amalur::columns({0, 1})), amalur::value_error,
                       Contains("at row 1, column 0"));
  d(1, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(amalur::dynamic_source<double>(d, amalur::identity_rows(), amalur::columns({0, 1})),
                  amalur::value_error);
  Eigen::SparseMatrix<double> s(2, 2);
  s.insert(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_MATCHES(amalur::source(s, amalur::identity_rows(), amalur::columns({0, 1})), amalur::value_error,
                       Contains("at row 0, column 1"));
  CHECK_THROWS_AS(amalur::materialized_matrix<double>(d), amalur::value_error);
}

TEST_CASE("sources that contradict each other", "[errors]") {
  const MatrixXd d = dim();
  CHECK_THROWS_MATCHES(amalur::normalized(amalur::source(d, amalur::identity_rows(), amalur::columns<0, 1>()),
                                          amalur::source(d, amalur::gather_rows({0, 1, 1}), amalur::columns<2, 3>())),
                       amalur::metadata_error, Contains("source 1 gives 3 target rows but source 0 gives 2"));
  CHECK_THROWS_MATCHES(amalur::dynamic_normalized_matrix<double>({}), amalur::metadata_error,
                       Contains("at least one source"));
  auto two = [&](amalur::precedence p) {
    return amalur::normalized(std::move(p), amalur::source(d, amalur::identity_rows(), amalur::columns<0, 1>()),
                              amalur::source(d, amalur::identity_rows(), amalur::columns<1, 2>()));
  };
  CHECK_THROWS_MATCHES(two(amalur::precedence{{0, 0}}), amalur::metadata_error, Contains("names source 0 twice"));
  CHECK_THROWS_MATCHES(two(amalur::precedence{{0, 5}}), amalur::index_error, Contains("names source 5"));
  CHECK_THROWS_MATCHES(two(amalur::precedence{{0}}), amalur::metadata_error, Contains("lists 1 sources"));
  std::vector<amalur::dynamic_source<double>> s;
  s.emplace_back(d, amalur::identity_rows(), amalur::columns({0, 4}));
  CHECK_THROWS_MATCHES(amalur::dynamic_normalized_matrix<double>(std::move(s), {}, 3), amalur::index_error,
                       Contains("target column 4 but the target has 3 columns"));
}

TEST_CASE("an empty target is an error", "[errors]") {
  const MatrixXd empty(0, 2);
  CHECK_THROWS_MATCHES(amalur::normalized(amalur::source(empty, amalur::identity_rows(), amalur::columns<0, 1>())),
                       amalur::dimension_error, Contains("no rows"));
  const MatrixXd d = dim();
  CHECK_THROWS_MATCHES(
      amalur::normalized(amalur::source(d, amalur::identity_rows(), amalur::columns<amalur::dropped, amalur::dropped>())),
      amalur::dimension_error, Contains("no columns"));
}

TEST_CASE("operators check the shapes of their arguments", "[errors]") {
  const MatrixXd d = dim();
  auto t = amalur::normalized(amalur::source(d, amalur::gather_rows({0, 1, 1}), amalur::columns<0, 1>()));
  CHECK_THROWS_MATCHES(t * VectorXd::Ones(3), amalur::dimension_error, Contains("T * X: X has 3 rows but must have 2"));
  CHECK_THROWS_MATCHES(t.transpose() * VectorXd::Ones(2), amalur::dimension_error, Contains("T^T * X"));
  CHECK_THROWS_MATCHES(MatrixXd::Ones(1, 2) * t, amalur::dimension_error, Contains("X * T: X has 2 columns"));
  CHECK_THROWS_MATCHES(MatrixXd::Ones(1, 3) * t.transpose(), amalur::dimension_error, Contains("X * T^T"));
  CHECK_THROWS_MATCHES(t.crossprod(VectorXd::Ones(2)), amalur::dimension_error, Contains("w has 2 entries"));
  const auto m = amalur::materialize_best(t);
  CHECK_THROWS_AS(m.multiply(VectorXd::Ones(3)), amalur::dimension_error);
  CHECK_THROWS_AS(m.crossprod(VectorXd::Ones(2)), amalur::dimension_error);
}

TEST_CASE("element-wise ops refuse what is not factorizable", "[errors]") {
  const MatrixXd d = dim();
  auto t = amalur::normalized(amalur::source(d, amalur::partial_rows({0, none}), amalur::columns<0, 1>()));
  CHECK_THROWS_MATCHES(t / 0.0, amalur::value_error, Contains("division by zero"));
  CHECK_THROWS_MATCHES(t.cwisePow(0.0), amalur::value_error, Contains("p must be positive"));
  CHECK_THROWS_MATCHES(t.cwisePow(-1.0), amalur::value_error, Contains("p must be positive"));
  CHECK_THROWS_MATCHES(t.unaryExpr([](double v) { return v + 1.0; }), amalur::value_error,
                       Contains("f(0) must be 0"));
  MatrixXd neg = -dim();
  auto tn = amalur::normalized(amalur::source(neg, amalur::identity_rows(), amalur::columns<0, 1>()));
  CHECK_THROWS_MATCHES(tn.cwisePow(0.5), amalur::value_error, Contains("non-finite"));
}

TEST_CASE("the crossprod operator is only T^T T", "[errors]") {
  const MatrixXd d = dim();
  auto t = amalur::normalized(amalur::source(d, amalur::identity_rows(), amalur::columns<0, 1>()));
  auto u = amalur::normalized(amalur::source(d, amalur::identity_rows(), amalur::columns<0, 1>()));
  CHECK_THROWS_AS(t.transpose() * u, amalur::metadata_error);
  CHECK((t.transpose() * t).eval().isApprox(d.transpose() * d));
}
