#pragma once
// T built once in its better materialized form (dense or CSR), for users
// who want the materialized strategy for a whole computation.

#include "amalur/normalized/normalized_base.hpp"

namespace amalur {

/// Builds T in the better materialized form: CSR when at most `max_density`
/// of its cells are non-zero (CSR moves about 1.5x the bytes per stored cell).
template <class Derived>
materialized_matrix<typename Derived::Scalar> materialize_best(const normalized_base<Derived>& t,
                                                               double max_density = 0.5) {
  const double cells = static_cast<double>(t.rows()) * static_cast<double>(t.cols());
  // The count comes from the sources and the row multiplicities, not from T.
  if (t.target_statistics().nonzeros <= max_density * cells)
    return materialized_matrix<typename Derived::Scalar>(t.materialize_sparse());
  return materialized_matrix<typename Derived::Scalar>(t.materialize());
}

}  // namespace amalur
