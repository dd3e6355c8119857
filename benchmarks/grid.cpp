// The cost model's evaluation grid: tuple ratio x feature ratio x number of
// dimension tables x dense or one-hot dimensions x operator (and one
// training run per model). Each cell times both strategies in the same loop
// and records three picks: ours (amalur::decide), Amalur's published rule
// (factorize iff materialized flops / factorized flops > 1.5) and Morpheus'
// (factorize iff tuple ratio > 5 and feature ratio > 1). The summary
// (accuracy, regret) goes to stderr; the cells go out as benchmark JSON.
//
//   build/release/benchmarks/bench_grid --benchmark_format=json > grid.json
//
// GRID_THREADS=N runs the kernels on N threads (default: every core);
// GRID_FEATURES=1 adds each operator cell's work counts (flops, bytes,
// indexed accesses, tasks) for fitting a profile offline.
//
// With amalur::catalog, the operator cells then test the history correction:
// half the shapes are logged in a catalog (grid-history.db, or
// $AMALUR_GRID_CATALOG) with their estimates under the default profile and
// under profiles wrong by 2x each way, and the other half is picked with and
// without the correction the catalog fits.

#include <amalur/execution/memory.hpp>
#include <benchmark/benchmark.h>

#include <amalur/amalur.hpp>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <tuple>
#ifdef AMALUR_HAVE_CATALOG
#include <amalur/catalog/catalog.hpp>
#endif

using amalur::index_t;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr index_t kRows = 20000, kFactCols = 10;

struct cell_key {
  index_t tr;
  double fr;
  int dims;
  bool onehot;
  bool operator<(const cell_key& o) const {
    return std::tie(tr, fr, dims, onehot) < std::tie(o.tr, o.fr, o.dims, o.onehot);
  }
};

/// A fact table and `dims` dimension tables (dense, or one-hot as CSR).
struct dataset {
  std::unique_ptr<amalur::dynamic_normalized_matrix<double>> t;
  Eigen::MatrixXd dense;                 // materialized T
  amalur::csr_matrix<double> sparse;     // materialized T as CSR
  Eigen::VectorXd labels;
  explicit dataset(const cell_key& k) {
    std::mt19937_64 rng(7);
    const index_t n_r = std::max<index_t>(1, kRows / k.tr);
    const index_t d_r = std::max<index_t>(1, static_cast<index_t>(k.fr * kFactCols));
    std::vector<amalur::dynamic_source<double>> sources;
    sources.emplace_back(Eigen::MatrixXd(Eigen::MatrixXd::Random(kRows, kFactCols)), amalur::identity_rows(),
                         amalur::column_block(0, kFactCols));
    for (int j = 0; j < k.dims; ++j) {
      std::vector<index_t> fk(kRows);
      for (auto& v : fk) v = static_cast<index_t>(rng() % static_cast<std::uint64_t>(n_r));
      const amalur::column_map cols = amalur::column_block(kFactCols + j * d_r, d_r);
      if (k.onehot) {
        amalur::csr_matrix<double> s(n_r, d_r);
        std::vector<Eigen::Triplet<double>> ones;
        for (index_t r = 0; r < n_r; ++r) ones.emplace_back(r, r % d_r, 1.0);
        s.setFromTriplets(ones.begin(), ones.end());
        sources.emplace_back(std::move(s), amalur::gather_rows(fk), cols);
      } else {
        sources.emplace_back(Eigen::MatrixXd(Eigen::MatrixXd::Random(n_r, d_r)), amalur::gather_rows(fk), cols);
      }
    }
    t = std::make_unique<amalur::dynamic_normalized_matrix<double>>(std::move(sources));
    dense = t->materialize();
    if (k.onehot) sparse = t->materialize_sparse();
    labels = (dense.col(0).array() > 0).cast<double>();
  }
};

dataset& data(const cell_key& k) {
  static std::map<cell_key, std::unique_ptr<dataset>> cache;
  if (cache.size() > 8) cache.clear();  // keep memory bounded
  auto& d = cache[k];
  if (!d) d = std::make_unique<dataset>(k);
  return *d;
}

struct task {
  std::string name;
  amalur::operation op;  // for the operator cells; training uses its own rule
  bool training;
};

struct outcome {
  double fact, mat;
  bool ours, amalur_rule, morpheus_rule;  // true = factorized
};
std::map<std::string, outcome> g_outcomes;  // by cell: the last (final) run counts

/// An operator cell as the history correction sees it: shapes and measured seconds.
struct measured_cell {
  amalur::operation op;
  std::vector<amalur::part_shape> parts;
  amalur::target_shape target;
  double fact, mat;
  bool seen;  // logged in the catalog (the other half is held out)
};
std::map<std::string, measured_cell> g_measured;

/// The default profile, and profiles wrong by 2x each way: indexed accesses
/// (what factorized pays) or streaming and flops (what materialized pays).
std::vector<std::pair<std::string, amalur::hardware_profile>> believed_profiles() {
  std::vector<std::pair<std::string, amalur::hardware_profile>> out = {{"default profile", amalur::default_profile}};
  for (double factor : {2.0, 0.5}) {
    amalur::hardware_profile random = amalur::default_profile, streaming = amalur::default_profile;
    random.random_per_second *= factor;
    random.near_random_per_second *= factor;
    streaming.flops_per_second *= factor;
    streaming.bytes_per_second *= factor;
    streaming.cache_bytes_per_second *= factor;
    const std::string times = factor > 1 ? " x2" : " /2";
    out.emplace_back("random-access rates" + times, random);
    out.emplace_back("streaming and flop rates" + times, streaming);
  }
  for (auto& named : out) named.second.threads = amalur::hardware_threads();  // as a context resolves 0
  return out;
}

/// Runs the operator on a normalized matrix (factorized) or on Eigen's T.
template <class M>
void run_op(amalur::operation op, const M& m, const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  switch (op) {
    case amalur::operation::multiply: benchmark::DoNotOptimize(m.multiply(x)); break;
    case amalur::operation::transpose_multiply: benchmark::DoNotOptimize(m.transpose_multiply(y)); break;
    case amalur::operation::left_multiply: benchmark::DoNotOptimize(m.left_multiply(y.transpose())); break;
    case amalur::operation::crossprod: benchmark::DoNotOptimize(m.crossprod()); break;
    case amalur::operation::col_variances: benchmark::DoNotOptimize(m.col_variances()); break;
    default: break;
  }
}

constexpr int kIrlsIterations = 5;

void run_cell(benchmark::State& state, const std::string& cell, const task& tk, const cell_key& k) {
  dataset& d = data(k);
  auto& t = *d.t;
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(t.cols()), y = Eigen::VectorXd::Ones(t.rows());
  const amalur::glm logit = amalur::logistic_regression().l2(1e-3).max_iterations(kIrlsIterations).tolerance(1e-300);
  // The better materialized form is the one that is faster here.
  const amalur::matrix_view<Eigen::MatrixXd> dense_view(d.dense);
  double fact = 0, mat_dense = 0, mat_sparse = 0;
  t.set_strategy(amalur::strategy::factorized);  // timed both ways; the pick is asked below
  // One-time work is not timed (the materialized side's build is not either):
  // the shape statistics a matrix measures once, and a first run of each operator.
  benchmark::DoNotOptimize(t.target_statistics());
  if (!tk.training) {
    run_op(tk.op, t, x, y);
    run_op(tk.op, dense_view, x, y);
    if (k.onehot) run_op(tk.op, amalur::matrix_view<amalur::csr_matrix<double>>(d.sparse), x, y);
  }
  for (auto _ : state) {
    auto t0 = clock_type::now();
    if (tk.training) {
      benchmark::DoNotOptimize(logit.fit(t, d.labels).objective);
    } else {
      run_op(tk.op, t, x, y);
    }
    auto t1 = clock_type::now();
    if (tk.training) {
      const Eigen::MatrixXd built = t.materialize();  // materialization counted
      benchmark::DoNotOptimize(logit.fit(built, d.labels).objective);
    } else {
      run_op(tk.op, dense_view, x, y);
    }
    auto t2 = clock_type::now();
    fact += std::chrono::duration<double>(t1 - t0).count();
    mat_dense += std::chrono::duration<double>(t2 - t1).count();
    if (k.onehot) {
      const auto s0 = clock_type::now();
      if (tk.training) {
        const auto built = amalur::materialized_matrix<double>(t.materialize_sparse());
        benchmark::DoNotOptimize(logit.fit(built, d.labels).objective);
      } else {
        run_op(tk.op, amalur::matrix_view<amalur::csr_matrix<double>>(d.sparse), x, y);
      }
      mat_sparse += std::chrono::duration<double>(clock_type::now() - s0).count();
    }
  }
  const double it = static_cast<double>(state.iterations());
  fact /= it;
  const double mat = k.onehot ? std::min(mat_dense, mat_sparse) / it : mat_dense / it;

  // The three picks.
  const auto parts = t.part_shapes();
  const auto target = t.target_statistics();
  amalur::hardware_profile hw = amalur::default_profile;
  hw.threads = amalur::hardware_threads();  // as a matrix's context resolves 0
  // This process keeps freed memory, so a training cell's build of T reuses its pages every
  // iteration after the first: no first-touch cost, unlike a program's one build.
  hw.fresh_bytes_per_second = std::numeric_limits<double>::infinity();
  bool ours;
  double flop_ratio;
  if (tk.training) {
    // Per IRLS iteration: T^T W T, T^T [w, wz] and T b; T built once (reuse = iterations).
    double f = 0, m = 0, build = 1e300, mf = 0, ff = 0;
    for (bool sparse : {false, true}) {
      if (sparse && !k.onehot) continue;
      double per = 0;
      for (auto [op, cols] : {std::pair{amalur::operation::weighted_crossprod, 1.0},
                              std::pair{amalur::operation::transpose_multiply, 2.0},
                              std::pair{amalur::operation::multiply, 1.0}})
        per += amalur::seconds(amalur::materialized_work(op, target, sparse, cols), hw);
      const double b = amalur::seconds(amalur::build_work(parts.data(), parts.size(), target, sparse), hw);
      if (kIrlsIterations * per + b < m + build || build == 1e300) {
        m = kIrlsIterations * per;
        build = b;
      }
    }
    for (auto [op, cols] : {std::pair{amalur::operation::weighted_crossprod, 1.0},
                            std::pair{amalur::operation::transpose_multiply, 2.0},
                            std::pair{amalur::operation::multiply, 1.0}}) {
      f += kIrlsIterations * amalur::seconds(amalur::factorized_work(op, parts.data(), parts.size(), target, cols), hw);
      ff += amalur::factorized_work(op, parts.data(), parts.size(), target, cols).flops;
      mf += amalur::materialized_work(op, target, false, cols).flops;
    }
    ours = f <= m + build;
    flop_ratio = mf / ff;
  } else {
    t.set_strategy(amalur::strategy::automatic);
    t.expect_reuse(1e12);  // operator cells: T counts as built
    const amalur::estimate e = t.explain(tk.op, 1);
    ours = e.pick == amalur::strategy::factorized;
    flop_ratio = amalur::materialized_work(tk.op, target, false, 1).flops / e.factorized_flops;
    const bool seen = (std::hash<std::string>{}(std::to_string(k.tr) + "/" + std::to_string(k.fr) + "/" +
                                                std::to_string(k.dims) + "/" + std::to_string(k.onehot)) >> 7) % 2 == 0;
    g_measured[cell] = {tk.op, parts, target, fact, mat, seen};
  }
  if (std::getenv("GRID_FEATURES") && !tk.training) {  // the work counts, for fitting the profile offline
    const amalur::work fw = amalur::factorized_work(tk.op, parts.data(), parts.size(), target, 1);
    const amalur::work dw = amalur::materialized_work(tk.op, target, false, 1);
    const amalur::work sw = amalur::materialized_work(tk.op, target, true, 1);
    for (auto [prefix, w] : {std::pair{"f_", fw}, std::pair{"d_", dw}, std::pair{"s_", sw}}) {
      state.counters[std::string(prefix) + "flops"] = w.flops;
      state.counters[std::string(prefix) + "bytes"] = w.bytes;
      state.counters[std::string(prefix) + "random"] = w.random;
      state.counters[std::string(prefix) + "near"] = w.near;
      state.counters[std::string(prefix) + "footprint"] = w.footprint;
    }
    state.counters["f_task_sum"] = fw.task_sum;
    state.counters["f_task_max"] = fw.task_max;
    state.counters["threads"] = amalur::hardware_threads();
    state.counters["parts"] = static_cast<double>(parts.size());
    state.counters["mat_dense_us"] = mat_dense / it * 1e6;
    state.counters["mat_sparse_us"] = mat_sparse / it * 1e6;
    state.counters["op"] = static_cast<double>(tk.op);
  }
  const bool amalur_rule = flop_ratio > 1.5;
  const bool morpheus_rule = k.tr > 5 && k.fr > 1;
  g_outcomes[cell] = {fact, mat, ours, amalur_rule, morpheus_rule};
  state.counters["fact_us"] = fact * 1e6;
  state.counters["mat_us"] = mat * 1e6;
  state.counters["speedup"] = mat / fact;
  state.counters["pick"] = ours;
  state.counters["amalur_rule"] = amalur_rule;
  state.counters["morpheus_rule"] = morpheus_rule;
  state.counters["flop_ratio"] = flop_ratio;
  state.counters["TR"] = static_cast<double>(k.tr);
  state.counters["FR"] = k.fr;
  state.counters["dims"] = k.dims;
  state.counters["onehot"] = k.onehot;
}

/// Prints the accuracy and regret of picks (true = factorized) against the
/// measured times; within 5% counts as right either way.
void report(const char* name, const std::vector<std::tuple<double, double, bool>>& cells) {
  int right = 0, wrong = 0;
  double regret_sum = 0, regret_max = 0;
  for (const auto& [fact, mat, factorized] : cells) {
    const double chosen = factorized ? fact : mat, best = std::min(fact, mat);
    if (std::abs(fact - mat) <= 0.05 * std::max(fact, mat) || chosen == best) {
      ++right;
    } else {
      ++wrong;
      regret_sum += chosen / best - 1;
      regret_max = std::max(regret_max, chosen / best - 1);
    }
  }
  std::fprintf(stderr, "%-44s accuracy %5.1f%% (%d of %zu cells)  regret when wrong: mean %5.1f%%, worst %6.1f%%\n",
               name, cells.empty() ? 0.0 : 100.0 * right / static_cast<double>(cells.size()), right, cells.size(),
               wrong ? 100 * regret_sum / wrong : 0.0, 100 * regret_max);
}

void summarize(const char* name, bool outcome::*pick) {
  std::vector<std::tuple<double, double, bool>> cells;
  for (const auto& [cell, o] : g_outcomes) cells.emplace_back(o.fact, o.mat, o.*pick);
  report(name, cells);
}

/// The held-out operator cells' picks under `hw`, each corrected by `fitted[cell]` when given.
void score_held_out(const char* name, const amalur::hardware_profile& hw,
                    const std::map<std::string, amalur::cost_correction>* fitted) {
  std::vector<std::tuple<double, double, bool>> cells;
  for (const auto& [cell, m] : g_measured) {
    if (m.seen) continue;
    const auto e = amalur::decide(m.op, m.parts.data(), m.parts.size(), m.target, 1, hw, 1e12, 0, false, false,
                                  amalur::strategy::automatic, fitted ? &fitted->at(cell) : nullptr);
    cells.emplace_back(m.fact, m.mat, e.pick == amalur::strategy::factorized);
  }
  report(name, cells);
}

void summarize_history() {
#ifdef AMALUR_HAVE_CATALOG
  if (g_measured.empty()) return;
  const char* env = std::getenv("AMALUR_GRID_CATALOG");
  const std::string path = env && *env ? env : "grid-history.db";
  std::remove(path.c_str());
  amalur::catalog::catalog history(path);
  // Logs the seen cells with their estimates under `hw` (as machine `machine`),
  // then fits one correction per held-out cell from the similar shapes seen.
  auto learn = [&](const std::string& machine, const amalur::hardware_profile& hw) {
    history.write([&] {
      for (const auto& [cell, m] : g_measured) {
        if (!m.seen) continue;
        const auto e = amalur::decide(m.op, m.parts.data(), m.parts.size(), m.target, 1, hw, 1e12);
        for (auto s : {amalur::strategy::factorized, amalur::strategy::materialized}) {
          const bool fact = s == amalur::strategy::factorized;
          history.add_measurement(std::nullopt, machine, {amalur::key_of(m.op), s,
                                                          fact ? e.factorized_seconds : e.materialized_seconds,
                                                          fact ? m.fact : m.mat, m.target.rows, m.target.cols,
                                                          amalur::catalog::tuple_ratio_of(m.parts, m.target)});
        }
      }
    });
    std::map<std::string, amalur::cost_correction> fitted;
    for (const auto& [cell, m] : g_measured)
      if (!m.seen)
        fitted[cell] = history.correction(machine, m.target.rows, m.target.cols,
                                          amalur::catalog::tuple_ratio_of(m.parts, m.target));
    return fitted;
  };
  std::fprintf(stderr, "\nHistory correction (%s: half the operator shapes logged, the other half held out):\n",
               path.c_str());
  for (const auto& [name, hw] : believed_profiles()) {
    const auto fitted = learn("grid, " + name, hw);
    score_held_out(name.c_str(), hw, nullptr);
    score_held_out((name + " + history").c_str(), hw, &fitted);
  }
#endif
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  amalur::keep_freed_memory();  // repeated runs reuse freed pages, as a serving process would
  if (const char* t = std::getenv("GRID_THREADS")) amalur::set_default_threads(std::atoi(t));
  const std::vector<task> tasks = {{"T*x", amalur::operation::multiply, false},
                                   {"T^T*y", amalur::operation::transpose_multiply, false},
                                   {"y^T*T", amalur::operation::left_multiply, false},
                                   {"T^T*T", amalur::operation::crossprod, false},
                                   {"colVariances", amalur::operation::col_variances, false},
                                   {"logistic_irls", amalur::operation::weighted_crossprod, true}};
  for (bool onehot : {false, true})
    for (int dims : {1, 2, 4})
      for (index_t tr : {1, 3, 10, 30, 100, 1000})
        for (double fr : {0.1, 0.5, 1.0, 2.0, 5.0, 10.0})
          for (const task& tk : tasks) {
            if (tk.training && dims > 1) continue;  // one training run per model: one dimension table
            const cell_key k{tr, fr, dims, onehot};
            char name[160];
            std::snprintf(name, sizeof name, "%s/%s/dims:%d/TR:%ld/FR:%g", tk.name.c_str(),
                          onehot ? "onehot" : "dense", dims, static_cast<long>(tr), fr);
            benchmark::RegisterBenchmark(name, [tk, k, cell = std::string(name)](benchmark::State& s) {
              run_cell(s, cell, tk, k);
            })
                ->Unit(benchmark::kMicrosecond)
                ->MinTime(0.03);
          }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::fprintf(stderr, "\nCost-model accuracy over the grid (within 5%% counts as right either way):\n");
  summarize("amalur cost model", &outcome::ours);
  summarize("Amalur rule (flop ratio > 1.5)", &outcome::amalur_rule);
  summarize("Morpheus rule (TR > 5, FR > 1)", &outcome::morpheus_rule);
  summarize_history();
}
