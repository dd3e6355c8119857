#pragma once
// T^T as a view (a flag, never a copy), and the product operators that read
// like Eigen: T * X, T.transpose() * X, X * T, X * T.transpose(), T.transpose() * T.

#include "amalur/normalized/expressions.hpp"
#include "amalur/normalized/normalized_base.hpp"

namespace amalur {

template <class Normalized>
class transposed {
 public:
  using Scalar = typename Normalized::Scalar;

  explicit transposed(const Normalized& t) : t_(t) {}
  index_t rows() const { return t_.cols(); }
  index_t cols() const { return t_.rows(); }
  const Normalized& transpose() const { return t_; }
  const Normalized& nested() const { return t_; }

  template <class X>
  auto multiply(const Eigen::MatrixBase<X>& x) const {
    return t_.transpose_multiply(x);
  }
  template <class X>
  auto left_multiply(const Eigen::MatrixBase<X>& x) const {
    return t_.left_multiply_transpose(x);
  }
  dense_matrix<Scalar> materialize() const { return t_.materialize().transpose(); }

 private:
  const Normalized& t_;
};

template <class D, class X>
auto operator*(const normalized_base<D>& t, const Eigen::MatrixBase<X>& x) {
  return product_expression<D, X, operation::multiply>(static_cast<const D&>(t), x.derived());
}
template <class D, class X>
auto operator*(const transposed<D>& t, const Eigen::MatrixBase<X>& x) {
  return product_expression<D, X, operation::transpose_multiply>(t.nested(), x.derived());
}
template <class X, class D>
auto operator*(const Eigen::MatrixBase<X>& x, const normalized_base<D>& t) {
  return product_expression<D, X, operation::left_multiply>(static_cast<const D&>(t), x.derived());
}
template <class X, class D>
auto operator*(const Eigen::MatrixBase<X>& x, const transposed<D>& t) {
  return product_expression<D, X, operation::left_multiply_transpose>(t.nested(), x.derived());
}
/// T^T T: the crossprod. Only of T with itself (a product of two different
/// normalized matrices is not a crossprod).
template <class D>
auto operator*(const transposed<D>& tt, const normalized_base<D>& t) {
  if (&tt.nested() != &static_cast<const D&>(t))
    detail::fail<metadata_error>("T.transpose() * U: only the crossprod T.transpose() * T is supported");
  return crossprod_expression<D>(tt.nested());
}

}  // namespace amalur
