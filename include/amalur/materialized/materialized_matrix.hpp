#pragma once
// The materialized twin: T built once, dense or CSR, with the same operator
// names as a normalized matrix, so models and benchmarks run either strategy
// through one code path. "Materialized" means the best materialized route:
// materialize_best picks CSR when T is mostly zeros (one-hot dimensions).

#include <variant>

#include "amalur/core/error.hpp"
#include "amalur/core/traits.hpp"

namespace amalur {

template <class ScalarType>
class materialized_matrix {
 public:
  using Scalar = ScalarType;
  using matrix_type = dense_matrix<Scalar>;
  using vector_type = dense_vector<Scalar>;
  template <class X>
  using column_result = Eigen::Matrix<Scalar, Eigen::Dynamic, X::ColsAtCompileTime == 1 ? 1 : Eigen::Dynamic>;
  template <class X>
  using row_result = Eigen::Matrix<Scalar, X::RowsAtCompileTime == 1 ? 1 : Eigen::Dynamic, Eigen::Dynamic>;

  explicit materialized_matrix(matrix_type t) : t_(std::move(t)) { check_finite(); }
  explicit materialized_matrix(csr_matrix<Scalar> t) : t_(std::move(t)) { check_finite(); }

  bool is_sparse() const { return std::holds_alternative<csr_matrix<Scalar>>(t_); }
  index_t rows() const {
    return visit([](const auto& t) { return t.rows(); });
  }
  index_t cols() const {
    return visit([](const auto& t) { return t.cols(); });
  }
  /// Bytes held by T (values, and indices for CSR).
  std::size_t bytes() const {
    if (is_sparse()) {
      const auto& t = std::get<csr_matrix<Scalar>>(t_);
      return static_cast<std::size_t>(t.nonZeros()) * (sizeof(Scalar) + sizeof(int)) +
             static_cast<std::size_t>(t.rows() + 1) * sizeof(int);
    }
    return static_cast<std::size_t>(rows() * cols()) * sizeof(Scalar);
  }

  template <class X>
  column_result<X> multiply(const Eigen::MatrixBase<X>& x) const {
    check(x.rows(), cols(), "T * X");
    return visit([&](const auto& t) -> column_result<X> { return t * x; });
  }
  template <class X>
  column_result<X> transpose_multiply(const Eigen::MatrixBase<X>& x) const {
    check(x.rows(), rows(), "T^T * X");
    return visit([&](const auto& t) -> column_result<X> { return t.transpose() * x; });
  }
  template <class X>
  row_result<X> left_multiply(const Eigen::MatrixBase<X>& x) const {
    check(x.cols(), rows(), "X * T");
    return visit([&](const auto& t) -> row_result<X> { return x * t; });
  }
  template <class X>
  row_result<X> left_multiply_transpose(const Eigen::MatrixBase<X>& x) const {
    check(x.cols(), cols(), "X * T^T");
    return visit([&](const auto& t) -> row_result<X> { return x * t.transpose(); });
  }
  matrix_type crossprod() const {
    return visit([](const auto& t) -> matrix_type {
      if constexpr (is_sparse_v<decltype(t)>) {
        return matrix_type(Eigen::SparseMatrix<Scalar>(t.transpose() * t));
      } else {
        matrix_type g = matrix_type::Zero(t.cols(), t.cols());
        g.template selfadjointView<Eigen::Lower>().rankUpdate(t.transpose());
        g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
        return g;
      }
    });
  }
  matrix_type crossprod(const vector_type& w) const {
    check(w.size(), rows(), "T^T diag(w) T");
    return visit([&](const auto& t) -> matrix_type {
      if constexpr (is_sparse_v<decltype(t)>) {
        const csr_matrix<Scalar> wt = w.asDiagonal() * t;
        return matrix_type(Eigen::SparseMatrix<Scalar>(t.transpose() * wt));
      } else {
        const matrix_type wt = w.asDiagonal() * t;
        matrix_type g(t.cols(), t.cols());
        g.noalias() = t.transpose() * wt;
        return g;
      }
    });
  }
  vector_type row_sums() const { return multiply(vector_type::Ones(cols())); }
  vector_type col_sums() const { return transpose_multiply(vector_type::Ones(rows())); }
  Scalar sum() const { return col_sums().sum(); }
  vector_type col_means() const { return col_sums() / static_cast<Scalar>(rows()); }
  vector_type col_variances() const {
    const vector_type mean = col_means();
    return visit([&](const auto& t) -> vector_type {
      if constexpr (is_sparse_v<decltype(t)>) {
        // Zeros count as (0 - mu)^2; non-zeros correct that term (centred, no E[x^2] - mu^2).
        vector_type sq = (mean.array().square() * static_cast<Scalar>(t.rows())).matrix();
        for (index_t k = 0; k < t.outerSize(); ++k)
          for (typename csr_matrix<Scalar>::InnerIterator it(t, k); it; ++it) {
            const Scalar mu = mean[it.col()], v = it.value();
            sq[it.col()] += (v - mu) * (v - mu) - mu * mu;
          }
        return sq / static_cast<Scalar>(t.rows());
      } else {
        return ((t.rowwise() - mean.transpose()).array().square().colwise().sum().transpose() /
                static_cast<Scalar>(t.rows()))
            .matrix();
      }
    });
  }
  matrix_type materialize() const {
    return visit([](const auto& t) { return matrix_type(t); });
  }

  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), t_);
  }

 private:
  static void check(index_t got, index_t expected, const char* op) {
    if (got != expected) detail::fail<dimension_error>(op, ": X has ", got, " where T needs ", expected);
  }
  void check_finite() const {
    visit([](const auto& t) {
      index_t r = 0, c = 0;
      if (detail::find_non_finite(t, r, c))
        detail::fail<value_error>("materialized matrix holds a non-finite value at row ", r, ", column ", c);
    });
  }

  std::variant<matrix_type, csr_matrix<Scalar>> t_;
};

/// Builds T in the better materialized form: CSR when at most `max_density`
/// of its cells are non-zero (CSR moves about 1.5x the bytes per stored cell).
template <class Normalized>
materialized_matrix<typename Normalized::Scalar> materialize_best(const Normalized& t, double max_density = 0.5) {
  const double cells = static_cast<double>(t.rows()) * static_cast<double>(t.cols());
  if (static_cast<double>(t.nonzeros()) <= max_density * cells)
    return materialized_matrix<typename Normalized::Scalar>(t.materialize_sparse());
  return materialized_matrix<typename Normalized::Scalar>(t.materialize());
}

}  // namespace amalur
