#pragma once
// The operator set on a plain Eigen matrix (dense or sparse): the
// materialized twin of every factorized operator, and what models run on
// when given an Eigen matrix.

#include <type_traits>

#include "amalur/core/error.hpp"
#include "amalur/core/operation.hpp"
#include "amalur/core/traits.hpp"
#include "amalur/operators/gram.hpp"
#include "amalur/operators/products.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur::eigen_ops {

inline void check(index_t got, index_t expected, const char* op) {
  if (got != expected) detail::fail<dimension_error>(op, ": X has ", got, " where T needs ", expected);
}

/// out += op(T) X (T X, T^T X) or X op(T) (X T, X T^T), for T an Eigen
/// matrix: the materialized strategy's kernels. Shapes are the caller's.
template <operation Op, class T, class Scalar>
void add_product(const T& t, const dense_cref<Scalar>& x, nondeduced<dense_mref<Scalar>> out) {
  static_assert(Op == operation::multiply || Op == operation::transpose_multiply || Op == operation::left_multiply ||
                Op == operation::left_multiply_transpose);
  if constexpr (Op == operation::multiply)
    kernels::add_times(t, x, out);
  else if constexpr (Op == operation::transpose_multiply)
    kernels::add_transpose_times(t, x, out);
  else if constexpr (Op == operation::left_multiply)
    kernels::add_times_this(x, t, out);
  else
    kernels::add_times_transpose(x, t, out);
}

/// op(T, X) as a new matrix (a vector when X is one): the four products, shapes checked.
template <operation Op, class T, class X>
auto product(const T& t, const Eigen::MatrixBase<X>& x) {
  using Scalar = typename T::Scalar;
  constexpr bool right = shape_of(Op, 0, 0).right;
  using result = std::conditional_t<right, column_result<Scalar, X>, row_result<Scalar, X>>;
  check_product(Op, t.rows(), t.cols(), x.rows(), x.cols());
  const index_t other = shape_of(Op, t.rows(), t.cols()).outer;
  const index_t rows = right ? other : x.rows(), cols = right ? x.cols() : other;
  if constexpr (std::is_constructible_v<dense_mref<Scalar>, result&>) {
    result out = result::Zero(rows, cols);
    add_product<Op>(t, dense_cref<Scalar>(x), out);
    return out;
  } else {  // a row vector: through a one-row matrix
    dense_matrix<Scalar> out = dense_matrix<Scalar>::Zero(rows, cols);
    add_product<Op>(t, dense_cref<Scalar>(x), out);
    return result(out);
  }
}

/// T^T T; dense: a symmetric rank update (half the flops of a general product).
template <class T>
dense_matrix<typename T::Scalar> crossprod(const T& t) {
  using Scalar = typename T::Scalar;
  if constexpr (is_sparse_v<T>)
    return kernels::sparse_weighted_gram(t, dense_vector<Scalar>::Ones(t.rows()).eval());
  else
    return kernels::symmetric_gram<Scalar>(t);
}
/// T^T diag(w) T; dense with w >= 0: a rank update of sqrt(w) T, as the factorized kernels.
template <class T>
dense_matrix<typename T::Scalar> crossprod(const T& t, const vector_cref<typename T::Scalar>& w) {
  check(w.size(), t.rows(), "T^T diag(w) T");
  return kernels::weighted_gram_of(t, w);
}

/// Population column variances (ddof 0), centred; weighted by w when given.
template <class T>
dense_vector<typename T::Scalar> col_variances(const T& t, const dense_vector<typename T::Scalar>* w = nullptr) {
  using Scalar = typename T::Scalar;
  const Scalar total = w ? w->sum() : static_cast<Scalar>(t.rows());
  const dense_vector<Scalar> weight = w ? *w : dense_vector<Scalar>::Ones(t.rows());
  const dense_vector<Scalar> mean = (t.transpose() * weight) / total;
  if constexpr (is_sparse_v<T>) {
    // Zeros count as (0 - mu)^2; the non-zeros correct that term.
    dense_vector<Scalar> sq = mean.array().square() * total;
    std::vector<index_t> same(static_cast<std::size_t>(t.cols()));
    for (std::size_t c = 0; c < same.size(); ++c) same[c] = static_cast<index_t>(c);
    kernels::sparse_centred_corrections(t, [&](index_t i) { return weight[i]; }, same, mean, sq);
    return sq / total;
  } else {
    // Column by column: one streaming pass each, no n x d temporary.
    dense_vector<Scalar> var(t.cols());
    for (index_t c = 0; c < t.cols(); ++c)
      var[c] = (weight.array() * (t.col(c).array() - mean[c]).square()).sum() / total;
    return var;
  }
}

/// ||row i||^2 for every row.
template <class T>
dense_vector<typename T::Scalar> row_squared_norms(const T& t) {
  using Scalar = typename T::Scalar;
  if constexpr (is_sparse_v<T>) {
    dense_vector<Scalar> out = dense_vector<Scalar>::Zero(t.rows());
    kernels::add_sparse_row_squared_norms(t, nullptr, out);
    return out;
  } else {
    return t.rowwise().squaredNorm();
  }
}
template <class T>
bool any_negative(const T& t) {
  if constexpr (is_sparse_v<T>) {
    for (index_t k = 0; k < t.outerSize(); ++k)
      for (typename T::InnerIterator it(t, k); it; ++it)
        if (it.value() < 0) return true;
    return false;
  } else {
    return (t.array() < 0).any();
  }
}

/// Row i of T as a dense vector.
template <class T>
dense_vector<typename T::Scalar> row(const T& t, index_t i) {
  if (i < 0 || i >= t.rows()) detail::fail<index_error>("row ", i, " of a matrix of ", t.rows(), " rows");
  return dense_vector<typename T::Scalar>(t.row(i).transpose());
}

}  // namespace amalur::eigen_ops
