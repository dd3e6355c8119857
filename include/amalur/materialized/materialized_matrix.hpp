#pragma once
// The materialized twin: T built once, dense or CSR, with the same operator
// names as a normalized matrix, so models and benchmarks run either strategy
// through one code path. "Materialized" means the best materialized route:
// amalur::materialize_best(T) (normalized/materialize_best.hpp) picks CSR
// when T is mostly zeros (one-hot dimensions).
// matrix_view gives a user's own Eigen matrix the same operator names.

#include <memory>
#include <mutex>
#include <variant>

#include "amalur/operators/eigen_ops.hpp"

namespace amalur {

/// The operator set over an Eigen matrix: `Holder` is the matrix type itself
/// (owned) or a const reference to it (a view).
template <class Derived>
class eigen_operator_set {
 public:
  template <class X>
  auto multiply(const Eigen::MatrixBase<X>& x) const {
    return self().visit([&](const auto& t) { return eigen_ops::product<operation::multiply>(t, x); });
  }
  template <class X>
  auto transpose_multiply(const Eigen::MatrixBase<X>& x) const {
    return self().visit([&](const auto& t) { return eigen_ops::product<operation::transpose_multiply>(t, x); });
  }
  template <class X>
  auto left_multiply(const Eigen::MatrixBase<X>& x) const {
    return self().visit([&](const auto& t) { return eigen_ops::product<operation::left_multiply>(t, x); });
  }
  template <class X>
  auto left_multiply_transpose(const Eigen::MatrixBase<X>& x) const {
    return self().visit([&](const auto& t) { return eigen_ops::product<operation::left_multiply_transpose>(t, x); });
  }
  auto crossprod() const {
    return self().visit_row_major([](const auto& t) { return eigen_ops::crossprod(t); });
  }
  template <class W>
  auto crossprod(const W& w) const {
    return self().visit_row_major([&](const auto& t) { return eigen_ops::crossprod(t, w); });
  }
  auto row_sums() const { return multiply(ones(cols())); }
  auto col_sums() const { return transpose_multiply(ones(rows())); }
  auto col_means() const { return (col_sums() / static_cast<typename Derived::Scalar>(rows())).eval(); }
  auto col_variances() const {
    return self().visit([](const auto& t) { return eigen_ops::col_variances(t); });
  }
  /// Weighted by the sample weights w.
  template <class W>
  auto col_variances(const W& w) const {
    return self().visit([&](const auto& t) { return eigen_ops::col_variances(t, &w); });
  }
  auto row_squared_norms() const {
    return self().visit([](const auto& t) { return eigen_ops::row_squared_norms(t); });
  }
  bool any_negative() const {
    return self().visit([](const auto& t) { return eigen_ops::any_negative(t); });
  }
  auto row(index_t i) const {
    return self().visit([&](const auto& t) { return eigen_ops::row(t, i); });
  }
  index_t rows() const {
    return self().visit([](const auto& t) { return t.rows(); });
  }
  index_t cols() const {
    return self().visit([](const auto& t) { return t.cols(); });
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  auto ones(index_t n) const {
    using Scalar = typename Derived::Scalar;
    return dense_vector<Scalar>::Ones(n);
  }
};

/// T built once: dense or CSR.
template <class ScalarType>
class materialized_matrix : public eigen_operator_set<materialized_matrix<ScalarType>> {
 public:
  using Scalar = ScalarType;

  explicit materialized_matrix(dense_matrix<Scalar> t) : t_(std::move(t)) { check_finite(); }
  // Eigen 3.4's SparseMatrix has no move constructor (a "move" copies every array): swap instead.
  explicit materialized_matrix(csr_matrix<Scalar> t) : t_(std::in_place_type<csr_matrix<Scalar>>) {
    std::get<csr_matrix<Scalar>>(t_).swap(t);
    check_finite();
  }

  materialized_matrix(const materialized_matrix&) = default;
  materialized_matrix& operator=(const materialized_matrix&) = default;
  materialized_matrix(materialized_matrix&& other) { take(other); }
  materialized_matrix& operator=(materialized_matrix&& other) {
    take(other);
    return *this;
  }

  bool is_sparse() const { return std::holds_alternative<csr_matrix<Scalar>>(t_); }
  /// Bytes held by T (values, and indices for CSR).
  std::size_t bytes() const {
    if (is_sparse()) {
      const auto& t = std::get<csr_matrix<Scalar>>(t_);
      return static_cast<std::size_t>(t.nonZeros()) * (sizeof(Scalar) + sizeof(int)) +
             static_cast<std::size_t>(t.rows() + 1) * sizeof(int);
    }
    return static_cast<std::size_t>(this->rows() * this->cols()) * sizeof(Scalar);
  }
  dense_matrix<Scalar> materialize() const {
    return visit([](const auto& t) { return dense_matrix<Scalar>(t); });
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), t_);
  }
  /// T in row-major order where a kernel walks rows: T itself (CSR already).
  template <class F>
  decltype(auto) visit_row_major(F&& f) const {
    return visit(std::forward<F>(f));
  }

 private:
  void take(materialized_matrix& other) {
    if (auto* sparse = std::get_if<csr_matrix<Scalar>>(&other.t_))
      t_.template emplace<csr_matrix<Scalar>>().swap(*sparse);
    else
      t_ = std::move(other.t_);
  }
  void check_finite() const {
    visit([](const auto& t) { detail::check_finite(t, "materialized matrix"); });
  }

  std::variant<dense_matrix<Scalar>, csr_matrix<Scalar>> t_;
};

/// A user's Eigen matrix (dense or sparse) with the operator set; no copy,
/// except that a column-major sparse matrix is converted to CSR the first
/// time a row-wise kernel (the crossprod) needs it, and kept: a fit's many
/// crossprods convert once, not per call, and the other operators use the
/// matrix as it is.
template <class M>
class matrix_view : public eigen_operator_set<matrix_view<M>> {
 public:
  using Scalar = typename M::Scalar;
  explicit matrix_view(const M& m) : m_(m) { detail::check_finite(m_, "matrix"); }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return f(m_);
  }
  template <class F>
  decltype(auto) visit_row_major(F&& f) const {
    if constexpr (is_sparse_v<M> && !std::is_same_v<M, csr_matrix<Scalar>>) {
      std::call_once(csr_->once, [&] { csr_->copy = csr_matrix<Scalar>(m_); });
      return f(csr_->copy);
    } else {
      return f(m_);
    }
  }

 private:
  const M& m_;
  // The CSR copy, made once on first need (thread-safe) and shared by copies of the view.
  struct lazy_csr {
    std::once_flag once;
    csr_matrix<Scalar> copy;
  };
  std::shared_ptr<lazy_csr> csr_ = std::make_shared<lazy_csr>();
};

}  // namespace amalur
