#pragma once
// The factorized rewrites for one part (source S, indicator I, mapping M),
// accumulated into the result. A normalized matrix sums them over its parts
// (normalized/factorized_operators.hpp, which also runs T X = I (S (M^T X))
// and X T^T = (T X^T)^T in row blocks):
//   X T     += ((X I) S) M^T           (T^T X = M (S^T (I^T X)) is run there too)
//   T^T D T += M_a S_a^T (I_a^T D I_b) S_b M_b^T   (blocks, through the mappings;
//              between indicators in operators/row_groups.hpp)
// Dense parts go through Eigen's own products; block indicators (identity,
// offset) and block mappings use Eigen blocks, so they cost no copy.

#include <utility>

#include "amalur/core/traits.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/gather_scatter.hpp"
#include "amalur/operators/gram.hpp"
#include "amalur/operators/materialize.hpp"
#include "amalur/operators/products.hpp"

namespace amalur::kernels {

namespace detail {
/// M^T X (d_k x m): a block of X, or the mapped rows copied into `copy`.
template <class Scalar>
dense_cref<Scalar> mapped_rows(const part_layout& p, const dense_cref<Scalar>& x, dense_matrix<Scalar>& copy) {
  if (p.block_target >= 0) return x.middleRows(p.block_target, p.source_cols);
  copy = dense_matrix<Scalar>::Zero(p.source_cols, x.cols());
  for (const auto& c : p.columns) copy.row(c.source) = x.row(c.target);
  return copy;
}
/// Calls add(dst) to accumulate a d_k-row result, then out += M result:
/// straight into out's rows when the mapping is a block.
template <class Scalar, class Add>
void add_mapped_rows(const part_layout& p, index_t m, nondeduced<dense_mref<Scalar>> out, Add&& add) {
  if (p.block_target >= 0) {
    add(out.middleRows(p.block_target, p.source_cols));
  } else {
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(p.source_cols, m);
    add(dense_mref<Scalar>(z));
    for (const auto& c : p.columns) out.row(c.target) += z.row(c.source);
  }
}
/// The same for a d_k-column result: out += result M^T.
template <class Scalar, class Add>
void add_mapped_cols(const part_layout& p, index_t m, nondeduced<dense_mref<Scalar>> out, Add&& add) {
  if (p.block_target >= 0) {
    add(out.middleCols(p.block_target, p.source_cols));
  } else {
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(m, p.source_cols);
    add(dense_mref<Scalar>(z));
    for (const auto& c : p.columns) out.col(c.target) += z.col(c.source);
  }
}
}  // namespace detail

/// out (m x d) += X I S M^T.
template <class S, class Rows, class Scalar>
void left_multiply(const S& s, const Rows& rows, const part_layout& p, const dense_cref<Scalar>& x,
                   nondeduced<dense_mref<Scalar>> out) {
  const auto run = [&](const dense_cref<Scalar>& xi) {  // xi = X I
    detail::add_mapped_cols<Scalar>(p, x.rows(), out, [&](dense_mref<Scalar> dst) { add_times_this(xi, s, dst); });
  };
  if constexpr (Rows::is_block)
    run(x.middleCols(rows.offset(), rows.source_rows()));
  else
    run(scatter_cols(rows, x));
}

/// S^T diag(c) S for the part's own block of the crossprod, c = I^T w of its
/// indicator; null c: every source row taken once, unweighted (a block
/// indicator without w), so a dense S needs no scaling and no copy.
template <class S, class Scalar = typename S::Scalar>
dense_matrix<Scalar> weighted_gram(const S& s, const typename S::Scalar* c) {
  if (c) return weighted_gram_of(s, Eigen::Map<const dense_vector<Scalar>>(c, s.rows()));
  if constexpr (!is_sparse_v<S>)
    return symmetric_gram<Scalar>(s);
  else
    return weighted_gram_of(s, dense_vector<Scalar>::Ones(s.rows()).eval());
}

/// S_a^T diag(c) S_b with c = I^T w of the indicator the two parts share:
/// the off-diagonal block of the crossprod without a pass over the target rows.
template <class Sa, class Sb, class Scalar = typename Sa::Scalar>
dense_matrix<Scalar> shared_rows_block(const Sa& sa, const Sb& sb, const vector_cref<Scalar>& c) {
  dense_matrix<Scalar> block = dense_matrix<Scalar>::Zero(sa.cols(), sb.cols());
  if constexpr (!is_sparse_v<Sa> && !is_sparse_v<Sb>) {
    add_transpose_times(sa, dense_matrix<Scalar>(c.asDiagonal() * sb), block);
  } else if constexpr (!is_sparse_v<Sa>) {
    detail::dense_csr_weighted(sa, detail::row_major(sb), c, block);
  } else if constexpr (!is_sparse_v<Sb>) {
    dense_matrix<Scalar> transposed = dense_matrix<Scalar>::Zero(sb.cols(), sa.cols());
    detail::dense_csr_weighted(sb, detail::row_major(sa), c, transposed);
    block = transposed.transpose();
  } else {
    const auto& ra = detail::row_major(sa);
    const auto& rb = detail::row_major(sb);
    using iterator_a = typename std::decay_t<decltype(ra)>::InnerIterator;
    using iterator_b = typename std::decay_t<decltype(rb)>::InnerIterator;
    for (index_t i = 0; i < ra.outerSize(); ++i) {
      if (c[i] == Scalar(0)) continue;
      for (iterator_a a(ra, i); a; ++a)
        for (iterator_b b(rb, i); b; ++b) block(a.col(), b.col()) += c[i] * a.value() * b.value();
    }
  }
  return block;
}

/// The own block of a CSR part and its block with a dense part over the
/// same rows (c = I^T w of their shared indicator; null: unweighted) from one
/// pass over the CSR part: {S^T diag(c) S, D^T diag(c) S}, bit for bit as
/// weighted_gram and shared_rows_block give them.
template <class Sparse, class Dense, class Scalar = typename Sparse::Scalar>
std::pair<dense_matrix<Scalar>, dense_matrix<Scalar>> gram_with_dense_block(const Sparse& s, const Dense& dense,
                                                                           const Scalar* c) {
  static_assert(is_sparse_v<Sparse> && !is_sparse_v<Dense>, "gram_with_dense_block: a CSR part and a dense part");
  dense_vector<Scalar> ones;
  if (!c) ones = dense_vector<Scalar>::Ones(s.rows());
  const vector_cref<Scalar> weights =
      c ? vector_cref<Scalar>(Eigen::Map<const dense_vector<Scalar>>(c, s.rows())) : vector_cref<Scalar>(ones);
  std::pair<dense_matrix<Scalar>, dense_matrix<Scalar>> out{dense_matrix<Scalar>(),
                                                            dense_matrix<Scalar>::Zero(dense.cols(), s.cols())};
  detail::csr_gram_and_cross(detail::row_major(s), dense, weights, out.first, out.second);
  return out;
}

/// out (d x d) += M_a block M_b^T, and its mirror when the parts differ.
template <class Scalar>
void add_cross_block(const part_layout& a, const part_layout& b, const dense_matrix<Scalar>& block, bool mirror,
                     nondeduced<dense_mref<Scalar>> out) {
  if (a.block_target >= 0 && b.block_target >= 0) {
    out.block(a.block_target, b.block_target, a.source_cols, b.source_cols) += block;
    if (mirror) out.block(b.block_target, a.block_target, b.source_cols, a.source_cols) += block.transpose();
    return;
  }
  for (const auto& ca : a.columns)
    for (const auto& cb : b.columns) {
      out(ca.target, cb.target) += block(ca.source, cb.source);
      if (mirror) out(cb.target, ca.target) += block(ca.source, cb.source);
    }
}

}  // namespace amalur::kernels
