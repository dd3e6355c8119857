#pragma once
// What the kernels see of a source: a dense matrix as an Eigen::Ref (one
// type for Matrix, Map and Ref sources of each storage order), a CSR matrix
// as itself, and the indicator as a block or an index (indicator.hpp). Both
// faces go through here, so each kernel is compiled for these few types only.

#include "amalur/core/traits.hpp"
#include "amalur/metadata/indicator.hpp"
#include "amalur/metadata/layout.hpp"

namespace amalur::detail {

template <class M>
decltype(auto) kernel_matrix(const M& m) {
  if constexpr (is_sparse_v<M>) {
    return (m);  // always CSR (see metadata/source.hpp)
  } else {
    using Scalar = typename M::Scalar;
    constexpr int order = (Eigen::internal::traits<M>::Flags & Eigen::RowMajorBit) ? Eigen::RowMajor : Eigen::ColMajor;
    using plain = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, order>;
    return Eigen::Ref<const plain, 0, Eigen::OuterStride<>>(m);
  }
}

/// Calls f(kernel matrix, kernel indicator, layout) for one part of a source.
template <class M, class Rows, class F>
void call_part(const M& m, const Rows& rows, const part_layout& p, F& f) {
  const auto& km = kernel_matrix(m);
  if (p.effective_rows)
    f(km, kernel_rows(*p.effective_rows), p);
  else
    f(km, kernel_rows(rows), p);
}

}  // namespace amalur::detail
