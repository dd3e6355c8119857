#pragma once
// Fitting the cost model's correction from history: for each operator, the
// geometric mean of measured / estimated seconds per strategy over the runs
// measured on this machine at a similar shape (rows, columns and tuple ratio
// each within a power of 10), nearer shapes weighing more (a Gaussian kernel
// of half a decade), since the model's error varies with the shape. An operator is corrected only
// with evidence for both strategies (a factor on one side alone would tilt
// every decision); one without its own evidence takes the factors of whole
// fits ("fit"), where there are enough of those.

#include <cmath>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "amalur/cost/correction.hpp"
#include "amalur/cost/counts.hpp"
#include "amalur/cost/decision.hpp"

namespace amalur::catalog {

/// One measured run of an operator (or of a whole fit: operation "fit").
struct measurement {
  std::string operation;  // key_of(op), or "fit"
  strategy used = strategy::factorized;
  double estimated_seconds = 0, measured_seconds = 0;
  double rows = 0, cols = 0;  // of T
  double tuple_ratio = 1;     // T's rows per row of its dimension tables (tuple_ratio_of)
};

/// T's rows per row of its gathered sources (their geometric mean; 1 when none):
/// how much a join repeats data, the shape factorization wins on.
inline double tuple_ratio_of(const std::vector<part_shape>& parts, const target_shape& target) {
  double log_sum = 0;
  int gathered = 0;
  for (const auto& p : parts)
    if (!p.block_rows && p.source_rows > 0) {
      log_sum += std::log(std::max(1.0, target.rows / p.source_rows));
      ++gathered;
    }
  return gathered ? std::exp(log_sum / gathered) : 1.0;
}

struct history_rule {
  int minimum_runs = 3;        // per strategy, before an operator is corrected
  double shape_decades = 1.0;  // similar: rows, cols and tuple ratio each within this many powers of 10
  double kernel_decades = 0.5;  // a run this far away (in powers of 10) weighs exp(-1/2)
};

namespace detail {
struct ratio_mean {
  double log_sum = 0, weight = 0;
  int runs = 0;
  void add(double ratio, double w) {
    log_sum += w * std::log(ratio);
    weight += w;
    ++runs;
  }
  double factor() const { return std::exp(log_sum / weight); }
};
/// The run's weight for a T of this shape: 0 when it is not similar.
inline double similarity(const measurement& m, double rows, double cols, double tuple_ratio, const history_rule& rule) {
  double squared = 0;
  for (auto [a, b] : {std::pair{m.rows, rows}, std::pair{m.cols, cols}, std::pair{m.tuple_ratio, tuple_ratio}}) {
    if (!(a > 0) || !(b > 0)) return 0;
    const double decades = std::fabs(std::log10(a / b));
    if (decades > rule.shape_decades) return 0;
    squared += decades * decades;
  }
  return std::exp(-squared / (2 * rule.kernel_decades * rule.kernel_decades));
}
}  // namespace detail

/// The correction for a T of `rows` x `cols` at `tuple_ratio` from `history` (this machine's runs).
inline cost_correction fit_correction(const std::vector<measurement>& history, double rows, double cols,
                                      double tuple_ratio = 1, const history_rule& rule = {}) {
  constexpr std::size_t fit_slot = operation_count;  // whole fits, after the operators
  detail::ratio_mean fact[operation_count + 1], mat[operation_count + 1];
  for (const auto& m : history) {
    const double weight = detail::similarity(m, rows, cols, tuple_ratio, rule);
    if (!(m.estimated_seconds > 0) || !(m.measured_seconds > 0) || !(weight > 0)) continue;
    std::size_t slot = fit_slot;
    if (m.operation != "fit") {
      slot = operation_count + 1;
      for (std::size_t k = 0; k < operation_count; ++k)
        if (m.operation == key_of(static_cast<operation>(k))) slot = k;
      if (slot > operation_count) continue;  // an operator this amalur does not know
    }
    (m.used == strategy::materialized ? mat : fact)[slot].add(m.measured_seconds / m.estimated_seconds, weight);
  }
  auto enough = [&](std::size_t k) { return fact[k].runs >= rule.minimum_runs && mat[k].runs >= rule.minimum_runs; };
  cost_correction out;
  for (std::size_t k = 0; k < operation_count; ++k) {
    const std::size_t from = enough(k) ? k : enough(fit_slot) ? fit_slot : operation_count + 1;
    if (from > operation_count) continue;
    out.set(static_cast<operation>(k), fact[from].factor(), mat[from].factor(), fact[from].runs + mat[from].runs);
  }
  return out;
}

}  // namespace amalur::catalog
