#pragma once
// Row loops over a CSR matrix that add into a small result (S^T B, S^T
// diag(c) S, A^T diag(c) S). One-hot columns of data sorted by time hit the
// same result entry on consecutive rows, and each add then waits for the
// previous one's store. On a tall S the rows are dealt to `lanes` private
// partial results (row i to lane i mod lanes), which are summed in lane
// order at the end: independent chains, and the same bits on every run.
// The lanes of the gram kernels have one spare column past the result's
// own, which rows of one entry use as their second (short_row below).

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

/// Row i's stored entries when it holds one or two, as exactly two: a
/// one-entry row's second is the lanes' spare column `spare`, with value 0.
/// The kernels then add a fixed set of terms with no branch on the row's
/// length (one-hot rows hold one entry where a column is at its reference
/// level: 17% of the flights fact rows, at random). With the lanes' pointers
/// kept in registers (lane_view), the fact table's one-hot gram and cross
/// block went 3.2 -> 2.0 ms. Each result entry gets the same terms in the
/// same order as the general loop.
template <class Scalar>
struct short_row {
  index_t k0, k1;
  Scalar v0, v1;
};
template <class Scalar>
EIGEN_ALWAYS_INLINE bool read_short_row(const csr_arrays<Scalar>& a, index_t i, index_t spare, short_row<Scalar>& r) {
  const int begin = a.begin(i), count = a.end(i) - begin;
  if (static_cast<unsigned>(count - 1) >= 2u) return false;  // none, or more than two
  // Arithmetic, not ?: (which GCC turned back into a branch). Both loads
  // stay inside the row; the spare column, whatever it adds up, is dropped.
  const int two = count - 1;
  const index_t inner_second = a.inner[begin + two];
  r.k0 = a.inner[begin];
  r.v0 = a.value[begin];
  r.k1 = spare + ((inner_second - spare) & -static_cast<index_t>(two));
  r.v1 = a.value[begin + two] * static_cast<Scalar>(two);
  return true;
}

/// A lane_partials' lanes as plain values, for a row loop to keep in registers.
template <class Scalar>
struct lane_view {
  Scalar* data;
  std::size_t stride;
  index_t mask;
  EIGEN_ALWAYS_INLINE Scalar* of_row(index_t i) const { return data + static_cast<std::size_t>(i & mask) * stride; }
};

/// The lanes' private partial results, `size` entries each: row i adds into
/// lane i mod lanes; summed() adds the lanes into the first, in lane order.
/// Lanes lie a cache line more than a whole number of lines apart: at a
/// multiple of 4 KiB (a 32 x 32 lane) a load from one lane waited for the
/// store of the same entry in the previous lane (4K aliasing; 3.2 -> 4.4 ms).
template <class Scalar>
class lane_partials {
 public:
  lane_partials(index_t rows, index_t size)
      : size_(static_cast<std::size_t>(size)), stride_((size_ + 2 * line - 1) / line * line),
        lanes_(lanes_for(rows, size)), data_(stride_ * static_cast<std::size_t>(lanes_), Scalar(0)) {}
  lane_view<Scalar> view() { return {data_.data(), stride_, static_cast<index_t>(lanes_ - 1)}; }
  const Scalar* summed() {
    for (int l = 1; l < lanes_; ++l)
      for (std::size_t k = 0; k < size_; ++k) data_[k] += data_[static_cast<std::size_t>(l) * stride_ + k];
    return data_.data();
  }

 private:
  static constexpr std::size_t line = 64 / sizeof(Scalar) > 0 ? 64 / sizeof(Scalar) : 1;
  std::size_t size_, stride_;
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
  const lane_view<Scalar> lanes = partial.view();
  for (index_t i = 0; i < rows; ++i) {
    Scalar* lane = lanes.of_row(i) + first;
    Scalar bi[Count];
    for (int j = 0; j < Count; ++j) bi[j] = bj[j][i];
    const auto add = [&](index_t column, Scalar value) {
      Scalar* entry = lane + static_cast<std::size_t>(column) * m;
      for (int j = 0; j < Count; ++j) entry[j] += value * bi[j];
    };
    const int begin = a.begin(i), end = a.end(i);
    if (end - begin == 2) {  // two one-hot columns: no loop exit to mispredict
      add(a.inner[begin], a.value[begin]);
      add(a.inner[begin + 1], a.value[begin + 1]);
    } else {
      for (int k = begin; k < end; ++k) add(a.inner[k], a.value[k]);
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

/// One pair of a gram row: the term of columns k and l (value vk of column
/// k, already weighted), in the upper triangle. Forced inline, as the row
/// helpers below: called three times a row, a lambda here stayed out of line
/// (the month's crossprod 8.9 -> 11.0 ms).
template <class Scalar>
EIGEN_ALWAYS_INLINE void add_gram_pair(index_t k, index_t l, Scalar vk, Scalar vl, index_t stride, Scalar* lane) {
  lane[static_cast<std::size_t>(std::max(k, l) * stride + std::min(k, l))] += vk * vl;
}
/// Row i's terms of S^T diag(c) S (weight wi = c_i) into a lane ((d + 1) x
/// (d + 1), column-major, the last column spare): every unordered pair of
/// its non-zeros meets once, in the upper triangle. Inner indices are sorted
/// in a row (Eigen's compressed storage), so l <= k stays there; min/max
/// keep it so otherwise. A short row's terms and their order are the general
/// loop's (the spare column takes a one-entry row's made-up pairs).
template <class Scalar>
EIGEN_ALWAYS_INLINE void add_gram_short(const short_row<Scalar>& r, Scalar wi, index_t stride, Scalar* lane) {
  const Scalar w0 = wi * r.v0, w1 = wi * r.v1;
  add_gram_pair(r.k0, r.k0, w0, r.v0, stride, lane);
  add_gram_pair(r.k1, r.k0, w1, r.v0, stride, lane);
  add_gram_pair(r.k1, r.k1, w1, r.v1, stride, lane);
}
template <class Scalar>
EIGEN_ALWAYS_INLINE void add_gram_general(const csr_arrays<Scalar>& a, index_t i, Scalar wi, index_t stride,
                                         Scalar* lane) {
  for (int k = a.begin(i); k < a.end(i); ++k) {
    const Scalar vk = wi * a.value[k];
    for (int l = a.begin(i); l <= k; ++l) add_gram_pair<Scalar>(a.inner[k], a.inner[l], vk, a.value[l], stride, lane);
  }
}

/// One stored value of S (column k, value v, row weight wi) times A's row
/// (`row`, its columns col_stride apart) into a lane of A^T diag(c) S (d_a x
/// (d + 1), column-major, the last column spare). Cols >= 0 fixes d_a at
/// compile time (see fixed_count.hpp).
template <int Cols, class Scalar>
EIGEN_ALWAYS_INLINE void add_cross_entry(index_t k, Scalar v, Scalar wi, const Scalar* row, index_t col_stride,
                                        index_t cols_at_run_time, Scalar* lane) {
  const index_t cols = Cols >= 0 ? Cols : cols_at_run_time;
  const Scalar wv = wi * v;
  Scalar* column = lane + static_cast<std::size_t>(k) * static_cast<std::size_t>(cols);
  for (index_t r = 0; r < cols; ++r) column[r] += wv * row[r * col_stride];
}

/// S^T diag(c) S (d x d) for a CSR S, from the upper triangle.
template <class Scalar>
dense_matrix<Scalar> csr_weighted_gram(const csr_matrix<Scalar>& s, const vector_cref<Scalar>& c) {
  const index_t d = s.cols();
  lane_partials<Scalar> partial(s.rows(), (d + 1) * (d + 1));  // a lane: (d + 1) x (d + 1), column-major
  const lane_view<Scalar> lanes = partial.view();
  const csr_arrays<Scalar> a(s);
  const Scalar* weight = c.data();  // a raw pointer, as in dense_csr_weighted
  for (index_t i = 0; i < s.rows(); ++i) {
    if (weight[i] == Scalar(0)) continue;
    short_row<Scalar> r;
    if (read_short_row(a, i, d, r)) add_gram_short(r, weight[i], d + 1, lanes.of_row(i));
    else add_gram_general(a, i, weight[i], d + 1, lanes.of_row(i));
  }
  dense_matrix<Scalar> g = Eigen::Map<const dense_matrix<Scalar>>(partial.summed(), d + 1, d + 1).topLeftCorner(d, d);
  g.template triangularView<Eigen::StrictlyLower>() = g.transpose();
  return g;
}

/// The row loop of A^T diag(c) S, and with `gram` of S^T diag(c) S as well,
/// for a dense A (read through its pointer and strides, d_a fixed at compile
/// time up to 4: a one-column A 2.4 -> 1.0 ms on the flights fact table) and
/// a CSR S over the same rows. Lanes as in lane_partials (`gram` unused
/// without WithGram).
template <bool WithGram, class A, class Scalar>
void cross_rows(const A& dense, const csr_matrix<Scalar>& s, const vector_cref<Scalar>& c,
                lane_view<Scalar> cross, lane_view<Scalar> gram) {
  const index_t d = s.cols(), da = dense.cols();
  const csr_arrays<Scalar> a(s);
  const Scalar* values = dense.data();
  const index_t row_stride = dense.rowStride(), col_stride = dense.colStride();
  const Scalar* weight = c.data();
  with_fixed_count<4>(da, [&](auto fixed) {
    constexpr int cols = decltype(fixed)::value;
    for (index_t i = 0; i < s.rows(); ++i) {
      const Scalar wi = weight[i];
      if (wi == Scalar(0)) continue;
      const Scalar* row = values + i * row_stride;
      Scalar* cross_lane = cross.of_row(i);
      short_row<Scalar> r;
      if (WithGram && read_short_row(a, i, d, r)) {
        add_gram_short(r, wi, d + 1, gram.of_row(i));
        add_cross_entry<cols>(r.k0, r.v0, wi, row, col_stride, da, cross_lane);
        add_cross_entry<cols>(r.k1, r.v1, wi, row, col_stride, da, cross_lane);
      } else {
        if constexpr (WithGram) add_gram_general(a, i, wi, d + 1, gram.of_row(i));
        for (int k = a.begin(i); k < a.end(i); ++k)
          add_cross_entry<cols>(a.inner[k], a.value[k], wi, row, col_stride, da, cross_lane);
      }
    }
  });
}

/// block (d_a x d_b) += A^T diag(c) S for a dense A and a CSR S over the
/// same rows, no copy.
template <class A, class Scalar>
void dense_csr_weighted(const A& dense, const csr_matrix<Scalar>& s, const vector_cref<Scalar>& c,
                        dense_matrix<Scalar>& block) {
  const index_t da = dense.cols(), db = s.cols();
  // A lane: d_a x (d_b + 1), column-major. The spare column stays unused
  // here, but the lanes are csr_gram_and_cross's, so both give the same bits.
  lane_partials<Scalar> partial(s.rows(), da * (db + 1));
  cross_rows<false>(dense, s, c, partial.view(), {});
  block += Eigen::Map<const dense_matrix<Scalar>>(partial.summed(), da, db + 1).leftCols(db);
}

/// Both of the above in one pass over S and c, for a CSR part and a dense
/// part that share their rows (an alias's one-hot and numeric columns):
/// gram = S^T diag(c) S, block += A^T diag(c) S, bit for bit as the two
/// kernels give them (the same terms, order and lanes), reading S once.
template <class A, class Scalar>
void csr_gram_and_cross(const csr_matrix<Scalar>& s, const A& dense, const vector_cref<Scalar>& c,
                        dense_matrix<Scalar>& gram, dense_matrix<Scalar>& block) {
  const index_t d = s.cols(), da = dense.cols();
  lane_partials<Scalar> gram_lanes(s.rows(), (d + 1) * (d + 1)), cross_lanes(s.rows(), da * (d + 1));
  cross_rows<true>(dense, s, c, cross_lanes.view(), gram_lanes.view());
  gram = Eigen::Map<const dense_matrix<Scalar>>(gram_lanes.summed(), d + 1, d + 1).topLeftCorner(d, d);
  gram.template triangularView<Eigen::StrictlyLower>() = gram.transpose();
  block += Eigen::Map<const dense_matrix<Scalar>>(cross_lanes.summed(), da, d + 1).leftCols(d);
}

}  // namespace amalur::kernels::detail
