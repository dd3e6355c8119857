#pragma once
// What a model trains on: anything with the operator set (rows, cols,
// multiply, transpose_multiply, crossprod(w), ...): a normalized matrix
// (factorized), a materialized_matrix, or a plain Eigen matrix seen through
// matrix_view. Models are written once against this set, so the strategy is
// a choice of argument, not a second implementation.

#include <chrono>
#include <functional>

#include "amalur/materialized/materialized_matrix.hpp"
#include "amalur/normalized/normalized_base.hpp"

namespace amalur {

/// How models take labels, weights and offsets: any dense vector or
/// expression (a slice `y(rows)`, a block, a Map) without a copy where it
/// already is one.
using vector_ref = Eigen::Ref<const Eigen::VectorXd>;

template <class D>
const D& as_design(const normalized_base<D>& t) {
  return static_cast<const D&>(t);
}
template <class S>
const materialized_matrix<S>& as_design(const materialized_matrix<S>& t) {
  return t;
}
template <class M>
const matrix_view<M>& as_design(const matrix_view<M>& t) {
  return t;
}
template <class D>
matrix_view<D> as_design(const Eigen::MatrixBase<D>& m) {
  return matrix_view<D>(m.derived());
}
template <class D>
matrix_view<D> as_design(const Eigen::SparseMatrixBase<D>& m) {
  return matrix_view<D>(m.derived());
}

/// Reported by long fits after each iteration; return false to stop the fit.
struct progress {
  int iteration = 0;
  double objective = 0;
  double seconds = 0;
};
using progress_callback = std::function<bool(const progress&)>;

namespace detail {
/// Does the design carry an execution context (a normalized matrix)?
template <class Design, class = void>
struct has_context : std::false_type {};
template <class Design>
struct has_context<Design, std::void_t<decltype(std::declval<const Design&>().context())>> : std::true_type {};

/// Seconds since construction, for progress reports.
class stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// The design's operators with a strategy `s` where the design decides its
/// own (a normalized matrix: see strategy_for), and as they are elsewhere
/// (materialized, plain Eigen).
template <class Design, class B>
auto multiply_with(const Design& x, const B& b, strategy s) {
  if constexpr (has_context<Design>::value) return x.multiply(b, s);
  else return x.multiply(b);
}
template <class Design, class V>
auto transpose_multiply_with(const Design& x, const V& v, strategy s) {
  if constexpr (has_context<Design>::value) return x.transpose_multiply(v, s);
  else return x.transpose_multiply(v);
}
template <class Design, class... W>
auto crossprod_with(const Design& x, strategy s, const W&... w) {
  if constexpr (has_context<Design>::value) return x.crossprod(w..., s);
  else return x.crossprod(w...);
}

/// X B in double, whatever the design's scalar type (a vector when B is one).
template <class Design, class B>
column_result<double, B> times(const Design& x, const Eigen::MatrixBase<B>& b, strategy s = strategy::automatic) {
  using Scalar = typename Design::Scalar;
  if constexpr (std::is_same_v<Scalar, double>)
    return multiply_with(x, b.derived(), s);  // returned as is: cast<double> would hand back a const reference, then a copy
  else
    return multiply_with(x, column_result<Scalar, B>(b.template cast<Scalar>()), s).template cast<double>();
}
/// X^T V in double.
template <class Design>
Eigen::MatrixXd transpose_times(const Design& x, const Eigen::MatrixXd& v, strategy s = strategy::automatic) {
  using Scalar = typename Design::Scalar;
  return transpose_multiply_with(x, v.cast<Scalar>().eval(), s).template cast<double>();
}
/// X^T diag(w) X in double; no copy of w when the design's scalar is double.
template <class Design>
Eigen::MatrixXd weighted_crossprod(const Design& x, const vector_ref& w, strategy s = strategy::automatic) {
  using Scalar = typename Design::Scalar;
  if constexpr (std::is_same_v<Scalar, double>)
    return crossprod_with(x, s, w);
  else
    return crossprod_with(x, s, w.cast<Scalar>().eval()).template cast<double>();
}
/// X^T X in double: the unweighted kernels read no weights (a gaussian fit
/// without sample weights: the month of flights' crossprod, 1 thread, 9.9-10.4 -> 9.5-9.8 ms).
template <class Design>
Eigen::MatrixXd crossprod_of(const Design& x, strategy s = strategy::automatic) {
  if constexpr (std::is_same_v<typename Design::Scalar, double>)
    return crossprod_with(x, s);
  else
    return crossprod_with(x, s).template cast<double>();
}

/// One product a fit will run: the operator and the columns of its X (0: it does not run).
struct planned_product {
  operation op;
  double columns;
};

/// The strategy for a fit that knows every product it will run (a Gaussian
/// fit with the identity link solves one system: crossprod, T^T v, then
/// T b): building T pays off only over those products, so the fit decides
/// once for all of them. Deciding per product, the ski rental builds T once
/// the factorized time spent reaches the build's, which can be right before
/// the last product (a mixed fit, up to 1.23x slower than either strategy
/// alone). Automatic wherever the context knows better: a design without
/// one, a strategy set by the user or the process, a reuse the user
/// declared, or a T already built.
template <class Design>
strategy strategy_for(const Design& x, std::initializer_list<planned_product> products) {
  if constexpr (!has_context<Design>::value) {
    return strategy::automatic;
  } else {
    const auto& context = *x.context();
    if (context.get_strategy() != strategy::automatic || default_strategy() != strategy::automatic ||
        context.expected_reuse() > 0 || products.size() == 0)
      return strategy::automatic;
    double factorized = 0, materialized = 0;
    bool first = true;
    for (const planned_product& p : products) {
      if (p.columns == 0) continue;
      const estimate e = x.explain(p.op, static_cast<index_t>(p.columns));
      if (first && e.build_seconds == 0) return strategy::automatic;  // T is built already
      factorized += e.factorized_seconds;
      materialized += e.materialized_seconds + (first ? e.build_seconds : 0.0);
      first = false;
    }
    return factorized <= materialized ? strategy::factorized : strategy::materialized;
  }
}
/// X b + b0: the linear predictor of every linear model's predict.
template <class Design>
Eigen::VectorXd linear_predictor(const Design& x, const Eigen::VectorXd& coefficients, double intercept) {
  if (x.cols() != coefficients.size())
    fail<dimension_error>("predict: the design has ", x.cols(), " columns but the model has ", coefficients.size(),
                          " coefficients");
  Eigen::VectorXd eta = times(x, coefficients);
  eta.array() += intercept;
  return eta;
}
}  // namespace detail

}  // namespace amalur
