#pragma once
// The factorized operators of a normalized matrix T: each sums the part
// kernels (operators/part_kernels.hpp) over T's parts, accumulating into
// the caller's destination, so no result is zero-filled twice and Eigen's
// `y += T * x` costs no temporary. T is anything with Scalar, rows(),
// cols(), for_each_part and context() (both faces). Shapes are checked by
// the callers. Each runs on the context's threads, cut so that every thread
// count gives the same bits (execution/parallel.hpp).

#include "amalur/core/config.hpp"
#include "amalur/core/operation.hpp"
#include "amalur/execution/parallel.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/operators/part_kernels.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur::factorized {

namespace detail {
template <class T>
index_t part_count(const T& t) {
  index_t n = 0;
  t.for_each_part([&](const auto&, const auto&, const part_layout&) { ++n; });
  return n;
}
/// Calls f(source, indicator, layout) for part k alone.
template <class T, class F>
void visit_part(const T& t, index_t k, F&& f) {
  index_t i = 0;
  t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
    if (i++ == k) f(s, r, p);
  });
}
template <class T>
int threads_of(const T& t) {
  return t.context()->threads();
}
/// A dense source whose rows are a block of T's: its product rows are cut with T's rows.
template <class S, class Rows>
constexpr bool cut_with_rows = !is_sparse_v<S> && Rows::is_block;

/// Each part's contribution computed by `contribute(part, private out)` in
/// parallel, then added to `out` in part order: the same bits for any thread count.
template <class T, class Contribute>
void add_per_part(const T& t, dense_mref<typename T::Scalar> out, Contribute&& contribute) {
  using Scalar = typename T::Scalar;
  const index_t parts = part_count(t);
  std::vector<dense_matrix<Scalar>> own(static_cast<std::size_t>(parts));
  parallel_tasks(parts, threads_of(t), [&](index_t k) {
    auto& mine = own[static_cast<std::size_t>(k)];
    mine = dense_matrix<Scalar>::Zero(out.rows(), out.cols());
    visit_part(t, k, [&](const auto& s, const auto& r, const part_layout& p) { contribute(s, r, p, dense_mref<Scalar>(mine)); });
  });
  for (const auto& mine : own) out += mine;
}
}  // namespace detail

/// out (n x m) += T X: first S_k (M_k^T X) of every part whose rows are gathered
/// (or sparse), in parallel over parts; then T's rows in fixed blocks, each
/// adding every part's rows in part order.
template <class T>
void add_multiply(const T& t, const dense_cref<typename T::Scalar>& x, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const index_t parts = detail::part_count(t);
  const int threads = detail::threads_of(t);
  std::vector<dense_matrix<Scalar>> mapped(static_cast<std::size_t>(parts)), y(static_cast<std::size_t>(parts));
  parallel_tasks(parts, threads, [&](index_t k) {
    detail::visit_part(t, k, [&](const auto& s, const auto& r, const part_layout& p) {
      auto& copy = mapped[static_cast<std::size_t>(k)];
      const dense_cref<Scalar> xs = kernels::detail::mapped_rows(p, x, copy);
      if constexpr (!detail::cut_with_rows<std::decay_t<decltype(s)>, std::decay_t<decltype(r)>>) {
        auto& yk = y[static_cast<std::size_t>(k)];
        yk = dense_matrix<Scalar>::Zero(s.rows(), x.cols());
        kernels::add_times(s, xs, yk);
      }
    });
  });
  parallel_rows(t.rows(), threads, [&](index_t begin, index_t end) {
    index_t k = 0;
    t.for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      const auto& yk = y[static_cast<std::size_t>(k)];
      const dense_cref<Scalar> xs = p.block_target >= 0 ? dense_cref<Scalar>(x.middleRows(p.block_target, p.source_cols))
                                                        : dense_cref<Scalar>(mapped[static_cast<std::size_t>(k)]);
      ++k;
      using Rows = std::decay_t<decltype(r)>;
      if constexpr (Rows::is_block) {
        const index_t first = std::max(begin, r.offset()), last = std::min(end, r.offset() + r.source_rows());
        if (first >= last) return;
        if constexpr (detail::cut_with_rows<std::decay_t<decltype(s)>, Rows>)
          kernels::add_times(s.middleRows(first - r.offset(), last - first), xs, out.middleRows(first, last - first));
        else
          out.middleRows(first, last - first) += yk.middleRows(first - r.offset(), last - first);
      } else {
        kernels::gather_rows_add(r, yk, out, begin, end);
      }
    });
  });
}

/// out (d x m) += T^T X, in parallel over parts.
template <class T>
void add_transpose_multiply(const T& t, const dense_cref<typename T::Scalar>& x,
                            dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  detail::add_per_part(t, out, [&](const auto& s, const auto& r, const part_layout& p, dense_mref<Scalar> mine) {
    kernels::transpose_multiply(s, r, p, x, mine);
  });
}

/// out (m x d) += X T, in parallel over parts.
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
  detail::add_per_part(t, out, [&](const auto& s, const auto& r, const part_layout& p, dense_mref<Scalar> mine) {
    kernels::left_multiply(s, r, p, x, mine);
  });
}

/// out (m x n) += X T^T: (T X^T)^T, the same kernels and cuts as T X.
template <class T>
void add_left_multiply_transpose(const T& t, const dense_cref<typename T::Scalar>& x,
                                 dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  dense_matrix<Scalar> column = dense_matrix<Scalar>::Zero(t.rows(), x.rows());
  add_multiply(t, dense_matrix<Scalar>(x.transpose()), column);
  out += column.transpose();
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

/// out (d x d) += T^T diag(w) T (w null: T^T T): every part's own block and
/// every pair's block in parallel, added in a fixed order; parts that share
/// an indicator (an alias's dense and one-hot columns) meet without a pass
/// over the target rows.
template <class T>
void add_crossprod(const T& t, const dense_vector<typename T::Scalar>* w, dense_mref<typename T::Scalar> out) {
  using Scalar = typename T::Scalar;
  const index_t parts = detail::part_count(t);
  std::vector<std::pair<index_t, index_t>> pairs;
  for (index_t a = 0; a < parts; ++a)
    for (index_t b = a; b < parts; ++b) pairs.emplace_back(a, b);
  std::vector<dense_matrix<Scalar>> blocks(pairs.size());
  std::vector<const part_layout*> layouts(static_cast<std::size_t>(parts));
  parallel_tasks(static_cast<index_t>(pairs.size()), detail::threads_of(t), [&](index_t k) {
    const auto [a, b] = pairs[static_cast<std::size_t>(k)];
    auto& block = blocks[static_cast<std::size_t>(k)];
    detail::visit_part(t, a, [&](const auto& sa, const auto& ra, const part_layout& pa) {
      if (a == b) {
        layouts[static_cast<std::size_t>(a)] = &pa;
        block = kernels::weighted_gram(sa, ra, w);
        return;
      }
      detail::visit_part(t, b, [&](const auto& sb, const auto& rb, const part_layout&) {
        block = kernels::same_indicator(ra, rb) ? kernels::shared_rows_block(sa, sb, ra, w)
                                                : kernels::cross_block(sa, ra, sb, rb, w);
      });
    });
  });
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto [a, b] = pairs[k];
    kernels::add_cross_block<Scalar>(*layouts[static_cast<std::size_t>(a)], *layouts[static_cast<std::size_t>(b)],
                                     blocks[k], a != b, out);
  }
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
