#pragma once
// xtensor interop (target amalur::xtensor): zero-copy views both ways, so
// xtensor arrays serve as sources and results go back without a copy.
//
//   xt::xtensor<double, 2> airports = ...;
//   auto src = amalur::source(amalur::eigen_view(airports), amalur::gather_rows(fk), amalur::columns<2, 3>());

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

/// An xtensor matrix seen as an Eigen::Map (no copy). The array must outlive the view.
template <class Scalar, xt::layout_type L>
auto eigen_view(const xt::xtensor<Scalar, 2, L>& a) {
  static_assert(L == xt::layout_type::row_major || L == xt::layout_type::column_major,
                "amalur::eigen_view: the xtensor array needs a static row- or column-major layout");
  constexpr int order = L == xt::layout_type::row_major ? Eigen::RowMajor : Eigen::ColMajor;
  using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, order>;
  return Eigen::Map<const matrix>(a.data(), static_cast<index_t>(a.shape()[0]), static_cast<index_t>(a.shape()[1]));
}

/// An xtensor vector seen as an Eigen column vector (no copy).
template <class Scalar, xt::layout_type L>
auto eigen_view(const xt::xtensor<Scalar, 1, L>& a) {
  return Eigen::Map<const dense_vector<Scalar>>(a.data(), static_cast<index_t>(a.shape()[0]));
}

/// An Eigen column-major matrix seen as an xtensor expression (no copy).
template <class Scalar>
auto xtensor_view(dense_matrix<Scalar>& m) {
  const std::array<std::size_t, 2> shape{static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())};
  return xt::adapt<xt::layout_type::column_major>(m.data(), static_cast<std::size_t>(m.size()), xt::no_ownership(),
                                                  shape);
}

}  // namespace amalur
