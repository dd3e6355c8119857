// The cost model: a compile-time decision, explain(), and automatic
// evaluation that gives the same results whichever strategy it picks.

#include <catch2/catch.hpp>

#include <sstream>

#include <amalur/amalur.hpp>

using amalur::index_t;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
// A star schema, shapes only: 1M flights x 4 columns, 1,000 airports x 32.
constexpr amalur::part_shape kStar[] = {
    {1e6, 4, 4e6, 1e6, false, true},
    {1e3, 32, 32e3, 1e6, false, false},
};
constexpr amalur::target_shape kStarT{1e6, 36, 36e6};
// A join with tuple ratio 1 and few features: nothing repeats.
constexpr amalur::part_shape kFlat[] = {
    {1e4, 4, 4e4, 1e4, false, true},
    {1e4, 2, 2e4, 1e4, false, false},
};
constexpr amalur::target_shape kFlatT{1e4, 6, 6e4};
}  // namespace

// The decision is a constant expression: made at compile time from constant shapes.
static_assert(amalur::decide(amalur::operation::multiply, kStar, 2, kStarT, 1, amalur::default_profile).pick ==
              amalur::strategy::factorized);
static_assert(amalur::decide(amalur::operation::crossprod, kStar, 2, kStarT, 1, amalur::default_profile).pick ==
              amalur::strategy::factorized);
static_assert(amalur::decide(amalur::operation::multiply, kFlat, 2, kFlatT, 1, amalur::default_profile, 1000).pick ==
              amalur::strategy::materialized);
static_assert(amalur::factorized_work(amalur::operation::multiply, kStar, 2, kStarT, 1).flops <
              amalur::materialized_work(amalur::operation::multiply, kStarT, false, 1).flops);

// The thread model: tasks that spread divide the time, down to the largest
// task; too little work beside the largest task stays on one thread.
namespace {
constexpr amalur::hardware_profile on_threads(int threads) {
  amalur::hardware_profile hw = amalur::default_profile;
  hw.threads = threads;
  hw.parallel_efficiency = 1;  // perfect, to check the split; a real profile measures it
  return hw;
}
constexpr amalur::hardware_profile half_efficient = [] {
  amalur::hardware_profile hw = on_threads(3);
  hw.parallel_efficiency = 0.5;  // two helper threads worth one whole
  return hw;
}();
constexpr amalur::work two_tasks(double each) {
  amalur::work w;
  amalur::work task;
  task.flops = each;
  amalur::add_task(w, task);
  amalur::add_task(w, task);
  return w;
}
constexpr double kBig = 1e9, kSmall = 1e4;
}  // namespace
static_assert(amalur::seconds(two_tasks(kBig), on_threads(2)) <
              0.51 * amalur::seconds(two_tasks(kBig), on_threads(1)) + amalur::kThreadStartSeconds);
static_assert(amalur::seconds(two_tasks(kBig), on_threads(2)) > 0.49 * amalur::seconds(two_tasks(kBig), on_threads(1)));
static_assert(amalur::seconds(two_tasks(kBig), on_threads(4)) == amalur::seconds(two_tasks(kBig), on_threads(2)));
static_assert(amalur::seconds(two_tasks(kSmall), on_threads(2)) == amalur::seconds(two_tasks(kSmall), on_threads(1)));
static_assert(amalur::seconds(two_tasks(kBig), on_threads(0)) == amalur::seconds(two_tasks(kBig), on_threads(1)));
static_assert(amalur::seconds(two_tasks(kBig), half_efficient) == amalur::seconds(two_tasks(kBig), on_threads(2)));

// Building T writes new arrays, and new memory costs its page faults: CSR's values, columns and
// row starts, or every cell of the dense T; where the OS hands out pages slower, the build costs more.
namespace {
constexpr amalur::hardware_profile slow_pages = [] {
  amalur::hardware_profile hw = amalur::default_profile;
  hw.fresh_bytes_per_second /= 4;
  return hw;
}();
constexpr amalur::work kCsrBuild = amalur::build_work(kStar, 2, kStarT, true);
}  // namespace
static_assert(kCsrBuild.fresh == 12.0 * 36e6 + 12.0 * 1e6);
static_assert(amalur::build_work(kStar, 2, kStarT, false).fresh == 8.0 * 36e6 * 1.0);
static_assert(amalur::seconds(kCsrBuild, slow_pages) - amalur::seconds(kCsrBuild, amalur::default_profile) >
              2.99 * kCsrBuild.fresh / amalur::default_profile.fresh_bytes_per_second);

namespace {
struct star {
  MatrixXd fact, dim;
  std::vector<index_t> fk;
  star(index_t n, index_t m, index_t dim_cols) : fact(MatrixXd::Random(n, 2)), dim(MatrixXd::Random(m, dim_cols)), fk(n) {
    for (index_t i = 0; i < n; ++i) fk[static_cast<std::size_t>(i)] = (i * 7919) % m;
  }
  auto normalized() const {
    return amalur::normalized(amalur::source(fact, amalur::identity_rows(), amalur::column_block(0, 2)),
                              amalur::source(dim, amalur::gather_rows(fk), amalur::column_block(2, dim.cols())));
  }
};
}  // namespace

TEST_CASE("explain prints both estimates, the pick and the reason, and runs nothing", "[cost]") {
  const star s(20000, 20, 30);
  const auto t = s.normalized();
  const VectorXd x = VectorXd::Ones(32);
  const amalur::estimate e = amalur::explain(t * x);
  CHECK(e.op == amalur::operation::multiply);
  CHECK(e.factorized_seconds > 0);
  CHECK(e.materialized_seconds > 0);
  CHECK(e.pick == amalur::strategy::factorized);  // tuple ratio 1000, feature ratio 15
  std::ostringstream out;
  out << e;
  CHECK_THAT(out.str(), Catch::Contains("factorized") && Catch::Contains("materialized") && Catch::Contains("pick:"));
  CHECK(t.report().factorized_calls == 0);
  CHECK(t.report().materialized_calls == 0);
  CHECK_FALSE(t.report().materialized);
  const auto shapes = t.part_shapes();
  REQUIRE(shapes.size() == 2);
  CHECK(shapes[1].taken_rows == 20000);
  CHECK(t.target_statistics().nonzeros == 20000.0 * 32);
}

TEST_CASE("automatic, factorized and materialized evaluation agree", "[cost]") {
  const star s(3000, 3000, 3);  // tuple ratio 1: the cost model may build T
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  const VectorXd x = VectorXd::Random(5), y = VectorXd::Random(3000);
  for (auto strat : {amalur::strategy::automatic, amalur::strategy::factorized, amalur::strategy::materialized}) {
    INFO(amalur::name_of(strat));
    CHECK((t * x).eval(strat).isApprox(m * x));
    CHECK((t.transpose() * y).eval(strat).isApprox(m.transpose() * y));
    CHECK((y.transpose() * t).eval(strat).isApprox(y.transpose() * m));
    CHECK((x.transpose() * t.transpose()).eval(strat).isApprox(x.transpose() * m.transpose()));
    CHECK((t.transpose() * t).eval(strat).isApprox(m.transpose() * m));
    CHECK(t.crossprod(y.cwiseAbs(), strat).isApprox(m.transpose() * y.cwiseAbs().asDiagonal() * m));
    CHECK(t.col_variances(strat).isApprox(
        ((m.rowwise() - m.colwise().mean()).array().square().colwise().mean()).matrix().transpose()));
  }
  CHECK(t.report().materialized_calls > 0);
  CHECK(t.report().factorized_calls > 0);
}

TEST_CASE("ski rental: with unknown reuse, T is built once the factorized time spent would exceed the build",
          "[cost]") {
  const star s(20000, 20000, 2);  // tuple ratio 1: materialized is faster per call
  auto t = s.normalized();
  // A profile where building T costs many calls (slow indexed reads), so the rule has a run to make.
  amalur::hardware_profile slow_gathers = amalur::default_profile;
  slow_gathers.random_per_second = slow_gathers.near_random_per_second = 4e8;
  slow_gathers.threads = 1;
  t.set_profile(slow_gathers);
  const VectorXd x = VectorXd::Ones(4);
  const amalur::estimate first = amalur::explain(t * x);
  REQUIRE(first.materialized_seconds < first.factorized_seconds);
  // The first calls stay factorized; later ones build T and use it.
  int calls = 0;
  while (!t.report().materialized && calls < 10000) {
    const VectorXd y = t * x;
    ++calls;
  }
  CHECK(t.report().materialized);
  CHECK(calls > 1);
  CHECK(std::string(t.report().strategy_name()) == "mixed");
  // The factorized time spent is bounded by the build (the 2x guarantee).
  CHECK((calls - 1) * first.factorized_seconds <= first.build_seconds + first.factorized_seconds);
  CHECK(amalur::explain(t * x).pick == amalur::strategy::materialized);
}

namespace {
/// What deciding each product alone gives for a Gaussian fit's products on
/// a fresh context: the ski rental.
std::vector<amalur::strategy> per_product_picks(const std::vector<amalur::estimate>& e) {
  std::vector<amalur::strategy> picks;
  double spent = 0;
  bool built = false;
  for (const amalur::estimate& x : e) {
    const bool mat = built ? x.materialized_seconds < x.factorized_seconds
                           : x.materialized_seconds < x.factorized_seconds && spent + x.factorized_seconds > x.build_seconds;
    built = built || mat;
    if (!mat) spent += x.factorized_seconds;
    picks.push_back(mat ? amalur::strategy::materialized : amalur::strategy::factorized);
  }
  return picks;
}
}  // namespace

TEST_CASE("a Gaussian fit decides once for its products, where the ski rental would mix", "[cost]") {
  const star s(20000, 20000, 2);  // tuple ratio 1: materialized is faster per call
  const VectorXd y = VectorXd::Random(20000);
  const amalur::glm model = amalur::linear_regression();
  const VectorXd expected = model.fit(s.normalized().materialize(), y).coefficients;
  amalur::hardware_profile hw = amalur::default_profile;
  hw.threads = 1;
  bool saw_factorized = false, saw_materialized = false;
  // Slower page rates make the build dearer; find one rate where the ski
  // rental would mix and the whole fit is cheaper factorized, and one where
  // building T pays off from the first product.
  for (double rate = 1e11; rate > 1e5 && !(saw_factorized && saw_materialized); rate /= 1.25) {
    hw.fresh_bytes_per_second = rate;
    auto t = s.normalized();
    t.set_profile(hw);
    // Unit weights, no offset: T^T T and T^T [1, y]; the deviance comes from the system, not from T b.
    const std::vector<amalur::estimate> e = {t.explain(amalur::operation::crossprod, 1),
                                             t.explain(amalur::operation::transpose_multiply, 2)};
    const std::vector<amalur::strategy> alone = per_product_picks(e);
    const bool mixed = alone.front() != alone.back();
    const double factorized = e[0].factorized_seconds + e[1].factorized_seconds;
    const double materialized = e[0].build_seconds + e[0].materialized_seconds + e[1].materialized_seconds;
    const bool whole_factorized = factorized <= materialized;
    if (whole_factorized ? (saw_factorized || !mixed) : saw_materialized) continue;
    const amalur::glm_fit fit = model.fit(t, y);
    CHECK(fit.coefficients.isApprox(expected, 1e-9));
    const amalur::execution_report r = t.report();
    CHECK(r.factorized_calls + r.materialized_calls == 2);
    CHECK(std::string(r.strategy_name()) == (whole_factorized ? "factorized" : "materialized"));
    (whole_factorized ? saw_factorized : saw_materialized) = true;
  }
  CHECK(saw_factorized);
  CHECK(saw_materialized);
  // A strategy the user set, or a declared reuse, still decides per product.
  auto t = s.normalized();
  t.expect_reuse(1000);
  model.fit(t, y);
  CHECK(std::string(t.report().strategy_name()) == "materialized");
}

TEST_CASE("a known reuse amortizes the build, and forcing overrides everything", "[cost]") {
  const star s(20000, 20000, 2);
  auto t = s.normalized();
  t.expect_reuse(1000);
  const VectorXd x = VectorXd::Ones(4);
  CHECK(amalur::explain(t * x).pick == amalur::strategy::materialized);
  CHECK(amalur::explain(t * x, amalur::strategy::factorized).pick == amalur::strategy::factorized);
  t.set_strategy(amalur::strategy::factorized);
  CHECK(amalur::explain(t * x).pick == amalur::strategy::factorized);
  t.set_strategy(amalur::strategy::automatic);
  amalur::set_default_strategy(amalur::strategy::factorized);
  CHECK(amalur::explain(t * x).pick == amalur::strategy::factorized);
  amalur::set_default_strategy(amalur::strategy::automatic);
  CHECK(amalur::explain(t * x).pick == amalur::strategy::materialized);
}

TEST_CASE("expressions combine with Eigen objects as Eigen products do", "[cost]") {
  const star s(100, 10, 3);
  const auto t = s.normalized();
  const MatrixXd m = t.materialize();
  const VectorXd b = VectorXd::Random(5), y = VectorXd::Random(100);
  const VectorXd r1 = t * b - y, r2 = y - t * b, r3 = t * b + y, r4 = y + t * b;
  CHECK(r1.isApprox(m * b - y));
  CHECK(r2.isApprox(y - m * b));
  CHECK(r3.isApprox(m * b + y));
  CHECK(r4.isApprox(y + m * b));
  VectorXd assigned;
  assigned = t * b;
  CHECK(assigned.isApprox(m * b));
}

// A gather that never goes back (a row selection of the fact table) streams its source: the model
// counts its accesses as near ones, so an ordered part costs less than a shuffled one.
namespace {
constexpr amalur::part_shape kSelectedFact[] = {{1e6, 4, 4e6, 8e5, false, false, true}};
constexpr amalur::part_shape kShuffledFact[] = {{1e6, 4, 4e6, 8e5, false, false, false}};
constexpr amalur::target_shape kSelectedT{8e5, 4, 32e5};
}  // namespace
static_assert(amalur::factorized_work(amalur::operation::multiply, kSelectedFact, 1, kSelectedT, 1).random == 0);
static_assert(amalur::factorized_work(amalur::operation::multiply, kShuffledFact, 1, kSelectedT, 1).random > 0);

// An alias's dense and one-hot columns share its indicator: T^T y scatters y onto its rows once for both.
namespace {
constexpr amalur::part_shape kAliasOneGroup[] = {{1e4, 2, 2e4, 1e6, false, false, false, 0},
                                                 {1e4, 30, 1e4, 1e6, true, false, false, 0}};
constexpr amalur::part_shape kAliasTwoGroups[] = {{1e4, 2, 2e4, 1e6, false, false, false, -1},
                                                  {1e4, 30, 1e4, 1e6, true, false, false, -1}};
constexpr amalur::target_shape kAliasT{1e6, 32, 3e6};
}  // namespace
static_assert(amalur::factorized_work(amalur::operation::transpose_multiply, kAliasTwoGroups, 2, kAliasT, 1).near -
                  amalur::factorized_work(amalur::operation::transpose_multiply, kAliasOneGroup, 2, kAliasT, 1).near ==
              1e6);

TEST_CASE("a row selection keeps the sources of one indicator together and its gathers ordered", "[cost]") {
  // A fact table's dense and CSR columns on one identity, a dimension's on one shuffled gather.
  const std::vector<index_t> fk = {2, 0, 1, 2, 0, 1};
  const amalur::gather_rows by_fk(fk);  // one indicator object: its copies share the rows
  const MatrixXd fact = MatrixXd::Random(6, 2), dim = MatrixXd::Random(3, 2);
  const amalur::csr_matrix<double> fact_codes = MatrixXd::Identity(6, 3).sparseView();
  const amalur::csr_matrix<double> dim_codes = MatrixXd::Identity(3, 3).sparseView();
  std::vector<amalur::dynamic_source<double>> sources;
  sources.emplace_back(fact, amalur::identity_rows(), amalur::column_block(0, 2));
  sources.emplace_back(fact_codes, amalur::identity_rows(), amalur::column_block(2, 3));
  sources.emplace_back(dim, by_fk, amalur::column_block(5, 2));
  sources.emplace_back(dim_codes, by_fk, amalur::column_block(7, 3));
  const amalur::dynamic_normalized_matrix<double> t(std::move(sources));
  const std::vector<index_t> picked = {0, 2, 3, 5};
  auto selected = t.select_rows(picked);
  const auto parts = selected.part_shapes();
  REQUIRE(parts.size() == 4);
  CHECK(parts[0].group == parts[1].group);
  CHECK(parts[2].group == parts[3].group);
  CHECK(parts[0].group != parts[2].group);
  CHECK((parts[0].ordered_rows && parts[1].ordered_rows));  // rows 0, 2, 3, 5 of the fact table
  CHECK(!parts[2].ordered_rows);                            // dimension rows 2, 1, 2, 1
  // The same T's rows either way, and the factorized crossprod on them agrees.
  const MatrixXd full = t.materialize(), rows_of = selected.materialize();
  for (std::size_t i = 0; i < picked.size(); ++i) CHECK(rows_of.row(static_cast<index_t>(i)) == full.row(picked[i]));
  selected.set_strategy(amalur::strategy::factorized);
  const VectorXd w = VectorXd::LinSpaced(4, 0.5, 2.0);
  CHECK(selected.crossprod(w).isApprox(rows_of.transpose() * w.asDiagonal() * rows_of, 1e-12));
}
