#pragma once
// Element-wise operations on a normalized matrix: those with f(0) = 0 act
// on the sources, so T keeps its metadata and its empty cells stay empty.
// A mixin of normalized_base; the result is a new T with its own context.

#include <cmath>

#include "amalur/core/error.hpp"

namespace amalur {

template <class Derived, class Scalar>
class normalized_elementwise {
 public:
  auto operator*(Scalar c) const {
    return self().transform_sources([c](Scalar v) { return v * c; });
  }
  friend auto operator*(Scalar c, const normalized_elementwise& t) { return t * c; }
  auto operator/(Scalar c) const {
    if (c == Scalar(0)) detail::fail<value_error>("T / c: division by zero");
    return self().transform_sources([c](Scalar v) { return v / c; });
  }
  /// T.^p for p > 0 (p <= 0 would turn the zeros of T into infinities or ones).
  auto cwisePow(Scalar p) const {
    if (!(p > Scalar(0))) detail::fail<value_error>("T.cwisePow(p): p must be positive, got ", p);
    return self().transform_sources([p](Scalar v) { return std::pow(v, p); });
  }
  /// f(T) cell by cell, for an f with f(0) = 0 (checked), so empty cells stay empty.
  template <class F>
  auto unaryExpr(F f) const {
    if (f(Scalar(0)) != Scalar(0))
      detail::fail<value_error>("T.unaryExpr(f): f(0) must be 0 to act on the sources, got ", f(Scalar(0)));
    return self().transform_sources([f](Scalar v) { return static_cast<Scalar>(f(v)); });
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace amalur
