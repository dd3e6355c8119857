#pragma once
// What both faces of a normalized matrix share (CRTP): T as an Eigen
// expression operand (Eigen::EigenBase; products in eigen_product.hpp), the
// operators, each deciding its strategy through T's execution context, and
// the context's settings. The factorized operators live in
// factorized_operators.hpp, building T in assembly.hpp, element-wise ops in
// elementwise.hpp.

#include <algorithm>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "amalur/core/error.hpp"
#include "amalur/cost/measure.hpp"
#include "amalur/execution/execution_context.hpp"
#include "amalur/materialized/materialized_matrix.hpp"
#include "amalur/normalized/assembly.hpp"
#include "amalur/normalized/elementwise.hpp"
#include "amalur/normalized/factorized_operators.hpp"

namespace amalur {

template <class Derived>
struct normalized_traits;

template <class Normalized>
class transposed;

namespace detail {
/// Eigen sees a normalized matrix as a sparse-like operand of unknown size
/// (so products with it take the matrix-free route of eigen_product.hpp).
template <class Scalar>
struct normalized_eigen_traits : Eigen::internal::traits<Eigen::SparseMatrix<Scalar>> {};

/// Facts about one T that never change, shared by its copies; the object's
/// address identifies the T (the kept materialized T is tied to it).
struct normalized_facts {
  std::once_flag measured;
  shape_statistics statistics;
};

/// Do the memory ranges of two dense objects overlap? (false when either has no direct access.)
template <class A, class B>
bool overlaps(const A& a, const B& b) {
  if constexpr ((Eigen::internal::traits<A>::Flags & Eigen::DirectAccessBit) &&
                (Eigen::internal::traits<B>::Flags & Eigen::DirectAccessBit)) {
    if (a.size() == 0 || b.size() == 0) return false;
    const auto* a0 = reinterpret_cast<const char*>(a.data());
    const auto* b0 = reinterpret_cast<const char*>(b.data());
    const auto* a1 = reinterpret_cast<const char*>(&a.coeffRef(a.rows() - 1, a.cols() - 1)) + sizeof(a.coeff(0, 0));
    const auto* b1 = reinterpret_cast<const char*>(&b.coeffRef(b.rows() - 1, b.cols() - 1)) + sizeof(b.coeff(0, 0));
    return a0 < b1 && b0 < a1;
  } else {
    return false;
  }
}
}  // namespace detail

template <class Derived>
class normalized_base : public Eigen::EigenBase<Derived>,
                        public normalized_elementwise<Derived, typename normalized_traits<Derived>::Scalar> {
 public:
  using Scalar = typename normalized_traits<Derived>::Scalar;
  using matrix_type = dense_matrix<Scalar>;
  using vector_type = dense_vector<Scalar>;
  using materialized_type = materialized_matrix<Scalar>;
  using Eigen::EigenBase<Derived>::derived;
  using normalized_elementwise<Derived, Scalar>::operator*;

  normalized_base() = default;
  /// A copy's context is a snapshot (its settings are its own), unless the
  /// user attached a context: then copies share it, as asked.
  normalized_base(const normalized_base& other)
      : facts_(other.facts_), context_(other.context_shared_by_copies()), attached_(other.attached_) {}
  normalized_base& operator=(const normalized_base& other) {
    if (this != &other) {
      facts_ = other.facts_;
      context_ = other.context_shared_by_copies();
      attached_ = other.attached_;
    }
    return *this;
  }

  index_t rows() const { return plan().rows; }
  index_t cols() const { return plan().cols; }
  const part_plan& plan() const { return derived().plan(); }

  // ---- Products as Eigen expressions: y = T * x, y += T * x, A.transpose() * (T * X), ...

  template <class X>
  Eigen::Product<Derived, X, Eigen::AliasFreeProduct> operator*(const Eigen::MatrixBase<X>& x) const {
    check_product(operation::multiply, rows(), cols(), x.rows(), x.cols());
    return {derived(), x.derived()};
  }
  template <class X>
  friend Eigen::Product<X, Derived, Eigen::AliasFreeProduct> operator*(const Eigen::MatrixBase<X>& x,
                                                                       const normalized_base& t) {
    check_product(operation::left_multiply, t.rows(), t.cols(), x.rows(), x.cols());
    return {x.derived(), t.derived()};
  }
  /// A view of T^T; no copy.
  transposed<Derived> transpose() const { return transposed<Derived>(derived()); }

  // ---- The operators as functions, each deciding its strategy (forced by `s` unless automatic).

  /// T X (n x m); a vector when X is one.
  template <class X>
  column_result<Scalar, X> multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return product<operation::multiply, column_result<Scalar, X>>(x, s);
  }
  /// T^T X (d x m).
  template <class X>
  column_result<Scalar, X> transpose_multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return product<operation::transpose_multiply, column_result<Scalar, X>>(x, s);
  }
  /// X T (m x d).
  template <class X>
  row_result<Scalar, X> left_multiply(const Eigen::MatrixBase<X>& x, strategy s = strategy::automatic) const {
    return product<operation::left_multiply, row_result<Scalar, X>>(x, s);
  }
  /// X T^T (m x n).
  template <class X>
  row_result<Scalar, X> left_multiply_transpose(const Eigen::MatrixBase<X>& x,
                                                strategy s = strategy::automatic) const {
    return product<operation::left_multiply_transpose, row_result<Scalar, X>>(x, s);
  }
  /// T^T T (d x d).
  matrix_type crossprod(strategy s = strategy::automatic) const {
    matrix_type out = matrix_type::Zero(cols(), cols());
    add_crossprod(nullptr, out, s);
    return out;
  }
  /// T^T diag(w) T (d x d): the Gram matrix of IRLS/Newton.
  /// w binds a vector, a column or a segment without a copy.
  matrix_type crossprod(const vector_cref<Scalar>& w, strategy s = strategy::automatic) const {
    matrix_type out = matrix_type::Zero(cols(), cols());
    add_crossprod(&w, out, s);
    return out;
  }
  /// out += T^T diag(w) T (w null: T^T T).
  void add_crossprod(const vector_cref<Scalar>* w, dense_mref<Scalar> out, strategy s = strategy::automatic) const {
    if (w) check_size(w->size(), rows(), "T^T diag(w) T: w has ", " entries but must have ");
    if (out.rows() != cols() || out.cols() != cols())
      detail::fail<dimension_error>("T^T T: the destination is ", out.rows(), " x ", out.cols(), ", T^T T is ", cols(),
                                    " x ", cols());
    const auto run = plan_evaluation(w ? operation::weighted_crossprod : operation::crossprod, 1, s);
    if (run.materialized)
      run.materialized->visit([&](const auto& t) {
        out += w ? eigen_ops::crossprod(t, *w) : eigen_ops::crossprod(t);
      });
    else
      factorized::add_crossprod(derived(), w ? w->data() : nullptr, out);
  }
  /// T 1 (n).
  vector_type row_sums(strategy s = strategy::automatic) const { return multiply(vector_type::Ones(cols()), s); }
  /// 1^T T as a column vector (d).
  vector_type col_sums(strategy s = strategy::automatic) const {
    const auto run = plan_evaluation(operation::col_sums, 1, s);
    if (run.materialized) return run.materialized->col_sums();
    return factorized::col_sums(derived());
  }
  Scalar sum() const { return col_sums().sum(); }
  /// Column means (d).
  vector_type col_means() const { return col_sums() / static_cast<Scalar>(rows()); }
  /// Population column variances (ddof 0), centred: rows that no source
  /// provides for a column count as zeros.
  vector_type col_variances(strategy s = strategy::automatic) const {
    const auto run = plan_evaluation(operation::col_variances, 1, s);
    if (run.materialized) return run.materialized->col_variances();
    return factorized::col_variances(derived());
  }
  /// Column variances weighted by sample weights w (factorized), as glmnet standardizes.
  vector_type col_variances(const vector_type& w) const {
    check_size(w.size(), rows(), "col_variances(w): w has ", " entries but must have ");
    return factorized::col_variances(derived(), &w);
  }
  /// ||row i||^2 for every row (n).
  vector_type row_squared_norms() const { return factorized::row_squared_norms(derived()); }
  /// Does any cell of T hold a negative value?
  bool any_negative() const { return factorized::any_negative(derived()); }
  /// Row i of T (d), read from the sources.
  vector_type row(index_t i) const { return assembly::row(derived(), i); }
  /// T as a dense matrix.
  matrix_type materialize() const { return assembly::dense(derived()); }
  /// T as CSR: the better materialized form when T is mostly zeros.
  csr_matrix<Scalar> materialize_sparse() const { return assembly::sparse(derived()); }
  /// Number of non-zero cells of T, counted without building it.
  index_t nonzeros() const { return static_cast<index_t>(statistics().target.nonzeros); }

  /// out += alpha op(T, X), deciding the strategy: what Eigen's products and
  /// the functions above run. X may alias `out`: it is then copied first.
  template <operation Op, class X, class Dest>
  void add_product(const X& x, Dest& out, Scalar alpha, strategy s, bool zero_first = false) const {
    if constexpr (X::RowsAtCompileTime == 1 && X::ColsAtCompileTime != 1 && bool(X::IsRowMajor) &&
                  (Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) != 0) {
      // A row vector (x^T T): viewed as one column-major row, not copied into one.
      const Eigen::Map<const matrix_type, 0, Eigen::OuterStride<>> row(x.data(), 1, x.cols(),
                                                                        Eigen::OuterStride<>(x.innerStride()));
      add_product<Op>(row, out, alpha, s, zero_first);
    } else {
      add_product_of<Op>(dense_cref<Scalar>(x), out, alpha, s, zero_first);
    }
  }

 private:
  template <operation Op, class Dest>
  void add_product_of(const dense_cref<Scalar>& xr, Dest& out, Scalar alpha, strategy s, bool zero_first) const {
    if (detail::overlaps(xr, out)) {
      const matrix_type copy = xr;
      add_product<Op>(copy, out, alpha, s, zero_first);
      return;
    }
    if (zero_first) out.setZero();
    const auto run = plan_evaluation(Op, static_cast<double>(shape_of(Op, 0, 0).right ? xr.cols() : xr.rows()), s);
    const auto add_into = [&](dense_mref<Scalar> dst) {
      if (run.materialized)
        run.materialized->visit([&](const auto& t) { eigen_ops::add_product<Op>(t, xr, dst); });
      else
        factorized::add_product<Op>(derived(), xr, dst);
    };
    if constexpr (std::is_constructible_v<dense_mref<Scalar>, Dest&>) {
      if (alpha == Scalar(1)) {
        add_into(out);
        return;
      }
    }
    matrix_type product = matrix_type::Zero(out.rows(), out.cols());
    add_into(product);
    out += alpha * product;
  }

 public:
  // ---- The execution context: strategy, reuse, profile, the kept T, the report.

  /// The decision for `op` with an X of m columns, without running anything.
  estimate explain(operation op, index_t m = 1, strategy s = strategy::automatic) const {
    return context_->explain(op, static_cast<double>(m), s, facts_.get(), statistics());
  }
  /// This matrix's strategy (automatic defers to amalur::default_strategy()).
  void set_strategy(strategy s) { context_->set_strategy(s); }
  strategy get_strategy() const { return context_->get_strategy(); }
  /// Tells the cost model how often T will be used (a training loop knows);
  /// 0 means unknown, which selects the ski-rental rule.
  void expect_reuse(double uses) { context_->expect_reuse(uses); }
  void set_profile(const hardware_profile& hw) { context_->set_profile(hw); }
  void set_correction(const cost_correction& c) { context_->set_correction(c); }
  /// The threads the factorized kernels run on (0: amalur::default_threads()); any count gives the same bits.
  void set_threads(int threads) { context_->set_threads(threads); }
  execution_report report() const { return context_->report(); }
  /// Frees the materialized T kept for the materialized strategy (evaluations
  /// running on it in other threads keep their snapshot).
  void forget_materialized() { context_->forget_materialized(); }
  /// The materialized T the materialized strategy uses (built on first use, kept).
  std::shared_ptr<const materialized_type> materialized(bool sparse) const {
    return context_->template kept<materialized_type>(facts_, sparse, [&] { return build(sparse); });
  }
  /// Shares `context` with this matrix and every copy made from it from now
  /// on: e.g. copies of one T in several threads that should build T once.
  void attach_context(std::shared_ptr<execution_context> context) {
    if (!context) detail::fail<value_error>("attach_context: the context is null");
    context_ = std::move(context);
    attached_ = true;
  }
  const std::shared_ptr<execution_context>& context() const { return context_; }

  /// Is `other` the same T: a copy of this one, or built on the same source
  /// data with the same metadata? (What T.transpose() * U needs to be a crossprod.)
  bool same_matrix_as(const Derived& other) const {
    return facts_ == other.facts_ || derived().same_sources_as(other);
  }

  /// The shapes the cost model counts with (measured once from the indicators).
  std::vector<part_shape> part_shapes() const { return statistics().parts; }
  target_shape target_statistics() const { return statistics().target; }

  /// Calls f(source matrix, indicator, layout) for every part.
  template <class F>
  void for_each_part(F&& f) const {
    derived().visit_parts(std::forward<F>(f));
  }

 private:
  template <operation Op, class Result, class X>
  Result product(const Eigen::MatrixBase<X>& x, strategy s) const {
    check_product(Op, rows(), cols(), x.rows(), x.cols());
    const product_shape shape = shape_of(Op, rows(), cols());
    Result out = shape.right ? Result::Zero(shape.outer, x.cols()) : Result::Zero(x.rows(), shape.outer);
    add_product<Op>(x.derived(), out, Scalar(1), s);
    return out;
  }

  static void check_size(index_t got, index_t need, const char* what, const char* must) {
    if (got != need) detail::fail<dimension_error>(what, got, must, need);
  }

  const shape_statistics& statistics() const {
    std::call_once(facts_->measured, [&] {
      shape_statistics& s = facts_->statistics;
      s.target.rows = static_cast<double>(rows());
      s.target.cols = static_cast<double>(cols());
      std::vector<kernels::indicator_key> keys;  // parts on one indicator form a group, as the crossprod pairs them
      std::vector<kernels::indicator_counts> counts;  // each key's, once: one pass over its target rows
      for_each_part([&](const auto& m, const auto& r, const part_layout& p) {
        const kernels::indicator_key key = kernels::key_of(r);
        const auto first = static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
        keys.push_back(key);
        counts.push_back([&] {
          if constexpr (!std::decay_t<decltype(r)>::is_block)
            if (first == counts.size()) return kernels::count_rows(r);  // the indicator's first part
          return kernels::indicator_counts{};
        }());
        part_shape shape = kernels::shape_of_part(m, r, p, s.target.nonzeros, counts[first]);
        shape.group = static_cast<int>(first);
        s.parts.push_back(shape);
      });
    });
    return facts_->statistics;
  }
  materialized_type build(bool sparse) const {
    return sparse ? materialized_type(materialize_sparse()) : materialized_type(materialize());
  }
  evaluation_plan<materialized_type> plan_evaluation(operation op, double m, strategy s) const {
    return context_->template plan<materialized_type>(op, m, s, facts_, statistics(),
                                                      [&](bool sparse) { return build(sparse); });
  }
  std::shared_ptr<execution_context> context_shared_by_copies() const {
    return attached_ ? context_ : std::make_shared<execution_context>(*context_);
  }

  std::shared_ptr<detail::normalized_facts> facts_ = std::make_shared<detail::normalized_facts>();
  std::shared_ptr<execution_context> context_ = std::make_shared<execution_context>();
  bool attached_ = false;
};

}  // namespace amalur
