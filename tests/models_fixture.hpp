#pragma once
// What the model tests share: labels drawn from a family, the families, a
// star schema with a left-joined dimension.

#include <amalur/amalur.hpp>

#include "scenario.hpp"

using namespace amalur_test;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace amalur_test {

double unit(std::mt19937_64& rng) { return amalur::detail::unit(rng); }

/// Labels drawn from the family at mean(eta).
VectorXd draw_labels(const amalur::family& f, const VectorXd& eta, std::mt19937_64& rng) {
  VectorXd y(eta.size());
  for (index_t i = 0; i < eta.size(); ++i) {
    const double mu = f.mean(eta[i]);
    switch (f.kind()) {
      case amalur::family_kind::gaussian: y[i] = mu + (unit(rng) - 0.5); break;
      case amalur::family_kind::binomial: y[i] = unit(rng) < mu ? 1.0 : 0.0; break;
      case amalur::family_kind::poisson: y[i] = static_cast<double>(std::poisson_distribution<int>(mu)(rng)); break;
      case amalur::family_kind::gamma: y[i] = std::gamma_distribution<double>(4.0, mu / 4.0)(rng); break;
    }
  }
  return y;
}

const amalur::family kFamilies[] = {amalur::gaussian(), amalur::binomial(), amalur::poisson(),
                                    amalur::gamma(amalur::link_kind::log)};

/// A star schema with a fact table and two dimensions (one via a left join).
struct star {
  MatrixXd fact, dim;
  std::vector<index_t> fk1, fk2;
  star(index_t n, index_t m, std::uint64_t seed) : fact(n, 2), dim(m, 2), fk1(n), fk2(n) {
    std::mt19937_64 rng(seed);
    for (index_t i = 0; i < fact.size(); ++i) fact.data()[i] = unit(rng) * 2 - 1;
    for (index_t i = 0; i < dim.size(); ++i) dim.data()[i] = unit(rng) * 2 - 1;
    for (auto& k : fk1) k = static_cast<index_t>(unit(rng) * m);
    for (auto& k : fk2) k = unit(rng) < 0.9 ? static_cast<index_t>(unit(rng) * m) : amalur::none;
  }
  auto normalized() const {
    auto t = amalur::normalized(amalur::source(fact, amalur::identity_rows(), amalur::columns<0, 1>()),
                                amalur::source(dim, amalur::gather_rows(fk1), amalur::columns<2, 3>()),
                                amalur::source(dim, amalur::partial_rows(fk2), amalur::columns<4, 5>()));
    t.set_strategy(amalur::strategy::factorized);  // these tests test the factorized path
    return t;
  }
};

double relative(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

}  // namespace amalur_test

using namespace amalur_test;
