#pragma once
// Indicator matrices I_k (n x n_k), stored compressed. The kind is the type:
// kernels specialise on it at compile time, so the fact table (identity) and
// a union block (offset) cost no gather at all.
//
//   identity_rows           target row i takes source row i          (n == n_k)
//   offset_rows(o, n)       target rows o..o+n_k-1 take rows 0..n_k-1 (union block)
//   gather_rows(row_of)     target row i takes row_of[i], always      (PK-FK)
//   partial_rows(row_of)    row_of[i] or amalur::none                 (left/outer join)
//
// An indicator is bound to its source (which fixes n_k) when a source is
// built; binding validates every index.

#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"

namespace amalur {

enum class row_kind { identity, offset, gather, partial };

namespace detail {
/// Shared part of the two kinds that hold an explicit row_of vector.
class explicit_rows {
 public:
  explicit explicit_rows(std::vector<row_index> row_of)
      : row_of_(std::make_shared<const std::vector<row_index>>(std::move(row_of))) {}

  index_t target_rows() const { return static_cast<index_t>(row_of_->size()); }
  index_t source_rows() const { return source_rows_; }
  index_t source_row(index_t i) const { return (*row_of_)[static_cast<std::size_t>(i)]; }
  const row_index* data() const { return row_of_->data(); }
  /// The source row of every target row (none where it takes none), as stored.
  const std::vector<row_index>& indices() const { return *row_of_; }
  /// The same as amalur's index type (a copy).
  std::vector<index_t> row_of() const { return {row_of_->begin(), row_of_->end()}; }

 protected:
  void check(index_t source_rows, bool allow_none, const char* kind) {
    const auto& r = *row_of_;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] == none && allow_none) continue;
      if (r[i] == none)
        fail<index_error>(kind, ": target row ", i, " takes no source row (amalur::none); ",
                          "use partial_rows for a join that can leave rows unmatched");
      if (r[i] < 0 || r[i] >= source_rows)
        fail<index_error>(kind, ": target row ", i, " takes source row ", r[i],
                          ", outside the source's ", source_rows, " rows");
    }
    source_rows_ = source_rows;
  }
  /// row_of in the stored type; an index past it is an error, not a wrap-around.
  static std::vector<row_index> narrowed(const std::vector<index_t>& row_of, const char* kind) {
    std::vector<row_index> out(row_of.size());
    for (std::size_t i = 0; i < row_of.size(); ++i) {
      const index_t r = row_of[i];
      if (r < std::numeric_limits<row_index>::min() || r > std::numeric_limits<row_index>::max())
        fail<index_error>(kind, ": target row ", i, " takes source row ", r,
                          ", past what an explicit indicator holds (sources behind one have under 2^31 rows)");
      out[i] = static_cast<row_index>(r);
    }
    return out;
  }

 private:
  // Shared and immutable: copies of a normalized matrix (e.g. after an
  // element-wise op) keep pointing at the same index vector.
  std::shared_ptr<const std::vector<row_index>> row_of_;
  index_t source_rows_ = 0;
};
}  // namespace detail

/// The fact table itself: target row i is source row i.
class identity_rows {
 public:
  static constexpr row_kind kind = row_kind::identity;
  static constexpr bool is_block = true;     // a contiguous block of target rows
  static constexpr bool may_be_none = false;

  void bind(index_t source_rows) { source_rows_ = source_rows; }
  index_t target_rows() const { return source_rows_; }
  index_t source_rows() const { return source_rows_; }
  index_t offset() const { return 0; }
  index_t source_row(index_t i) const { return i; }

 private:
  index_t source_rows_ = 0;
};

/// A union block: target rows [offset, offset + n_k) take source rows 0..n_k-1;
/// the other target rows take none.
class offset_rows {
 public:
  static constexpr row_kind kind = row_kind::offset;
  static constexpr bool is_block = true;
  static constexpr bool may_be_none = true;

  offset_rows(index_t offset, index_t target_rows) : offset_(offset), target_rows_(target_rows) {}

  void bind(index_t source_rows) {
    if (offset_ < 0 || target_rows_ < 0)
      detail::fail<index_error>("offset_rows: offset ", offset_, " and target rows ", target_rows_,
                                " must not be negative");
    if (offset_ + source_rows > target_rows_)
      detail::fail<index_error>("offset_rows: a source of ", source_rows, " rows at offset ", offset_,
                                " ends past the ", target_rows_, " target rows");
    source_rows_ = source_rows;
  }
  index_t target_rows() const { return target_rows_; }
  index_t source_rows() const { return source_rows_; }
  index_t offset() const { return offset_; }
  index_t source_row(index_t i) const {
    const index_t j = i - offset_;
    return (j >= 0 && j < source_rows_) ? j : none;
  }

 private:
  index_t offset_;
  index_t target_rows_;
  index_t source_rows_ = 0;
};

/// PK-FK: every target row takes exactly one source row; many may share one.
class gather_rows : public detail::explicit_rows {
 public:
  static constexpr row_kind kind = row_kind::gather;
  static constexpr bool is_block = false;
  static constexpr bool may_be_none = false;

  explicit gather_rows(const std::vector<index_t>& row_of) : explicit_rows(narrowed(row_of, "gather_rows")) {}
  explicit gather_rows(std::initializer_list<index_t> row_of) : gather_rows(std::vector<index_t>(row_of)) {}
  /// Takes the indices as they are stored, without a copy.
  explicit gather_rows(std::vector<row_index> row_of) : explicit_rows(std::move(row_of)) {}
  void bind(index_t source_rows) { check(source_rows, false, "gather_rows"); }
};

/// Left or full outer join: a target row takes one source row or none.
class partial_rows : public detail::explicit_rows {
 public:
  static constexpr row_kind kind = row_kind::partial;
  static constexpr bool is_block = false;
  static constexpr bool may_be_none = true;

  explicit partial_rows(const std::vector<index_t>& row_of) : explicit_rows(narrowed(row_of, "partial_rows")) {}
  explicit partial_rows(std::initializer_list<index_t> row_of) : partial_rows(std::vector<index_t>(row_of)) {}
  /// Takes the indices as they are stored, without a copy.
  explicit partial_rows(std::vector<row_index> row_of) : explicit_rows(std::move(row_of)) {}
  void bind(index_t source_rows) { check(source_rows, true, "partial_rows"); }
};

/// Do two indicators of the same kind take the same source rows for every target row?
inline bool same_rows(const identity_rows& a, const identity_rows& b) { return a.source_rows() == b.source_rows(); }
inline bool same_rows(const offset_rows& a, const offset_rows& b) {
  return a.offset() == b.offset() && a.target_rows() == b.target_rows() && a.source_rows() == b.source_rows();
}
inline bool same_rows(const detail::explicit_rows& a, const detail::explicit_rows& b) {
  return a.source_rows() == b.source_rows() && (a.data() == b.data() || a.indices() == b.indices());
}

/// What the kernels see of an indicator: two kinds instead of four, so each
/// kernel is compiled twice, not four times. A block (identity, offset) is an
/// offset_rows (identity rows are offset rows at 0); an indexed one (gather,
/// partial) holds a source row or amalur::none per target row (the kernels
/// test for none: a branch that never fires costs nothing measurable).
class indexed_rows {
 public:
  static constexpr bool is_block = false;
  static constexpr bool may_be_none = true;
  indexed_rows(const row_index* row_of, index_t source_rows, index_t target_rows)
      : row_of_(row_of), source_rows_(source_rows), target_rows_(target_rows) {}
  index_t target_rows() const { return target_rows_; }
  index_t source_rows() const { return source_rows_; }
  index_t source_row(index_t i) const { return row_of_[i]; }
  const row_index* data() const { return row_of_; }

 private:
  const row_index* row_of_;
  index_t source_rows_, target_rows_;
};

inline offset_rows kernel_rows(const identity_rows& r) {
  offset_rows block(0, r.target_rows());
  block.bind(r.source_rows());
  return block;
}
inline const offset_rows& kernel_rows(const offset_rows& r) { return r; }
inline indexed_rows kernel_rows(const detail::explicit_rows& r) {
  return {r.data(), r.source_rows(), r.target_rows()};
}

/// The run-time face's indicator: one of the four kinds.
using row_indicator = std::variant<identity_rows, offset_rows, gather_rows, partial_rows>;

/// row_of as a plain vector (none where the target row takes nothing).
/// Used when planning overlaps, never inside an operator.
template <class Rows>
std::vector<index_t> row_of_vector(const Rows& rows) {
  std::vector<index_t> out(static_cast<std::size_t>(rows.target_rows()));
  for (index_t i = 0; i < rows.target_rows(); ++i) out[static_cast<std::size_t>(i)] = rows.source_row(i);
  return out;
}

}  // namespace amalur
