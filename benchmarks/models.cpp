// Training time of each model, factorized vs materialized, on the PK-FK star
// schema grid. The materialized strategy is charged for building T (as a
// user who materializes must). Both run in the same benchmark loop, so their
// ratio is measured under the same machine noise.
//
//   build/release/benchmarks/bench_models --benchmark_format=json > models.json

#include <amalur/execution/memory.hpp>
#include <benchmark/benchmark.h>

#include <amalur/models/lbfgs.hpp>
#include <chrono>
#include <functional>
#ifdef AMALUR_HAVE_IO
#include <amalur/integration/spec.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#endif

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

#ifdef AMALUR_HAVE_IO
// The fits of issue 10's profile on a month of real flights (January 2001,
// 511,502 rows, joined twice with airports), prepared by the amalur
// program's code path (a spec, integration::prepare). The data lives in
// AMALUR_DATA, else ../shared/data beside the source tree; without it the
// benchmarks report an error and skip.
namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* env = std::getenv("AMALUR_DATA")) return env;
  return fs::path(AMALUR_SOURCE_DIR) / ".." / "shared" / "data";
}

/// The flights month prepared once (January is a prefix of the date-sorted
/// file); null when the data is absent.
const amalur::integration::prepared* flights_month(bool binary) {
  static std::unique_ptr<amalur::integration::prepared> cached[2];
  auto& slot = cached[binary ? 1 : 0];
  if (slot) return slot.get();
  const fs::path flights = data_dir() / "flights-2001-jan-feb.csv", airports = data_dir() / "airports.csv";
  if (!fs::exists(flights) || !fs::exists(airports)) return nullptr;
  const fs::path dir = fs::temp_directory_path() / "amalur-bench-flights-month";
  fs::create_directories(dir);
  // Each cached file is written aside, then renamed: an interrupted run leaves no half file for the next to use.
  const auto cache = [&](const char* name, const auto& write) {
    if (fs::exists(dir / name)) return;
    const fs::path part = dir / (std::string(name) + "." + std::to_string(::getpid()));
    write(part);
    fs::rename(part, dir / name);
  };
  cache("flights.csv", [&](const fs::path& part) {
    std::string text = amalur::io::read_file(flights.string(), "flights");
    text.resize(text.find("\n2001-02-") + 1);
    std::ofstream(part, std::ios::binary) << text;
  });
  cache("airports.csv", [&](const fs::path& part) { fs::copy_file(airports, part, fs::copy_options::overwrite_existing); });
  const std::string spec = R"({"tables": {"flights": {"path": "flights.csv"}, "airports": {"path": "airports.csv"}},
 "base": "flights",
 "joins": [{"table": "airports", "as": "o", "kind": "left", "on": [["origin", "iata"]]},
           {"table": "airports", "as": "d", "kind": "left", "on": [["destination", "iata"]]}],
 "features": [{"column": "flights.distance"},
              {"column": "o.latitude"}, {"column": "o.longitude"},
              {"column": "d.latitude"}, {"column": "d.longitude"},
              {"column": "o.state", "encoding": "onehot"},
              {"column": "d.state", "encoding": "onehot"},
              {"column": "flights.date", "derive": "hour", "encoding": "onehot"},
              {"column": "flights.date", "derive": "weekday", "encoding": "onehot"}],
 "label": {"column": "flights.delay")" +
                           std::string(binary ? R"(, "threshold": 15})" : "}") + R"(,
 "model": {"family": ")" + (binary ? "binomial" : "gaussian") + R"("}})";
  const amalur::integration::spec s =
      amalur::integration::parse_spec(amalur::integration::spec_json::parse(spec), dir);
  slot = std::make_unique<amalur::integration::prepared>();
  amalur::integration::prepare(s, *slot);
  return slot.get();
}

/// Gaussian (identity link) or binomial (logit, 5 IRLS steps) on the month,
/// factorized and on T materialized beforehand (not counted: the fits are
/// compared), on state.range(1) threads (issue 10's targets are for one).
void BM_fit_flights_month(benchmark::State& state) {
  const bool binary = state.range(0) == 1;
  const int threads = static_cast<int>(state.range(1));
  const amalur::integration::prepared* p = flights_month(binary);
  if (!p) {
    state.SkipWithError(("no flights data in " + data_dir().string() + " (set AMALUR_DATA)").c_str());
    return;
  }
  amalur::set_default_threads(threads);  // the materialized fit's row passes; reset below
  auto t = p->design->matrix;
  t.set_threads(threads);
  t.set_strategy(amalur::strategy::factorized);
  const amalur::materialized_matrix<double> m = amalur::materialize_best(t);
  const amalur::glm model = binary ? amalur::glm(amalur::binomial()).max_iterations(5).tolerance(1e-300)
                                   : amalur::glm(amalur::gaussian());
  time_pair(state, "ms", 1e3, [&] { benchmark::DoNotOptimize(model.fit(t, p->labels).objective); },
            [&] { benchmark::DoNotOptimize(model.fit(m, p->labels).objective); });
  state.counters["rows"] = static_cast<double>(t.rows());
  state.counters["cols"] = static_cast<double>(t.cols());
  amalur::set_default_threads(0);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  amalur::keep_freed_memory();  // repeated runs reuse freed pages, as a serving process would
  for (const model& m : models())
    register_star_grid(m.name, [m](benchmark::State& s, index_t tr, double fr) { run_pair(s, m, tr, fr); },
                       benchmark::kMillisecond, 2);
#ifdef AMALUR_HAVE_IO
  for (long binary : {0, 1})
    benchmark::RegisterBenchmark(binary ? "fit_flights_month/binomial_5_steps" : "fit_flights_month/gaussian",
                                 BM_fit_flights_month)
        ->ArgNames({"binary", "threads"})
        ->Args({binary, 1})
        ->Args({binary, 2})
        ->Unit(benchmark::kMillisecond)
        ->MinTime(1.0);
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
