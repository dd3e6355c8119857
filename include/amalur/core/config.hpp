#pragma once
// Index type, sentinels and the Eigen types amalur returns.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstddef>
#include <cstdint>

namespace amalur {

/// Row and column indices. Same as Eigen::Index (std::ptrdiff_t), so sizes
/// pass between amalur and Eigen without casts.
using index_t = Eigen::Index;

/// Indicator sentinel: "this target row takes no row of that source".
inline constexpr index_t none = -1;

/// A source row as an explicit indicator (gather_rows, partial_rows) stores
/// it: 32 bits halve the index traffic of every gather and scatter. A source
/// behind such an indicator has at most 2^31 - 1 rows (Eigen's CSR sources
/// already index their entries with int); the target may have any number.
using row_index = std::int32_t;

/// Mapping sentinel: "this source column is not a target column".
inline constexpr index_t dropped = -1;

template <class Scalar>
using dense_matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using dense_vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
/// Compressed sparse row: the materialized T when it is mostly zeros.
template <class Scalar>
using csr_matrix = Eigen::SparseMatrix<Scalar, Eigen::RowMajor>;

/// Read-only dense argument: binds matrices, vectors and blocks without a copy.
template <class Scalar>
using dense_cref = Eigen::Ref<const dense_matrix<Scalar>>;
namespace detail {
template <class T>
struct non_deduced {
  using type = T;
};
}  // namespace detail
/// Read-only vector argument (a vector, a column, a segment) without a copy.
/// Its scalar is never deduced from it (kernels take it from their matrix),
/// so each of those binds where a template expects it.
template <class Scalar>
using vector_cref = Eigen::Ref<const dense_vector<typename detail::non_deduced<Scalar>::type>>;
/// Writable dense result (a matrix, a vector or a block of one).
template <class Scalar>
using dense_mref = Eigen::Ref<dense_matrix<Scalar>>;

/// The result of T X: a vector when X is one at compile time, as Eigen's products.
template <class Scalar, class X>
using column_result = Eigen::Matrix<Scalar, Eigen::Dynamic, X::ColsAtCompileTime == 1 ? 1 : Eigen::Dynamic>;
/// The result of X T: a row vector when X is one at compile time.
template <class Scalar, class X>
using row_result = Eigen::Matrix<Scalar, X::RowsAtCompileTime == 1 ? 1 : Eigen::Dynamic, Eigen::Dynamic>;

/// Keeps a parameter out of template argument deduction (C++20's type_identity_t),
/// so a kernel deduces Scalar from its inputs and its output converts to a Ref.
template <class T>
struct type_identity {
  using type = T;
};
template <class T>
using nondeduced = typename type_identity<T>::type;

}  // namespace amalur
