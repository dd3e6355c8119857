#pragma once
// A correction of the cost model learnt from measured runs: per operator and
// per strategy, the factor measured seconds / estimated seconds that history
// shows on this machine. The catalog (amalur::catalog) fits it from its logged
// runs; the core only applies it. Where there is no evidence the factor is 1
// and the estimate is the model's own. A forced strategy is never corrected.

#include <array>
#include <cstddef>

#include "amalur/core/operation.hpp"

namespace amalur {

inline constexpr std::size_t operation_count = static_cast<std::size_t>(operation::col_variances) + 1;

/// The operation's name as an identifier (what the catalog stores).
inline constexpr const char* key_of(operation op) {
  constexpr const char* keys[operation_count] = {"multiply", "transpose_multiply", "left_multiply",
                                                 "left_multiply_transpose", "crossprod", "weighted_crossprod",
                                                 "row_sums", "col_sums", "col_variances"};
  return keys[static_cast<std::size_t>(op)];
}

struct cost_correction {
  /// Measured / estimated seconds, by operation; 1 where there is no evidence.
  std::array<double, operation_count> factorized{}, materialized{};
  /// The measured runs behind each operation's factors (0: not corrected).
  std::array<int, operation_count> evidence{};

  constexpr cost_correction() {
    for (std::size_t k = 0; k < operation_count; ++k) factorized[k] = materialized[k] = 1.0;
  }
  constexpr bool applies_to(operation op) const { return evidence[static_cast<std::size_t>(op)] > 0; }
  constexpr bool empty() const {
    for (std::size_t k = 0; k < operation_count; ++k)
      if (evidence[k] > 0) return false;
    return true;
  }
  /// Sets the factors of one operation from `runs` measured runs.
  constexpr void set(operation op, double factorized_factor, double materialized_factor, int runs) {
    const auto k = static_cast<std::size_t>(op);
    factorized[k] = factorized_factor;
    materialized[k] = materialized_factor;
    evidence[k] = runs;
  }
};

}  // namespace amalur
