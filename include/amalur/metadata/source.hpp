#pragma once
// A source table S_k with its DI metadata: the indicator (rows) and the
// mapping (columns). Built by amalur::source(matrix, rows, columns).
//
// Ownership follows the argument: an lvalue matrix is referenced, never
// copied (the caller keeps it alive, as with Eigen::Map); an rvalue is moved
// in. Any dense Eigen type (Matrix, Map, Ref) or SparseMatrix works.

#include <cmath>
#include <type_traits>
#include <utility>

#include "amalur/core/traits.hpp"
#include "amalur/metadata/indicator.hpp"
#include "amalur/metadata/mapping.hpp"

namespace amalur {

template <class MatrixArg, class Rows, class Columns>
class source_t {
 public:
  using matrix_type = std::remove_cv_t<std::remove_reference_t<MatrixArg>>;
  using Scalar = typename matrix_type::Scalar;
  using rows_type = Rows;
  using columns_type = Columns;
  static constexpr bool references_data = std::is_lvalue_reference_v<MatrixArg>;

  static_assert(is_dense_v<matrix_type> || is_sparse_v<matrix_type>,
                "amalur::source: the matrix must be a dense or sparse Eigen matrix");
  static_assert(std::is_floating_point_v<Scalar>, "amalur::source: the scalar type must be float or double");

  template <class M>
  source_t(M&& matrix, Rows rows, Columns columns)
      : matrix_(std::forward<M>(matrix)), rows_(std::move(rows)), columns_(std::move(columns)) {
    columns_.check(matrix_.cols());
    rows_.bind(matrix_.rows());
    detail::check_finite(matrix_, "source");
  }

  const matrix_type& matrix() const { return matrix_; }
  const Rows& rows() const { return rows_; }
  const Columns& columns() const { return columns_; }

 private:
  std::conditional_t<references_data, const matrix_type&, matrix_type> matrix_;
  Rows rows_;
  Columns columns_;
};

namespace detail {
/// What an rvalue source stores: storage types (Matrix, Map, Ref, SparseMatrix)
/// as they are, expressions evaluated once into their plain type.
template <class M>
constexpr bool is_storage() {
  if constexpr (is_sparse_v<M>)
    return std::is_base_of_v<Eigen::SparseCompressedBase<M>, M>;
  else
    return (Eigen::internal::traits<M>::Flags & Eigen::DirectAccessBit) != 0;
}
template <class M>
using stored_rvalue_t = std::conditional_t<is_storage<M>(), M, typename M::PlainObject>;
}  // namespace detail

/// Binds a matrix to its indicator and mapping.
template <class M, class Rows, class Columns>
auto source(M&& matrix, Rows rows, Columns columns) {
  using arg = std::conditional_t<std::is_lvalue_reference_v<M>, const std::decay_t<M>&,
                                 detail::stored_rvalue_t<std::decay_t<M>>>;
  return source_t<arg, Rows, Columns>(std::forward<M>(matrix), std::move(rows), std::move(columns));
}

}  // namespace amalur
