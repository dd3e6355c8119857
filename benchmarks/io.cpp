// Load and join on the real flights data (issue 10, items 3 and 4): the CSV
// reader's throughput (bytes/s) on the flights and airports files, and the
// two joins of flights with airports (as o on origin, as d on destination).
// The data lives in AMALUR_DATA, else ../shared/data beside the source tree;
// without it every benchmark reports an error and skips.
#include <benchmark/benchmark.h>

#include <amalur/execution/memory.hpp>
#include <amalur/integration/join.hpp>
#include <amalur/io/csv.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace amalur;

fs::path data_dir() {
  if (const char* env = std::getenv("AMALUR_DATA")) return env;
  return fs::path(AMALUR_SOURCE_DIR) / ".." / "shared" / "data";
}

/// Reads `file` of the data directory as table `name`, once per iteration,
/// on state.range(0) threads.
void load(benchmark::State& state, const std::string& file, const std::string& name) {
  const fs::path path = data_dir() / file;
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  if (ec) {
    state.SkipWithError(("no " + path.string() + " (set AMALUR_DATA)").c_str());
    return;
  }
  for (auto _ : state) {
    io::table t = io::read_csv(path.string(), name, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(t.rows);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

void BM_load_flights(benchmark::State& state) { load(state, "flights-2001-jan-feb.csv", "flights"); }
void BM_load_airports(benchmark::State& state) { load(state, "airports.csv", "airports"); }

/// Argument 1: January only (the month shape, 511k flights); 2: January and February.
void BM_join_flights(benchmark::State& state) {
  const fs::path flights = data_dir() / "flights-2001-jan-feb.csv", airports = data_dir() / "airports.csv";
  if (!fs::exists(flights) || !fs::exists(airports)) {
    state.SkipWithError(("no flights data in " + data_dir().string() + " (set AMALUR_DATA)").c_str());
    return;
  }
  std::string text = io::read_file(flights.string(), "flights");
  if (state.range(0) == 1) text.resize(text.find("\n2001-02-") + 1);  // sorted by date: January is a prefix
  std::map<std::string, io::table> tables;
  tables.emplace("flights", io::parse_csv(text, "flights"));
  tables.emplace("airports", io::read_csv(airports.string(), "airports"));
  integration::join_spec o, d;
  o.table = d.table = "airports";
  o.alias = "o";
  d.alias = "d";
  o.on = {{"origin", "iata"}};
  d.on = {{"destination", "iata"}};
  for (auto _ : state) {
    const integration::integrated_rows rows = integration::join(tables, "flights", {o, d});
    benchmark::DoNotOptimize(rows.rows);
  }
  state.counters["fact_rows"] = static_cast<double>(tables.at("flights").rows);
}

}  // namespace

BENCHMARK(BM_load_flights)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_load_airports)->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_join_flights)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // Repeated reads reuse freed pages, as the other benchmarks and the program do:
  // without it this VM's first-touch page clearing, not the reader, sets the rate.
  amalur::keep_freed_memory();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
