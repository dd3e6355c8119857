#pragma once
// A source table S_k with its DI metadata: the indicator (rows) and the
// mapping (columns). Built by amalur::source(matrix, rows, columns).
//
// Ownership is visible where a source is built:
//   source(m, ...)               m is an lvalue: copied once, then owned
//   source(std::move(m), ...)    moved in
//   source(shared_ptr, ...)      shared (std::shared_ptr<const M>)
//   source(amalur::view(m), ...) borrowed: the caller keeps m alive
// Data are immutable and shared by every copy of a normalized matrix, so
// copying a matrix never copies data. A sparse source is kept as CSR (a
// column-major one is converted once, here) because every kernel walks rows.
// An Eigen::Map or Ref is itself a borrow: copying it copies the view.

#include <memory>
#include <type_traits>
#include <utility>

#include "amalur/core/traits.hpp"
#include "amalur/metadata/indicator.hpp"
#include "amalur/metadata/mapping.hpp"

namespace amalur {

/// A borrowed matrix: amalur::view(m). The caller keeps m alive as long as
/// any normalized matrix built on it.
template <class M>
struct borrowed {
  const M& matrix;
};
template <class M>
borrowed<M> view(const M& m) {
  static_assert(!is_sparse_v<M> || std::is_same_v<M, csr_matrix<typename M::Scalar>>,
                "amalur::view: a borrowed sparse source must be CSR (Eigen::SparseMatrix<Scalar, Eigen::RowMajor>); "
                "pass a column-major one by value and it is converted once");
  return {m};
}

namespace detail {
/// What a source stores for a matrix type M: CSR for any sparse type, the
/// type itself for dense storage (Matrix, Map, Ref), the plain type for
/// expressions (evaluated once).
template <class M>
constexpr bool is_dense_storage() {
  return (Eigen::internal::traits<M>::Flags & Eigen::DirectAccessBit) != 0;
}
template <class M, bool Sparse = is_sparse_v<M>>
struct stored_matrix {
  using type = std::conditional_t<is_dense_storage<M>(), M, typename M::PlainObject>;
};
template <class M>
struct stored_matrix<M, true> {
  using type = csr_matrix<typename M::Scalar>;
};
template <class M>
using stored_matrix_t = typename stored_matrix<std::decay_t<M>>::type;
}  // namespace detail

template <class Matrix, class Rows, class Columns>
class source_t {
 public:
  using matrix_type = Matrix;
  using Scalar = typename matrix_type::Scalar;
  using rows_type = Rows;
  using columns_type = Columns;

  static_assert(is_dense_v<matrix_type> || is_sparse_v<matrix_type>,
                "amalur::source: the matrix must be a dense or sparse Eigen matrix");
  static_assert(std::is_floating_point_v<Scalar>, "amalur::source: the scalar type must be float or double");

  source_t(std::shared_ptr<const matrix_type> matrix, Rows rows, Columns columns)
      : matrix_(std::move(matrix)), rows_(std::move(rows)), columns_(std::move(columns)) {
    if (!matrix_) detail::fail<value_error>("amalur::source: the matrix pointer is null");
    columns_.check(matrix_->cols());
    rows_.bind(matrix_->rows());
    detail::check_finite(*matrix_, "source");
  }

  const matrix_type& matrix() const { return *matrix_; }
  const std::shared_ptr<const matrix_type>& shared_matrix() const { return matrix_; }
  const Rows& rows() const { return rows_; }
  const Columns& columns() const { return columns_; }

 private:
  std::shared_ptr<const matrix_type> matrix_;
  Rows rows_;
  Columns columns_;
};

/// Binds a matrix (copied, or moved when an rvalue) to its indicator and mapping.
template <class M, class Rows, class Columns,
          class = std::enable_if_t<is_dense_v<std::decay_t<M>> || is_sparse_v<std::decay_t<M>>>>
auto source(M&& matrix, Rows rows, Columns columns) {
  using stored = detail::stored_matrix_t<M>;
  if constexpr (std::is_same_v<std::decay_t<M>, stored> && is_sparse_v<stored> && !std::is_lvalue_reference_v<M>) {
    // Eigen 3.4's SparseMatrix has no move constructor: swap its arrays in rather than copy them.
    auto owned = std::make_shared<stored>();
    owned->swap(matrix);
    return source_t<stored, Rows, Columns>(std::move(owned), std::move(rows), std::move(columns));
  } else {
    return source_t<stored, Rows, Columns>(std::make_shared<const stored>(std::forward<M>(matrix)), std::move(rows),
                                           std::move(columns));
  }
}
/// Shares a matrix the caller also holds.
template <class M, class Rows, class Columns>
auto source(std::shared_ptr<const M> matrix, Rows rows, Columns columns) {
  static_assert(!is_sparse_v<M> || std::is_same_v<M, csr_matrix<typename M::Scalar>>,
                "amalur::source: a shared sparse source must be CSR (Eigen::SparseMatrix<Scalar, Eigen::RowMajor>)");
  return source_t<M, Rows, Columns>(std::move(matrix), std::move(rows), std::move(columns));
}
/// Borrows a matrix (see amalur::view): no copy, no ownership.
template <class M, class Rows, class Columns>
auto source(borrowed<M> b, Rows rows, Columns columns) {
  // The aliasing constructor: a pointer that owns nothing.
  return source_t<M, Rows, Columns>(std::shared_ptr<const M>(std::shared_ptr<const M>(), &b.matrix), std::move(rows),
                                    std::move(columns));
}

}  // namespace amalur
