#pragma once
// The crossprod blocks between two groups of parts, each group sharing one
// indicator (an alias's dense and one-hot columns): one pass over the target
// rows scatters every part of group A onto group B's source rows,
//   Z = I_B^T diag(w) I_A [S_A1 | S_A2 | ...]   (n_B x d_A),
// and each part b of B then gives its blocks with A as S_b^T Z. One pass per
// pair of groups instead of one per pair of parts. The parts of A are read
// through plain row descriptors, so the pass is one loop, not one per part.
// Where both groups have few entries per row, co-occurrence gives the whole
// block in one pass instead, with no scattered Z.

#include <algorithm>
#include <vector>

#include "amalur/core/traits.hpp"
#include "amalur/operators/csr_lanes.hpp"
#include "amalur/operators/fixed_count.hpp"
#include "amalur/operators/materialize.hpp"
#include "amalur/operators/products.hpp"

namespace amalur::kernels {

/// What identifies an indicator: equal keys take the same source row for every target row.
struct indicator_key {
  const row_index* data = nullptr;  // indexed rows; null for a block
  index_t offset = 0, source_rows = 0, target_rows = 0;
  bool operator==(const indicator_key& o) const {
    return data == o.data && offset == o.offset && source_rows == o.source_rows && target_rows == o.target_rows;
  }
};
inline indicator_key key_of(const offset_rows& r) { return {nullptr, r.offset(), r.source_rows(), r.target_rows()}; }
inline indicator_key key_of(const indexed_rows& r) { return {r.data(), 0, r.source_rows(), r.target_rows()}; }

/// One part's rows as the scatter reads them: a dense matrix by strides, or CSR arrays.
template <class Scalar>
struct row_reader {
  index_t column_offset = 0, cols = 0;
  const Scalar* dense = nullptr;
  index_t row_stride = 0, col_stride = 0;
  const int* outer = nullptr;  // CSR (compressed)
  const int* inner = nullptr;
  const Scalar* values = nullptr;
};

/// A reader for `s` placed at `column_offset` of Z; `keep` holds a CSR copy when s is not CSR already.
template <class S, class Scalar = typename S::Scalar>
row_reader<Scalar> reader_of(const S& s, index_t column_offset, csr_matrix<Scalar>& keep) {
  row_reader<Scalar> r;
  r.column_offset = column_offset;
  r.cols = s.cols();
  if constexpr (is_sparse_v<S>) {
    const csr_matrix<Scalar>* csr = &keep;
    if constexpr (std::is_same_v<S, csr_matrix<Scalar>>) {
      if (s.isCompressed()) csr = &s;
      else keep = s;
    } else {
      keep = s;
    }
    keep.makeCompressed();
    r.outer = csr->outerIndexPtr();
    r.inner = csr->innerIndexPtr();
    r.values = csr->valuePtr();
  } else {
    r.dense = s.data();
    const bool row_major_order = (Eigen::internal::traits<S>::Flags & Eigen::RowMajorBit) != 0;
    r.row_stride = row_major_order ? s.outerStride() : 1;
    r.col_stride = row_major_order ? 1 : s.outerStride();
  }
  return r;
}

namespace detail {
/// One dense column of a group as the scatter reads it, and one CSR part.
template <class Scalar>
struct dense_column {
  const Scalar* data;
  index_t row_stride, column;
};
template <class Scalar>
struct sparse_columns {
  const int* outer;
  const int* inner;
  const Scalar* values;
  index_t column_offset;
};

/// The scatter's pass with Dense dense columns and Sparse CSR parts (-1: counts known at run time).
template <int Dense, int Sparse, class Ra, class Rb, class Scalar>
void scatter_flat(const std::vector<dense_column<Scalar>>& dense_in, const std::vector<sparse_columns<Scalar>>& sparse_in,
                  index_t width, const Ra& ra, const Rb& rb, const Scalar* w, Scalar* z) {
  const fixed_list<dense_column<Scalar>, Dense> dense(dense_in);
  const fixed_list<sparse_columns<Scalar>, Sparse> sparse(sparse_in);
  index_t first = 0, last = ra.target_rows();
  if constexpr (Ra::is_block) {  // only the block's target rows take a row of A
    first = ra.offset();
    last = first + ra.source_rows();
  }
  for (index_t i = first; i < last; ++i) {
    const index_t pa = ra.source_row(i), pb = rb.source_row(i);
    if (pa == none || pb == none) continue;
    const Scalar wi = w ? w[i] : Scalar(1);
    Scalar* zrow = z + pb * width;
    for (index_t j = 0; j < dense.size(); ++j) zrow[dense[j].column] += wi * dense[j].data[pa * dense[j].row_stride];
    for (index_t j = 0; j < sparse.size(); ++j) {
      const sparse_columns<Scalar>& p = sparse[j];
      Scalar* dst = zrow + p.column_offset;
      for (int k = p.outer[pa]; k < p.outer[pa + 1]; ++k) dst[p.inner[k]] += wi * p.values[k];
    }
  }
}
}  // namespace detail

/// Z (n_B x d_A, row-major) = I_B^T diag(w) I_A [parts of A], in one pass
/// over the target rows. The parts become a list of dense columns and one of
/// CSR parts; up to 4 and 1 of them, their counts are fixed at compile time
/// (2.2x faster on the flights fact table's one dense and one one-hot part
/// than a loop over the parts). Each entry of Z adds its terms in row order.
template <class Ra, class Rb, class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> scatter_group(
    const std::vector<row_reader<Scalar>>& parts, index_t width, const Ra& ra, const Rb& rb,
    const Scalar* w) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z =
      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(rb.source_rows(), width);
  std::vector<detail::dense_column<Scalar>> dense;
  std::vector<detail::sparse_columns<Scalar>> sparse;
  for (const auto& p : parts) {
    if (p.dense)
      for (index_t c = 0; c < p.cols; ++c) dense.push_back({p.dense + c * p.col_stride, p.row_stride, p.column_offset + c});
    else
      sparse.push_back({p.outer, p.inner, p.values, p.column_offset});
  }
  detail::with_fixed_count<4>(static_cast<index_t>(dense.size()), [&](auto dense_count) {
    detail::with_fixed_count<1>(static_cast<index_t>(sparse.size()), [&](auto sparse_count) {
      constexpr int d = decltype(dense_count)::value, c = decltype(sparse_count)::value;
      if constexpr (d < 0 || c < 0)  // either count past its bound: both read at run time
        detail::scatter_flat<-1, -1>(dense, sparse, width, ra, rb, w, z.data());
      else
        detail::scatter_flat<d, c>(dense, sparse, width, ra, rb, w, z.data());
    });
  });
  return z;
}

/// S_b^T Z (d_b x width, row-major) for a part S_b of the group Z was
/// scattered onto, Z as scatter_group gives it (row-major). A CSR S_b adds
/// each stored value times Z's contiguous row, rows in order: no
/// column-major copy of Z and no pass over S_b per pair of Z's columns
/// (csr_transpose_times). Other parts as (Z^T S)^T, Z^T being Z's own
/// storage read column-major: the products' kernel, no copy either.
template <class S, class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> transpose_times_rows(
    const S& s, const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& z) {
  using rows_matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  rows_matrix out = rows_matrix::Zero(s.cols(), z.cols());
  if constexpr (std::is_same_v<S, csr_matrix<Scalar>>) {
    const detail::csr_arrays<Scalar> a(s);
    for (index_t i = 0; i < s.rows(); ++i)
      for (int k = a.begin(i); k < a.end(i); ++k) out.row(a.inner[k]) += a.value[k] * z.row(i);
  } else {
    const Eigen::Map<const dense_matrix<Scalar>> z_transposed(z.data(), z.cols(), z.rows());
    Eigen::Map<dense_matrix<Scalar>> out_transposed(out.data(), out.cols(), out.rows());
    add_times_this(dense_cref<Scalar>(z_transposed), s, dense_mref<Scalar>(out_transposed));
  }
  return out;
}

/// The most entries a source row of a group's parts can have (the buffer row_entries fills).
template <class Scalar>
index_t max_row_entries(const std::vector<row_reader<Scalar>>& parts, index_t source_rows) {
  index_t most = 0;
  for (const auto& p : parts) {
    if (p.dense) {
      most += p.cols;
      continue;
    }
    int widest = 0;
    for (index_t r = 0; r < source_rows; ++r) widest = std::max(widest, p.outer[r + 1] - p.outer[r]);
    most += widest;
  }
  return most;
}

/// The entries of one source row of a group's parts, at their columns of the group; their count.
template <class Scalar>
index_t row_entries(const std::vector<row_reader<Scalar>>& parts, index_t row, index_t* column, Scalar* value) {
  index_t count = 0;
  for (const auto& p : parts) {
    if (p.dense) {
      const Scalar* src = p.dense + row * p.row_stride;
      for (index_t c = 0; c < p.cols; ++c, ++count) {
        column[count] = p.column_offset + c;
        value[count] = src[c * p.col_stride];
      }
    } else {
      for (int k = p.outer[row]; k < p.outer[row + 1]; ++k, ++count) {
        column[count] = p.column_offset + p.inner[k];
        value[count] = p.values[k];
      }
    }
  }
  return count;
}

/// The whole block between two groups, (width_a x width_b) = [parts of A]^T I_A^T diag(w) I_B [parts of B],
/// by co-occurrence: each target row adds the products of its A entries with its B entries. Cheaper
/// than a scatter when both sides have few entries per row (one-hot columns) and the scattered Z
/// (source rows x width) would be large.
template <class Ra, class Rb, class Scalar>
dense_matrix<Scalar> cooccurrence_group(const std::vector<row_reader<Scalar>>& a_parts, index_t width_a,
                                        const std::vector<row_reader<Scalar>>& b_parts, index_t width_b,
                                        const Ra& ra, const Rb& rb, const Scalar* w) {
  dense_matrix<Scalar> block = dense_matrix<Scalar>::Zero(width_a, width_b);
  index_t first = 0, last = ra.target_rows();
  if constexpr (Ra::is_block) {
    first = ra.offset();
    last = first + ra.source_rows();
  }
  const auto a_most = static_cast<std::size_t>(max_row_entries(a_parts, ra.source_rows()));
  const auto b_most = static_cast<std::size_t>(max_row_entries(b_parts, rb.source_rows()));
  std::vector<index_t> a_column(a_most), b_column(b_most);
  std::vector<Scalar> a_value(a_most), b_value(b_most);
  Scalar* out = block.data();
  for (index_t i = first; i < last; ++i) {
    const index_t pa = ra.source_row(i), pb = rb.source_row(i);
    if (pa == none || pb == none) continue;
    const Scalar wi = w ? w[i] : Scalar(1);
    const index_t na = row_entries(a_parts, pa, a_column.data(), a_value.data());
    const index_t nb = row_entries(b_parts, pb, b_column.data(), b_value.data());
    for (index_t l = 0; l < nb; ++l) {
      Scalar* column = out + b_column[static_cast<std::size_t>(l)] * width_a;
      const Scalar vb = wi * b_value[static_cast<std::size_t>(l)];
      for (index_t k = 0; k < na; ++k)
        column[a_column[static_cast<std::size_t>(k)]] += vb * a_value[static_cast<std::size_t>(k)];
    }
  }
  return block;
}

}  // namespace amalur::kernels
