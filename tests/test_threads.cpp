// Copies of one normalized matrix used from several threads at once, each
// changing its own settings, with the automatic strategy building T mid-run
// and one thread dropping the shared kept T: every result stays exact. And
// the kernels' own threads: 1, 2 and 3 give the same bits.
// CI also runs this file under ThreadSanitizer (.ci/run).

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "amalur/execution/memory.hpp"
#include "allocator.hpp"
#include "scenario.hpp"

using namespace amalur_test;
using amalur::strategy;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
/// A star big enough that products run Eigen's blocked kernels (>= 5,000 rows).
amalur::dynamic_normalized_matrix<double> star(MatrixXd& oracle) {
  const index_t n = 6000, nd = 300;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  const MatrixXd fact = MatrixXd::NullaryExpr(n, 3, [&] { return u(rng); });
  const MatrixXd dim = MatrixXd::NullaryExpr(nd, 4, [&] { return u(rng); });
  std::vector<index_t> key(static_cast<std::size_t>(n));
  for (auto& k : key) k = static_cast<index_t>(rng() % static_cast<std::uint64_t>(nd));
  oracle.resize(n, 7);
  oracle.leftCols(3) = fact;
  for (index_t i = 0; i < n; ++i) oracle.row(i).tail(4) = dim.row(key[static_cast<std::size_t>(i)]);
  std::vector<amalur::dynamic_source<double>> sources;
  sources.emplace_back(fact, amalur::identity_rows(), amalur::columns({0, 1, 2}));
  sources.emplace_back(dim, amalur::gather_rows(key), amalur::columns({3, 4, 5, 6}));
  return amalur::dynamic_normalized_matrix<double>(std::move(sources));
}
bool near(const MatrixXd& got, const MatrixXd& want) {
  return ((got - want).array().abs() <= 1e-9 * (1.0 + want.array().abs())).all();
}
}  // namespace

TEST_CASE("four threads on copies of one matrix, each with its own settings, and a shared context", "[threads]") {
  MatrixXd m;
  const auto t = star(m);
  const VectorXd x = VectorXd::LinSpaced(7, -1, 1), y = VectorXd::LinSpaced(m.rows(), -1, 1);
  const VectorXd tx = m * x, tty = m.transpose() * y;
  const MatrixXd gram = m.transpose() * m;
  auto shared = std::make_shared<amalur::execution_context>();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      auto u = t;  // copied inside the thread: copying reads t's context concurrently
      if (k == 0) u.set_strategy(strategy::factorized);
      if (k == 1) u.set_strategy(strategy::materialized);
      if (k >= 2) u.attach_context(shared);  // automatic: ski rental builds T part way through
      for (int i = 0; i < 40; ++i) {
        const VectorXd a = u * x;
        const VectorXd b = u.transpose() * y;
        const MatrixXd g = u.transpose() * u;
        if (!near(a, tx) || !near(b, tty) || !near(g, gram)) ++wrong;
        if (k == 3 && i % 10 == 5) u.forget_materialized();  // others may be running on the kept T
        if (k == 2 && i == 20) u.expect_reuse(100);
        if (k == 0 && i % 7 == 0) amalur::set_default_strategy(i % 2 ? strategy::automatic : strategy::factorized);
        static_cast<void>(u.report());
      }
    });
  for (auto& th : threads) th.join();
  amalur::set_default_strategy(strategy::automatic);
  CHECK(wrong == 0);
  CHECK(t.report().factorized_calls + t.report().materialized_calls == 0);  // t itself never ran
  const auto r = shared->report();
  CHECK(r.factorized_calls + r.materialized_calls == 2 * 40 * 3);
  CHECK(r.factorized_calls > 0);  // it started factorized
  // Whether the shared context built T during the run depends on how long thread 0 held the process
  // default at factorized; alone, on the automatic strategy, the same calls make ski rental build it.
  auto alone = t;
  alone.attach_context(std::make_shared<amalur::execution_context>());
  for (int i = 0; i < 80; ++i) {
    const VectorXd a = alone * x;
    const VectorXd b = alone.transpose() * y;
    const MatrixXd g = alone.transpose() * alone;
    CHECK((near(a, tx) && near(b, tty) && near(g, gram)));
  }
  const auto ra = alone.report();
  CHECK(ra.factorized_calls > 0);   // it started factorized,
  CHECK(ra.materialized_calls > 0);  // and built T part way through
}

namespace {
/// A star past several row blocks of the kernels (kTaskRows): a dense fact
/// table, a dense dimension gathered fully and a sparse one-hot dimension
/// gathered partially (unmatched rows), and a one-hot group sharing the dense
/// dimension's indicator, so every kernel kind runs in parallel.
amalur::dynamic_normalized_matrix<double> wide_star(index_t n) {
  const index_t na = 700, nb = 40;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  const MatrixXd fact = MatrixXd::NullaryExpr(n, 4, [&] { return u(rng); });
  const MatrixXd dim = MatrixXd::NullaryExpr(na, 3, [&] { return u(rng); });
  amalur::csr_matrix<double> onehot(nb, 6);
  std::vector<Eigen::Triplet<double>> ones;
  for (index_t r = 0; r < nb; ++r) ones.emplace_back(r, r % 6, 1.0);
  onehot.setFromTriplets(ones.begin(), ones.end());
  std::vector<index_t> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
  for (auto& k : a) k = static_cast<index_t>(rng() % static_cast<std::uint64_t>(na));
  for (auto& k : b) k = rng() % 7 == 0 ? amalur::none : static_cast<index_t>(rng() % static_cast<std::uint64_t>(nb));
  // The dimension's one-hot column group shares its indicator (one row index, as encode() builds it).
  amalur::csr_matrix<double> dim_levels(na, 3);
  std::vector<Eigen::Triplet<double>> level;
  for (index_t r = 0; r < na; ++r) level.emplace_back(r, r % 3, 1.0);
  dim_levels.setFromTriplets(level.begin(), level.end());
  const amalur::gather_rows by_a(a);
  std::vector<amalur::dynamic_source<double>> sources;
  sources.emplace_back(fact, amalur::identity_rows(), amalur::columns({0, 1, 2, 3}));
  sources.emplace_back(dim, by_a, amalur::columns({4, 5, 6}));
  sources.emplace_back(std::move(onehot), amalur::partial_rows(b), amalur::columns({7, 8, 9, 10, 11, 12}));
  sources.emplace_back(std::move(dim_levels), by_a, amalur::columns({13, 14, 15}));
  return amalur::dynamic_normalized_matrix<double>(std::move(sources));
}
bool same_bits(const MatrixXd& a, const MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}
}  // namespace

TEST_CASE("1, 2 and 3 threads give bit-identical operators and GLM fits", "[threads][deterministic]") {
  const index_t n = 2 * amalur::kTaskRows + 5001;
  auto t = wide_star(n);
  t.set_strategy(strategy::factorized);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  const MatrixXd x = MatrixXd::NullaryExpr(t.cols(), 3, [&] { return u(rng); });
  const MatrixXd y = MatrixXd::NullaryExpr(n, 3, [&] { return u(rng); });
  const MatrixXd xl = MatrixXd::NullaryExpr(2, n, [&] { return u(rng); });
  const MatrixXd xr = MatrixXd::NullaryExpr(2, t.cols(), [&] { return u(rng); });
  const VectorXd w = VectorXd::NullaryExpr(n, [&] { return 0.5 + 0.5 * u(rng); });
  const MatrixXd oracle = t.materialize();
  const VectorXd labels = ((oracle.col(0) + oracle.col(5)).array() > 0).cast<double>();
  std::vector<std::vector<MatrixXd>> results;
  for (int threads : {1, 2, 3}) {
    t.set_threads(threads);
    const auto fit = amalur::logistic_regression().l2(1e-3).fit(t, labels);
    results.push_back({t * x, MatrixXd(t * x.col(0)), t.transpose() * y, MatrixXd(t.transpose() * y.col(1)), xl * t,
                       xr * t.transpose(), t.transpose() * t, t.crossprod(w), fit.coefficients,
                       VectorXd::Constant(1, fit.intercept)});
  }
  const std::vector<MatrixXd> want = {oracle * x, oracle * x.col(0), oracle.transpose() * y,
                                      oracle.transpose() * y.col(1), xl * oracle, xr * oracle.transpose(),
                                      oracle.transpose() * oracle, oracle.transpose() * w.asDiagonal() * oracle};
  for (std::size_t k = 0; k < results[0].size(); ++k) {
    INFO("result " << k);
    CHECK(same_bits(results[1][k], results[0][k]));
    CHECK(same_bits(results[2][k], results[0][k]));
    if (k < want.size()) CHECK(near(results[0][k], want[k]));
  }
  CHECK_THROWS_AS(t.set_threads(-1), amalur::value_error);
}

TEST_CASE("keeping freed memory in the process changes no result", "[threads][memory]") {
  const index_t n = amalur::kTaskRows + 5001;
  auto t = wide_star(n);
  t.set_strategy(strategy::factorized);
  const MatrixXd oracle = t.materialize();
  const VectorXd labels = ((oracle.col(0) - oracle.col(3)).array() > 0).cast<double>();
  const auto before = amalur::logistic_regression().l2(1e-3).fit(t, labels);
  const bool kept = amalur::keep_freed_memory();
  if (glibc_allocator) CHECK(kept);
  const auto after = amalur::logistic_regression().l2(1e-3).fit(t, labels);
  CHECK(same_bits(after.coefficients, before.coefficients));
  CHECK(after.intercept == before.intercept);
  {  // a 16 MB block, freed, stays in the heap until handed back
    std::vector<double> block(std::size_t(2) << 20, 1.0);
    CHECK(block.back() == 1.0);
  }
  {  // handing back all but two 8 MB blocks, which the next fit's vectors may take
    std::vector<double> block(std::size_t(2) << 20, 1.0);
    CHECK(block.back() == 1.0);
  }
  const bool kept_some = amalur::return_free_memory_except(2, std::size_t(8) << 20);
  if (glibc_allocator) CHECK(kept_some);
  const auto after_kept = amalur::logistic_regression().l2(1e-3).fit(t, labels);
  CHECK(same_bits(after_kept.coefficients, before.coefficients));
  const bool returned = amalur::return_free_memory();
  if (glibc_allocator) CHECK(returned);
}

TEST_CASE("no restart for huge pages where the tunable is already set", "[threads][memory]") {
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string saved = before ? before : "";
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0", 1);  // the user's choice stands: no exec here
  char name[] = "test_threads";
  char* argv[] = {name, nullptr};
  CHECK_FALSE(amalur::restart_with_huge_pages(argv));
  CHECK(std::string(std::getenv("GLIBC_TUNABLES")) == "glibc.malloc.hugetlb=0");
  CHECK_FALSE(amalur::huge_pages_on());
#if defined(__GLIBC__) && defined(__linux__)
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1:glibc.malloc.hugetlb=1", 1);
  CHECK(amalur::huge_pages_on());
#endif
  ::unsetenv("GLIBC_TUNABLES");
  CHECK_FALSE(amalur::huge_pages_on());
  if (before) ::setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  else ::unsetenv("GLIBC_TUNABLES");
}

TEST_CASE("parallel steps use one thread where the tasks beside the largest are small", "[threads]") {
  using amalur::kParallelWorkMin;
  CHECK(amalur::threads_worth({}, 4) == 1);
  CHECK(amalur::threads_worth({10 * kParallelWorkMin}, 4) == 1);                          // one task
  CHECK(amalur::threads_worth({10 * kParallelWorkMin, kParallelWorkMin / 2}, 4) == 1);   // little beside it
  CHECK(amalur::threads_worth({kParallelWorkMin, kParallelWorkMin}, 4) == 4);
  CHECK(amalur::threads_worth({kParallelWorkMin / 2, kParallelWorkMin / 2, kParallelWorkMin / 2}, 3) == 3);
}

TEST_CASE("the kept helper threads serve concurrent callers, nested calls and throwing tasks", "[threads][pool]") {
  // Four user threads each run parallel steps on 3 threads at once: every
  // task runs exactly once, whichever thread takes it.
  constexpr index_t tasks = 64;
  std::vector<std::thread> callers;
  std::vector<int> wrong(4, 0);
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        std::vector<std::atomic<int>> ran(static_cast<std::size_t>(tasks));
        amalur::parallel_tasks(tasks, 3, [&](index_t k) {
          ++ran[static_cast<std::size_t>(k)];
          // A step inside a task runs serially on that thread.
          int inner = 0;
          amalur::parallel_tasks(4, 3, [&](index_t) { ++inner; });
          if (inner != 4) ++ran[static_cast<std::size_t>(k)];
        });
        for (const auto& r : ran) wrong[static_cast<std::size_t>(c)] += r.load() != 1;
      }
    });
  for (auto& t : callers) t.join();
  CHECK(wrong == std::vector<int>(4, 0));

  // The first exception reaches the caller; the pool serves the next step.
  CHECK_THROWS_WITH(amalur::parallel_tasks(tasks, 2,
                                           [](index_t k) {
                                             if (k == 5) throw amalur::value_error("task 5 failed");
                                           }),
                    "task 5 failed");
  std::atomic<index_t> sum{0};
  amalur::parallel_tasks(tasks, 2, [&](index_t k) { sum += k; });
  CHECK(sum.load() == tasks * (tasks - 1) / 2);
}
