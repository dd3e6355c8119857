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
/// C S for a sparse C: sparse when S is, dense otherwise.
template <class Scalar, class C, class S>
auto sparse_times(const C& c, const S& s) {
  if constexpr (is_sparse_v<S>) {
    return Eigen::SparseMatrix<Scalar>(c * s);
  } else {
    dense_matrix<Scalar> r(c.rows(), s.cols());
    r.noalias() = c * s;
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

/// S^T diag(c) S for a sparse S, row by row: every pair of non-zeros in a
/// row meets once. Faster than a sparse-sparse product when d is moderate.
template <class S, class Scalar>
dense_matrix<Scalar> sparse_weighted_gram(const S& s, const dense_vector<Scalar>& c) {
  dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(s.cols(), s.cols());
  const auto& r = detail::row_major(s);
  using storage = std::decay_t<decltype(r)>;
  const auto* outer = r.outerIndexPtr();
  const auto* inner = r.innerIndexPtr();
  const Scalar* value = r.valuePtr();
  for (index_t j = 0; j < r.outerSize(); ++j) {
    if (c[j] == Scalar(0)) continue;
    const auto begin = outer[j], end = r.isCompressed() ? outer[j + 1] : begin + r.innerNonZeroPtr()[j];
    for (auto a = begin; a < end; ++a) {
      const Scalar va = c[j] * value[a];
      for (auto b = begin; b < end; ++b) g(inner[b], inner[a]) += va * value[b];
    }
  }
  static_cast<void>(sizeof(storage));
  return g;
}

/// S^T diag(c) S for the part's own block of the crossprod, c = I^T w.
template <class S, class Rows, class Scalar>
dense_matrix<Scalar> weighted_gram(const S& s, const Rows& rows, const dense_vector<Scalar>* w) {
  if constexpr (is_sparse_v<S>) {
    return sparse_weighted_gram(s, row_weights(rows, w));
  } else {
    dense_matrix<Scalar> g = dense_matrix<Scalar>::Zero(s.cols(), s.cols());
    if (!w && Rows::is_block) {
      // Every row counted once: no scaling, no copy.
      g.template selfadjointView<Eigen::Lower>().rankUpdate(s.transpose());
      g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
      return g;
    }
    const dense_vector<Scalar> c = row_weights(rows, w);
    if ((c.array() >= Scalar(0)).all()) {
      // (sqrt(c) S)^T (sqrt(c) S): a symmetric rank update, half the flops.
      const dense_matrix<Scalar> a = c.cwiseSqrt().asDiagonal() * s;
      g.template selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
      g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
    } else {
      const dense_matrix<Scalar> cs = c.asDiagonal() * s;
      g.noalias() = s.transpose() * cs;
    }
    return g;
  }
}

namespace detail {
/// The cross block when part a is a block of target rows (the fact table, a
/// union block) and both sources are dense: C = I_a^T diag(w) I_b has at most
/// one entry per row of a, so it is applied as a gather or a scatter, never built.
template <class Sa, class Ra, class Sb, class Rb, class Scalar>
dense_matrix<Scalar> cross_block_from_block(const Sa& sa, const Ra& ra, const Sb& sb, const Rb& rb,
                                            const dense_vector<Scalar>* w) {
  const index_t na = sa.rows(), da = sa.cols(), nb = sb.rows(), db = sb.cols(), off = ra.offset();
  auto weight = [&](index_t r) { return w ? (*w)[r + off] : Scalar(1); };
  dense_matrix<Scalar> out(da, db);
  const double scatter_cost = double(na) * double(da) + 2.0 * double(nb) * double(da) * double(db);
  const double gather_cost = double(na) * double(db) + 2.0 * double(na) * double(da) * double(db);
  if (is_sparse_v<Sb> || scatter_cost <= gather_cost) {
    // (C^T S_a)^T S_b: scatter a's rows onto b's rows, then a small product.
    dense_matrix<Scalar> z = dense_matrix<Scalar>::Zero(nb, da);
    for (index_t c = 0; c < da; ++c) {
      const auto src = sa.col(c);
      Scalar* zc = z.col(c).data();
      for (index_t r = 0; r < na; ++r) {
        const index_t j = rb.source_row(r + off);
        if (j != none) zc[j] += weight(r) * src[r];
      }
    }
    out.noalias() = z.transpose() * sb;
  } else if constexpr (!is_sparse_v<Sb>) {
    // S_a^T (C S_b): gather b's rows onto a's rows.
    dense_matrix<Scalar> y(na, db);
    for (index_t c = 0; c < db; ++c) {
      const auto src = sb.col(c);
      Scalar* yc = y.col(c).data();
      for (index_t r = 0; r < na; ++r) {
        const index_t j = rb.source_row(r + off);
        yc[r] = j != none ? weight(r) * src[j] : Scalar(0);
      }
    }
    out.noalias() = sa.transpose() * y;
  }
  return out;
}
}  // namespace detail

/// S_a^T (I_a^T diag(w) I_b) S_b: an off-diagonal crossprod block. The
/// co-occurrence C is applied on the cheaper side: S_a^T (C S_b) or (C^T S_a)^T S_b.
template <class Sa, class Ra, class Sb, class Rb, class Scalar>
dense_matrix<Scalar> cross_block(const Sa& sa, const Ra& ra, const Sb& sb, const Rb& rb,
                                 const dense_vector<Scalar>* w) {
  if constexpr (!is_sparse_v<Sa> && Ra::is_block) {
    return detail::cross_block_from_block(sa, ra, sb, rb, w);
  } else if constexpr (!is_sparse_v<Sb> && Rb::is_block) {
    return detail::cross_block_from_block(sb, rb, sa, ra, w).transpose();
  } else {
    const csr_matrix<Scalar> c = cooccurrence<Scalar>(ra, rb, w);
    const double nnz = static_cast<double>(c.nonZeros());
    const double da = static_cast<double>(sa.cols()), db = static_cast<double>(sb.cols());
    const double via_b = nnz * db + static_cast<double>(sa.rows()) * da * db;
    const double via_a = nnz * da + static_cast<double>(sb.rows()) * da * db;
    if (via_b <= via_a) return detail::transpose_times<Scalar>(sa, detail::sparse_times<Scalar>(c, sb));
    const Eigen::SparseMatrix<Scalar> ct = c.transpose();
    return detail::transpose_times<Scalar>(detail::sparse_times<Scalar>(ct, sa), sb);
  }
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
