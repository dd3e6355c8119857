// Measures this machine's hardware profile for the cost model (a few
// seconds) and saves it as JSON:  calibrate [profile.json]
#include <amalur/amalur.hpp>
#include <amalur/io/profile_json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
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
  hw.flops_per_second = 100000.0 * 48 * 48 / gram;

  // Bytes: a matrix-vector product over 64 MB, memory-bound.
  const Eigen::MatrixXd big = Eigen::MatrixXd::Random(250000, 32);
  const Eigen::VectorXd x = Eigen::VectorXd::Random(32);
  const double gemv = median_seconds([&] {
    const Eigen::VectorXd y = big * x;
    sink = sink + y[0];
  });
  hw.bytes_per_second = 8.0 * big.size() / gemv;
  // The same from a matrix that stays in cache (4 MB), run many times.
  const Eigen::MatrixXd small = Eigen::MatrixXd::Random(16384, 32);
  const double gemv_cached = median_seconds([&] {
    for (int r = 0; r < 50; ++r) {
      const Eigen::VectorXd y = small * x;
      sink = sink + y[0];
    }
  }) / 50;
  hw.cache_bytes_per_second = 8.0 * small.size() / gemv_cached;

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
  hw.random_per_second = static_cast<double>(idx.size()) / gather;
  // ... and into a table that fits the core's cache (64 KB).
  for (auto& i : idx) i = static_cast<amalur::index_t>(rng() % 8192);
  const double near = median_seconds([&] {
    for (std::size_t i = 0; i < idx.size(); ++i) out[static_cast<amalur::index_t>(i)] += table[idx[i]];
    sink = sink + out[0];
  });
  hw.near_random_per_second = static_cast<double>(idx.size()) / near;

  amalur::io::save_profile(hw, path);
  std::cout << amalur::io::to_json(hw).dump(2) << "\nsaved to " << path << "\n";
}
