#pragma once
// Small type traits over Eigen types.

#include <cmath>
#include <type_traits>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

template <class M>
inline constexpr bool is_sparse_v =
    std::is_base_of_v<Eigen::SparseMatrixBase<std::decay_t<M>>, std::decay_t<M>>;
template <class M>
inline constexpr bool is_dense_v = std::is_base_of_v<Eigen::MatrixBase<std::decay_t<M>>, std::decay_t<M>>;

namespace detail {
/// Every stored value finite? Checked once, when data enters.
template <class M>
bool find_non_finite(const M& m, index_t& row, index_t& col) {
  if constexpr (is_sparse_v<M>) {
    for (index_t k = 0; k < m.outerSize(); ++k)
      for (typename M::InnerIterator it(m, k); it; ++it)
        if (!std::isfinite(static_cast<double>(it.value()))) {
          row = it.row();
          col = it.col();
          return true;
        }
  } else {
    if (m.allFinite()) return false;
    for (index_t c = 0; c < m.cols(); ++c)
      for (index_t r = 0; r < m.rows(); ++r)
        if (!std::isfinite(static_cast<double>(m(r, c)))) {
          row = r;
          col = c;
          return true;
        }
  }
  return false;
}

/// Throws value_error naming the first NaN or infinity: "<what> holds a
/// non-finite value (NaN or infinity) at row r, column c".
template <class M>
void check_finite(const M& m, const char* what) {
  index_t row = 0, col = 0;
  if (find_non_finite(m, row, col))
    fail<value_error>(what, " holds a non-finite value (NaN or infinity) at row ", row, ", column ", col);
}
}  // namespace detail

}  // namespace amalur
