#pragma once
// The factorized operators of a normalized matrix T: each sums the part
// kernels (operators/part_kernels.hpp) over T's parts, accumulating into
// the caller's destination, so no result is zero-filled twice and Eigen's
// `y += T * x` costs no temporary. T is anything with Scalar, rows(),
// cols() and for_each_part (both faces). Shapes are checked by the callers.

#include "amalur/core/config.hpp"
#include "amalur/core/operation.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/part_kernels.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur::factorized {

/// out (n x m) += T X.
template <class T>
void add_multiply(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::multiply(s, r, p, x, out); });
}

/// out (d x m) += T^T X.
template <class T>
void add_transpose_multiply(const T& t, const dense_cref<typename T::Scalar>& x,
                            dense_mref<typename T::Scalar> out) {
  t.for_each_part(
      [&](const auto& s, const auto& r, const part_layout& p) { kernels::transpose_multiply(s, r, p, x, out); });
}

/// out (m x d) += X T.
template <class T>
void add_left_multiply(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  if (x.rows() == 1) {
    // One row: (T^T x^T)^T runs matrix-vector kernels, not a one-row GEMM.
    dense_vector<Scalar> column = dense_vector<Scalar>::Zero(t.cols());
    add_transpose_multiply(t, dense_vector<Scalar>(x.transpose()), column);
    out.row(0) += column.transpose();
    return;
  }
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::left_multiply(s, r, p, x, out); });
}

/// out (m x n) += X T^T.
template <class T>
void add_left_multiply_transpose(const T& t, const dense_cref<typename T::Scalar>& x,
                                 dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  if (x.rows() == 1) {  // (T x^T)^T
    dense_vector<Scalar> column = dense_vector<Scalar>::Zero(t.rows());
    add_multiply(t, dense_vector<Scalar>(x.transpose()), column);
    out.row(0) += column.transpose();
    return;
  }
  t.for_each_part(
      [&](const auto& s, const auto& r, const part_layout& p) { kernels::left_multiply_transpose(s, r, p, x, out); });
}

/// out += op(T, X) for one of the four products, chosen at compile time.
template <operation Op, class T>
void add_product(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  if constexpr (Op == operation::multiply)
    add_multiply(t, x, out);
  else if constexpr (Op == operation::transpose_multiply)
    add_transpose_multiply(t, x, out);
  else if constexpr (Op == operation::left_multiply)
    add_left_multiply(t, x, out);
  else
    add_left_multiply_transpose(t, x, out);
}

/// out (d x d) += T^T diag(w) T (w null: T^T T), each pair of parts once.
template <class T>
void add_crossprod(const T& t, const dense_vector<typename T::Scalar>* w, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  std::size_t a = 0;
  t.for_each_part([&](const auto& sa, const auto& ra, const part_layout& pa) {
    kernels::add_cross_block<Scalar>(pa, pa, kernels::weighted_gram(sa, ra, w), false, out);
    std::size_t b = 0;
    t.for_each_part([&](const auto& sb, const auto& rb, const part_layout& pb) {
      if (b++ > a) kernels::add_cross_block<Scalar>(pa, pb, kernels::cross_block(sa, ra, sb, rb, w), true, out);
    });
    ++a;
  });
}

/// Population column variances (ddof 0), centred: rows that no source
/// provides for a column count as zeros. With sample weights w (null: all
/// ones) the moments are weighted, as glmnet standardizes.
template <class T>
dense_vector<typename T::Scalar> col_variances(const T& t, const dense_vector<typename T::Scalar>* w = nullptr) {
  using Scalar = typename T::Scalar;
  const Scalar total = w ? w->sum() : static_cast<Scalar>(t.rows());
  dense_vector<Scalar> mean = dense_vector<Scalar>::Zero(t.cols());
  add_transpose_multiply(t, w ? dense_vector<Scalar>(*w) : dense_vector<Scalar>::Ones(t.rows()), mean);
  mean /= total;
  dense_vector<Scalar> squares = dense_vector<Scalar>::Zero(t.cols()), provided = dense_vector<Scalar>::Zero(t.cols());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    kernels::centred_squares(s, r, p, mean, w, squares, provided);
  });
  const dense_vector<Scalar> missing = dense_vector<Scalar>::Constant(t.cols(), total) - provided;
  return (squares.array() + missing.array() * mean.array().square()).matrix() / total;
}

/// ||row i||^2 for every row (n): per source row once, then gathered.
template <class T>
dense_vector<typename T::Scalar> row_squared_norms(const T& t) {
  using Scalar = typename T::Scalar;
  dense_vector<Scalar> out = dense_vector<Scalar>::Zero(t.rows());
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    dense_matrix<Scalar> per_source = dense_matrix<Scalar>::Zero(s.rows(), 1);
    kernels::add_row_squared_norms(s, p, per_source.col(0));
    kernels::gather_rows_add(r, per_source, out);
  });
  return out;
}

/// Does any cell of T hold a negative value? (Visits T's non-zeros once.)
template <class T>
bool any_negative(const T& t) {
  using Scalar = typename T::Scalar;
  bool found = false;
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    if (!found) kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar v) { found = found || v < 0; });
  });
  return found;
}

}  // namespace amalur::factorized
