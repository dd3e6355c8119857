#pragma once
// The operator set of a normalized matrix T, written once over its parts
// (see metadata/layout.hpp) for both faces: the static normalized_matrix and
// the run-time dynamic_normalized_matrix. Each operator checks shapes, then
// sums the part kernels. Each public operator asks the cost model first
// (cost/decision.hpp) and runs factorized or on a materialized T that it
// builds once and keeps; factorized_* run the kernels unconditionally.

#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "amalur/core/error.hpp"
#include "amalur/cost/decision.hpp"
#include "amalur/materialized/materialized_matrix.hpp"
#include "amalur/operators/materialize.hpp"
#include "amalur/operators/part_kernels.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur {

template <class Derived>
struct normalized_traits;

template <class Normalized>
class transposed;

/// Process-wide default for automatic evaluation (thread-safe to read).
inline strategy& default_strategy_slot() {
  static strategy s = strategy::automatic;
  return s;
}
inline strategy default_strategy() { return default_strategy_slot(); }
/// Forces every normalized matrix whose own strategy is automatic.
inline void set_default_strategy(strategy s) { default_strategy_slot() = s; }

/// How a normalized matrix has been evaluated so far.
struct execution_report {
  std::size_t factorized_calls = 0;
  std::size_t materialized_calls = 0;
  bool materialized = false;  // T was built
  bool sparse = false;        // as CSR
  /// "factorized", "materialized" or "mixed".
  const char* strategy_name() const {
    if (materialized_calls == 0) return "factorized";
    return factorized_calls == 0 ? "materialized" : "mixed";
  }
};

template <class Derived>
class normalized_base {
 public:
  using Scalar = typename normalized_traits<Derived>::Scalar;
  using matrix_type = dense_matrix<Scalar>;
  using vector_type = dense_vector<Scalar>;
  template <class X>
  using column_result = amalur::column_result<Scalar, X>;
  template <class X>
  using row_result = amalur::row_result<Scalar, X>;

  index_t rows() const { return plan().rows; }
  index_t cols() const { return plan().cols; }
  const part_plan& plan() const { return derived().plan(); }

  // ---- The operators, each deciding its strategy (forced by `s` unless automatic).

  /// T X (n x m); a vector when X is one.
  template <class X>
  auto multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return evaluate(operation::multiply, x.cols(), s, [&] { return factorized_multiply(x); },
                    [&](const auto& m) { return m.multiply(x); });
  }
  /// T^T X (d x m).
  template <class X>
  auto transpose_multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return evaluate(operation::transpose_multiply, x.cols(), s, [&] { return factorized_transpose_multiply(x); },
                    [&](const auto& m) { return m.transpose_multiply(x); });
  }
  /// X T (m x d).
  template <class X>
  auto left_multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return evaluate(operation::left_multiply, x.rows(), s, [&] { return factorized_left_multiply(x); },
                    [&](const auto& m) { return m.left_multiply(x); });
  }
  /// X T^T (m x n).
  template <class X>
  auto left_multiply_transpose(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return evaluate(operation::left_multiply_transpose, x.rows(), s,
                    [&] { return factorized_left_multiply_transpose(x); },
                    [&](const auto& m) { return m.left_multiply_transpose(x); });
  }
  /// T^T T (d x d).
  matrix_type crossprod(strategy s = strategy::automatic) const {
    return evaluate(operation::crossprod, 1, s, [&] { return factorized_crossprod(); },
                    [&](const auto& m) { return m.crossprod(); });
  }
  /// T^T diag(w) T (d x d): the Gram matrix of IRLS/Newton.
  matrix_type crossprod(const vector_type& w, strategy s = strategy::automatic) const {
    check_weights(w);
    return evaluate(operation::weighted_crossprod, 1, s, [&] { return factorized_crossprod(w); },
                    [&](const auto& m) { return m.crossprod(w); });
  }
  /// T 1 (n).
  vector_type row_sums(strategy s = strategy::automatic) const { return multiply(vector_type::Ones(cols()), s); }
  /// 1^T T as a column vector (d).
  vector_type col_sums(strategy s = strategy::automatic) const {
    return transpose_multiply(vector_type::Ones(rows()), s);
  }
  Scalar sum() const { return col_sums().sum(); }
  /// Column means (d).
  vector_type col_means() const { return col_sums() / static_cast<Scalar>(rows()); }
  /// Population column variances (ddof 0), centred: rows that no source
  /// provides for a column count as zeros.
  vector_type col_variances(strategy s = strategy::automatic) const {
    return evaluate(operation::col_variances, 1, s, [&] { return factorized_col_variances(); },
                    [&](const auto& m) { return m.col_variances(); });
  }

  // ---- The cost model's view.

  /// The decision for `op` with an X of m columns, without running anything.
  estimate explain(operation op, index_t m = 1, strategy s = strategy::automatic) const {
    auto& st = state();
    std::lock_guard<std::mutex> lock(st.mutex);
    return decide_locked(op, m, s);
  }
  /// Sets this matrix's strategy (automatic defers to amalur::default_strategy()).
  void set_strategy(strategy s) const { state().mode = s; }
  strategy get_strategy() const { return state().mode; }
  /// Tells the cost model how often T will be used (a training loop knows);
  /// 0 means unknown, which selects the ski-rental rule.
  void expect_reuse(double uses) const { state().reuse = uses; }
  void set_profile(const hardware_profile& hw) const { state().hw = hw; }
  /// The shapes the cost model counts with (measured once from the indicators).
  std::vector<part_shape> part_shapes() const {
    std::lock_guard<std::mutex> lock(state().mutex);
    return statistics().parts;
  }
  target_shape target_statistics() const {
    std::lock_guard<std::mutex> lock(state().mutex);
    return statistics().target;
  }
  execution_report report() const {
    auto& st = state();
    std::lock_guard<std::mutex> lock(st.mutex);
    execution_report r = st.report;
    r.materialized = st.built.has_value();
    r.sparse = st.built && st.built->is_sparse();
    return r;
  }
  /// Frees the materialized T kept for the materialized strategy.
  void forget_materialized() const {
    std::lock_guard<std::mutex> lock(state().mutex);
    state().built.reset();
  }
  /// The materialized T the materialized strategy uses (built on first use, kept).
  const materialized_matrix<Scalar>& materialized(bool sparse) const {
    auto& st = state();
    std::lock_guard<std::mutex> lock(st.mutex);
    return materialized_locked(sparse);
  }

  // ---- Factorized kernels, unconditionally.

  /// T X (n x m); a vector when X is one.
  template <class X>
  auto factorized_multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_rows(xr, cols(), "T * X");
    column_result<X> out = column_result<X>::Zero(rows(), xr.cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::multiply(s, r, p, xr, out); });
    return out;
  }
  /// T^T X (d x m).
  template <class X>
  auto factorized_transpose_multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_rows(xr, rows(), "T^T * X");
    column_result<X> out = column_result<X>::Zero(cols(), xr.cols());
    for_each_part(
        [&](const auto& s, const auto& r, const part_layout& p) { kernels::transpose_multiply(s, r, p, xr, out); });
    return out;
  }
  /// X T (m x d); a row vector when X is one.
  template <class X>
  auto factorized_left_multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_cols(xr, rows(), "X * T");
    row_result<X> out = row_result<X>::Zero(xr.rows(), cols());
    if (xr.rows() == 1) {
      // One row: (T^T x^T)^T runs matrix-vector kernels, not a one-row GEMM.
      out = factorized_transpose_multiply(vector_type(xr.transpose())).transpose();
      return out;
    }
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::left_multiply(s, r, p, xr, out); });
    return out;
  }
  /// X T^T (m x n).
  template <class X>
  auto factorized_left_multiply_transpose(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_cols(xr, cols(), "X * T^T");
    row_result<X> out = row_result<X>::Zero(xr.rows(), rows());
    if (xr.rows() == 1) {  // (T x^T)^T
      out = factorized_multiply(vector_type(xr.transpose())).transpose();
      return out;
    }
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::left_multiply_transpose(s, r, p, xr, out);
    });
    return out;
  }

  /// T^T T (d x d), each pair of parts once.
  matrix_type factorized_crossprod() const { return crossprod_impl(nullptr); }
  /// T^T diag(w) T (d x d): the Gram matrix of IRLS/Newton.
  matrix_type factorized_crossprod(const vector_type& w) const {
    check_weights(w);
    return crossprod_impl(&w);
  }

  vector_type factorized_col_sums() const { return factorized_transpose_multiply(vector_type::Ones(rows())); }
  vector_type factorized_col_variances() const {
    const vector_type mean = factorized_col_sums() / static_cast<Scalar>(rows());
    vector_type squares = vector_type::Zero(cols()), provided = vector_type::Zero(cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::centred_squares(s, r, p, mean, squares, provided);
    });
    const vector_type missing = vector_type::Constant(cols(), static_cast<Scalar>(rows())) - provided;
    return (squares.array() + missing.array() * mean.array().square()).matrix() / static_cast<Scalar>(rows());
  }

  /// ||row i||^2 for every row (n): per source row once, then gathered.
  vector_type row_squared_norms() const {
    vector_type out = vector_type::Zero(rows());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      matrix_type per_source = matrix_type::Zero(s.rows(), 1);
      for (const auto& c : p.columns) per_source.col(0) += s.col(c.source).cwiseAbs2();
      kernels::gather_rows_add(r, per_source, out);
    });
    return out;
  }
  /// Does any cell of T hold a negative value? (Visits T's non-zeros once.)
  bool any_negative() const {
    bool found = false;
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      if (!found) kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar v) { found = found || v < 0; });
    });
    return found;
  }

  /// Row i of T (d), read from the sources.
  vector_type row(index_t i) const {
    if (i < 0 || i >= rows()) detail::fail<index_error>("row ", i, " of a normalized matrix of ", rows(), " rows");
    vector_type out = vector_type::Zero(cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      const index_t j = r.source_row(i);
      if (j == none) return;
      for (const auto& c : p.columns) out[c.target] = s.coeff(j, c.source);
    });
    return out;
  }

  /// T as a dense matrix.
  matrix_type materialize() const {
    matrix_type t = matrix_type::Zero(rows(), cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::materialize_into(s, r, p, t); });
    return t;
  }
  /// T as CSR: the better materialized form when T is mostly zeros.
  csr_matrix<Scalar> materialize_sparse() const {
    using storage = typename csr_matrix<Scalar>::StorageIndex;
    std::vector<index_t> start(static_cast<std::size_t>(rows()) + 1, 0);
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t i, index_t, Scalar) { ++start[static_cast<std::size_t>(i) + 1]; });
    });
    for (std::size_t i = 0; i < static_cast<std::size_t>(rows()); ++i) start[i + 1] += start[i];
    const index_t nnz = start.back();
    if (nnz > static_cast<index_t>(std::numeric_limits<storage>::max()))
      detail::fail<dimension_error>("materialize_sparse: ", nnz, " non-zeros overflow the CSR index type");
    std::vector<std::pair<storage, Scalar>> cells(static_cast<std::size_t>(nnz));
    std::vector<index_t> cursor(start.begin(), start.end() - 1);
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t i, index_t c, Scalar v) {
        cells[static_cast<std::size_t>(cursor[static_cast<std::size_t>(i)]++)] = {static_cast<storage>(c), v};
      });
    });
    csr_matrix<Scalar> t(rows(), cols());
    t.resizeNonZeros(nnz);
    for (index_t i = 0; i <= rows(); ++i) t.outerIndexPtr()[i] = static_cast<storage>(start[static_cast<std::size_t>(i)]);
    for (std::size_t i = 0; i < static_cast<std::size_t>(rows()); ++i) {
      auto first = cells.begin() + start[i], last = cells.begin() + start[i + 1];
      std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto k = start[i]; k < start[i + 1]; ++k) {
        t.innerIndexPtr()[k] = cells[static_cast<std::size_t>(k)].first;
        t.valuePtr()[k] = cells[static_cast<std::size_t>(k)].second;
      }
    }
    return t;
  }
  /// Number of non-zero cells of T, counted without building it.
  index_t nonzeros() const {
    index_t nnz = 0;
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar) { ++nnz; });
    });
    return nnz;
  }

  /// A view of T^T; no copy.
  transposed<Derived> transpose() const { return transposed<Derived>(derived()); }

  // Element-wise ops with f(0) = 0 act on the sources; T keeps its metadata.
  auto operator*(Scalar c) const {
    return derived().transform_sources([c](Scalar v) { return v * c; });
  }
  friend auto operator*(Scalar c, const normalized_base& t) { return t * c; }
  auto operator/(Scalar c) const {
    if (c == Scalar(0)) detail::fail<value_error>("T / c: division by zero");
    return derived().transform_sources([c](Scalar v) { return v / c; });
  }
  /// T.^p for p > 0 (p <= 0 would turn the zeros of T into infinities or ones).
  auto cwisePow(Scalar p) const {
    if (!(p > Scalar(0))) detail::fail<value_error>("T.cwisePow(p): p must be positive, got ", p);
    return derived().transform_sources([p](Scalar v) { return std::pow(v, p); });
  }
  /// f(T) cell by cell, for an f with f(0) = 0 (checked), so empty cells stay empty.
  template <class F>
  auto unaryExpr(F f) const {
    if (f(Scalar(0)) != Scalar(0))
      detail::fail<value_error>("T.unaryExpr(f): f(0) must be 0 to act on the sources, got ", f(Scalar(0)));
    return derived().transform_sources([f](Scalar v) { return static_cast<Scalar>(f(v)); });
  }

  /// Calls f(source matrix, effective indicator, layout) for every part.
  template <class F>
  void for_each_part(F&& f) const {
    derived().visit_parts(std::forward<F>(f));
  }

 protected:
  const Derived& derived() const { return static_cast<const Derived&>(*this); }

 private:
  struct shape_statistics {
    std::vector<part_shape> parts;
    target_shape target;
  };
  /// Shared by copies of this matrix (they are the same T): the cache of
  /// materialized forms, the statistics, the ski-rental account, the report.
  struct execution_state {
    std::mutex mutex;
    strategy mode = strategy::automatic;
    double reuse = 0;
    double spent_factorized = 0;
    hardware_profile hw = default_profile;
    std::optional<shape_statistics> stats;
    std::optional<materialized_matrix<Scalar>> built;
    execution_report report;
  };

  execution_state& state() const { return *state_; }
  const shape_statistics& statistics() const {
    auto& st = state();
    if (!st.stats) {
      shape_statistics stats;
      stats.target.rows = static_cast<double>(rows());
      stats.target.cols = static_cast<double>(cols());
      for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
        stats.parts.push_back(kernels::shape_of_part(s, r, p, stats.target.nonzeros));
      });
      st.stats = std::move(stats);
    }
    return *st.stats;
  }
  estimate decide_locked(operation op, index_t m, strategy forced) const {
    auto& st = state();
    const strategy mode = forced != strategy::automatic ? forced
                          : st.mode != strategy::automatic ? st.mode
                                                           : default_strategy();
    const auto& stats = statistics();
    return decide(op, stats.parts.data(), stats.parts.size(), stats.target, static_cast<double>(m), st.hw, st.reuse,
                  st.spent_factorized, st.built.has_value(), st.built && st.built->is_sparse(), mode);
  }
  const materialized_matrix<Scalar>& materialized_locked(bool sparse) const {
    auto& st = state();
    if (!st.built || st.built->is_sparse() != sparse)
      st.built.emplace(sparse ? materialized_matrix<Scalar>(materialize_sparse())
                              : materialized_matrix<Scalar>(materialize()));
    return *st.built;
  }
  /// Decides, records, and runs one of the two strategies.
  template <class Factorized, class Materialized>
  auto evaluate(operation op, index_t m, strategy forced, Factorized&& fact, Materialized&& mat) const {
    auto& st = state();
    std::unique_lock<std::mutex> lock(st.mutex);
    const estimate e = decide_locked(op, m, forced);
    if (e.pick == strategy::materialized) {
      const auto& t = materialized_locked(e.sparse);
      ++st.report.materialized_calls;
      lock.unlock();
      return mat(t);
    }
    st.spent_factorized += e.factorized_seconds;
    ++st.report.factorized_calls;
    lock.unlock();
    return fact();
  }
  void check_weights(const vector_type& w) const {
    if (w.size() != rows())
      detail::fail<dimension_error>("T^T diag(w) T: w has ", w.size(), " entries but T has ", rows(), " rows");
  }

  static void check_rows(const dense_cref<Scalar>& x, index_t expected, const char* op) {
    if (x.rows() != expected)
      detail::fail<dimension_error>(op, ": X has ", x.rows(), " rows but must have ", expected);
  }
  static void check_cols(const dense_cref<Scalar>& x, index_t expected, const char* op) {
    if (x.cols() != expected)
      detail::fail<dimension_error>(op, ": X has ", x.cols(), " columns but must have ", expected);
  }

  matrix_type crossprod_impl(const vector_type* w) const {
    matrix_type out = matrix_type::Zero(cols(), cols());
    std::size_t a = 0;
    for_each_part([&](const auto& sa, const auto& ra, const part_layout& pa) {
      kernels::add_cross_block<Scalar>(pa, pa, kernels::weighted_gram(sa, ra, w), false, out);
      std::size_t b = 0;
      for_each_part([&](const auto& sb, const auto& rb, const part_layout& pb) {
        if (b++ > a) kernels::add_cross_block<Scalar>(pa, pb, kernels::cross_block(sa, ra, sb, rb, w), true, out);
      });
      ++a;
    });
    return out;
  }

  // Copies share it: they are the same T. Element-wise ops make a new T and a new state.
  std::shared_ptr<execution_state> state_ = std::make_shared<execution_state>();
};

}  // namespace amalur
