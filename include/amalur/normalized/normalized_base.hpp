#pragma once
// The operator set of a normalized matrix T, written once over its parts
// (see metadata/layout.hpp) for both faces: the static normalized_matrix and
// the run-time dynamic_normalized_matrix. Each operator checks shapes, then
// sums the part kernels. The materialized twins live in materialized/.

#include <cmath>
#include <functional>

#include "amalur/core/error.hpp"
#include "amalur/operators/materialize.hpp"
#include "amalur/operators/part_kernels.hpp"
#include "amalur/operators/statistics.hpp"

namespace amalur {

template <class Derived>
struct normalized_traits;

template <class Normalized>
class transposed;

template <class Derived>
class normalized_base {
 public:
  using Scalar = typename normalized_traits<Derived>::Scalar;
  using matrix_type = dense_matrix<Scalar>;
  using vector_type = dense_vector<Scalar>;
  /// The result of T X: a vector when X is a vector at compile time.
  template <class X>
  using column_result = Eigen::Matrix<Scalar, Eigen::Dynamic, X::ColsAtCompileTime == 1 ? 1 : Eigen::Dynamic>;
  /// The result of X T: a row vector when X is one at compile time.
  template <class X>
  using row_result = Eigen::Matrix<Scalar, X::RowsAtCompileTime == 1 ? 1 : Eigen::Dynamic, Eigen::Dynamic>;

  index_t rows() const { return plan().rows; }
  index_t cols() const { return plan().cols; }
  const part_plan& plan() const { return derived().plan(); }

  /// T X (n x m); a vector when X is one.
  template <class X>
  auto multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_rows(xr, cols(), "T * X");
    column_result<X> out = column_result<X>::Zero(rows(), xr.cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::multiply(s, r, p, xr, out); });
    return out;
  }
  /// T^T X (d x m).
  template <class X>
  auto transpose_multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_rows(xr, rows(), "T^T * X");
    column_result<X> out = column_result<X>::Zero(cols(), xr.cols());
    for_each_part(
        [&](const auto& s, const auto& r, const part_layout& p) { kernels::transpose_multiply(s, r, p, xr, out); });
    return out;
  }
  /// X T (m x d); a row vector when X is one.
  template <class X>
  auto left_multiply(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_cols(xr, rows(), "X * T");
    row_result<X> out = row_result<X>::Zero(xr.rows(), cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::left_multiply(s, r, p, xr, out); });
    return out;
  }
  /// X T^T (m x n).
  template <class X>
  auto left_multiply_transpose(const Eigen::MatrixBase<X>& x) const {
    const dense_cref<Scalar> xr(x.derived());
    check_cols(xr, cols(), "X * T^T");
    row_result<X> out = row_result<X>::Zero(xr.rows(), rows());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::left_multiply_transpose(s, r, p, xr, out);
    });
    return out;
  }

  /// T^T T (d x d), each pair of parts once.
  matrix_type crossprod() const { return crossprod_impl(nullptr); }
  /// T^T diag(w) T (d x d): the Gram matrix of IRLS/Newton.
  matrix_type crossprod(const vector_type& w) const {
    if (w.size() != rows())
      detail::fail<dimension_error>("T^T diag(w) T: w has ", w.size(), " entries but T has ", rows(), " rows");
    return crossprod_impl(&w);
  }

  /// T 1 (n).
  vector_type row_sums() const { return multiply(vector_type::Ones(cols())); }
  /// 1^T T as a column vector (d).
  vector_type col_sums() const { return transpose_multiply(vector_type::Ones(rows())); }
  Scalar sum() const { return col_sums().sum(); }
  /// Column means (d).
  vector_type col_means() const { return col_sums() / static_cast<Scalar>(rows()); }
  /// Population column variances (ddof 0), in the centred form: rows that no
  /// source provides for a column count as zeros.
  vector_type col_variances() const {
    const vector_type mean = col_means();
    vector_type squares = vector_type::Zero(cols()), provided = vector_type::Zero(cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::centred_squares(s, r, p, mean, squares, provided);
    });
    const vector_type missing = vector_type::Constant(cols(), static_cast<Scalar>(rows())) - provided;
    return (squares.array() + missing.array() * mean.array().square()).matrix() / static_cast<Scalar>(rows());
  }

  /// ||row i||^2 for every row (n): per source row once, then gathered.
  vector_type row_squared_norms() const {
    vector_type out = vector_type::Zero(rows());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      matrix_type per_source = matrix_type::Zero(s.rows(), 1);
      for (const auto& c : p.columns) per_source.col(0) += s.col(c.source).cwiseAbs2();
      kernels::gather_rows_add(r, per_source, out);
    });
    return out;
  }
  /// Does any cell of T hold a negative value? (Visits T's non-zeros once.)
  bool any_negative() const {
    bool found = false;
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      if (!found) kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar v) { found = found || v < 0; });
    });
    return found;
  }

  /// Row i of T (d), read from the sources.
  vector_type row(index_t i) const {
    if (i < 0 || i >= rows()) detail::fail<index_error>("row ", i, " of a normalized matrix of ", rows(), " rows");
    vector_type out = vector_type::Zero(cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      const index_t j = r.source_row(i);
      if (j == none) return;
      for (const auto& c : p.columns) out[c.target] = s.coeff(j, c.source);
    });
    return out;
  }

  /// T as a dense matrix.
  matrix_type materialize() const {
    matrix_type t = matrix_type::Zero(rows(), cols());
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) { kernels::materialize_into(s, r, p, t); });
    return t;
  }
  /// T as CSR: the better materialized form when T is mostly zeros.
  csr_matrix<Scalar> materialize_sparse() const {
    using storage = typename csr_matrix<Scalar>::StorageIndex;
    std::vector<index_t> start(static_cast<std::size_t>(rows()) + 1, 0);
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t i, index_t, Scalar) { ++start[static_cast<std::size_t>(i) + 1]; });
    });
    for (std::size_t i = 0; i < static_cast<std::size_t>(rows()); ++i) start[i + 1] += start[i];
    const index_t nnz = start.back();
    if (nnz > static_cast<index_t>(std::numeric_limits<storage>::max()))
      detail::fail<dimension_error>("materialize_sparse: ", nnz, " non-zeros overflow the CSR index type");
    std::vector<std::pair<storage, Scalar>> cells(static_cast<std::size_t>(nnz));
    std::vector<index_t> cursor(start.begin(), start.end() - 1);
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t i, index_t c, Scalar v) {
        cells[static_cast<std::size_t>(cursor[static_cast<std::size_t>(i)]++)] = {static_cast<storage>(c), v};
      });
    });
    csr_matrix<Scalar> t(rows(), cols());
    t.resizeNonZeros(nnz);
    for (index_t i = 0; i <= rows(); ++i) t.outerIndexPtr()[i] = static_cast<storage>(start[static_cast<std::size_t>(i)]);
    for (std::size_t i = 0; i < static_cast<std::size_t>(rows()); ++i) {
      auto first = cells.begin() + start[i], last = cells.begin() + start[i + 1];
      std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto k = start[i]; k < start[i + 1]; ++k) {
        t.innerIndexPtr()[k] = cells[static_cast<std::size_t>(k)].first;
        t.valuePtr()[k] = cells[static_cast<std::size_t>(k)].second;
      }
    }
    return t;
  }
  /// Number of non-zero cells of T, counted without building it.
  index_t nonzeros() const {
    index_t nnz = 0;
    for_each_part([&](const auto& s, const auto& r, const part_layout& p) {
      kernels::for_each_entry(s, r, p, [&](index_t, index_t, Scalar) { ++nnz; });
    });
    return nnz;
  }

  /// A view of T^T; no copy.
  transposed<Derived> transpose() const { return transposed<Derived>(derived()); }

  // Element-wise ops with f(0) = 0 act on the sources; T keeps its metadata.
  auto operator*(Scalar c) const {
    return derived().transform_sources([c](Scalar v) { return v * c; });
  }
  friend auto operator*(Scalar c, const normalized_base& t) { return t * c; }
  auto operator/(Scalar c) const {
    if (c == Scalar(0)) detail::fail<value_error>("T / c: division by zero");
    return derived().transform_sources([c](Scalar v) { return v / c; });
  }
  /// T.^p for p > 0 (p <= 0 would turn the zeros of T into infinities or ones).
  auto cwisePow(Scalar p) const {
    if (!(p > Scalar(0))) detail::fail<value_error>("T.cwisePow(p): p must be positive, got ", p);
    return derived().transform_sources([p](Scalar v) { return std::pow(v, p); });
  }
  /// f(T) cell by cell, for an f with f(0) = 0 (checked), so empty cells stay empty.
  template <class F>
  auto unaryExpr(F f) const {
    if (f(Scalar(0)) != Scalar(0))
      detail::fail<value_error>("T.unaryExpr(f): f(0) must be 0 to act on the sources, got ", f(Scalar(0)));
    return derived().transform_sources([f](Scalar v) { return static_cast<Scalar>(f(v)); });
  }

  /// Calls f(source matrix, effective indicator, layout) for every part.
  template <class F>
  void for_each_part(F&& f) const {
    derived().visit_parts(std::forward<F>(f));
  }

 protected:
  const Derived& derived() const { return static_cast<const Derived&>(*this); }

 private:
  static void check_rows(const dense_cref<Scalar>& x, index_t expected, const char* op) {
    if (x.rows() != expected)
      detail::fail<dimension_error>(op, ": X has ", x.rows(), " rows but must have ", expected);
  }
  static void check_cols(const dense_cref<Scalar>& x, index_t expected, const char* op) {
    if (x.cols() != expected)
      detail::fail<dimension_error>(op, ": X has ", x.cols(), " columns but must have ", expected);
  }

  matrix_type crossprod_impl(const vector_type* w) const {
    matrix_type out = matrix_type::Zero(cols(), cols());
    std::size_t a = 0;
    for_each_part([&](const auto& sa, const auto& ra, const part_layout& pa) {
      kernels::add_cross_block<Scalar>(pa, pa, kernels::weighted_gram(sa, ra, w), false, out);
      std::size_t b = 0;
      for_each_part([&](const auto& sb, const auto& rb, const part_layout& pb) {
        if (b++ > a) kernels::add_cross_block<Scalar>(pa, pb, kernels::cross_block(sa, ra, sb, rb, w), true, out);
      });
      ++a;
    });
    return out;
  }
};

}  // namespace amalur
