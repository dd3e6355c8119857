#pragma once
// Both strategies timed in one benchmark loop, interleaved, so that their
// ratio is measured under the same machine noise; shared by the benchmarks.

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

namespace amalur_bench {

/// Runs factorized() then materialized() each iteration; sets the counters
/// fact_<unit>, mat_<unit> (mean per call) and speedup = mat / fact.
template <class Factorized, class Materialized>
void time_pair(benchmark::State& state, const std::string& unit, double per_second, Factorized&& factorized,
               Materialized&& materialized) {
  using clock = std::chrono::steady_clock;
  double fact = 0, mat = 0;
  for (auto _ : state) {
    const auto t0 = clock::now();
    factorized();
    const auto t1 = clock::now();
    materialized();
    const auto t2 = clock::now();
    fact += std::chrono::duration<double>(t1 - t0).count();
    mat += std::chrono::duration<double>(t2 - t1).count();
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["fact_" + unit] = fact / it * per_second;
  state.counters["mat_" + unit] = mat / it * per_second;
  state.counters["speedup"] = mat / fact;
}

/// Registers `run(state, tr, fr)` for the star-schema grid of the core
/// benchmarks: a fixed number of iterations, or (0) a minimum time of 0.2 s.
template <class Run>
void register_star_grid(const std::string& name, Run run, benchmark::TimeUnit unit, int iterations = 0) {
  for (long tr : {1, 10, 100})
    for (double fr : {0.5, 2.0, 8.0}) {
      const std::string full = name + "/TR:" + std::to_string(tr) + "/FR:" + std::to_string(fr).substr(0, 3);
      auto* b = benchmark::RegisterBenchmark(full.c_str(), [run, tr, fr](benchmark::State& s) {
        run(s, tr, fr);
        s.counters["TR"] = static_cast<double>(tr);
        s.counters["FR"] = fr;
      });
      b->Unit(unit);
      if (iterations > 0)
        b->Iterations(iterations);
      else
        b->MinTime(0.2);
    }
}

}  // namespace amalur_bench
