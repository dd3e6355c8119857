// Measures this machine's hardware profile for the cost model (a few
// seconds) and saves it as JSON:  calibrate [profile.json]
#include <amalur/amalur.hpp>
#include <amalur/io/profile_json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <chrono>
#include <iostream>
#include <memory>
#include <random>

namespace {
/// Median seconds of `runs` calls.
template <class F>
double median_seconds(F&& f, int runs = 7) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(t.begin(), t.begin() + runs / 2, t.end());
  return t[static_cast<std::size_t>(runs / 2)];
}
}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "amalur-profile.json";
  amalur::hardware_profile hw;
  volatile double sink = 0;

  // Flops: a symmetric rank update (the dense crossprod), compute-bound.
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(100000, 48);
  Eigen::MatrixXd g(48, 48);
  const double gram = median_seconds([&] {
    g.setZero();
    g.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
    sink = sink + g(0, 0);
  });
  const amalur::target_shape gram_shape{100000.0, 48.0, 100000.0 * 48};  // counted as the cost model counts it
  hw.flops_per_second = amalur::materialized_work(amalur::operation::crossprod, gram_shape, false, 1).flops / gram;

  // The largest cache (sysfs on Linux; else the profile's default): working
  // sets up to it stream at the cache rate, past it at the memory rate.
  for (int level = 0; level < 8; ++level) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(level) + "/size");
    std::string size;
    if (!(in >> size) || size.empty()) continue;
    const double unit = size.back() == 'K' ? 1024.0 : size.back() == 'M' ? 1024.0 * 1024 : size.back() == 'G' ? 1024.0 * 1024 * 1024 : 1.0;
    hw.cache_bytes = std::max(hw.cache_bytes, std::atof(size.c_str()) * unit);
  }

  // Bytes: matrix-vector products, counted as the cost model counts them
  // (the matrix, x and the result): one past the
  // cache (memory-bound; at most 1 GB), one that stays in it (4 MB).
  auto gemv_rate = [&](amalur::index_t rows, int repeats) {
    const Eigen::MatrixXd m = Eigen::MatrixXd::Random(rows, 32);
    const Eigen::VectorXd x = Eigen::VectorXd::Random(32);
    Eigen::VectorXd y(rows);
    const double t = median_seconds([&] {
      for (int r = 0; r < repeats; ++r) {
        y.noalias() = m * x;
        sink = sink + y[0];
      }
    }) / repeats;
    const amalur::target_shape shape{double(rows), 32.0, double(rows) * 32.0};
    return amalur::materialized_work(amalur::operation::multiply, shape, false, 1).bytes / t;
  };
  const double past_cache = std::min(1024.0 * 1024 * 1024, std::max(64.0 * 1024 * 1024, 2 * hw.cache_bytes));
  hw.bytes_per_second = gemv_rate(static_cast<amalur::index_t>(past_cache / (8.0 * 32)), 1);
  hw.cache_bytes_per_second = gemv_rate(16384, 50);

  // Random accesses: the gather of a foreign-key join into a table well past
  // the cost model's cache threshold (kNearTableBytes): 8x it, in doubles.
  const auto far_rows = static_cast<std::uint64_t>(8 * amalur::kNearTableBytes / sizeof(double));
  std::mt19937_64 rng(1);
  std::vector<amalur::index_t> idx(4000000);
  for (auto& i : idx) i = static_cast<amalur::index_t>(rng() % far_rows);
  const Eigen::VectorXd table = Eigen::VectorXd::Random(static_cast<amalur::index_t>(far_rows));
  Eigen::VectorXd out(static_cast<amalur::index_t>(idx.size()));
  const double gather = median_seconds([&] {
    for (std::size_t i = 0; i < idx.size(); ++i) out[static_cast<amalur::index_t>(i)] += table[idx[i]];
    sink = sink + out[0];
  });
  // The model adds the loop's streamed bytes (the index, the output read and
  // written) on their own: only the rest is the indexed reads' time.
  const double streamed = 24.0 * static_cast<double>(idx.size());
  const double accesses = static_cast<double>(idx.size());
  auto indexed_rate = [&](double seconds, double other_seconds) {
    const double rest = std::max(seconds - streamed / hw.bytes_per_second - other_seconds, 0.25 * seconds);
    return accesses / rest;
  };
  // ... and into a table that fits the core's cache (64 KB).
  for (auto& i : idx) i = static_cast<amalur::index_t>(rng() % 8192);
  const double near = median_seconds([&] {
    for (std::size_t i = 0; i < idx.size(); ++i) out[static_cast<amalur::index_t>(i)] += table[idx[i]];
    sink = sink + out[0];
  });
  hw.near_random_per_second = indexed_rate(near, 0);
  // The model counts the share of the far table the cache holds as near accesses (add_random).
  amalur::work far;
  amalur::add_random(far, accesses, 8.0 * amalur::kNearTableBytes);
  hw.random_per_second = far.random * indexed_rate(gather, far.near / hw.near_random_per_second) / accesses;

  // New memory: the first write to each page of fresh arrays, as a build of T
  // makes them (64 MiB each: past glibc's largest mmap threshold, so every
  // round gets pages the process never had).
  const std::size_t fresh_bytes = 64u << 20;
  const double first_touch = median_seconds([&] {
    std::unique_ptr<char[]> block(new char[fresh_bytes]);
    for (std::size_t i = 0; i < fresh_bytes; i += 4096) block[i] = 1;
    sink = sink + block[fresh_bytes / 2];
  }, 5);
  hw.fresh_bytes_per_second = static_cast<double>(fresh_bytes) / first_touch;

  // Parallel efficiency: two tasks of a few hundred microseconds each (a
  // kernel step's size), on every core against one thread, as the kernels run them.
  const int cores = amalur::hardware_threads();
  if (cores > 1) {
    std::vector<Eigen::MatrixXd> parts;
    for (int k = 0; k < 2 * cores; ++k) parts.push_back(Eigen::MatrixXd::Random(20000, 16));
    const Eigen::VectorXd v = Eigen::VectorXd::Random(16);
    std::vector<Eigen::VectorXd> results(parts.size());
    auto step = [&](int threads) {
      return median_seconds([&] {
        amalur::parallel_tasks(static_cast<amalur::index_t>(parts.size()), threads, [&](amalur::index_t k) {
          results[static_cast<std::size_t>(k)].noalias() = parts[static_cast<std::size_t>(k)] * v;
        });
        sink = sink + results[0][0];
      }, 31);
    };
    const double one = step(1), all = step(cores);
    hw.parallel_efficiency = std::clamp((one / all - 1.0) / (cores - 1), 0.0, 1.0);
  }

  amalur::io::save_profile(hw, path);
  std::cout << amalur::io::to_json(hw).dump(2) << "\nsaved to " << path << "\n";
}
