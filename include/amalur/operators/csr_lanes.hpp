#pragma once
// Row loops over a CSR matrix that add into a small result (S^T B, S^T
// diag(c) S, A^T diag(c) S). One-hot columns of data sorted by time hit the
// same result entry on consecutive rows, and each add then waits for the
// previous one's store. On a tall S the rows are dealt to `lanes` private
// partial results (row i to lane i mod lanes), which are summed in lane
// order at the end: independent chains, and the same bits on every run.

#include <algorithm>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/operators/fixed_count.hpp"

namespace amalur::kernels::detail {

/// 4 lanes when S has at least 16 rows per entry of the partial results, else 1.
inline int lanes_for(index_t rows, index_t partial_size) { return rows >= 16 * std::max<index_t>(partial_size, 1) ? 4 : 1; }

/// The stored entries of CSR row i as [begin, end) into inner/value.
template <class Scalar>
struct csr_arrays {
  const int* outer;
  const int* nonzeros;  // null when compressed
  const int* inner;
  const Scalar* value;
  explicit csr_arrays(const csr_matrix<Scalar>& s)
      : outer(s.outerIndexPtr()), nonzeros(s.isCompressed() ? nullptr : s.innerNonZeroPtr()),
        inner(s.innerIndexPtr()), value(s.valuePtr()) {}
  int begin(index_t i) const { return outer[i]; }
  int end(index_t i) const { return nonzeros ? outer[i] + nonzeros[i] : outer[i + 1]; }
};

/// The lanes' private partial results, `size` entries each: row i adds into
/// lane i mod lanes; summed() adds the lanes into the first, in lane order.
template <class Scalar>
class lane_partials {
 public:
  lane_partials(index_t rows, index_t size)
      : size_(static_cast<std::size_t>(size)), lanes_(lanes_for(rows, size)),
        data_(size_ * static_cast<std::size_t>(lanes_), Scalar(0)) {}
  Scalar* of_row(index_t i) { return data_.data() + static_cast<std::size_t>(i & (lanes_ - 1)) * size_; }
  const Scalar* summed() {
    for (int l = 1; l < lanes_; ++l)
      for (std::size_t k = 0; k < size_; ++k) data_[k] += data_[static_cast<std::size_t>(l) * size_ + k];
    return data_.data();
  }

 private:
  std::size_t size_;
  int lanes_;
  std::vector<Scalar> data_;
};

/// Columns [first, first + Count) of B in one pass over S, into the lanes of S^T B.
template <int Count, class Scalar>
void csr_transpose_pass(const csr_arrays<Scalar>& a, index_t rows, const dense_cref<Scalar>& b, index_t first,
                        lane_partials<Scalar>& partial) {
  const auto m = static_cast<std::size_t>(b.cols());
  const Scalar* bj[Count];
  for (int j = 0; j < Count; ++j) bj[j] = b.col(first + j).data();
  for (index_t i = 0; i < rows; ++i) {
    Scalar* lane = partial.of_row(i) + first;
    Scalar bi[Count];
    for (int j = 0; j < Count; ++j) bi[j] = bj[j][i];
    const auto add = [&](int k) {
      Scalar* entry = lane + static_cast<std::size_t>(a.inner[k]) * m;
      for (int j = 0; j < Count; ++j) entry[j] += a.value[k] * bi[j];
    };
    const int begin = a.begin(i), end = a.end(i);
    if (end - begin == 2) {  // two one-hot columns: no loop exit to mispredict (see csr_weighted_gram)
      add(begin);
      add(begin + 1);
    } else {
      for (int k = begin; k < end; ++k) add(k);
    }
  }
}
/// c (d x m) += S^T B for a CSR S (n x d) and a dense B (n x m). Two
/// columns of B (a GLM's [W, W z]) share one pass over S; each entry of c
/// adds its terms in row order either way.
template <class Scalar>
void csr_transpose_times(const csr_matrix<Scalar>& s, const dense_cref<Scalar>& b, dense_mref<Scalar> c) {
  const index_t d = s.cols(), m = b.cols();
  lane_partials<Scalar> partial(s.rows(), d * m);  // a lane: d x m, row-major
  const csr_arrays<Scalar> a(s);
  index_t first = 0;
  for (; first + 2 <= m; first += 2) csr_transpose_pass<2>(a, s.rows(), b, first, partial);
  if (first < m) csr_transpose_pass<1>(a, s.rows(), b, first, partial);
  c += Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(partial.summed(), d, m);
}

/// c (rows x m) += S.middleRows(begin, rows) B for a CSR S (n x d) and a
/// dense B (d x m): T's rows of a block source computed in place, with no
/// n-sized product to gather. Each row sums its entries in order, as Eigen's
/// sparse product does.
template <class Scalar>
void csr_rows_times(const csr_matrix<Scalar>& s, index_t begin, const dense_cref<Scalar>& b, dense_mref<Scalar> c) {
  const csr_arrays<Scalar> a(s);
  for (index_t j = 0; j < b.cols(); ++j) {
    const Scalar* bj = b.col(j).data();
    Scalar* cj = c.col(j).data();
    for (index_t i = 0; i < c.rows(); ++i) {
      Scalar sum = 0;
      for (int k = a.begin(begin + i); k < a.end(begin + i); ++k) sum += a.value[k] * bj[a.inner[k]];
      cj[i] += sum;
    }
  }
}

/// One pair of a gram row. Forced inline, as add_gram_row: called four times
/// a row, a lambda here stayed out of line (the month's crossprod 8.9 -> 11.0 ms).
template <class Scalar>
EIGEN_ALWAYS_INLINE void add_gram_pair(const csr_arrays<Scalar>& a, int k, int l, Scalar vk, index_t d, Scalar* lane) {
  const index_t lo = std::min(a.inner[l], a.inner[k]), hi = std::max(a.inner[l], a.inner[k]);
  lane[static_cast<std::size_t>(hi * d + lo)] += vk * a.value[l];
}
/// Row i's terms of S^T diag(c) S (weight wi = c_i) into a lane (d x d,
/// column-major): every unordered pair of its non-zeros meets once, in the
/// upper triangle. Inner indices are sorted in a row (Eigen's compressed
/// storage), so l <= k stays there; min/max keep it so otherwise. Rows of one
/// or two one-hot columns get their pairs written out, with no inner loop
/// whose exits mispredict (2.2 -> 1.4 ms on the flights fact table); the
/// terms and their order are the general loop's.
template <class Scalar>
EIGEN_ALWAYS_INLINE void add_gram_row(const csr_arrays<Scalar>& a, index_t i, Scalar wi, index_t d, Scalar* lane) {
  const int begin = a.begin(i), end = a.end(i);
  if (end - begin == 1) {
    add_gram_pair(a, begin, begin, wi * a.value[begin], d, lane);
  } else if (end - begin == 2) {
    const Scalar v0 = wi * a.value[begin], v1 = wi * a.value[begin + 1];
    add_gram_pair(a, begin, begin, v0, d, lane);
    add_gram_pair(a, begin + 1, begin, v1, d, lane);
    add_gram_pair(a, begin + 1, begin + 1, v1, d, lane);
  } else {
    for (int k = begin; k < end; ++k) {
      const Scalar vk = wi * a.value[k];
      for (int l = begin; l <= k; ++l) add_gram_pair(a, k, l, vk, d, lane);
    }
  }
}

/// Row i's terms of A^T diag(c) S into a lane (d_a x d, column-major): each
/// stored value of S meets A's row i (`row`, its columns col_stride apart).
/// Cols >= 0 fixes d_a at compile time (see fixed_count.hpp).
template <int Cols, class Scalar>
EIGEN_ALWAYS_INLINE void add_cross_row(const csr_arrays<Scalar>& a, index_t i, Scalar wi, const Scalar* row,
                                      index_t col_stride, index_t cols_at_run_time, Scalar* lane) {
  const index_t cols = Cols >= 0 ? Cols : cols_at_run_time;
  for (int k = a.begin(i); k < a.end(i); ++k) {
    const Scalar v = wi * a.value[k];
    Scalar* column = lane + static_cast<std::size_t>(a.inner[k]) * static_cast<std::size_t>(cols);
    for (index_t r = 0; r < cols; ++r) column[r] += v * row[r * col_stride];
  }
}

/// S^T diag(c) S (d x d) for a CSR S, from the upper triangle.
template <class Scalar>
dense_matrix<Scalar> csr_weighted_gram(const csr_matrix<Scalar>& s, const vector_cref<Scalar>& c) {
  const index_t d = s.cols();
  lane_partials<Scalar> partial(s.rows(), d * d);  // a lane: d x d, column-major
  const csr_arrays<Scalar> a(s);
  const Scalar* weight = c.data();  // a raw pointer, as in dense_csr_weighted
  for (index_t i = 0; i < s.rows(); ++i)
    if (weight[i] != Scalar(0)) add_gram_row(a, i, weight[i], d, partial.of_row(i));
  dense_matrix<Scalar> g = Eigen::Map<const dense_matrix<Scalar>>(partial.summed(), d, d);
  g.template triangularView<Eigen::StrictlyLower>() = g.transpose();
  return g;
}

/// block (d_a x d_b) += A^T diag(c) S for a dense A and a CSR S over the
/// same rows, no copy. A is read through its pointer and strides, with d_a
/// fixed at compile time up to 4 (a one-column A: 2.4 -> 1.0 ms on the
/// flights fact table).
template <class A, class Scalar>
void dense_csr_weighted(const A& dense, const csr_matrix<Scalar>& s, const vector_cref<Scalar>& c,
                        dense_matrix<Scalar>& block) {
  const index_t da = dense.cols(), db = s.cols();
  lane_partials<Scalar> partial(s.rows(), da * db);  // a lane: d_a x d_b, column-major
  const csr_arrays<Scalar> a(s);
  const Scalar* values = dense.data();
  const index_t row_stride = dense.rowStride(), col_stride = dense.colStride();
  const Scalar* weight = c.data();
  with_fixed_count<4>(da, [&](auto fixed) {
    for (index_t i = 0; i < s.rows(); ++i)
      if (weight[i] != Scalar(0))
        add_cross_row<decltype(fixed)::value>(a, i, weight[i], values + i * row_stride, col_stride, da,
                                              partial.of_row(i));
  });
  block += Eigen::Map<const dense_matrix<Scalar>>(partial.summed(), da, db);
}

/// Both of the above in one pass over S and c, for a CSR part and a dense
/// part that share their rows (an alias's one-hot and numeric columns):
/// gram = S^T diag(c) S, block += A^T diag(c) S, bit for bit as the two
/// kernels give them (the same terms, order and lanes), reading S once.
template <class A, class Scalar>
void csr_gram_and_cross(const csr_matrix<Scalar>& s, const A& dense, const vector_cref<Scalar>& c,
                        dense_matrix<Scalar>& gram, dense_matrix<Scalar>& block) {
  const index_t d = s.cols(), da = dense.cols();
  lane_partials<Scalar> gram_lanes(s.rows(), d * d), cross_lanes(s.rows(), da * d);
  const csr_arrays<Scalar> a(s);
  const Scalar* values = dense.data();
  const index_t row_stride = dense.rowStride(), col_stride = dense.colStride();
  const Scalar* weight = c.data();
  with_fixed_count<4>(da, [&](auto fixed) {
    for (index_t i = 0; i < s.rows(); ++i) {
      if (weight[i] == Scalar(0)) continue;
      add_gram_row(a, i, weight[i], d, gram_lanes.of_row(i));
      add_cross_row<decltype(fixed)::value>(a, i, weight[i], values + i * row_stride, col_stride, da,
                                            cross_lanes.of_row(i));
    }
  });
  gram = Eigen::Map<const dense_matrix<Scalar>>(gram_lanes.summed(), d, d);
  gram.template triangularView<Eigen::StrictlyLower>() = gram.transpose();
  block += Eigen::Map<const dense_matrix<Scalar>>(cross_lanes.summed(), da, d);
}

}  // namespace amalur::kernels::detail
