#pragma once
// The operators of a normalized matrix, by name: what the cost model counts,
// what explain() reports and what the kernels dispatch on.

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

}  // namespace amalur
