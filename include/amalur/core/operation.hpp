#pragma once
// The operators of a normalized matrix, by name: what the cost model counts,
// what explain() reports and what the kernels dispatch on.

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

enum class operation {
  multiply,                 // T X
  transpose_multiply,       // T^T X
  left_multiply,            // X T
  left_multiply_transpose,  // X T^T
  crossprod,                // T^T T
  weighted_crossprod,       // T^T diag(w) T
  row_sums,
  col_sums,
  col_variances,
};

inline constexpr const char* name_of(operation op) {
  switch (op) {
    case operation::multiply: return "T * X";
    case operation::transpose_multiply: return "T^T * X";
    case operation::left_multiply: return "X * T";
    case operation::left_multiply_transpose: return "X * T^T";
    case operation::crossprod: return "T^T * T";
    case operation::weighted_crossprod: return "T^T * diag(w) * T";
    case operation::row_sums: return "rowSums(T)";
    case operation::col_sums: return "colSums(T)";
    case operation::col_variances: return "colVariances(T)";
  }
  return "?";
}

/// The shape rules of the four products op(T, X), T being rows x cols: is X
/// on the right (T X, T^T X) or the left (X T, X T^T); which size of T X's
/// inner side must equal; the result's size taken from T.
struct product_shape {
  bool right;
  index_t inner;
  index_t outer;
};
inline constexpr product_shape shape_of(operation op, index_t rows, index_t cols) {
  const bool right = op == operation::multiply || op == operation::transpose_multiply;
  const bool transposed = op == operation::transpose_multiply || op == operation::left_multiply_transpose;
  // T X and X T^T meet T's columns; T^T X and X T its rows.
  const bool meets_cols = right != transposed;
  return {right, meets_cols ? cols : rows, meets_cols ? rows : cols};
}
/// Throws dimension_error naming the product when X (x_rows x x_cols) does not fit T.
inline void check_product(operation op, index_t rows, index_t cols, index_t x_rows, index_t x_cols) {
  const product_shape s = shape_of(op, rows, cols);
  const index_t got = s.right ? x_rows : x_cols;
  if (got != s.inner)
    detail::fail<dimension_error>(name_of(op), ": X has ", got, s.right ? " rows" : " columns", " but must have ",
                                  s.inner);
}

}  // namespace amalur
