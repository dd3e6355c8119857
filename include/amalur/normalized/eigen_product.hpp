#pragma once
// Normalized matrices inside Eigen expressions, by Eigen's matrix-free
// pattern: T and T^T are Eigen::EigenBase operands, `T * X` is an
// Eigen::Product, and the generic_product_impl specialisations below run
// the strategy decision and the kernels straight into the destination
// (scaleAndAddTo). So `y = T * x`, `y += T * x`, `y.noalias() -= 2 * (T * x)`,
// `A.transpose() * (T * X)`, `(T * x).sum()`, `T.transpose() * (y - T * x)`
// all work as with any Eigen matrix. A product also has `.eval(strategy)`
// and `.explain()`; amalur::explain(T * x) prints the decision.

#include "amalur/normalized/transposed.hpp"

namespace amalur {
namespace detail {

/// The normalized matrix behind an operand, and whether the operand is its transpose.
template <class Operand>
struct normalized_operand {
  using matrix = Operand;
  static constexpr bool transposed = false;
  static const Operand& of(const Operand& t) { return t; }
};
template <class N>
struct normalized_operand<amalur::transposed<N>> {
  using matrix = N;
  static constexpr bool transposed = true;
  static const N& of(const amalur::transposed<N>& t) { return t.nested(); }
};

/// One product with a normalized operand on the left (T X, T^T X) or on the right (X T, X T^T).
template <class Lhs, class Rhs, bool NormalizedOnLeft>
struct normalized_product {
  using operand = normalized_operand<std::conditional_t<NormalizedOnLeft, Lhs, Rhs>>;
  using Scalar = typename operand::matrix::Scalar;
  static constexpr operation op = NormalizedOnLeft
                                      ? (operand::transposed ? operation::transpose_multiply : operation::multiply)
                                      : (operand::transposed ? operation::left_multiply_transpose : operation::left_multiply);

  /// dst (+)= alpha * lhs * rhs: zero_first for assignment, else accumulation.
  template <class Dst>
  static void run(Dst& dst, const Lhs& lhs, const Rhs& rhs, Scalar alpha, strategy s, bool zero_first) {
    if constexpr (NormalizedOnLeft)
      operand::of(lhs).template add_product<op>(rhs, dst, alpha, s, zero_first);
    else
      operand::of(rhs).template add_product<op>(lhs, dst, alpha, s, zero_first);
  }
  static estimate explain(const Lhs& lhs, const Rhs& rhs, strategy s) {
    if constexpr (NormalizedOnLeft)
      return operand::of(lhs).explain(op, rhs.cols(), s);
    else
      return operand::of(rhs).explain(op, lhs.rows(), s);
  }
};

/// What Eigen calls to evaluate the product (see Eigen's generic_product_impl).
template <class Lhs, class Rhs, bool NormalizedOnLeft>
struct normalized_product_impl {
  using product = normalized_product<Lhs, Rhs, NormalizedOnLeft>;
  using Scalar = typename product::Scalar;
  template <class Dst>
  static void evalTo(Dst& dst, const Lhs& lhs, const Rhs& rhs) {
    product::run(dst, lhs, rhs, Scalar(1), strategy::automatic, true);
  }
  template <class Dst>
  static void addTo(Dst& dst, const Lhs& lhs, const Rhs& rhs) {
    product::run(dst, lhs, rhs, Scalar(1), strategy::automatic, false);
  }
  template <class Dst>
  static void subTo(Dst& dst, const Lhs& lhs, const Rhs& rhs) {
    product::run(dst, lhs, rhs, Scalar(-1), strategy::automatic, false);
  }
  template <class Dst>
  static void scaleAndAddTo(Dst& dst, const Lhs& lhs, const Rhs& rhs, const Scalar& alpha) {
    product::run(dst, lhs, rhs, alpha, strategy::automatic, false);
  }
};

/// The members a product with a normalized operand adds to Eigen's: .eval(strategy) and .explain().
template <class Lhs, class Rhs, bool NormalizedOnLeft>
class normalized_product_members : public Eigen::internal::dense_product_base<Lhs, Rhs, Eigen::AliasFreeProduct> {
  using product = normalized_product<Lhs, Rhs, NormalizedOnLeft>;
  using xpr = Eigen::Product<Lhs, Rhs, Eigen::AliasFreeProduct>;

 public:
  using Base = Eigen::internal::dense_product_base<Lhs, Rhs, Eigen::AliasFreeProduct>;
  using Base::eval;
  /// Evaluated with a strategy the caller forces.
  typename Base::PlainObject eval(strategy s) const {
    typename Base::PlainObject out(self().rows(), self().cols());
    product::run(out, self().lhs(), self().rhs(), typename product::Scalar(1), s, true);
    return out;
  }
  /// The cost model's decision for this product, without running it.
  estimate explain(strategy s = strategy::automatic) const { return product::explain(self().lhs(), self().rhs(), s); }

 private:
  const xpr& self() const { return static_cast<const xpr&>(*this); }
};

}  // namespace detail

/// The decision for an expression: both estimates, the pick, the reason.
template <class Expression>
estimate explain(const Expression& e, strategy s = strategy::automatic) {
  return e.explain(s);
}

}  // namespace amalur

/// Registers a normalized operand type with Eigen's product machinery.
#define AMALUR_EIGEN_PRODUCT_OPERAND(PARAMS, TYPE)                                                          \
  namespace Eigen {                                                                                        \
  namespace internal {                                                                                     \
  template <PARAMS, class Rhs, int ProductType>                                                             \
  struct generic_product_impl<TYPE, Rhs, SparseShape, DenseShape, ProductType>                             \
      : amalur::detail::normalized_product_impl<TYPE, Rhs, true> {};                                       \
  template <class Lhs, PARAMS, int ProductType>                                                             \
  struct generic_product_impl<Lhs, TYPE, DenseShape, SparseShape, ProductType>                             \
      : amalur::detail::normalized_product_impl<Lhs, TYPE, false> {};                                      \
  }                                                                                                        \
  template <PARAMS, class Rhs>                                                                              \
  class ProductImpl<TYPE, Rhs, AliasFreeProduct, Dense>                                                    \
      : public amalur::detail::normalized_product_members<TYPE, Rhs, true> {                               \
   public:                                                                                                 \
    using Base = typename amalur::detail::normalized_product_members<TYPE, Rhs, true>::Base;               \
  };                                                                                                       \
  template <class Lhs, PARAMS>                                                                              \
  class ProductImpl<Lhs, TYPE, AliasFreeProduct, Dense>                                                    \
      : public amalur::detail::normalized_product_members<Lhs, TYPE, false> {                              \
   public:                                                                                                 \
    using Base = typename amalur::detail::normalized_product_members<Lhs, TYPE, false>::Base;              \
  };                                                                                                       \
  }

AMALUR_EIGEN_PRODUCT_OPERAND(class N, amalur::transposed<N>)
