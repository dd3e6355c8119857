#pragma once
// The run-time face: any number of sources whose kinds are known only at run
// time (a spec file, a command line, random tests). Each source is a dense or
// CSR matrix with a row_indicator (a variant over the four kinds) and a
// column_map. Operators visit each variant once per part and then run the
// same kernels as the static face: no dispatch per element.

#include <algorithm>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "amalur/metadata/source.hpp"
#include "amalur/normalized/eigen_product.hpp"
#include "amalur/normalized/kernel_operands.hpp"
#include "amalur/normalized/materialize_best.hpp"
#include "amalur/operators/row_groups.hpp"

namespace amalur {

/// A source of the run-time face. Data are shared, immutable, and owned.
template <class Scalar>
class dynamic_source {
 public:
  using dense_type = dense_matrix<Scalar>;
  using sparse_type = csr_matrix<Scalar>;
  using matrix_variant = std::variant<std::shared_ptr<const dense_type>, std::shared_ptr<const sparse_type>>;

  dynamic_source(dense_type m, row_indicator rows, column_map columns)
      : dynamic_source(std::make_shared<const dense_type>(std::move(m)), std::move(rows), std::move(columns)) {}
  dynamic_source(sparse_type m, row_indicator rows, column_map columns)
      : dynamic_source(shared(std::move(m)), std::move(rows), std::move(columns)) {}
  template <class M>
  dynamic_source(std::shared_ptr<const M> m, row_indicator rows, column_map columns)
      : matrix_(std::move(m)), rows_(std::move(rows)), columns_(std::move(columns)) {
    if (!std::get<std::shared_ptr<const M>>(matrix_))
      detail::fail<value_error>("dynamic_source: the matrix pointer is null");
    std::visit(
        [&](const auto& m) {
          columns_.check(m->cols());
          std::visit([&](auto& r) { r.bind(m->rows()); }, rows_);
          detail::check_finite(*m, "source");
        },
        matrix_);
  }

  const matrix_variant& matrix() const { return matrix_; }
  const row_indicator& rows() const { return rows_; }
  const column_map& columns() const { return columns_; }
  index_t source_rows() const {
    return std::visit([](const auto& m) { return m->rows(); }, matrix_);
  }
  index_t source_cols() const { return columns_.size(); }
  index_t target_rows() const {
    return std::visit([](const auto& r) { return r.target_rows(); }, rows_);
  }

 private:
  /// Eigen 3.4's SparseMatrix has no move constructor: a swap hands the storage over without a copy.
  static std::shared_ptr<const sparse_type> shared(sparse_type&& m) {
    auto p = std::make_shared<sparse_type>();
    p->swap(m);
    return p;
  }

  matrix_variant matrix_;
  row_indicator rows_;
  column_map columns_;
};

template <class Scalar>
class dynamic_normalized_matrix;

template <class S>
struct normalized_traits<dynamic_normalized_matrix<S>> {
  using Scalar = S;
};

}  // namespace amalur

namespace Eigen::internal {
template <class S>
struct traits<amalur::dynamic_normalized_matrix<S>> : amalur::detail::normalized_eigen_traits<S> {};
}  // namespace Eigen::internal

AMALUR_EIGEN_PRODUCT_OPERAND(class S, amalur::dynamic_normalized_matrix<S>)

namespace amalur {

template <class ScalarType>
class dynamic_normalized_matrix : public normalized_base<dynamic_normalized_matrix<ScalarType>> {
  static_assert(std::is_floating_point_v<ScalarType>, "dynamic_normalized_matrix: Scalar must be float or double");

 public:
  using Scalar = ScalarType;

  /// `cols` < 0 infers the number of target columns from the mappings.
  explicit dynamic_normalized_matrix(std::vector<dynamic_source<Scalar>> sources, precedence order = {},
                                     index_t cols = -1)
      : sources_(std::move(sources)), precedence_(std::move(order)) {
    std::vector<source_shape> shapes;
    shapes.reserve(sources_.size());
    for (const auto& s : sources_)
      shapes.push_back({s.source_rows(), s.source_cols(), s.target_rows(), s.columns().data(), [&s] {
                          return std::visit([](const auto& r) { return row_of_vector(r); }, s.rows());
                        }});
    plan_ = plan_parts(shapes, precedence_, cols);
  }

  const part_plan& plan() const { return plan_; }
  const std::vector<dynamic_source<Scalar>>& sources() const { return sources_; }
  const precedence& source_precedence() const { return precedence_; }

  template <class F>
  void visit_parts(F&& f) const {
    for (const auto& p : plan_.parts) {
      const auto& s = sources_[static_cast<std::size_t>(p.source_index)];
      std::visit([&](const auto& m, const auto& r) { detail::call_part(*m, r, p, f); }, s.matrix(), s.rows());
    }
  }

  /// The same data and metadata as `other`? (Copies share the data, so this compares addresses.)
  bool same_sources_as(const dynamic_normalized_matrix& other) const {
    if (sources_.size() != other.sources_.size() || precedence_.order != other.precedence_.order ||
        this->cols() != other.cols())
      return false;
    for (std::size_t k = 0; k < sources_.size(); ++k) {
      const auto &a = sources_[k], &b = other.sources_[k];
      const bool same_data = std::visit(
          [](const auto& x, const auto& y) { return static_cast<const void*>(x.get()) == static_cast<const void*>(y.get()); },
          a.matrix(), b.matrix());
      const bool rows = a.rows().index() == b.rows().index() &&
                        std::visit(
                            [&](const auto& x) {
                              return same_rows(x, std::get<std::decay_t<decltype(x)>>(b.rows()));
                            },
                            a.rows());
      if (!same_data || !rows || !same_columns(a.columns(), b.columns())) return false;
    }
    return true;
  }

  /// The target rows `rows` (in that order) of T, as a new normalized
  /// matrix over the same sources: the indicators are composed, no data copied.
  dynamic_normalized_matrix select_rows(const std::vector<index_t>& rows) const {
    for (const index_t i : rows)
      if (i < 0 || i >= this->rows())
        detail::fail<index_error>("select_rows: row ", i, " of a matrix of ", this->rows(), " rows");
    std::vector<dynamic_source<Scalar>> out;
    out.reserve(sources_.size());
    // Sources on one indicator (an alias's dense and one-hot columns) keep one composed indicator,
    // so the kernels still make one pass for all of them.
    std::vector<std::pair<kernels::indicator_key, row_indicator>> composed;
    for (const auto& s : sources_) {
      const kernels::indicator_key key = std::visit([](const auto& r) { return kernels::key_of(kernel_rows(r)); }, s.rows());
      auto same = std::find_if(composed.begin(), composed.end(), [&](const auto& c) { return c.first == key; });
      if (same == composed.end()) {
        std::vector<index_t> picked(rows.size());
        bool complete = true;
        std::visit(
            [&](const auto& r) {
              for (std::size_t i = 0; i < rows.size(); ++i) {
                picked[i] = r.source_row(rows[i]);
                complete = complete && picked[i] != none;
              }
            },
            s.rows());
        composed.emplace_back(key, complete ? row_indicator(gather_rows(std::move(picked)))
                                            : row_indicator(partial_rows(std::move(picked))));
        same = composed.end() - 1;
      }
      std::visit([&](const auto& m) { out.emplace_back(m, same->second, s.columns()); }, s.matrix());
    }
    return dynamic_normalized_matrix(std::move(out), precedence_, this->cols());
  }

  template <class F>
  dynamic_normalized_matrix transform_sources(const F& f) const {
    std::vector<dynamic_source<Scalar>> out;
    out.reserve(sources_.size());
    for (const auto& s : sources_)
      std::visit(
          [&](const auto& m) {
            using plain = std::decay_t<decltype(*m)>;
            plain values = m->unaryExpr(f);
            out.emplace_back(std::move(values), s.rows(), s.columns());
          },
          s.matrix());
    return dynamic_normalized_matrix(std::move(out), plan_, precedence_);
  }

 private:
  dynamic_normalized_matrix(std::vector<dynamic_source<Scalar>> sources, part_plan plan, precedence order)
      : sources_(std::move(sources)), precedence_(std::move(order)), plan_(std::move(plan)) {}

  std::vector<dynamic_source<Scalar>> sources_;
  precedence precedence_;
  part_plan plan_;
};

}  // namespace amalur
