// DI-metadata types and part planning.

#include <catch2/catch.hpp>

#include <amalur/amalur.hpp>

using amalur::index_t;

// A static mapping's shape is a compile-time constant.
static_assert(amalur::columns<2, 3, 4>().size() == 3);
static_assert(decltype(amalur::columns<5, amalur::dropped, 7>())::col_of[1] == amalur::dropped);
static_assert(amalur::identity_rows::is_block && !amalur::gather_rows::may_be_none);
static_assert(amalur::partial_rows::may_be_none && amalur::offset_rows::kind == amalur::row_kind::offset);

TEST_CASE("indicator kinds answer source_row per target row", "[metadata]") {
  amalur::identity_rows id;
  id.bind(4);
  CHECK(id.target_rows() == 4);
  CHECK(id.source_row(3) == 3);

  amalur::offset_rows off(2, 6);
  off.bind(3);
  CHECK(off.target_rows() == 6);
  CHECK(off.source_row(1) == amalur::none);
  CHECK(off.source_row(2) == 0);
  CHECK(off.source_row(4) == 2);
  CHECK(off.source_row(5) == amalur::none);

  amalur::gather_rows g({1, 0, 1});
  g.bind(2);
  CHECK(g.target_rows() == 3);
  CHECK(g.source_row(2) == 1);

  amalur::partial_rows p({amalur::none, 0});
  p.bind(1);
  CHECK(p.source_row(0) == amalur::none);
  CHECK(amalur::row_of_vector(p) == std::vector<index_t>{amalur::none, 0});
}

TEST_CASE("a star schema without overlap plans one part per source, as blocks", "[metadata]") {
  Eigen::MatrixXd f = Eigen::MatrixXd::Ones(4, 2), d = Eigen::MatrixXd::Ones(2, 3);
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                              amalur::source(d, amalur::gather_rows({0, 1, 1, 0}), amalur::columns<2, 3, 4>()));
  REQUIRE(t.plan().parts.size() == 2);
  CHECK(t.rows() == 4);
  CHECK(t.cols() == 5);
  for (const auto& p : t.plan().parts) CHECK_FALSE(p.effective_rows);
  CHECK(t.plan().parts[0].block_target == 0);
  CHECK(t.plan().parts[1].block_target == 2);
}

TEST_CASE("a union of blocks keeps its own indicators: no row is contested", "[metadata]") {
  Eigen::MatrixXd a = Eigen::MatrixXd::Constant(2, 2, 1.0), b = Eigen::MatrixXd::Constant(3, 2, 2.0);
  auto t = amalur::normalized(amalur::source(a, amalur::offset_rows(0, 5), amalur::columns<0, 1>()),
                              amalur::source(b, amalur::offset_rows(2, 5), amalur::columns<0, 1>()));
  REQUIRE(t.plan().parts.size() == 2);
  for (const auto& p : t.plan().parts) CHECK_FALSE(p.effective_rows);
  Eigen::MatrixXd expected(5, 2);
  expected << 1, 1, 1, 1, 2, 2, 2, 2, 2, 2;
  CHECK(t.materialize() == expected);
}

TEST_CASE("overlapping columns split into column groups with effective indicators", "[metadata]") {
  // Source 0 has rows 0 and 1, source 1 rows 1 and 2; both provide target column 1.
  Eigen::MatrixXd a(2, 2), b(2, 2);
  a << 10, 55, 20, 60;
  b << 55, 7, 30, 8;
  auto t = amalur::normalized(amalur::source(a, amalur::partial_rows({0, 1, amalur::none}), amalur::columns<0, 1>()),
                              amalur::source(b, amalur::partial_rows({amalur::none, 0, 1}), amalur::columns<1, 2>()));
  // Source 0 keeps its rows; source 1 keeps its own indicator for column 2
  // and loses target row 1 for column 1.
  std::size_t overridden = 0;
  for (const auto& p : t.plan().parts)
    if (p.effective_rows) {
      ++overridden;
      CHECK(p.source_index == 1);
      CHECK(p.effective_rows->source_row(1) == amalur::none);
      CHECK(p.effective_rows->source_row(2) == 1);
    }
  CHECK(overridden == 1);
}
