// Each operator factorized and materialized on a PK-FK star schema, both
// timed in the same loop (interleaved, so both see the same machine noise).
// Counters: fact_us and mat_us per call, speedup = mat / fact, and the
// flop and byte ratios (materialized / factorized) that a roofline predicts from.
//
//   build/release/benchmarks/bench_operators --benchmark_format=json > operators.json

#include <amalur/execution/memory.hpp>
#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "paired.hpp"
#include "star_schema.hpp"

using namespace amalur_bench;

namespace {

constexpr index_t kRows = 200000, kFactCols = 4;

struct fixture {
  star_schema schema;
  decltype(schema.normalized()) t;
  Eigen::MatrixXd m;  // the materialized T (dense: these sources are dense)
  Eigen::VectorXd x_cols, x_rows, w;
  fixture(index_t tr, double fr)
      : schema(kRows, kFactCols, tr, fr),
        t(schema.normalized()),
        m(t.materialize()),
        x_cols(Eigen::VectorXd::Random(schema.cols())),
        x_rows(Eigen::VectorXd::Random(schema.rows())),
        w(Eigen::VectorXd::Random(schema.rows()).cwiseAbs()) {
    t.set_strategy(amalur::strategy::factorized);  // this benchmark compares the two, it does not choose
  }
};

fixture& get(index_t tr, double fr) {
  static std::map<std::pair<index_t, double>, std::unique_ptr<fixture>> cache;
  auto& f = cache[{tr, fr}];
  if (!f) f = std::make_unique<fixture>(tr, fr);
  return *f;
}

/// Flops and bytes of one strategy; n = rows of T, d = its columns, s/r = fact/dimension.
struct counts {
  double flops, bytes;
};
struct op {
  std::string name;
  amalur::operation kind;
  std::function<void(fixture&)> factorized, materialized;
  std::function<counts(const star_schema&)> fact_counts, mat_counts;
};

double d(index_t v) { return static_cast<double>(v); }

// Materialized T is read once per pass; factorized reads the sources, the
// key vector (8 B a row) and writes/reads the n-long gather or scatter vector.
counts dense_pass(const star_schema& s) { return {2 * d(s.rows()) * d(s.cols()), 8 * d(s.rows()) * d(s.cols())}; }
counts fact_pass(const star_schema& s) {
  return {2 * d(s.n_s) * d(s.d_s) + 2 * d(s.n_r) * d(s.d_r) + d(s.n_s),
          8 * (d(s.n_s) * d(s.d_s) + d(s.n_r) * d(s.d_r)) + 16 * d(s.n_s)};
}
counts dense_gram(const star_schema& s, double k) {
  return {k * d(s.rows()) * d(s.cols()) * d(s.cols()), 8 * d(s.rows()) * d(s.cols())};
}
counts fact_gram(const star_schema& s, double k) {
  const double cross = d(s.n_s) * d(s.d_s) + 2 * d(s.n_r) * d(s.d_s) * d(s.d_r);  // (C^T S)^T R
  return {k * (d(s.n_s) * d(s.d_s) * d(s.d_s) + d(s.n_r) * d(s.d_r) * d(s.d_r)) + cross,
          8 * (2 * d(s.n_s) * d(s.d_s) + d(s.n_r) * d(s.d_r)) + 24 * d(s.n_s)};
}

std::vector<op> operators() {
  return {
      {"T*x", amalur::operation::multiply, [](fixture& f) { benchmark::DoNotOptimize(f.t.multiply(f.x_cols)); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::VectorXd(f.m * f.x_cols)); }, fact_pass, dense_pass},
      {"T^T*x", amalur::operation::transpose_multiply, [](fixture& f) { benchmark::DoNotOptimize(f.t.transpose_multiply(f.x_rows)); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::VectorXd(f.m.transpose() * f.x_rows)); }, fact_pass,
       dense_pass},
      {"x^T*T", amalur::operation::left_multiply, [](fixture& f) { benchmark::DoNotOptimize(f.t.left_multiply(f.x_rows.transpose())); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::RowVectorXd(f.x_rows.transpose() * f.m)); }, fact_pass,
       dense_pass},
      {"x^T*T^T", amalur::operation::left_multiply_transpose, [](fixture& f) { benchmark::DoNotOptimize(f.t.left_multiply_transpose(f.x_cols.transpose())); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::RowVectorXd(f.x_cols.transpose() * f.m.transpose())); },
       fact_pass, dense_pass},
      {"T^T*T", amalur::operation::crossprod, [](fixture& f) { benchmark::DoNotOptimize(f.t.crossprod()); },
       [](fixture& f) {
         Eigen::MatrixXd g = Eigen::MatrixXd::Zero(f.m.cols(), f.m.cols());
         g.selfadjointView<Eigen::Lower>().rankUpdate(f.m.transpose());
         benchmark::DoNotOptimize(g);
       },
       [](const star_schema& s) { return fact_gram(s, 1); }, [](const star_schema& s) { return dense_gram(s, 1); }},
      {"T^T*diag(w)*T", amalur::operation::weighted_crossprod, [](fixture& f) { benchmark::DoNotOptimize(f.t.crossprod(f.w)); },
       [](fixture& f) {  // rank updates of sqrt(w) T by row blocks: an n x d copy of T was fresh pages each run
         benchmark::DoNotOptimize(amalur::kernels::weighted_gram_of(f.m, amalur::vector_cref<double>(f.w)));
       },
       [](const star_schema& s) { return fact_gram(s, 1); }, [](const star_schema& s) { return dense_gram(s, 1); }},
      {"rowSums", amalur::operation::row_sums, [](fixture& f) { benchmark::DoNotOptimize(f.t.row_sums()); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::VectorXd(f.m.rowwise().sum())); }, fact_pass, dense_pass},
      {"colSums", amalur::operation::col_sums, [](fixture& f) { benchmark::DoNotOptimize(f.t.col_sums()); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::VectorXd(f.m.colwise().sum().transpose())); }, fact_pass,
       dense_pass},
      {"colVariances", amalur::operation::col_variances, [](fixture& f) { benchmark::DoNotOptimize(f.t.col_variances()); },
       [](fixture& f) {
         const Eigen::RowVectorXd mean = f.m.colwise().mean();
         benchmark::DoNotOptimize(Eigen::RowVectorXd((f.m.rowwise() - mean).array().square().colwise().mean()));
       },
       fact_pass, dense_pass},
      {"T*2", amalur::operation::multiply, [](fixture& f) { benchmark::DoNotOptimize(f.t * 2.0); },
       [](fixture& f) { benchmark::DoNotOptimize(Eigen::MatrixXd(f.m * 2.0)); }, fact_pass, dense_pass},
  };
}

void run_pair(benchmark::State& state, const op& o, index_t tr, double fr) {
  fixture& f = get(tr, fr);
  time_pair(state, "us", 1e6, [&] { o.factorized(f); }, [&] { o.materialized(f); });
  const counts cf = o.fact_counts(f.schema), cm = o.mat_counts(f.schema);
  state.counters["flop_ratio"] = cm.flops / cf.flops;
  state.counters["byte_ratio"] = cm.bytes / cf.bytes;
  // What a plain roofline predicts: the cost model's flops, bytes and indexed
  // accesses of both strategies at one (memory) bandwidth, no cache bonus.
  if (o.name != "T*2") {
    const auto parts = f.t.part_shapes();
    const auto target = f.t.target_statistics();
    // A roofline has no fixed costs: the model's per-call overhead stays out.
    amalur::hardware_profile roofline = amalur::default_profile;
    roofline.cache_bytes = 0;
    amalur::work factorized = amalur::factorized_work(o.kind, parts.data(), parts.size(), target, 1);
    factorized.overhead = 0;
    const double predicted = amalur::seconds(amalur::materialized_work(o.kind, target, false, 1), roofline) /
                             amalur::seconds(factorized, roofline);
    state.counters["roofline_speedup"] = predicted;
    state.counters["share_of_roofline"] = state.counters["speedup"] / predicted;
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  amalur::keep_freed_memory();  // repeated runs reuse freed pages, as a serving process would
  for (const op& o : operators())
    register_star_grid(o.name, [o](benchmark::State& s, index_t tr, double fr) { run_pair(s, o, tr, fr); },
                       benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
