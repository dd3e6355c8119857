#pragma once
// Every dense or sparse-dense product the kernels and the materialized twin
// run, as four functions over fixed Ref types: Eigen's product machinery is
// instantiated once per scalar and operand kind (dense column-major, dense
// row-major, CSR) per translation unit, not once per expression shape at
// every call site. Kept out of line (noinline) so callers stay small.
//   add_times(a, b, c)             c += A B
//   add_transpose_times(a, b, c)   c += A^T B
//   add_times_this(b, a, c)        c += B A
//   add_times_transpose(b, a, c)   c += B A^T
// A is a source or a materialized T (dense or CSR), B and C dense.

#include "amalur/core/config.hpp"
#include "amalur/core/traits.hpp"
#include "amalur/operators/csr_lanes.hpp"

namespace amalur::kernels {

namespace detail {
/// A dense matrix as the Ref the products take (no copy for Matrix, Map, Ref
/// and blocks with unit inner stride); a CSR matrix as itself.
template <class A>
decltype(auto) product_operand(const A& a) {
  if constexpr (is_sparse_v<A>) {
    return (a);
  } else {
    using Scalar = typename A::Scalar;
    constexpr int order = (Eigen::internal::traits<A>::Flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor;
    return Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, order>, 0, Eigen::OuterStride<>>(a);
  }
}

template <class A, class Scalar>
EIGEN_DONT_INLINE void times(const A& a, const dense_cref<Scalar>& b, dense_mref<Scalar> c) {
  c.noalias() += a * b;
}
template <class A, class Scalar>
EIGEN_DONT_INLINE void transpose_times(const A& a, const dense_cref<Scalar>& b, dense_mref<Scalar> c) {
  c.noalias() += a.transpose() * b;
}
template <class A, class Scalar>
EIGEN_DONT_INLINE void times_this(const dense_cref<Scalar>& b, const A& a, dense_mref<Scalar> c) {
  c.noalias() += b * a;
}
template <class A, class Scalar>
EIGEN_DONT_INLINE void times_transpose(const dense_cref<Scalar>& b, const A& a, dense_mref<Scalar> c) {
  c.noalias() += b * a.transpose();
}
}  // namespace detail

template <class A, class Scalar = typename A::Scalar>
void add_times(const A& a, const nondeduced<dense_cref<Scalar>>& b, nondeduced<dense_mref<Scalar>> c) {
  const auto& op = detail::product_operand(a);
  detail::times<std::decay_t<decltype(op)>, Scalar>(op, b, c);
}
template <class A, class Scalar = typename A::Scalar>
void add_transpose_times(const A& a, const nondeduced<dense_cref<Scalar>>& b, nondeduced<dense_mref<Scalar>> c) {
  const auto& op = detail::product_operand(a);
  if constexpr (std::is_same_v<std::decay_t<decltype(op)>, csr_matrix<Scalar>>)
    detail::csr_transpose_times<Scalar>(op, b, c);
  else
    detail::transpose_times<std::decay_t<decltype(op)>, Scalar>(op, b, c);
}
template <class A, class Scalar = typename A::Scalar>
void add_times_this(const nondeduced<dense_cref<Scalar>>& b, const A& a, nondeduced<dense_mref<Scalar>> c) {
  const auto& op = detail::product_operand(a);
  if constexpr (std::is_same_v<std::decay_t<decltype(op)>, csr_matrix<Scalar>>) {
    // (A^T B^T)^T: the CSR transpose kernel, far faster than Eigen's dense-times-sparse.
    dense_matrix<Scalar> transposed = dense_matrix<Scalar>::Zero(c.cols(), c.rows());
    detail::csr_transpose_times<Scalar>(op, dense_matrix<Scalar>(b.transpose()), transposed);
    c += transposed.transpose();
  } else {
    detail::times_this<std::decay_t<decltype(op)>, Scalar>(b, op, c);
  }
}
template <class A, class Scalar = typename A::Scalar>
void add_times_transpose(const nondeduced<dense_cref<Scalar>>& b, const A& a, nondeduced<dense_mref<Scalar>> c) {
  const auto& op = detail::product_operand(a);
  detail::times_transpose<std::decay_t<decltype(op)>, Scalar>(b, op, c);
}

}  // namespace amalur::kernels
