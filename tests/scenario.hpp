#pragma once
// Random integration scenarios for the differential tests, and an oracle:
// the target T built cell by cell from the raw metadata, independently of
// the library's planning (first source in precedence that has the cell).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <amalur/amalur.hpp>

namespace amalur_test {

using amalur::index_t;

/// Scenario count and base seed from AMALUR_SCENARIOS / AMALUR_SEED.
inline int scenario_count(int fallback = 1000) {
  const char* v = std::getenv("AMALUR_SCENARIOS");
  return v ? std::max(1, std::atoi(v)) : fallback;
}
inline std::uint64_t base_seed() {
  const char* v = std::getenv("AMALUR_SEED");
  return v ? std::strtoull(v, nullptr, 10) : 20261126ULL;
}
inline std::string replay_hint(std::uint64_t seed) {
  return "replay: AMALUR_SEED=" + std::to_string(seed) + " AMALUR_SCENARIOS=1";
}

struct source_spec {
  amalur::dense_matrix<double> values;
  bool sparse = false;
  amalur::row_indicator rows = amalur::identity_rows();
  std::vector<index_t> row_of;  // source row per target row, or none
  std::vector<index_t> col_of;  // target column per source column, or dropped
};

struct scenario {
  index_t rows = 0, cols = 0;
  std::vector<source_spec> sources;
  std::vector<index_t> order;  // precedence, first wins
};

inline index_t uniform(std::mt19937_64& rng, index_t lo, index_t hi) {
  return std::uniform_int_distribution<index_t>(lo, hi)(rng);
}
inline bool coin(std::mt19937_64& rng, double p) { return std::bernoulli_distribution(p)(rng); }

/// 1 to 5 sources, identity / gather / partial / offset kinds mixed, tuple
/// ratios 1 to 1000, dense and sparse, overlapping columns, some dropped.
inline scenario random_scenario(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  scenario sc;
  const index_t ratios[] = {1, 2, 10, 100, 1000};
  sc.rows = coin(rng, 0.5) ? uniform(rng, 1, 40) : uniform(rng, 40, 400);
  sc.cols = uniform(rng, 1, 10);
  const auto count = static_cast<std::size_t>(uniform(rng, 1, 5));
  std::uniform_real_distribution<double> value(-2.0, 2.0);
  for (std::size_t k = 0; k < count; ++k) {
    source_spec s;
    const index_t ratio = ratios[uniform(rng, 0, 4)];
    index_t nk = std::max<index_t>(1, sc.rows / ratio);
    const int kind = static_cast<int>(uniform(rng, 0, 3));
    s.row_of.assign(static_cast<std::size_t>(sc.rows), amalur::none);
    if (kind == 0) {  // identity
      nk = sc.rows;
      std::iota(s.row_of.begin(), s.row_of.end(), index_t{0});
      s.rows = amalur::identity_rows();
    } else if (kind == 1) {  // gather
      for (auto& r : s.row_of) r = uniform(rng, 0, nk - 1);
      s.rows = amalur::gather_rows(s.row_of);
    } else if (kind == 2) {  // partial, sometimes from an empty source or with no match
      if (coin(rng, 0.1)) nk = 0;
      const double match = coin(rng, 0.2) ? (coin(rng, 0.5) ? 0.0 : 1.0) : 0.6;
      for (auto& r : s.row_of)
        if (nk > 0 && coin(rng, match)) r = uniform(rng, 0, nk - 1);
      s.rows = amalur::partial_rows(s.row_of);
    } else {  // offset (a union block)
      nk = uniform(rng, 0, sc.rows);
      const index_t offset = uniform(rng, 0, sc.rows - nk);
      for (index_t j = 0; j < nk; ++j) s.row_of[static_cast<std::size_t>(offset + j)] = j;
      s.rows = amalur::offset_rows(offset, sc.rows);
    }
    // Columns: a random subset of the target columns (overlaps with other
    // sources happen), sometimes a dropped source column.
    std::vector<index_t> targets(static_cast<std::size_t>(sc.cols));
    std::iota(targets.begin(), targets.end(), index_t{0});
    std::shuffle(targets.begin(), targets.end(), rng);
    const auto dk = static_cast<std::size_t>(uniform(rng, 1, std::min<index_t>(sc.cols, 4)));
    s.col_of.assign(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(dk));
    if (coin(rng, 0.5)) std::sort(s.col_of.begin(), s.col_of.end());
    if (coin(rng, 0.15)) s.col_of.insert(s.col_of.begin() + uniform(rng, 0, static_cast<index_t>(dk)), amalur::dropped);
    s.sparse = coin(rng, 0.3);
    const double density = s.sparse ? 0.3 : 1.0;
    s.values = amalur::dense_matrix<double>::Zero(nk, static_cast<index_t>(s.col_of.size()));
    const bool integers = coin(rng, 0.3);
    for (index_t j = 0; j < s.values.cols(); ++j)
      for (index_t i = 0; i < nk; ++i)
        if (coin(rng, density)) s.values(i, j) = integers ? std::round(value(rng) * 3) : value(rng);
    sc.sources.push_back(std::move(s));
  }
  sc.order.resize(count);
  std::iota(sc.order.begin(), sc.order.end(), index_t{0});
  if (coin(rng, 0.5)) std::shuffle(sc.order.begin(), sc.order.end(), rng);
  return sc;
}

/// The oracle: each cell from the first source in precedence that has it.
inline amalur::dense_matrix<double> oracle(const scenario& sc) {
  amalur::dense_matrix<double> t = amalur::dense_matrix<double>::Zero(sc.rows, sc.cols);
  for (index_t c = 0; c < sc.cols; ++c)
    for (index_t i = 0; i < sc.rows; ++i)
      for (index_t k : sc.order) {
        const auto& s = sc.sources[static_cast<std::size_t>(k)];
        const index_t r = s.row_of[static_cast<std::size_t>(i)];
        const auto j = std::find(s.col_of.begin(), s.col_of.end(), c);
        if (r == amalur::none || j == s.col_of.end()) continue;
        t(i, c) = s.values(r, j - s.col_of.begin());
        break;
      }
  return t;
}

template <class Scalar>
amalur::dynamic_normalized_matrix<Scalar> build(const scenario& sc) {
  std::vector<amalur::dynamic_source<Scalar>> sources;
  for (const auto& s : sc.sources) {
    const amalur::dense_matrix<Scalar> v = s.values.cast<Scalar>();
    if (s.sparse)
      sources.emplace_back(amalur::csr_matrix<Scalar>(v.sparseView()), s.rows, amalur::columns(s.col_of));
    else
      sources.emplace_back(v, s.rows, amalur::columns(s.col_of));
  }
  amalur::dynamic_normalized_matrix<Scalar> t(std::move(sources), amalur::precedence{sc.order}, sc.cols);
  t.set_strategy(amalur::strategy::factorized);  // the differential tests test the kernels
  return t;
}

/// Tolerance of a result against its reference: rounding grows with the
/// magnitude of the terms summed (|A| |B|), so the bound scales with it.
template <class Scalar>
double tolerance() {
  return std::is_same_v<Scalar, float> ? 2e-4 : 1e-11;
}
template <class A, class B, class Scale>
bool close(const A& got, const B& want, const Scale& scale, double tol) {
  if (got.rows() != want.rows() || got.cols() != want.cols()) return false;
  const auto g = got.template cast<double>().eval();
  const auto w = want.template cast<double>().eval();
  const auto s = scale.template cast<double>().eval();
  return ((g - w).array().abs() <= tol * (1.0 + s.array().abs())).all();
}

}  // namespace amalur_test
