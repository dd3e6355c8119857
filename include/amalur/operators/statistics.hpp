#pragma once
// Column statistics of one part, for the factorized mean and the centred
// (population, ddof 0) variance: sum_j c[j] (S[j, col] - mu)^2 over the
// source rows, weighted by how many target rows take each; and the squared
// row norms of a part's columns; a source's column sums.

#include <vector>

#include "amalur/core/traits.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/gather_scatter.hpp"
#include "amalur/operators/materialize.hpp"

namespace amalur::kernels {

/// sums += S^T 1, the column sums of a source (d_k): what a block part adds
/// to 1^T T, with no vector of ones.
template <class S, class Sums>
void add_column_sums(const S& s, Sums&& sums) {
  if constexpr (is_sparse_v<S>) {
    for (index_t k = 0; k < s.outerSize(); ++k)
      for (typename S::InnerIterator it(s, k); it; ++it) sums[it.col()] += it.value();
  } else {
    sums += s.colwise().sum().transpose();
  }
}

/// Sparse S: adds sum_j count[j] ((S[j, c] - mu_t)^2 - mu_t^2) over the
/// non-zeros, where t = target[c] (none: skipped). The zeros' (0 - mu)^2
/// terms are the caller's (total * mu^2), so each non-zero corrects its own.
template <class S, class Count, class Scalar>
void sparse_centred_corrections(const S& s, const Count& count, const std::vector<index_t>& target,
                                const dense_vector<Scalar>& mean, dense_vector<Scalar>& squares) {
  for (index_t k = 0; k < s.outerSize(); ++k)
    for (typename S::InnerIterator it(s, k); it; ++it) {
      const index_t c = target[static_cast<std::size_t>(it.col())];
      if (c == none) continue;
      const Scalar mu = mean[c], v = it.value();
      squares[c] += count(it.row()) * ((v - mu) * (v - mu) - mu * mu);
    }
}

/// Adds to `squares[c]` the centred (weighted) sum of squares of the part's cells in
/// target column c, and to `provided[c]` how many target rows the part fills.
/// With sample weights w (null: all ones), each target row counts w_i times.
template <class S, class Rows, class Scalar>
void centred_squares(const S& s, const Rows& rows, const part_layout& p, const dense_vector<Scalar>& mean,
                     const dense_vector<Scalar>* w, dense_vector<Scalar>& squares, dense_vector<Scalar>& provided) {
  const dense_vector<Scalar> count = row_weights<Rows, Scalar>(rows, w ? w->data() : nullptr);
  const Scalar total = count.sum();
  if constexpr (is_sparse_v<S>) {
    for (const auto& c : p.columns) squares[c.target] += total * mean[c.target] * mean[c.target];
    sparse_centred_corrections(s, [&](index_t j) { return count[j]; }, detail::target_of_source_column(p), mean,
                               squares);
  } else {
    for (const auto& c : p.columns)
      squares[c.target] += (count.array() * (s.col(c.source).array() - mean[c.target]).square()).sum();
  }
  for (const auto& c : p.columns) provided[c.target] += total;
}

/// out[j] += sum of S[j, c]^2 over the columns c that `target` maps (null:
/// all). CSR: one contiguous run of the value array per row, straight from
/// the outer index; column-major: each column's non-zeros onto their rows.
template <class S, class Out>
void add_sparse_row_squared_norms(const S& s, const std::vector<index_t>* target, Out&& out) {
  const auto* outer = s.outerIndexPtr();
  const auto* inner = s.innerIndexPtr();
  const auto* nnz = s.innerNonZeroPtr();
  const auto* value = s.valuePtr();
  for (index_t k = 0; k < s.outerSize(); ++k) {
    const auto begin = outer[k], end = nnz ? begin + nnz[k] : outer[k + 1];
    if constexpr (S::IsRowMajor) {
      typename S::Scalar sum(0);
      for (auto a = begin; a < end; ++a)
        if (!target || (*target)[static_cast<std::size_t>(inner[a])] != none) sum += value[a] * value[a];
      out[k] += sum;
    } else {
      if (target && (*target)[static_cast<std::size_t>(k)] == none) continue;
      for (auto a = begin; a < end; ++a) out[inner[a]] += value[a] * value[a];
    }
  }
}

/// out[j] += sum over the part's columns of S[j, c]^2 (out has a row per source row).
template <class S, class Out>
void add_row_squared_norms(const S& s, const part_layout& p, Out&& out) {
  if constexpr (is_sparse_v<S>) {
    const auto target = detail::target_of_source_column(p);
    add_sparse_row_squared_norms(s, &target, out);
  } else {
    for (const auto& c : p.columns) out += s.col(c.source).cwiseAbs2();
  }
}

}  // namespace amalur::kernels
