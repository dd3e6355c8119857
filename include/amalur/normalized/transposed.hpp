#pragma once
// T^T as a view (never a copy), and T^T T as an Eigen expression that
// evaluates the crossprod straight into its destination.

#include "amalur/normalized/normalized_base.hpp"

namespace amalur {

template <class Normalized>
class transposed;
template <class Normalized>
class crossprod_expression;

}  // namespace amalur

namespace Eigen::internal {
template <class N>
struct traits<amalur::transposed<N>> : amalur::detail::normalized_eigen_traits<typename N::Scalar> {};
template <class N>
struct traits<amalur::crossprod_expression<N>> {
  using ReturnType = amalur::dense_matrix<typename N::Scalar>;
};
}  // namespace Eigen::internal

namespace amalur {

template <class Normalized>
class transposed : public Eigen::EigenBase<transposed<Normalized>> {
 public:
  using Scalar = typename Normalized::Scalar;

  explicit transposed(const Normalized& t) : t_(t) {}
  index_t rows() const { return t_.cols(); }
  index_t cols() const { return t_.rows(); }
  const Normalized& transpose() const { return t_; }
  const Normalized& nested() const { return t_; }

  /// T^T X.
  template <class X>
  Eigen::Product<transposed, X, Eigen::AliasFreeProduct> operator*(const Eigen::MatrixBase<X>& x) const {
    check_product(operation::transpose_multiply, t_.rows(), t_.cols(), x.rows(), x.cols());
    return {*this, x.derived()};
  }
  /// X T^T.
  template <class X>
  friend Eigen::Product<X, transposed, Eigen::AliasFreeProduct> operator*(const Eigen::MatrixBase<X>& x,
                                                                          const transposed& t) {
    check_product(operation::left_multiply_transpose, t.t_.rows(), t.t_.cols(), x.rows(), x.cols());
    return {x.derived(), t};
  }
  /// T^T U: the crossprod, when U is T (a copy, or the same sources and metadata).
  crossprod_expression<Normalized> operator*(const normalized_base<Normalized>& u) const {
    if (!t_.same_matrix_as(u.derived()))
      detail::fail<metadata_error>(
          "T.transpose() * U: U must be T itself (a copy, or the same sources and metadata) for the crossprod; "
          "for two different matrices, materialize one of them");
    return crossprod_expression<Normalized>(t_);
  }
  dense_matrix<Scalar> materialize() const { return t_.materialize().transpose(); }

 private:
  const Normalized& t_;
};

/// T^T T, evaluated when assigned or used (`G = T.transpose() * T`,
/// `T.transpose() * T + I`): the crossprod kernels write into the destination.
template <class Normalized>
class crossprod_expression : public Eigen::ReturnByValue<crossprod_expression<Normalized>> {
 public:
  using Scalar = typename Normalized::Scalar;
  explicit crossprod_expression(const Normalized& t) : t_(t) {}
  index_t rows() const { return t_.cols(); }
  index_t cols() const { return t_.cols(); }

  template <class Dest>
  void evalTo(Dest& dst) const {
    run(dst, strategy::automatic);
  }
  using Eigen::ReturnByValue<crossprod_expression>::eval;
  /// Evaluated with a strategy the caller forces.
  dense_matrix<Scalar> eval(strategy s) const {
    dense_matrix<Scalar> out;
    run(out, s);
    return out;
  }
  /// The cost model's decision for this expression, without running it.
  estimate explain(strategy s = strategy::automatic) const { return t_.explain(operation::crossprod, 1, s); }

 private:
  template <class Dest>
  void run(Dest& dst, strategy s) const {
    dst.resize(rows(), cols());
    if constexpr (std::is_constructible_v<dense_mref<Scalar>, Dest&>) {
      dst.setZero();
      t_.add_crossprod(nullptr, dst, s);
    } else {
      dst = t_.crossprod(s);
    }
  }
  const Normalized& t_;
};

}  // namespace amalur
