// Edge cases named by the core issue, overlap semantics, the asymmetric
// co-occurrence that MorpheusPy gets wrong, and the static face with every
// kind of source matrix.

#include <catch2/catch.hpp>

#include "scenario.hpp"

using amalur::dense_matrix;
using amalur::index_t;
using amalur::none;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
/// Every operator of a normalized matrix against its materialized T.
template <class N>
void check_all_operators(N t, const MatrixXd& expected) {  // a copy: its strategy is its own
  t.set_strategy(amalur::strategy::factorized);
  REQUIRE(t.materialize() == expected);
  const MatrixXd x = MatrixXd::Random(expected.cols(), 2), y = MatrixXd::Random(expected.rows(), 2);
  const VectorXd w = VectorXd::Random(expected.rows());
  const double tol = 1e-12;
  CHECK((t * x).eval().isApprox(expected * x, tol));
  CHECK((t.transpose() * y).eval().isApprox(expected.transpose() * y, tol));
  CHECK((y.transpose() * t).eval().isApprox(y.transpose() * expected, tol));
  CHECK((x.transpose() * t.transpose()).eval().isApprox(x.transpose() * expected.transpose(), tol));
  CHECK((t.transpose() * t).eval().isApprox(expected.transpose() * expected, tol));
  CHECK(t.crossprod(w).isApprox(expected.transpose() * w.asDiagonal() * expected, tol));
  CHECK(t.col_sums().isApprox(expected.colwise().sum().transpose(), tol));
  CHECK(t.row_sums().isApprox(expected.rowwise().sum(), tol));
  const VectorXd mean = expected.colwise().mean().transpose();
  CHECK((t.col_means() - mean).cwiseAbs().maxCoeff() < tol);
  const VectorXd var = (expected.rowwise() - mean.transpose()).array().square().colwise().mean().transpose();
  CHECK((t.col_variances() - var).cwiseAbs().maxCoeff() < tol);
}
}  // namespace

TEST_CASE("a source with zero rows contributes nothing", "[edge]") {
  MatrixXd f = MatrixXd::Random(5, 2), empty(0, 3);
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                              amalur::source(empty, amalur::partial_rows(std::vector<index_t>(5, none)),
                                             amalur::columns<2, 3, 4>()),
                              amalur::source(empty, amalur::offset_rows(5, 5), amalur::columns<5, 6, 7>()));
  MatrixXd expected = MatrixXd::Zero(5, 8);
  expected.leftCols(2) = f;
  check_all_operators(t, expected);
}

TEST_CASE("a join where no row matches gives zero columns", "[edge]") {
  MatrixXd f = MatrixXd::Random(4, 1), d = MatrixXd::Random(3, 2);
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0>()),
                              amalur::source(d, amalur::partial_rows({none, none, none, none}), amalur::columns<1, 2>()));
  MatrixXd expected = MatrixXd::Zero(4, 3);
  expected.col(0) = f;
  check_all_operators(t, expected);
}

TEST_CASE("a partial join where every row matches equals the gather", "[edge]") {
  MatrixXd f = MatrixXd::Random(6, 2), d = MatrixXd::Random(3, 2);
  const std::vector<index_t> fk{2, 0, 1, 1, 0, 2};
  auto partial = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                                    amalur::source(d, amalur::partial_rows(fk), amalur::columns<2, 3>()));
  auto gather = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                                   amalur::source(d, amalur::gather_rows(fk), amalur::columns<2, 3>()));
  check_all_operators(partial, gather.materialize());
  check_all_operators(gather, partial.materialize());
}

TEST_CASE("a target of one column", "[edge]") {
  MatrixXd d(2, 1);
  d << 3, -4;
  auto t = amalur::normalized(amalur::source(d, amalur::gather_rows({1, 1, 0}), amalur::columns<0>()));
  MatrixXd expected(3, 1);
  expected << -4, -4, 3;
  check_all_operators(t, expected);
}

TEST_CASE("duplicate keys: a dimension row taken by many target rows, and a many-to-many join", "[edge]") {
  // Many-to-many: both sides get gather indicators into the target rows.
  MatrixXd left = MatrixXd::Random(2, 2), right = MatrixXd::Random(3, 1);
  auto t = amalur::normalized(amalur::source(left, amalur::gather_rows({0, 0, 0, 1, 1}), amalur::columns<0, 1>()),
                              amalur::source(right, amalur::gather_rows({0, 1, 2, 0, 2}), amalur::columns<2>()));
  MatrixXd expected(5, 3);
  for (int i = 0; i < 5; ++i) {
    const int l[] = {0, 0, 0, 1, 1}, r[] = {0, 1, 2, 0, 2};
    expected.row(i) << left.row(l[i]), right(r[i], 0);
  }
  check_all_operators(t, expected);
}

TEST_CASE("crossprod with an asymmetric co-occurrence matrix (MorpheusPy's defect)", "[edge]") {
  // Two dimension tables of the same size joined by different keys: C = I_1^T I_2 is not symmetric.
  MatrixXd f = MatrixXd::Random(6, 1), d1 = MatrixXd::Random(3, 2), d2 = MatrixXd::Random(3, 2);
  const std::vector<index_t> k1{0, 0, 1, 2, 2, 2}, k2{1, 2, 2, 0, 1, 1};
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0>()),
                              amalur::source(d1, amalur::gather_rows(k1), amalur::columns<1, 2>()),
                              amalur::source(d2, amalur::gather_rows(k2), amalur::columns<3, 4>()));
  const MatrixXd m = t.materialize();
  check_all_operators(t, m);

  MatrixXd i1 = MatrixXd::Zero(6, 3), i2 = MatrixXd::Zero(6, 3);
  for (int i = 0; i < 6; ++i) {
    i1(i, k1[static_cast<std::size_t>(i)]) = 1;
    i2(i, k2[static_cast<std::size_t>(i)]) = 1;
  }
  const MatrixXd c = i1.transpose() * i2;
  REQUIRE_FALSE(c.isApprox(c.transpose()));
  const MatrixXd right = d1.transpose() * c * d2;             // what the crossprod needs
  const MatrixXd morpheus = d1.transpose() * c.transpose() * d2;  // MorpheusPy's block
  CHECK(t.crossprod(amalur::strategy::factorized).block(1, 3, 2, 2).isApprox(right, 1e-12));
  CHECK_FALSE(morpheus.isApprox(right, 1e-6));
}

TEST_CASE("overlapping silos: a cell both provide counts once (the ICDE example)", "[edge][overlap]") {
  // Patient 1 weighs 55 in both silos; Amalur's prototype materializes 110.
  MatrixXd silo_a(2, 2), silo_b(2, 2);
  silo_a << 1, 70,   // patient 0: id feature, weight
      1, 55;         // patient 1
  silo_b << 55, 3,   // patient 1: weight, other feature
      80, 4;         // patient 2
  auto t = amalur::normalized(amalur::source(silo_a, amalur::partial_rows({0, 1, none}), amalur::columns<0, 1>()),
                              amalur::source(silo_b, amalur::partial_rows({none, 0, 1}), amalur::columns<1, 2>()));
  MatrixXd expected(3, 3);
  expected << 1, 70, 0, 1, 55, 3, 0, 80, 4;
  check_all_operators(t, expected);
  CHECK(t.materialize()(1, 1) == 55.0);
  CHECK(t.col_sums()(1) == 205.0);
}

TEST_CASE("precedence decides which silo's value a contested cell takes", "[edge][overlap]") {
  MatrixXd a(1, 1), b(1, 1);
  a << 1;
  b << 2;
  auto first_a = amalur::normalized(amalur::source(a, amalur::gather_rows({0, 0}), amalur::columns<0>()),
                                    amalur::source(b, amalur::partial_rows({0, none}), amalur::columns<0>()));
  auto first_b = amalur::normalized(amalur::precedence{{1, 0}},
                                    amalur::source(a, amalur::gather_rows({0, 0}), amalur::columns<0>()),
                                    amalur::source(b, amalur::partial_rows({0, none}), amalur::columns<0>()));
  MatrixXd expect_a(2, 1), expect_b(2, 1);
  expect_a << 1, 1;
  expect_b << 2, 1;
  check_all_operators(first_a, expect_a);
  check_all_operators(first_b, expect_b);
}

TEST_CASE("the static face takes Map, sparse and owned sources; ownership is visible", "[edge][static]") {
  std::vector<double> memory{1, 2, 3, 4, 5, 6};  // 3 x 2, column-major, owned by the caller
  Eigen::Map<const MatrixXd> f(memory.data(), 3, 2);
  Eigen::SparseMatrix<double> d(2, 3);
  d.insert(0, 1) = 7;
  d.insert(1, 2) = -1;
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                              amalur::source(d, amalur::gather_rows({1, 0, 1}), amalur::columns<2, 3, 4>()),
                              amalur::source(MatrixXd::Constant(2, 1, 9.0), amalur::offset_rows(1, 3),
                                             amalur::columns<5>()));
  // A Map is a view: copying it copies the view, not the data.
  CHECK(std::get<0>(t.sources()).matrix().data() == memory.data());
  // A column-major sparse lvalue is copied once, as CSR; the caller's d can go away.
  CHECK(std::get<1>(t.sources()).matrix().nonZeros() == 2);
  d.coeffRef(0, 1) = 1000;
  CHECK(std::get<1>(t.sources()).matrix().coeff(0, 1) == 7);
  // Copies of T share the data: no copy of any source.
  const auto u = t;
  CHECK(&std::get<1>(u.sources()).matrix() == &std::get<1>(t.sources()).matrix());
  // amalur::view borrows; a dense lvalue is copied; a shared_ptr is shared.
  const MatrixXd dense = MatrixXd::Ones(3, 1);
  const auto shared = std::make_shared<const MatrixXd>(MatrixXd::Ones(3, 1));
  auto borrowed = amalur::source(amalur::view(dense), amalur::identity_rows(), amalur::columns<0>());
  auto copied = amalur::source(dense, amalur::identity_rows(), amalur::columns<0>());
  auto sharing = amalur::source(shared, amalur::identity_rows(), amalur::columns<0>());
  CHECK(&borrowed.matrix() == &dense);
  CHECK(&copied.matrix() != &dense);
  CHECK(&sharing.matrix() == shared.get());
  MatrixXd expected(3, 6);
  expected << 1, 4, 0, 0, -1, 0,  //
      2, 5, 0, 7, 0, 9,           //
      3, 6, 0, 0, -1, 9;
  check_all_operators(t, expected);
  // Element-wise ops on a sparse source keep it sparse.
  auto doubled = t * 2.0;
  CHECK(std::get<1>(doubled.sources()).matrix().nonZeros() == 2);
  CHECK(doubled.materialize() == 2.0 * expected);
}

TEST_CASE("the static face agrees with the oracle on random star schemas", "[edge][static]") {
  const int count = std::max(1, amalur_test::scenario_count() / 5);
  for (int k = 0; k < count; ++k) {
    const std::uint64_t seed = amalur_test::base_seed() + static_cast<std::uint64_t>(k);
    INFO(amalur_test::replay_hint(seed));
    std::mt19937_64 rng(seed);
    const index_t n = amalur_test::uniform(rng, 1, 300), m = amalur_test::uniform(rng, 1, 20);
    MatrixXd f = MatrixXd::Random(n, 2), o = MatrixXd::Random(m, 2);
    std::vector<index_t> origin(static_cast<std::size_t>(n)), dest(static_cast<std::size_t>(n));
    for (auto& r : origin) r = amalur_test::uniform(rng, 0, m - 1);
    for (auto& r : dest) r = amalur_test::coin(rng, 0.8) ? amalur_test::uniform(rng, 0, m - 1) : none;
    auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<0, 1>()),
                                amalur::source(o, amalur::gather_rows(origin), amalur::columns<2, 3>()),
                                amalur::source(o, amalur::partial_rows(dest), amalur::columns<4, 5>()));
    MatrixXd expected(n, 6);
    for (index_t i = 0; i < n; ++i) {
      const auto d = dest[static_cast<std::size_t>(i)];
      expected.row(i) << f.row(i), o.row(origin[static_cast<std::size_t>(i)]),
          (d == none ? Eigen::RowVector2d::Zero() : Eigen::RowVector2d(o.row(d)));
    }
    check_all_operators(t, expected);
  }
}

TEST_CASE("transposition is a view", "[edge]") {
  MatrixXd d = MatrixXd::Random(2, 2);
  auto t = amalur::normalized(amalur::source(d, amalur::gather_rows({0, 1, 1}), amalur::columns<0, 1>()));
  auto tt = t.transpose();
  CHECK(tt.rows() == 2);
  CHECK(tt.cols() == 3);
  CHECK(&tt.transpose() == &t);
  CHECK(tt.materialize() == t.materialize().transpose());
}

TEST_CASE("CSR T keeps each row's columns in order when its sources interleave them", "[edge]") {
  // The fact table gives columns 3 and 1 (in that order), the dimension 2 and 0: every row's
  // entries arrive out of order, and Eigen's CSR kernels need them sorted.
  MatrixXd f = MatrixXd::Random(4, 2), d = MatrixXd::Random(2, 2);
  auto t = amalur::normalized(amalur::source(f, amalur::identity_rows(), amalur::columns<3, 1>()),
                              amalur::source(d, amalur::partial_rows({1, 0, none, 1}), amalur::columns<2, 0>()));
  const amalur::csr_matrix<double> sparse = t.materialize_sparse();
  CHECK(MatrixXd(sparse) == t.materialize());
  std::vector<int> columns_of_row0(sparse.innerIndexPtr(), sparse.innerIndexPtr() + sparse.outerIndexPtr()[1]);
  CHECK(columns_of_row0 == std::vector<int>{0, 1, 2, 3});
  bool sorted = true;
  for (index_t i = 0; i < sparse.rows(); ++i)
    for (int k = sparse.outerIndexPtr()[i] + 1; k < sparse.outerIndexPtr()[i + 1]; ++k)
      sorted = sorted && sparse.innerIndexPtr()[k - 1] < sparse.innerIndexPtr()[k];
  CHECK(sorted);
  // Moving the materialized twin hands its CSR arrays over (Eigen 3.4's SparseMatrix would copy them).
  auto values_of = [](const amalur::materialized_matrix<double>& m) {
    return m.visit([](const auto& a) -> const double* {
      if constexpr (amalur::is_sparse_v<std::decay_t<decltype(a)>>)
        return a.valuePtr();
      else
        return nullptr;
    });
  };
  amalur::materialized_matrix<double> built(t.materialize_sparse());
  const double* values = values_of(built);
  REQUIRE(values != nullptr);
  const amalur::materialized_matrix<double> moved(std::move(built));
  CHECK(values_of(moved) == values);
  CHECK(MatrixXd(moved.materialize()) == t.materialize());
}
