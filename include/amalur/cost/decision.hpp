#pragma once
// The decision: factorized or materialized, per operator call, from the work
// counts of both strategies. Building T is charged once and amortized over
// the expected number of reuses; where nobody knows it (IRLS, L-BFGS), a
// ski-rental rule stays factorized until the factorized time spent reaches
// the cost of building T, then builds it, which bounds the loss at 2x.

#include <ostream>

#include "amalur/cost/correction.hpp"
#include "amalur/cost/counts.hpp"

namespace amalur {

enum class strategy { automatic, factorized, materialized };

inline constexpr const char* name_of(strategy s) {
  switch (s) {
    case strategy::automatic: return "automatic";
    case strategy::factorized: return "factorized";
    case strategy::materialized: return "materialized";
  }
  return "?";
}

/// Both estimates, the pick and the reason; what explain() prints.
struct estimate {
  operation op = operation::multiply;
  double columns = 1;                 // m, the columns of X
  double factorized_seconds = 0;
  double materialized_seconds = 0;    // the operator on the better materialized form
  double build_seconds = 0;           // building that form (0 when already built)
  bool sparse = false;                // CSR is the better materialized form
  double reuse = 0;                   // uses the build is amortized over; 0 = unknown
  double factorized_flops = 0, materialized_flops = 0;
  /// The history correction applied to the seconds above (1 and 0 runs: none).
  double factorized_factor = 1, materialized_factor = 1;
  int evidence = 0;
  strategy pick = strategy::factorized;
  const char* reason = "";
};

/// The decision. `spent` is the estimated factorized time already spent on
/// this matrix (for the ski-rental rule), `ready` whether T is already built
/// (and in which form), `forced` a strategy the caller imposes, `correction`
/// what measured runs taught about this machine (never applied when forced).
constexpr estimate decide(operation op, const part_shape* parts, std::size_t count, const target_shape& t, double m,
                          const hardware_profile& hw, double reuse = 0, double spent = 0, bool ready = false,
                          bool ready_sparse = false, strategy forced = strategy::automatic,
                          const cost_correction* correction = nullptr) {
  estimate e;
  e.op = op;
  e.columns = m;
  e.reuse = reuse;
  const work fw = factorized_work(op, parts, count, t, m);
  e.factorized_seconds = seconds(fw, hw);
  e.factorized_flops = fw.flops;
  // The better materialized form, the build amortized over the reuse.
  const double amortize = reuse > 0 ? reuse : 1.0;
  double best = 0;
  for (int form = 0; form < 2; ++form) {
    const bool sparse = form == 1;
    if (ready && sparse != ready_sparse) continue;
    const work mw = materialized_work(op, t, sparse, m);
    const double op_seconds = seconds(mw, hw);
    const double build = ready ? 0.0 : seconds(build_work(parts, count, t, sparse), hw);
    const double total = op_seconds + build / amortize;
    if (form == 0 || ready || total < best) {
      best = total;
      e.sparse = sparse;
      e.materialized_seconds = op_seconds;
      e.build_seconds = build;
      e.materialized_flops = mw.flops;
    }
  }
  if (correction && forced == strategy::automatic && correction->applies_to(op)) {
    const auto k = static_cast<std::size_t>(op);
    e.factorized_factor = correction->factorized[k];
    e.materialized_factor = correction->materialized[k];
    e.evidence = correction->evidence[k];
    e.factorized_seconds *= e.factorized_factor;
    e.materialized_seconds *= e.materialized_factor;
    e.build_seconds *= e.materialized_factor;
  }
  if (forced != strategy::automatic) {
    e.pick = forced;
    e.reason = "forced by the caller";
  } else if (ready) {
    e.pick = e.factorized_seconds <= e.materialized_seconds ? strategy::factorized : strategy::materialized;
    e.reason = e.pick == strategy::factorized ? "T is built, but the factorized operator is still faster"
                                              : "T is already built and its operator is faster";
  } else if (e.factorized_seconds <= e.materialized_seconds) {
    e.pick = strategy::factorized;
    e.reason = "factorized is faster even if T were built for free";
  } else if (reuse > 0) {
    const bool build = e.materialized_seconds + e.build_seconds / reuse < e.factorized_seconds;
    e.pick = build ? strategy::materialized : strategy::factorized;
    e.reason = build ? "building T pays off over the expected reuse" : "building T does not pay off over the expected reuse";
  } else {
    const bool build = spent + e.factorized_seconds > e.build_seconds;
    e.pick = build ? strategy::materialized : strategy::factorized;
    e.reason = build ? "ski rental: the factorized time spent reached the cost of building T"
                     : "ski rental: factorized until its time spent reaches the cost of building T";
  }
  return e;
}

inline std::ostream& operator<<(std::ostream& out, const estimate& e) {
  out << name_of(e.op) << " (X with " << e.columns << " column" << (e.columns == 1 ? "" : "s") << ")\n"
      << "  factorized   " << e.factorized_seconds * 1e3 << " ms  (" << e.factorized_flops << " flop)\n"
      << "  materialized " << e.materialized_seconds * 1e3 << " ms  (" << e.materialized_flops << " flop, "
      << (e.sparse ? "CSR" : "dense") << " T) + build " << e.build_seconds * 1e3 << " ms";
  if (e.reuse > 0) out << " over " << e.reuse << " uses";
  if (e.evidence > 0)
    out << "\n  corrected from " << e.evidence << " measured run" << (e.evidence == 1 ? "" : "s")
        << ": factorized x" << e.factorized_factor << ", materialized x" << e.materialized_factor;
  return out << "\n  pick: " << name_of(e.pick) << " (" << e.reason << ")";
}

}  // namespace amalur
