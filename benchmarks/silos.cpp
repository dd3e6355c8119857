// Silo mode per IRLS iteration: time and bytes, central vs in-process silos
// vs MPI, through the `amalur` program (what users run). Each benchmark
// runs the program and reports its own fit time per iteration as manual
// time, with counters for the bytes that crossed per iteration, the IRLS
// iterations and the conjugate-gradient steps.
//
// Shapes: the shipped flights sample (322k rows, airports in silo "faa");
// FATE's 100k x 330 dense vertical split over 1-3 silos (the features
// shared evenly between the aggregator and the silos, 1-1 join on an id);
// the same table split by rows over 2-4 silos. Binomial with l2 = 1e-3 (no
// standard errors, which vertical mode computes by one CG solve per
// parameter). MPI rows are skipped where mpirun or the MPI build is absent.
//
//   build/release/benchmarks/bench_silos --benchmark_format=json > silos.json
//   python3 benchmarks/silo_table.py silos.json

#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path data_dir = fs::path(AMALUR_BENCH_DATA);

/// Runs the program; returns its JSON (empty on failure).
json run_program(const std::string& args, const std::string& launcher = "") {
  const fs::path out = data_dir / "out.json";
  const std::string command = launcher + AMALUR_CLI + " " + args + " > " + out.string() + " 2> " +
                              (data_dir / "err.txt").string();
  if (WEXITSTATUS(std::system(command.c_str())) != 0) return {};
  std::ifstream in(out);
  return json::parse(in);
}

bool have_mpi() {
#ifdef AMALUR_BENCH_MPI
  return std::system("command -v mpirun > /dev/null 2>&1") == 0;
#else
  return false;
#endif
}

/// FATE's shape: `rows` x `features` dense, written once: per vertical
/// layout (K silos) one file per party with its columns (party 0 also the
/// label), and four row blocks for the horizontal splits. Two decimals keep
/// the files (and the CSV reader's dictionaries) small.
constexpr int kRows = 100000, kFeatures = 330;

int owner_of(int feature, int silos) { return std::min(feature / (kFeatures / (silos + 1)), silos); }

void write_fate() {
  const fs::path marker = data_dir / "fate.done";
  if (fs::exists(marker)) return;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> gauss;
  std::vector<double> beta(kFeatures);
  for (auto& b : beta) b = 0.3 * gauss(rng);
  std::vector<std::FILE*> files;  // vertical K = 1..3: K + 1 files each; then 4 row blocks
  for (int silos = 1; silos <= 3; ++silos)
    for (int party = 0; party <= silos; ++party) {
      files.push_back(std::fopen((data_dir / ("v" + std::to_string(silos) + "_p" + std::to_string(party) + ".csv")).c_str(), "w"));
      std::fprintf(files.back(), party == 0 ? "id,y" : "id");
      for (int j = 0; j < kFeatures; ++j)
        if (owner_of(j, silos) == party) std::fprintf(files.back(), ",f%d", j);
      std::fprintf(files.back(), "\n");
    }
  for (int k = 0; k < 4; ++k) {
    files.push_back(std::fopen((data_dir / ("rows" + std::to_string(k) + ".csv")).c_str(), "w"));
    std::fprintf(files.back(), "id,y");
    for (int j = 0; j < kFeatures; ++j) std::fprintf(files.back(), ",f%d", j);
    std::fprintf(files.back(), "\n");
  }
  std::vector<double> x(kFeatures);
  for (int i = 0; i < kRows; ++i) {
    double eta = 0;
    for (int j = 0; j < kFeatures; ++j) {
      x[static_cast<std::size_t>(j)] = std::round(gauss(rng) * 100) / 100;
      eta += beta[static_cast<std::size_t>(j)] * x[static_cast<std::size_t>(j)];
    }
    const int y = std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-eta)) ? 1 : 0;
    std::size_t f = 0;
    for (int silos = 1; silos <= 3; ++silos)
      for (int party = 0; party <= silos; ++party, ++f) {
        if (party == 0) std::fprintf(files[f], "%d,%d", i, y);
        else std::fprintf(files[f], "%d", i);
        for (int j = 0; j < kFeatures; ++j)
          if (owner_of(j, silos) == party) std::fprintf(files[f], ",%.2f", x[static_cast<std::size_t>(j)]);
        std::fprintf(files[f], "\n");
      }
    std::FILE* block = files[f + static_cast<std::size_t>(i % 4)];
    std::fprintf(block, "%d,%d", i, y);
    for (double v : x) std::fprintf(block, ",%.2f", v);
    std::fprintf(block, "\n");
  }
  for (auto* file : files) std::fclose(file);
  std::ofstream(marker) << "ok\n";
}

/// The spec of a FATE-shaped run: "central", "vK" (vertical, K silos) or "hK" (horizontal).
fs::path fate_spec(const std::string& split) {
  write_fate();
  json spec;
  json features = json::array();
  spec["model"] = {{"family", "binomial"}, {"l2", 1e-3}};
  if (split[0] == 'h') {
    const int silos = split[1] - '0';
    json parts = json::array();
    for (int k = 0; k < 4; ++k)
      parts.push_back({{"path", "rows" + std::to_string(k) + ".csv"}, {"silo", "s" + std::to_string(k % silos + 1)}});
    spec["tables"] = {{"t", {{"union", parts}}}};
    spec["base"] = "t";
    for (int j = 0; j < kFeatures; ++j) features.push_back({{"column", "t.f" + std::to_string(j)}});
    spec["label"] = {{"column", "t.y"}};
  } else {
    // Central: the 2-silo layout's files, all held by the aggregator.
    const bool central = split == "central";
    const int silos = central ? 2 : split[1] - '0';
    const std::string layout = "v" + std::to_string(silos) + "_p";
    spec["tables"] = {{"guest", {{"path", layout + "0.csv"}}}};
    spec["base"] = "guest";
    spec["joins"] = json::array();
    for (int k = 1; k <= silos; ++k) {
      const std::string host = "host" + std::to_string(k);
      spec["tables"][host] = {{"path", layout + std::to_string(k) + ".csv"}};
      if (!central) spec["tables"][host]["silo"] = "s" + std::to_string(k);
      spec["joins"].push_back({{"table", host}, {"kind", "inner"}, {"on", json::array({json::array({"id", "id"})})}});
    }
    for (int j = 0; j < kFeatures; ++j) {
      const int owner = owner_of(j, silos);
      features.push_back({{"column", (owner == 0 ? std::string("guest") : "host" + std::to_string(owner)) + ".f" +
                                         std::to_string(j)}});
    }
    spec["label"] = {{"column", "guest.y"}};
  }
  spec["features"] = features;
  const fs::path p = data_dir / ("fate-" + split + ".json");
  std::ofstream(p) << spec.dump();
  return p;
}

fs::path flights_spec(bool silo) {
  const fs::path source = fs::path(AMALUR_SOURCE_DIR) / "data";
  if (!fs::exists(data_dir / "flights.csv")) {
    std::system(("xz -dc " + (source / "flights-sample.csv.xz").string() + " > " + (data_dir / "flights.csv").string()).c_str());
    std::system(("xz -dc " + (source / "airports.csv.xz").string() + " > " + (data_dir / "airports.csv").string()).c_str());
  }
  json spec = json::parse(std::ifstream(source / "flights.json"));
  if (silo) spec["tables"]["airports"]["silo"] = "faa";
  const fs::path p = data_dir / (silo ? "flights-silo.json" : "flights-central.json");
  std::ofstream(p) << spec.dump();
  return p;
}

/// One benchmark: `mode` is "central", "threads" or "mpi".
void run_case(benchmark::State& state, const fs::path& spec, const std::string& mode, int parties) {
  if (mode == "mpi" && !have_mpi()) {
    state.SkipWithError("mpirun or the MPI build is absent");
    return;
  }
  json out;
  for (auto _ : state) {
    const std::string args = "train " + spec.string() +
                             (mode == "central" ? " --strategy factorized" : " --silos " + mode);
    const std::string launcher =
        mode == "mpi" ? "mpirun --oversubscribe " + std::string(::geteuid() == 0 ? "--allow-run-as-root " : "") +
                            "-np " + std::to_string(parties) + " "
                      : "";
    out = run_program(args, launcher);
    if (out.is_null()) {
      state.SkipWithError("the program failed; see err.txt in the benchmark data directory");
      return;
    }
    const double iterations = out["iterations"].get<double>();
    state.SetIterationTime(out["seconds"]["fit"].get<double>() / iterations);
  }
  const double iterations = out["iterations"].get<double>();
  double bytes = 0;
  if (out.contains("silos"))
    for (const auto& [name, t] : out["silos"].items())
      bytes += t["bytes_sent"].get<double>() + t["bytes_received"].get<double>();
  state.counters["irls_iterations"] = iterations;
  state.counters["bytes_per_iteration"] = bytes / iterations;
  state.counters["fit_seconds"] = out["seconds"]["fit"].get<double>();
  state.counters["rows"] = out["n_rows"].get<double>();
  state.counters["parameters"] = out["n_features"].get<double>() + 1;
  if (out.contains("conjugate_gradient_steps"))
    state.counters["cg_steps_per_iteration"] = out["conjugate_gradient_steps"].get<double>() / iterations;
}

void register_all() {
  fs::create_directories(data_dir);
  auto add = [](const std::string& name, std::function<fs::path()> spec, const std::string& mode, int parties) {
    benchmark::RegisterBenchmark(name.c_str(), [spec, mode, parties](benchmark::State& s) { run_case(s, spec(), mode, parties); })
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
  };
  for (const std::string mode : {"central", "threads", "mpi"})
    add("flights/vertical:1/" + mode, [mode] { return flights_spec(mode != "central"); }, mode, 2);
  add("fate100kx330/central", [] { return fate_spec("central"); }, "central", 1);
  for (int silos = 1; silos <= 3; ++silos)
    for (const std::string mode : {"threads", "mpi"})
      add("fate100kx330/vertical:" + std::to_string(silos) + "/" + mode,
          [silos] { return fate_spec("v" + std::to_string(silos)); }, mode, silos + 1);
  for (int silos = 2; silos <= 4; ++silos)
    for (const std::string mode : {"threads", "mpi"})
      add("fate100kx330/horizontal:" + std::to_string(silos) + "/" + mode,
          [silos] { return fate_spec("h" + std::to_string(silos)); }, mode, silos + 1);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
