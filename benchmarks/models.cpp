// Training time of each model, factorized vs materialized, on the PK-FK star
// schema grid. The materialized strategy is charged for building T (as a
// user who materializes must). Both run in the same benchmark loop, so their
// ratio is measured under the same machine noise.
//
//   build/release/benchmarks/bench_models --benchmark_format=json > models.json

#include <benchmark/benchmark.h>

#include <amalur/models/lbfgs.hpp>
#include <chrono>
#include <functional>

#include "paired.hpp"
#include "star_schema.hpp"

using namespace amalur_bench;

namespace {

constexpr index_t kRows = 100000, kFactCols = 4;

struct model {
  std::string name;
  // Fits on any design; returns something to keep the work alive.
  std::function<double(const star_schema&, bool factorized)> train;
};

/// Runs `fit` on T (factorized) or on a materialized T built first (counted).
template <class Fit>
double on_strategy(const star_schema& s, bool factorized, Fit&& fit) {
  auto t = s.normalized();
  t.set_strategy(amalur::strategy::factorized);  // compared here, not chosen
  if (factorized) return fit(t);
  const Eigen::MatrixXd m = t.materialize();
  return fit(m);
}

Eigen::VectorXd labels(const star_schema& s, bool binary) {
  const auto t = s.normalized();
  Eigen::VectorXd eta = t * Eigen::VectorXd::LinSpaced(s.cols(), -0.5, 0.5);
  if (binary) eta = (eta.array() > 0).cast<double>();
  return eta;
}

std::vector<model> models() {
  return {
      {"linear_regression",
       [](const star_schema& s, bool f) {
         const Eigen::VectorXd y = labels(s, false);
         return on_strategy(s, f, [&](const auto& x) { return amalur::linear_regression().fit(x, y).objective; });
       }},
      {"logistic_irls",
       [](const star_schema& s, bool f) {
         const Eigen::VectorXd y = labels(s, true);
         return on_strategy(s, f, [&](const auto& x) {
           return amalur::logistic_regression().l2(1e-4).max_iterations(8).tolerance(1e-300).fit(x, y).objective;
         });
       }},
      {"logistic_lbfgs",
       [](const star_schema& s, bool f) {
         const Eigen::VectorXd y = labels(s, true);
         amalur::lbfgs_options opt;
         opt.max_iterations = 30;
         opt.gradient_tolerance = 0;
         opt.relative_tolerance = 0;
         return on_strategy(s, f, [&](const auto& x) {
           return amalur::fit_lbfgs(amalur::logistic_regression().l2(1e-4), x, y, Eigen::VectorXd(), Eigen::VectorXd(), opt).objective;
         });
       }},
      {"kmeans",
       [](const star_schema& s, bool f) {
         return on_strategy(s, f, [&](const auto& x) {
           return amalur::kmeans(8).seed(1).max_iterations(10).tolerance(0).fit(x).inertia;
         });
       }},
      {"nmf",
       [](const star_schema& s, bool f) {
         // NMF needs T >= 0: the benchmark's sources are uniform in [-1, 1], so square them.
         auto t = s.normalized().cwisePow(2.0);
         t.set_strategy(amalur::strategy::factorized);
         const auto fit = amalur::nmf(5).seed(1).max_iterations(10).tolerance(0);
         if (f) return fit.fit(t).loss;
         const Eigen::MatrixXd m = t.materialize();
         return fit.fit(m).loss;
       }},
  };
}

void run_pair(benchmark::State& state, const model& m, index_t tr, double fr) {
  const star_schema s(kRows, kFactCols, tr, fr);
  time_pair(state, "ms", 1e3, [&] { benchmark::DoNotOptimize(m.train(s, true)); },
            [&] { benchmark::DoNotOptimize(m.train(s, false)); });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (const model& m : models())
    register_star_grid(m.name, [m](benchmark::State& s, index_t tr, double fr) { run_pair(s, m, tr, fr); },
                       benchmark::kMillisecond, 2);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
