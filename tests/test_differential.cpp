// Differential tests: every factorized operator against the same computation
// on the oracle T, over random integration scenarios (AMALUR_SCENARIOS of
// them, 1000 by default, from AMALUR_SEED). Each failure prints the seed
// that replays it alone.

#include <catch2/catch.hpp>

#include "scenario.hpp"

using namespace amalur_test;
using amalur::dense_matrix;
using amalur::dense_vector;

namespace {

template <class Scalar, class F>
void for_each_scenario(F&& check) {
  const int count = scenario_count();
  const std::uint64_t base = base_seed();
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(k);
    INFO(replay_hint(seed));
    const scenario sc = random_scenario(seed);
    const dense_matrix<double> t = oracle(sc);
    const auto nm = build<Scalar>(sc);
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    check(sc, t, nm, rng);
  }
}

template <class Scalar>
dense_matrix<Scalar> random_matrix(std::mt19937_64& rng, index_t rows, index_t cols) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  dense_matrix<Scalar> x(rows, cols);
  for (index_t j = 0; j < cols; ++j)
    for (index_t i = 0; i < rows; ++i) x(i, j) = static_cast<Scalar>(u(rng));
  return x;
}

dense_matrix<double> abs_of(const dense_matrix<double>& m) { return m.cwiseAbs(); }

}  // namespace

TEMPLATE_TEST_CASE("T * X equals the materialized product", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto& rng) {
    const dense_vector<TestType> x = random_matrix<TestType>(rng, t.cols(), 1);
    const dense_matrix<TestType> xm = random_matrix<TestType>(rng, t.cols(), 3);
    const dense_vector<TestType> y = nm * x;
    const dense_matrix<TestType> ym = nm * xm;
    const auto xd = x.template cast<double>().eval();
    const auto xmd = xm.template cast<double>().eval();
    CHECK(close(y, t * xd, abs_of(t) * xd.cwiseAbs(), tolerance<TestType>()));
    CHECK(close(ym, t * xmd, abs_of(t) * xmd.cwiseAbs(), tolerance<TestType>()));
    CHECK(close(nm.row_sums(), t.rowwise().sum(), abs_of(t).rowwise().sum(), tolerance<TestType>()));
  });
}

TEMPLATE_TEST_CASE("T^T * X equals the materialized product", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto& rng) {
    const dense_matrix<TestType> x = random_matrix<TestType>(rng, t.rows(), 2);
    const auto xd = x.template cast<double>().eval();
    const dense_matrix<TestType> z = nm.transpose() * x;
    CHECK(close(z, t.transpose() * xd, abs_of(t).transpose() * xd.cwiseAbs(), tolerance<TestType>()));
    const dense_vector<TestType> v = nm.transpose() * x.col(0);
    CHECK(close(v, t.transpose() * xd.col(0), abs_of(t).transpose() * xd.col(0).cwiseAbs(), tolerance<TestType>()));
    CHECK(close(nm.col_sums(), t.colwise().sum().transpose(), abs_of(t).colwise().sum().transpose(),
                tolerance<TestType>()));
    const double total = static_cast<double>(nm.sum());
    CHECK(std::abs(total - t.sum()) <= tolerance<TestType>() * (1.0 + abs_of(t).sum()));
  });
}

TEMPLATE_TEST_CASE("X * T and X * T^T equal the materialized products", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto& rng) {
    const dense_matrix<TestType> x = random_matrix<TestType>(rng, 3, t.rows());
    const auto xd = x.template cast<double>().eval();
    const dense_matrix<TestType> r = x * nm;
    CHECK(close(r, xd * t, xd.cwiseAbs() * abs_of(t), tolerance<TestType>()));
    const Eigen::Matrix<TestType, 1, Eigen::Dynamic> rv = x.row(0) * nm;
    CHECK(close(rv, xd.row(0) * t, xd.row(0).cwiseAbs() * abs_of(t), tolerance<TestType>()));

    const dense_matrix<TestType> x2 = random_matrix<TestType>(rng, 2, t.cols());
    const auto x2d = x2.template cast<double>().eval();
    const dense_matrix<TestType> rt = x2 * nm.transpose();
    CHECK(close(rt, x2d * t.transpose(), x2d.cwiseAbs() * abs_of(t).transpose(), tolerance<TestType>()));
    // One row: straight into a contiguous row, or through a copy into a row of a matrix (strided).
    const Eigen::Matrix<TestType, 1, Eigen::Dynamic> rt1 = x2.row(0) * nm.transpose();
    CHECK(close(rt1, x2d.row(0) * t.transpose(), x2d.row(0).cwiseAbs() * abs_of(t).transpose(), tolerance<TestType>()));
    dense_matrix<TestType> rows = dense_matrix<TestType>::Zero(3, t.rows());
    rows.row(1) += x2.row(1) * nm.transpose();
    CHECK(close(rows.row(1), x2d.row(1) * t.transpose(), x2d.row(1).cwiseAbs() * abs_of(t).transpose(),
                tolerance<TestType>()));
    CHECK(rows.row(0).isZero());
    CHECK(rows.row(2).isZero());
  });
}

TEMPLATE_TEST_CASE("crossprod T^T T and T^T diag(w) T equal the materialized ones", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto& rng) {
    const dense_matrix<TestType> g = nm.transpose() * nm;
    CHECK(close(g, t.transpose() * t, abs_of(t).transpose() * abs_of(t), tolerance<TestType>()));
    // Weights of both signs: the kernels must not assume w >= 0.
    const dense_vector<TestType> w = random_matrix<TestType>(rng, t.rows(), 1);
    const auto wd = w.template cast<double>().eval();
    const dense_matrix<TestType> gw = nm.crossprod(w);
    CHECK(close(gw, t.transpose() * wd.asDiagonal() * t,
                abs_of(t).transpose() * wd.cwiseAbs().asDiagonal() * abs_of(t), tolerance<TestType>()));
    const dense_vector<TestType> wp = w.cwiseAbs();
    const auto wpd = wp.template cast<double>().eval();
    CHECK(close(nm.crossprod(wp), t.transpose() * wpd.asDiagonal() * t,
                abs_of(t).transpose() * wpd.asDiagonal() * abs_of(t), tolerance<TestType>()));
  });
}

TEMPLATE_TEST_CASE("column mean and population variance equal the materialized ones", "[differential]", float,
                   double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto&) {
    const dense_vector<double> mean = t.colwise().mean().transpose();
    const dense_vector<double> var =
        (t.rowwise() - mean.transpose()).array().square().colwise().mean().transpose().matrix();
    const dense_vector<double> scale = t.array().square().colwise().mean().transpose().matrix();
    CHECK(close(nm.col_means(), mean, abs_of(t).colwise().mean().transpose(), tolerance<TestType>()));
    CHECK(close(nm.col_variances(), var, scale, tolerance<TestType>()));
  });
}

TEMPLATE_TEST_CASE("element-wise ops act on the sources and equal f(T)", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto&) {
    const double tol = tolerance<TestType>();
    const dense_matrix<double> a = abs_of(t);
    CHECK(close((nm * TestType(3)).materialize(), 3.0 * t, 3.0 * a, tol));
    CHECK(close((TestType(-2) * nm).materialize(), -2.0 * t, 2.0 * a, tol));
    CHECK(close((nm / TestType(4)).materialize(), t / 4.0, a, tol));
    CHECK(close(nm.cwisePow(TestType(2)).materialize(), t.array().square().matrix(), a.array().square().matrix(),
                tol));
    CHECK(close(nm.unaryExpr([](TestType v) { return std::sin(v); }).materialize(), t.array().sin().matrix(), a,
                tol));
    // The result is a full normalized matrix: its operators still agree.
    const dense_vector<TestType> ones = dense_vector<TestType>::Ones(t.cols());
    CHECK(close((nm * TestType(3)).multiply(ones), 3.0 * t.rowwise().sum(), 3.0 * a.rowwise().sum(), tol));
  });
}

TEMPLATE_TEST_CASE("materialize, dense and CSR, equals the oracle", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto&) {
    const dense_matrix<TestType> dense = nm.materialize();
    CHECK(dense == t.template cast<TestType>());
    const amalur::csr_matrix<TestType> sparse = nm.materialize_sparse();
    CHECK(dense_matrix<TestType>(sparse) == dense);
    CHECK(sparse.nonZeros() == nm.nonzeros());
    CHECK(nm.nonzeros() == (t.array() != 0.0).count());
  });
}

TEMPLATE_TEST_CASE("the materialized twin (dense and CSR) agrees with the oracle", "[differential]", float, double) {
  for_each_scenario<TestType>([](const scenario&, const dense_matrix<double>& t, const auto& nm, auto& rng) {
    const double tol = tolerance<TestType>();
    const dense_matrix<double> a = abs_of(t);
    for (double density : {-1.0, 1.0}) {  // force dense, then force CSR
      const auto mt = amalur::materialize_best(nm, density);
      CHECK(mt.is_sparse() == (density == 1.0));
      const dense_matrix<TestType> x = random_matrix<TestType>(rng, t.cols(), 2);
      const dense_matrix<TestType> y = random_matrix<TestType>(rng, t.rows(), 2);
      const auto xd = x.template cast<double>().eval();
      const auto yd = y.template cast<double>().eval();
      CHECK(close(mt.multiply(x), t * xd, a * xd.cwiseAbs(), tol));
      CHECK(close(mt.transpose_multiply(y), t.transpose() * yd, a.transpose() * yd.cwiseAbs(), tol));
      CHECK(close(mt.left_multiply(y.transpose()), yd.transpose() * t, yd.cwiseAbs().transpose() * a, tol));
      CHECK(close(mt.left_multiply_transpose(x.transpose()), xd.transpose() * t.transpose(),
                  xd.cwiseAbs().transpose() * a.transpose(), tol));
      CHECK(close(mt.crossprod(), t.transpose() * t, a.transpose() * a, tol));
      const dense_vector<TestType> w = y.col(0);
      const auto wd = w.template cast<double>().eval();
      CHECK(close(mt.crossprod(w), t.transpose() * wd.asDiagonal() * t,
                  a.transpose() * wd.cwiseAbs().asDiagonal() * a, tol));
      const dense_vector<double> mean = t.colwise().mean().transpose();
      CHECK(close(mt.col_variances(),
                  (t.rowwise() - mean.transpose()).array().square().colwise().mean().transpose().matrix(),
                  t.array().square().colwise().mean().transpose().matrix(), tol));
    }
  });
}

TEST_CASE("between two groups of parts, co-occurrence and the scatter give the oracle's block", "[differential]") {
  // Group A: a dense and a CSR source on one gather indicator; group B: a CSR
  // source on a partial one (some target rows take none), weighted rows.
  std::mt19937_64 rng(11);
  const index_t n = 40, rows_a = 9, rows_b = 7;
  const dense_matrix<double> dense_a = random_matrix<double>(rng, rows_a, 3);
  const dense_matrix<double> sparse_a_dense = random_matrix<double>(rng, rows_a, 4).unaryExpr([](double v) { return v > 0.3 ? v : 0.0; });
  const dense_matrix<double> sparse_b_dense = random_matrix<double>(rng, rows_b, 5).unaryExpr([](double v) { return v < -0.2 ? v : 0.0; });
  const amalur::csr_matrix<double> sparse_a = sparse_a_dense.sparseView(), sparse_b = sparse_b_dense.sparseView();
  std::vector<amalur::row_index> of_a(n), of_b(n);
  for (index_t i = 0; i < n; ++i) {
    of_a[static_cast<std::size_t>(i)] = static_cast<amalur::row_index>(rng() % rows_a);
    of_b[static_cast<std::size_t>(i)] =
        rng() % 4 == 0 ? amalur::row_index(amalur::none) : static_cast<amalur::row_index>(rng() % rows_b);
  }
  const amalur::indexed_rows ra(of_a.data(), rows_a, n), rb(of_b.data(), rows_b, n);
  const dense_vector<double> w = random_matrix<double>(rng, n, 1);

  amalur::csr_matrix<double> keep_dense, keep_a, keep_b;
  const std::vector<amalur::kernels::row_reader<double>> a = {amalur::kernels::reader_of(dense_a, 0, keep_dense),
                                                              amalur::kernels::reader_of(sparse_a, 3, keep_a)};
  const std::vector<amalur::kernels::row_reader<double>> b = {amalur::kernels::reader_of(sparse_b, 0, keep_b)};

  dense_matrix<double> ga = dense_matrix<double>::Zero(n, 7), gb = dense_matrix<double>::Zero(n, 5);
  for (index_t i = 0; i < n; ++i) {
    ga.row(i) << dense_a.row(of_a[static_cast<std::size_t>(i)]), sparse_a_dense.row(of_a[static_cast<std::size_t>(i)]);
    if (of_b[static_cast<std::size_t>(i)] != amalur::none) gb.row(i) = sparse_b_dense.row(of_b[static_cast<std::size_t>(i)]);
  }
  const dense_matrix<double> want = ga.transpose() * w.asDiagonal() * gb;  // 7 x 5

  const dense_matrix<double> by_cooccurrence = amalur::kernels::cooccurrence_group(a, 7, b, 5, ra, rb, w.data());
  CHECK((by_cooccurrence - want).cwiseAbs().maxCoeff() < 1e-12);
  const dense_matrix<double> z = amalur::kernels::scatter_group(a, 7, ra, rb, w.data());  // rows_b x 7
  const dense_matrix<double> by_scatter = sparse_b_dense.transpose() * z;          // 5 x 7
  CHECK((by_scatter.transpose() - want).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(want.cwiseAbs().maxCoeff() > 0.1);  // the check has something to compare
}

TEST_CASE("the scatter between groups gives the oracle's Z for every count of dense columns and CSR parts",
          "[differential]") {
  // The scatter fixes up to 4 dense columns and 1 CSR part at compile time
  // and loops at run time beyond: each count, a row-major dense part, a block
  // and a gather indicator for A, unit and random weights.
  std::mt19937_64 rng(23);
  const index_t n = 60, rows_a = 11, rows_b = 6;
  for (int dense_cols : {0, 1, 2, 3, 4, 5, 7})
    for (int sparse_parts : {0, 1, 2})
      for (bool a_is_block : {false, true})
        for (bool weighted : {false, true}) {
          if (dense_cols == 0 && sparse_parts == 0) continue;
          CAPTURE(dense_cols, sparse_parts, a_is_block, weighted);
          // Dense columns: a column-major part and a row-major one (the same values, two layouts).
          const dense_matrix<double> dense_values = random_matrix<double>(rng, rows_a, dense_cols);
          const index_t first_cols = dense_cols / 2;
          const dense_matrix<double> dense_first = dense_values.leftCols(first_cols);
          const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> dense_second =
              dense_values.rightCols(dense_cols - first_cols);
          std::vector<dense_matrix<double>> sparse_dense;
          std::vector<amalur::csr_matrix<double>> sparse;
          for (int k = 0; k < sparse_parts; ++k) {
            sparse_dense.push_back(random_matrix<double>(rng, rows_a, 3 + k).unaryExpr([](double v) { return v > 0.2 ? v : 0.0; }));
            sparse.push_back(sparse_dense.back().sparseView());
          }
          std::vector<amalur::csr_matrix<double>> keep(2 + static_cast<std::size_t>(sparse_parts));
          std::vector<amalur::kernels::row_reader<double>> readers;
          index_t width = 0;
          dense_matrix<double> values(rows_a, 0);  // the group's columns side by side, as the oracle reads them
          const auto append = [&](const dense_matrix<double>& block) {
            dense_matrix<double> wider(rows_a, values.cols() + block.cols());
            wider << values, block;
            values = wider;
            width += block.cols();
          };
          if (first_cols > 0) {
            readers.push_back(amalur::kernels::reader_of(dense_first, width, keep[0]));
            append(dense_first);
          }
          if (dense_cols - first_cols > 0) {
            readers.push_back(amalur::kernels::reader_of(dense_second, width, keep[1]));
            append(dense_second);
          }
          for (int k = 0; k < sparse_parts; ++k) {
            readers.push_back(amalur::kernels::reader_of(sparse[static_cast<std::size_t>(k)], width,
                                                         keep[2 + static_cast<std::size_t>(k)]));
            append(sparse_dense[static_cast<std::size_t>(k)]);
          }
          std::vector<amalur::row_index> of_a(n), of_b(n);
          for (index_t i = 0; i < n; ++i) {
            of_a[static_cast<std::size_t>(i)] = static_cast<amalur::row_index>(rng() % rows_a);
            of_b[static_cast<std::size_t>(i)] =
                rng() % 5 == 0 ? amalur::row_index(amalur::none) : static_cast<amalur::row_index>(rng() % rows_b);
          }
          const index_t offset = 17;  // the block indicator: target rows [17, 17 + rows_a) take rows 0..rows_a-1
          amalur::offset_rows block(offset, n);
          block.bind(rows_a);
          const amalur::indexed_rows gathered(of_a.data(), rows_a, n), rb(of_b.data(), rows_b, n);
          const dense_vector<double> w = random_matrix<double>(rng, n, 1);
          dense_matrix<double> want = dense_matrix<double>::Zero(rows_b, width);
          for (index_t i = 0; i < n; ++i) {
            const index_t pa = a_is_block ? (i >= offset && i < offset + rows_a ? i - offset : amalur::none)
                                          : of_a[static_cast<std::size_t>(i)];
            const index_t pb = of_b[static_cast<std::size_t>(i)];
            if (pa == amalur::none || pb == amalur::none) continue;
            want.row(pb) += (weighted ? w[i] : 1.0) * values.row(pa);
          }
          const double* weights = weighted ? w.data() : nullptr;
          const dense_matrix<double> z = a_is_block ? amalur::kernels::scatter_group(readers, width, block, rb, weights)
                                                    : amalur::kernels::scatter_group(readers, width, gathered, rb, weights);
          REQUIRE(z.rows() == rows_b);
          REQUIRE(z.cols() == width);
          CHECK((z - want).cwiseAbs().maxCoeff() < 1e-12);
          CHECK(want.cwiseAbs().maxCoeff() > 0.1);  // the check has something to compare
        }
}

TEST_CASE("A^T diag(c) S of a dense and a CSR part gives the oracle's block for every width of A",
          "[differential]") {
  // Widths up to 4 are fixed at compile time, wider ones read at run time;
  // A column-major and row-major; some weights zero (their rows skipped).
  std::mt19937_64 rng(29);
  const index_t rows = 50;
  const dense_matrix<double> s_dense =
      random_matrix<double>(rng, rows, 6).unaryExpr([](double v) { return v > 0.1 ? v : 0.0; });
  const amalur::csr_matrix<double> s = s_dense.sparseView();
  dense_vector<double> c = random_matrix<double>(rng, rows, 1);
  for (index_t i = 0; i < rows; i += 7) c[i] = 0.0;
  for (index_t width : {1, 2, 3, 4, 5, 9}) {
    CAPTURE(width);
    const dense_matrix<double> a = random_matrix<double>(rng, rows, width);
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> a_rows = a;
    const dense_matrix<double> want = a.transpose() * c.asDiagonal() * s_dense;
    dense_matrix<double> by_columns = dense_matrix<double>::Zero(width, 6), by_rows = by_columns;
    amalur::kernels::detail::dense_csr_weighted(a, s, c, by_columns);
    amalur::kernels::detail::dense_csr_weighted(a_rows, s, c, by_rows);
    CHECK((by_columns - want).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((by_rows - want).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(want.cwiseAbs().maxCoeff() > 0.1);
  }
}

TEST_CASE("S^T diag(c) S of a CSR part gives the oracle's gram on rows of 0, 1, 2 and more entries",
          "[differential]") {
  // Rows of one and two entries take short_row (a one-entry row's second
  // entry goes to the lanes' spare column), longer rows the loop; 80 rows
  // use one lane, 3000 rows four. With a dense part beside it, one pass
  // gives the gram and the cross block, bit for bit as the separate kernels.
  std::mt19937_64 rng(31);
  const index_t cols = 7;
  for (index_t rows : {80, 3000}) {
    CAPTURE(rows);
    dense_matrix<double> s_dense = dense_matrix<double>::Zero(rows, cols);
    for (index_t i = 0; i < rows; ++i) {
      const index_t entries = static_cast<index_t>(rng() % 5);  // 0..4
      for (index_t e = 0; e < entries; ++e)
        s_dense(i, static_cast<index_t>(rng() % cols)) = 0.5 + static_cast<double>(rng() % 100) / 50.0;
    }
    const amalur::csr_matrix<double> s = s_dense.sparseView();
    dense_vector<double> c = random_matrix<double>(rng, rows, 1);
    for (index_t i = 0; i < rows; i += 9) c[i] = 0.0;
    const dense_matrix<double> want = s_dense.transpose() * c.asDiagonal() * s_dense;
    const dense_matrix<double> got = amalur::kernels::detail::csr_weighted_gram<double>(s, c);
    CHECK((got - want).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, want.cwiseAbs().maxCoeff()));
    CHECK(want.cwiseAbs().maxCoeff() > 0.1);

    const dense_matrix<double> a = random_matrix<double>(rng, rows, 2);
    const dense_matrix<double> want_cross = a.transpose() * c.asDiagonal() * s_dense;
    dense_matrix<double> separate = dense_matrix<double>::Zero(2, cols), fused = separate, fused_gram;
    amalur::kernels::detail::dense_csr_weighted(a, s, c, separate);
    amalur::kernels::detail::csr_gram_and_cross(s, a, c, fused_gram, fused);
    CHECK((fused - want_cross).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, want_cross.cwiseAbs().maxCoeff()));
    CHECK(fused == separate);
    CHECK(fused_gram == got);
  }
}

TEST_CASE("a dense and a CSR part on one indicator: their blocks from one pass match the oracle", "[differential]") {
  // The fact table's numeric and one-hot columns (identity rows) and a
  // dimension's (one gather index): each group's CSR part gives its own block
  // and the block with its dense partner in one pass over the CSR part.
  std::mt19937_64 rng(37);
  const index_t n = 300, nd = 17;
  for (int dense_cols : {1, 3, 6}) {
    CAPTURE(dense_cols);
    const dense_matrix<double> fact = random_matrix<double>(rng, n, dense_cols);
    dense_matrix<double> levels = dense_matrix<double>::Zero(n, 5);
    for (index_t i = 0; i < n; ++i) {
      if (rng() % 6 != 0) levels(i, static_cast<index_t>(rng() % 3)) = 1.0;  // some rows at the reference level
      if (rng() % 2 == 0) levels(i, 3 + static_cast<index_t>(rng() % 2)) = 1.0;
    }
    const dense_matrix<double> dim = random_matrix<double>(rng, nd, 2);
    dense_matrix<double> dim_levels = dense_matrix<double>::Zero(nd, 4);
    for (index_t r = 0; r < nd; ++r) dim_levels(r, r % 4) = 1.0;
    std::vector<index_t> key(static_cast<std::size_t>(n));
    for (auto& k : key) k = static_cast<index_t>(rng() % static_cast<std::uint64_t>(nd));
    const amalur::gather_rows by_key(key);
    std::vector<index_t> cols_fact, cols_levels, cols_dim, cols_dim_levels;
    index_t next = 0;
    for (index_t j = 0; j < dense_cols; ++j) cols_fact.push_back(next++);
    for (index_t j = 0; j < 5; ++j) cols_levels.push_back(next++);
    for (index_t j = 0; j < 2; ++j) cols_dim.push_back(next++);
    for (index_t j = 0; j < 4; ++j) cols_dim_levels.push_back(next++);
    std::vector<amalur::dynamic_source<double>> sources;
    sources.emplace_back(fact, amalur::identity_rows(), amalur::columns(cols_fact));
    sources.emplace_back(amalur::csr_matrix<double>(levels.sparseView()), amalur::identity_rows(),
                         amalur::columns(cols_levels));
    sources.emplace_back(amalur::csr_matrix<double>(dim_levels.sparseView()), by_key,
                         amalur::columns(cols_dim_levels));  // the CSR part first
    sources.emplace_back(dim, by_key, amalur::columns(cols_dim));
    amalur::dynamic_normalized_matrix<double> t(std::move(sources));
    t.set_strategy(amalur::strategy::factorized);
    const dense_matrix<double> oracle = t.materialize();
    const dense_vector<double> w = random_matrix<double>(rng, n, 1).cwiseAbs();
    const dense_matrix<double> weighted = t.crossprod(w), plain = t.crossprod();
    CHECK((weighted - oracle.transpose() * w.asDiagonal() * oracle).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((plain - oracle.transpose() * oracle).cwiseAbs().maxCoeff() < 1e-10);
  }
}
