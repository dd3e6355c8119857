#pragma once
// The factorized rewrites for one part (source S, indicator I, mapping M),
// accumulated into the result. A normalized matrix sums them over its parts:
//   T X     += I (S (M^T X))           T^T X   += M (S^T (I^T X))
//   X T     += ((X I) S) M^T           X T^T   += I-gather of (X M) S^T
//   T^T D T += M_a S_a^T (I_a^T D I_b) S_b M_b^T   (blocks, through the mappings)
// Dense parts go through Eigen's own products; block indicators (identity,
// offset) and block mappings use Eigen blocks, so they cost no copy.

#include "amalur/core/traits.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/gather_scatter.hpp"
#include "amalur/operators/gram.hpp"
#include "amalur/operators/materialize.hpp"

namespace amalur::kernels {

namespace detail {
/// Calls f with M^T X (d_k x m): a block of X, or a copy of the mapped rows.
template <class Scalar, class F>
void with_mapped_rows(const part_layout& p, const dense_cref<Scalar>& x, F&& f) {
  if (p.block_target >= 0) {
    f(x.middleRows(p.block_target, p.source_cols));
  } else {
    dense_matrix<Scalar> sel = dense_matrix<Scalar>::Zero(p.source_cols, x.cols());
    for (const auto& c : p.columns) sel.row(c.source) = x.row(c.target);
    f(sel);
  }
}
/// Calls f with X M (m x d_k).
template <class Scalar, class F>
void with_mapped_cols(const part_layout& p, const dense_cref<Scalar>& x, F&& f) {
  if (p.block_target >= 0) {
    f(x.middleCols(p.block_target, p.source_cols));
  } else {
    dense_matrix<Scalar> sel = dense_matrix<Scalar>::Zero(x.rows(), p.source_cols);
    for (const auto& c : p.columns) sel.col(c.source) = x.col(c.target);
    f(sel);
  }
}
/// out += M z (z is d_k x m).
template <class Scalar, class Expr>
void add_mapped_rows(const part_layout& p, const Expr& z, nondeduced<dense_mref<Scalar>> out) {
  if (p.block_target >= 0) {
    out.middleRows(p.block_target, p.source_cols).noalias() += z;
  } else {
    const dense_matrix<Scalar> zz = z;
    for (const auto& c : p.columns) out.row(c.target) += zz.row(c.source);
  }
}
/// out += z M^T (z is m x d_k).
template <class Scalar, class Expr>
void add_mapped_cols(const part_layout& p, const Expr& z, nondeduced<dense_mref<Scalar>> out) {
  if (p.block_target >= 0) {
    out.middleCols(p.block_target, p.source_cols).noalias() += z;
  } else {
    const dense_matrix<Scalar> zz = z;
    for (const auto& c : p.columns) out.col(c.target) += zz.col(c.source);
  }
}

/// A^T B evaluated densely, whichever of A and B is sparse.
template <class Scalar, class A, class B>
dense_matrix<Scalar> transpose_times(const A& a, const B& b) {
  if constexpr (is_sparse_v<A> && is_sparse_v<B>) {
    return dense_matrix<Scalar>(Eigen::SparseMatrix<Scalar>(a.transpose() * b));
  } else {
    dense_matrix<Scalar> r(a.cols(), b.cols());
    r.noalias() = a.transpose() * b;
    return r;
  }
}
}  // namespace detail

/// out (n x m) += I S M^T X.
template <class S, class Rows, class Scalar>
void multiply(const S& s, const Rows& rows, const part_layout& p, const dense_cref<Scalar>& x,
              nondeduced<dense_mref<Scalar>> out) {
  detail::with_mapped_rows(p, x, [&](const auto& xs) {
    if constexpr (Rows::is_block) {
      out.middleRows(rows.offset(), rows.source_rows()).noalias() += s * xs;
    } else {
      dense_matrix<Scalar> y(s.rows(), xs.cols());
      y.noalias() = s * xs;
      gather_rows_add(rows, y, out);
    }
  });
}

/// out (d x m) += M S^T I^T X.
template <class S, class Rows, class Scalar>
void transpose_multiply(const S& s, const Rows& rows, const part_layout& p, const dense_cref<Scalar>& x,
                        nondeduced<dense_mref<Scalar>> out) {
  if constexpr (Rows::is_block) {
    detail::add_mapped_rows<Scalar>(p, s.transpose() * x.middleRows(rows.offset(), rows.source_rows()), out);
  } else {
    const dense_matrix<Scalar> z = scatter_rows(rows, x);
    detail::add_mapped_rows<Scalar>(p, s.transpose() * z, out);
  }
}

/// out (m x d) += X I S M^T.
template <class S, class Rows, class Scalar>
void left_multiply(const S& s, const Rows& rows, const part_layout& p, const dense_cref<Scalar>& x,
                   nondeduced<dense_mref<Scalar>> out) {
  if constexpr (Rows::is_block) {
    detail::add_mapped_cols<Scalar>(p, x.middleCols(rows.offset(), rows.source_rows()) * s, out);
  } else {
    const dense_matrix<Scalar> xi = scatter_cols(rows, x);
    detail::add_mapped_cols<Scalar>(p, xi * s, out);
  }
}

/// out (m x n) += X M S^T I^T.
template <class S, class Rows, class Scalar>
void left_multiply_transpose(const S& s, const Rows& rows, const part_layout& p, const dense_cref<Scalar>& x,
                             nondeduced<dense_mref<Scalar>> out) {
  detail::with_mapped_cols(p, x, [&](const auto& xs) {
    if constexpr (Rows::is_block) {
      out.middleCols(rows.offset(), rows.source_rows()).noalias() += xs * s.transpose();
    } else {
      dense_matrix<Scalar> v(xs.rows(), s.rows());
      v.noalias() = xs * s.transpose();
      gather_cols_add(rows, v, out);
    }
  });
}

/// S^T diag(c) S for the part's own block of the crossprod, c = I^T w.
template <class S, class Rows, class Scalar>
dense_matrix<Scalar> weighted_gram(const S& s, const Rows& rows, const dense_vector<Scalar>* w) {
  if constexpr (!is_sparse_v<S> && Rows::is_block) {
    // Every row counted once: no scaling, no copy.
    if (!w) return symmetric_gram(s);
  }
  return weighted_gram_of(s, row_weights(rows, w));
}

namespace detail {
/// Z = I_b^T diag(w) I_a S_a (n_b x d_a), row by row over the target rows:
/// each target row adds its row of S_a onto its row of b. The co-occurrence
/// C = I_a^T diag(w) I_b is applied without being built.
template <class Sa, class Ra, class Rb, class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> scatter_through(
    const Sa& sa, const Ra& ra, const Rb& rb, index_t nb, const dense_vector<Scalar>* w) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z =
      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(nb, sa.cols());
  index_t first = 0, last = ra.target_rows();
  if constexpr (Ra::is_block) {  // only the block's target rows can take a row of a
    first = ra.offset();
    last = first + ra.source_rows();
  }
  if constexpr (is_sparse_v<Sa>) {
    const auto& r = row_major(sa);
    using iterator = typename std::decay_t<decltype(r)>::InnerIterator;
    for (index_t i = first; i < last; ++i) {
      const index_t pa = ra.source_row(i), pb = rb.source_row(i);
      if (pa == none || pb == none) continue;
      const Scalar wi = w ? (*w)[i] : Scalar(1);
      for (iterator it(r, pa); it; ++it) z(pb, it.col()) += wi * it.value();
    }
  } else {
    const index_t d = sa.cols();
    for (index_t i = first; i < last; ++i) {
      const index_t pa = ra.source_row(i), pb = rb.source_row(i);
      if (pa == none || pb == none) continue;
      const Scalar wi = w ? (*w)[i] : Scalar(1);
      Scalar* zrow = z.row(pb).data();
      for (index_t c = 0; c < d; ++c) zrow[c] += wi * sa(pa, c);
    }
  }
  return z;
}

/// Work of scattering part a onto b's rows, then Z^T S_b.
template <class Sa, class Sb>
double scatter_cost(const Sa& sa, const Sb& sb, index_t shared_rows) {
  const double row_a = is_sparse_v<Sa> ? static_cast<double>(sa.nonZeros()) / std::max<double>(1, double(sa.rows()))
                                       : static_cast<double>(sa.cols());
  const double product = is_sparse_v<Sb> ? 2.0 * static_cast<double>(sb.nonZeros()) * double(sa.cols())
                                         : 2.0 * double(sb.rows()) * double(sa.cols()) * double(sb.cols());
  return 4.0 * double(shared_rows) * row_a + product + double(sb.rows()) * double(sa.cols());
}
}  // namespace detail

/// S_a^T (I_a^T diag(w) I_b) S_b: an off-diagonal crossprod block, as
/// (I_b^T diag(w) I_a S_a)^T S_b or its mirror, whichever side is cheaper to scatter.
template <class Sa, class Ra, class Sb, class Rb, class Scalar>
dense_matrix<Scalar> cross_block(const Sa& sa, const Ra& ra, const Sb& sb, const Rb& rb,
                                 const dense_vector<Scalar>* w) {
  const index_t n = ra.target_rows();
  if (detail::scatter_cost(sa, sb, n) <= detail::scatter_cost(sb, sa, n)) {
    const auto z = detail::scatter_through(sa, ra, rb, sb.rows(), w);  // n_b x d_a
    return detail::transpose_times<Scalar>(z, sb);
  }
  const auto z = detail::scatter_through(sb, rb, ra, sa.rows(), w);  // n_a x d_b
  return detail::transpose_times<Scalar>(sa, z);
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
