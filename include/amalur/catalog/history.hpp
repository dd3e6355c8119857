#pragma once
// Fitting the cost model's correction from history: for each operator, the
// geometric mean of measured / estimated seconds per strategy over the runs
// measured on this machine at a similar shape. An operator is corrected only
// with evidence for both strategies (a factor on one side alone would tilt
// every decision); one without its own evidence takes the factors of whole
// fits ("fit"), where there are enough of those.

#include <cmath>
#include <string>
#include <vector>

#include "amalur/cost/correction.hpp"
#include "amalur/cost/decision.hpp"

namespace amalur::catalog {

/// One measured run of an operator (or of a whole fit: operation "fit").
struct measurement {
  std::string operation;  // key_of(op), or "fit"
  strategy used = strategy::factorized;
  double estimated_seconds = 0, measured_seconds = 0;
  double rows = 0, cols = 0;  // of T
};

struct history_rule {
  int minimum_runs = 3;            // per strategy, before an operator is corrected
  double shape_decades = 1.0;      // similar: rows and cols each within this many powers of 10
};

namespace detail {
struct ratio_mean {
  double log_sum = 0;
  int runs = 0;
  void add(double ratio) {
    log_sum += std::log(ratio);
    ++runs;
  }
  double factor() const { return std::exp(log_sum / runs); }
};
inline bool similar(const measurement& m, double rows, double cols, const history_rule& rule) {
  auto near = [&](double a, double b) { return a > 0 && b > 0 && std::fabs(std::log10(a / b)) <= rule.shape_decades; };
  return near(m.rows, rows) && near(m.cols, cols);
}
}  // namespace detail

/// The correction for a T of `rows` x `cols` from `history` (this machine's runs).
inline cost_correction fit_correction(const std::vector<measurement>& history, double rows, double cols,
                                      const history_rule& rule = {}) {
  constexpr std::size_t fit_slot = operation_count;  // whole fits, after the operators
  detail::ratio_mean fact[operation_count + 1], mat[operation_count + 1];
  for (const auto& m : history) {
    if (!(m.estimated_seconds > 0) || !(m.measured_seconds > 0) || !detail::similar(m, rows, cols, rule)) continue;
    std::size_t slot = fit_slot;
    if (m.operation != "fit") {
      slot = operation_count + 1;
      for (std::size_t k = 0; k < operation_count; ++k)
        if (m.operation == key_of(static_cast<operation>(k))) slot = k;
      if (slot > operation_count) continue;  // an operator this amalur does not know
    }
    (m.used == strategy::materialized ? mat : fact)[slot].add(m.measured_seconds / m.estimated_seconds);
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
