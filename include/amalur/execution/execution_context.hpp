#pragma once
// Where an evaluation's settings and state live: the strategy, the expected
// reuse, the machine profile, the materialized T kept for the materialized
// strategy, the ski-rental account and the report of what ran.
//
// Every normalized matrix owns one context; copying the matrix copies it
// (a snapshot: the copy's settings are its own, the kept T is shared
// read-only, never rebuilt). Matrices share a context only when the user
// attaches the same one to each (attach_context), e.g. copies of one T in
// several threads that should build T once. Every member is thread-safe.

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "amalur/cost/decision.hpp"
#include "amalur/execution/parallel.hpp"

namespace amalur {

namespace detail {
inline std::atomic<strategy>& default_strategy_slot() {
  static std::atomic<strategy> slot{strategy::automatic};
  return slot;
}
}  // namespace detail

/// The process-wide strategy of contexts whose own strategy is automatic.
inline strategy default_strategy() { return detail::default_strategy_slot().load(std::memory_order_relaxed); }
/// Forces every context whose own strategy is automatic (thread-safe).
inline void set_default_strategy(strategy s) { detail::default_strategy_slot().store(s, std::memory_order_relaxed); }

/// How a context's evaluations ran so far.
struct execution_report {
  std::size_t factorized_calls = 0;
  std::size_t materialized_calls = 0;
  bool materialized = false;  // a materialized T is kept
  bool sparse = false;        // as CSR
  /// "factorized", "materialized" or "mixed".
  const char* strategy_name() const {
    if (materialized_calls == 0) return "factorized";
    return factorized_calls == 0 ? "materialized" : "mixed";
  }
};

/// What the cost model counts with for one T, measured once from its
/// indicators and shared by every copy of that T.
struct shape_statistics {
  std::vector<part_shape> parts;
  target_shape target;
};

/// A strategy decision and, when it picked the materialized strategy, the
/// kept T to run on (a snapshot: valid even if another thread forgets it).
template <class Materialized>
struct evaluation_plan {
  estimate decision;
  std::shared_ptr<const Materialized> materialized;
};

class execution_context {
 public:
  execution_context() = default;
  /// A snapshot of `other`: its settings, its account and its kept T (shared, read-only).
  execution_context(const execution_context& other) { copy_from(other); }
  execution_context& operator=(const execution_context& other) {
    if (this != &other) copy_from(other);
    return *this;
  }

  /// The strategy of this context (automatic defers to amalur::default_strategy()).
  void set_strategy(strategy s) {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = s;
  }
  strategy get_strategy() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return mode_;
  }
  /// How often T will be used (a training loop knows); 0 means unknown,
  /// which selects the ski-rental rule.
  void expect_reuse(double uses) {
    std::lock_guard<std::mutex> lock(mutex_);
    reuse_ = uses;
  }
  double expected_reuse() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reuse_;
  }
  void set_profile(const hardware_profile& hw) {
    std::lock_guard<std::mutex> lock(mutex_);
    profile_ = hw;
  }
  hardware_profile profile() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return profile_;
  }
  /// The threads this context's kernels run on (0: amalur::default_threads()).
  /// Results are bit-identical for every count (execution/parallel.hpp).
  void set_threads(int threads) {
    if (threads < 0) detail::fail<value_error>("set_threads: ", threads, " threads; use 1 or more, or 0 for the default");
    std::lock_guard<std::mutex> lock(mutex_);
    threads_ = threads;
  }
  int threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_ > 0 ? threads_ : default_threads();
  }
  /// What measured runs taught about this machine (amalur::catalog fits it);
  /// it scales the automatic strategy's estimates, never a forced one.
  void set_correction(const cost_correction& c) {
    std::lock_guard<std::mutex> lock(mutex_);
    correction_ = c;
  }
  cost_correction correction() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return correction_;
  }
  execution_report report() const {
    std::lock_guard<std::mutex> lock(mutex_);
    execution_report r = report_;
    r.materialized = kept_ != nullptr;
    r.sparse = kept_sparse_;
    return r;
  }
  /// Drops the kept T; evaluations running on it keep their snapshot.
  void forget_materialized() {
    std::lock_guard<std::mutex> lock(mutex_);
    kept_.reset();
    kept_owner_.reset();
    kept_sparse_ = false;
  }

  /// The decision for one operator on the T identified by `owner`, without running anything.
  estimate explain(operation op, double m, strategy forced, const void* owner, const shape_statistics& s) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return decide_locked(op, m, forced, owner, s);
  }

  /// Decides, books the decision, and for the materialized strategy returns
  /// the kept T, built (once, under the lock) by `build(sparse)` when this
  /// context keeps none for `owner`. `owner` identifies the T; a context
  /// attached to several matrices keeps the T of the last one that needed it.
  template <class Materialized, class Build>
  evaluation_plan<Materialized> plan(operation op, double m, strategy forced, const std::shared_ptr<const void>& owner,
                                     const shape_statistics& s, Build&& build) {
    std::lock_guard<std::mutex> lock(mutex_);
    evaluation_plan<Materialized> out;
    out.decision = decide_locked(op, m, forced, owner.get(), s);
    if (out.decision.pick == strategy::materialized) {
      const bool sparse = out.decision.sparse;
      out.materialized = kept_locked<Materialized>(owner, sparse, [&] { return build(sparse); });
      ++report_.materialized_calls;
    } else {
      spent_factorized_ += out.decision.factorized_seconds;
      ++report_.factorized_calls;
    }
    return out;
  }

  /// The kept T of `owner` in the given form, built by `build()` (and kept) if missing.
  template <class Materialized, class Build>
  std::shared_ptr<const Materialized> kept(const std::shared_ptr<const void>& owner, bool sparse, Build&& build) {
    std::lock_guard<std::mutex> lock(mutex_);
    return kept_locked<Materialized>(owner, sparse, std::forward<Build>(build));
  }

 private:
  template <class Materialized, class Build>
  std::shared_ptr<const Materialized> kept_locked(const std::shared_ptr<const void>& owner, bool sparse, Build&& build) {
    if (!(kept_ && kept_owner_ == owner && kept_sparse_ == sparse)) {
      kept_ = std::make_shared<const Materialized>(build());
      kept_owner_ = owner;
      kept_sparse_ = sparse;
    }
    return std::static_pointer_cast<const Materialized>(kept_);
  }
  estimate decide_locked(operation op, double m, strategy forced, const void* owner, const shape_statistics& s) const {
    const strategy mode = forced != strategy::automatic ? forced
                          : mode_ != strategy::automatic ? mode_
                                                         : default_strategy();
    const bool ready = kept_ && kept_owner_.get() == owner;
    hardware_profile hw = profile_;
    if (hw.threads <= 0) hw.threads = hardware_threads();
    return decide(op, s.parts.data(), s.parts.size(), s.target, m, hw, reuse_, spent_factorized_, ready,
                  ready && kept_sparse_, mode, correction_.empty() ? nullptr : &correction_);
  }
  void copy_from(const execution_context& other) {
    std::scoped_lock lock(mutex_, other.mutex_);
    mode_ = other.mode_;
    reuse_ = other.reuse_;
    profile_ = other.profile_;
    correction_ = other.correction_;
    threads_ = other.threads_;
    spent_factorized_ = other.spent_factorized_;
    report_ = other.report_;
    kept_ = other.kept_;
    kept_owner_ = other.kept_owner_;
    kept_sparse_ = other.kept_sparse_;
  }

  mutable std::mutex mutex_;
  strategy mode_ = strategy::automatic;
  double reuse_ = 0;
  hardware_profile profile_ = default_profile;
  cost_correction correction_;
  int threads_ = 0;
  double spent_factorized_ = 0;
  execution_report report_;
  std::shared_ptr<const void> kept_;        // a materialized_matrix<Scalar> of kept_owner_'s T
  std::shared_ptr<const void> kept_owner_;  // held so its address is never reused while kept
  bool kept_sparse_ = false;
};

}  // namespace amalur
