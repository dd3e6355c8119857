#pragma once
// The static face: source matrix types, indicator kinds and mappings are
// template parameters, checked at compile time.
//
//   auto T = amalur::normalized(
//       amalur::source(flights,  amalur::identity_rows(),          amalur::columns<0, 1>()),
//       amalur::source(airports, amalur::gather_rows(origin),      amalur::columns<2, 3, 4>()));

#include <tuple>
#include <utility>

#include "amalur/metadata/source.hpp"
#include "amalur/normalized/eigen_product.hpp"
#include "amalur/normalized/kernel_operands.hpp"
#include "amalur/normalized/materialize_best.hpp"

namespace amalur {

template <class... Sources>
class normalized_matrix;

template <class First, class... Rest>
struct normalized_traits<normalized_matrix<First, Rest...>> {
  using Scalar = typename First::Scalar;
  static_assert((std::is_same_v<Scalar, typename Rest::Scalar> && ...),
                "amalur::normalized: all sources must have the same scalar type");
};

}  // namespace amalur

namespace Eigen::internal {
template <class... Sources>
struct traits<amalur::normalized_matrix<Sources...>>
    : amalur::detail::normalized_eigen_traits<typename amalur::normalized_traits<
          amalur::normalized_matrix<Sources...>>::Scalar> {};
}  // namespace Eigen::internal

AMALUR_EIGEN_PRODUCT_OPERAND(class... Sources, amalur::normalized_matrix<Sources...>)

namespace amalur {

template <class... Sources>
class normalized_matrix : public normalized_base<normalized_matrix<Sources...>> {
  static_assert(sizeof...(Sources) > 0, "amalur::normalized: give at least one source");

 public:
  using Scalar = typename normalized_traits<normalized_matrix>::Scalar;

  explicit normalized_matrix(Sources... sources) : normalized_matrix(precedence{}, std::move(sources)...) {}
  /// Sources that overlap give each cell to the first source in `order`.
  explicit normalized_matrix(precedence order, Sources... sources)
      : sources_(std::move(sources)...), precedence_(std::move(order)) {
    plan_ = plan_parts(shapes(std::index_sequence_for<Sources...>{}), precedence_);
  }

  const part_plan& plan() const { return plan_; }
  const std::tuple<Sources...>& sources() const { return sources_; }
  const precedence& source_precedence() const { return precedence_; }

  template <class F>
  void visit_parts(F&& f) const {
    for (const auto& p : plan_.parts) visit_source(p, f, std::index_sequence_for<Sources...>{});
  }

  /// The same data and metadata as `other`? (Copies share the data, so this compares addresses.)
  bool same_sources_as(const normalized_matrix& other) const {
    return same_sources(other, std::index_sequence_for<Sources...>{}) && precedence_.order == other.precedence_.order;
  }

  /// The same metadata over sources whose values went through f (f(0) = 0).
  template <class F>
  auto transform_sources(const F& f) const {
    return transform(f, std::index_sequence_for<Sources...>{});
  }

  template <class... Other>
  friend class normalized_matrix;

 private:
  template <std::size_t... K>
  std::vector<source_shape> shapes(std::index_sequence<K...>) const {
    return {shape_of(std::get<K>(sources_))...};
  }
  template <class S>
  static source_shape shape_of(const S& s) {
    return {s.matrix().rows(), s.matrix().cols(), s.rows().target_rows(), s.columns().data(),
            [&s] { return row_of_vector(s.rows()); }};
  }
  template <std::size_t... K>
  bool same_sources(const normalized_matrix& other, std::index_sequence<K...>) const {
    return (same_source(std::get<K>(sources_), std::get<K>(other.sources_)) && ...);
  }
  template <class S>
  static bool same_source(const S& a, const S& b) {
    return &a.matrix() == &b.matrix() && same_rows(a.rows(), b.rows()) && a.columns() == b.columns();
  }

  template <class F, std::size_t... K>
  void visit_source(const part_layout& p, F& f, std::index_sequence<K...>) const {
    ((static_cast<index_t>(K) == p.source_index
          ? detail::call_part(std::get<K>(sources_).matrix(), std::get<K>(sources_).rows(), p, f)
          : void()),
     ...);
  }

  template <class F, std::size_t... K>
  auto transform(const F& f, std::index_sequence<K...>) const {
    return normalized_matrix<decltype(transformed(std::get<K>(sources_), f))...>(
        plan_, precedence_, transformed(std::get<K>(sources_), f)...);
  }
  template <class S, class F>
  static auto transformed(const S& s, const F& f) {
    using plain = typename S::matrix_type::PlainObject;
    return source_t<plain, typename S::rows_type, typename S::columns_type>(
        std::make_shared<const plain>(s.matrix().unaryExpr(f)), s.rows(), s.columns());
  }
  // Same metadata: the plan carries over unchanged.
  normalized_matrix(part_plan plan, precedence order, Sources... sources)
      : sources_(std::move(sources)...), precedence_(std::move(order)), plan_(std::move(plan)) {}

  std::tuple<Sources...> sources_;
  precedence precedence_;
  part_plan plan_;
};

/// Builds the static face from sources (see amalur::source).
template <class... Sources>
normalized_matrix<Sources...> normalized(Sources... sources) {
  return normalized_matrix<Sources...>(std::move(sources)...);
}
/// With an order of precedence for overlapping cells.
template <class... Sources>
normalized_matrix<Sources...> normalized(precedence order, Sources... sources) {
  return normalized_matrix<Sources...>(std::move(order), std::move(sources)...);
}

}  // namespace amalur
