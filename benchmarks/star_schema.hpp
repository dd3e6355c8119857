#pragma once
// Synthetic PK-FK star schema for the benchmarks: a fact table S (n_s x d_s)
// and one dimension table R (n_r x d_r) joined by a foreign key;
// tuple ratio n_s / n_r, feature ratio d_r / d_s.

#include <memory>
#include <random>
#include <vector>

#include <amalur/amalur.hpp>

namespace amalur_bench {

using amalur::index_t;

struct star_schema {
  index_t n_s, d_s, n_r, d_r;
  Eigen::MatrixXd fact, dim;
  std::vector<index_t> fk;

  star_schema(index_t rows, index_t fact_cols, index_t tuple_ratio, double feature_ratio)
      : n_s(rows),
        d_s(fact_cols),
        n_r(std::max<index_t>(1, rows / tuple_ratio)),
        d_r(std::max<index_t>(1, static_cast<index_t>(feature_ratio * static_cast<double>(fact_cols)))),
        fact(Eigen::MatrixXd::Random(n_s, d_s)),
        dim(Eigen::MatrixXd::Random(n_r, d_r)),
        fk(static_cast<std::size_t>(n_s)) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<index_t> key(0, n_r - 1);
    for (auto& k : fk) k = key(rng);
  }
  index_t rows() const { return n_s; }
  index_t cols() const { return d_s + d_r; }

  auto normalized() const {
    return amalur::normalized(amalur::source(fact, amalur::identity_rows(), amalur::column_block(0, d_s)),
                              amalur::source(dim, amalur::gather_rows(fk), amalur::column_block(d_s, d_r)));
  }
};

}  // namespace amalur_bench
