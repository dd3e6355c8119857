#pragma once
// Lazy expressions, as in Eigen: T * X, T.transpose() * X, X * T,
// X * T.transpose() and T.transpose() * T build small objects that hold
// their operands; evaluation (assignment, .eval()) asks the cost model and
// runs the chosen strategy. .eval(strategy) forces one, explain() gives the
// decision without running anything. As with Eigen, `auto e = T * x;` keeps
// references: evaluate before the operands go away.

#include <type_traits>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"
#include "amalur/cost/decision.hpp"

namespace amalur {

template <class Normalized, class X, operation Op>
class product_expression {
  static constexpr bool right = Op == operation::multiply || Op == operation::transpose_multiply;
  using Scalar = typename Normalized::Scalar;

 public:
  /// A vector when X is one at compile time, as Eigen's products.
  using result_type = std::conditional_t<right, column_result<Scalar, X>, row_result<Scalar, X>>;

  product_expression(const Normalized& t, const X& x) : t_(t), x_(x) {
    // Shapes are checked when the expression is built, as Eigen does.
    const index_t need = Op == operation::multiply || Op == operation::left_multiply_transpose ? t.cols() : t.rows();
    const index_t got = right ? x.rows() : x.cols();
    if (got != need)
      detail::fail<dimension_error>(name_of(Op), ": X has ", got, right ? " rows" : " columns", " but must have ", need);
  }

  result_type eval(strategy s = strategy::automatic) const {
    if constexpr (Op == operation::multiply)
      return t_.multiply(x_, s);
    else if constexpr (Op == operation::transpose_multiply)
      return t_.transpose_multiply(x_, s);
    else if constexpr (Op == operation::left_multiply)
      return t_.left_multiply(x_, s);
    else
      return t_.left_multiply_transpose(x_, s);
  }
  operator result_type() const { return eval(); }  // NOLINT: implicit, as Eigen's expressions

  /// The cost model's decision for this expression, without running it.
  estimate explain(strategy s = strategy::automatic) const {
    return t_.explain(Op, right ? x_.cols() : x_.rows(), s);
  }

 private:
  const Normalized& t_;
  typename Eigen::internal::ref_selector<X>::type x_;  // plain objects by reference, expressions by value
};

template <class Normalized>
class crossprod_expression {
 public:
  using result_type = dense_matrix<typename Normalized::Scalar>;
  explicit crossprod_expression(const Normalized& t) : t_(t) {}
  result_type eval(strategy s = strategy::automatic) const { return t_.crossprod(s); }
  operator result_type() const { return eval(); }  // NOLINT
  estimate explain(strategy s = strategy::automatic) const { return t_.explain(operation::crossprod, 1, s); }

 private:
  const Normalized& t_;
};

// Arithmetic with Eigen objects evaluates the product first (into a plain
// matrix, so nothing dangles): T * b - y, y - T * b, T * b + c.
template <class N, class X, operation Op, class Other>
auto operator-(const product_expression<N, X, Op>& e, const Eigen::MatrixBase<Other>& o) {
  typename product_expression<N, X, Op>::result_type r = e.eval();
  r -= o;
  return r;
}
template <class N, class X, operation Op, class Other>
auto operator+(const product_expression<N, X, Op>& e, const Eigen::MatrixBase<Other>& o) {
  typename product_expression<N, X, Op>::result_type r = e.eval();
  r += o;
  return r;
}
template <class Other, class N, class X, operation Op>
auto operator-(const Eigen::MatrixBase<Other>& o, const product_expression<N, X, Op>& e) {
  typename product_expression<N, X, Op>::result_type r = -e.eval();
  r += o;
  return r;
}
template <class Other, class N, class X, operation Op>
auto operator+(const Eigen::MatrixBase<Other>& o, const product_expression<N, X, Op>& e) {
  return e + o;
}

/// The decision for an expression: both estimates, the pick, the reason.
template <class Expression>
estimate explain(const Expression& e, strategy s = strategy::automatic) {
  return e.explain(s);
}

}  // namespace amalur
