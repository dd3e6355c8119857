#pragma once
// Gaussian NMF, T ~ W H with W, H >= 0, by Lee and Seung's multiplicative
// updates, factorized: W^T T is one X * T and T H^T one T * X. The loss
// ||T - W H||_F^2 = ||T||^2 - 2 <W^T T, H> + <W^T W, H H^T> never builds T.

#include <random>

#include "amalur/models/design.hpp"
#include "amalur/models/random.hpp"

namespace amalur {

struct nmf_fit {
  Eigen::MatrixXd w;  // n x r
  Eigen::MatrixXd h;  // r x d
  double loss = 0;    // ||T - W H||_F^2
  int iterations = 0;
  bool converged = false;
  std::string message;
};

class nmf {
 public:
  explicit nmf(index_t rank) : rank_(rank) {
    if (rank < 1) detail::fail<value_error>("nmf: rank must be at least 1, got ", rank);
  }
  nmf& seed(std::uint64_t s) { seed_ = s; return *this; }
  nmf& max_iterations(int v) {
    if (v < 1) detail::fail<value_error>("nmf: max_iterations must be at least 1, got ", v);
    max_iterations_ = v;
    return *this;
  }
  /// Stop when the loss changes by less than tolerance, relatively.
  nmf& tolerance(double v) { tolerance_ = v; return *this; }
  nmf& on_progress(progress_callback f) { progress_ = std::move(f); return *this; }

  template <class X>
  nmf_fit fit(const X& x_in) const {
    const auto& x = as_design(x_in);
    using Scalar = typename std::decay_t<decltype(x)>::Scalar;
    using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    if (x.any_negative()) detail::fail<value_error>("nmf: the matrix has a negative cell; NMF needs T >= 0");
    const index_t n = x.rows(), d = x.cols();
    const double squared_norm = x.row_squared_norms().template cast<double>().sum();
    const double mean = static_cast<double>(x.col_sums().sum()) / (static_cast<double>(n) * static_cast<double>(d));
    const double top = std::sqrt(std::max(mean, 1e-12) / static_cast<double>(rank_));
    std::mt19937_64 rng(seed_);
    nmf_fit out;
    out.w = Eigen::MatrixXd(n, rank_);
    out.h = Eigen::MatrixXd(rank_, d);
    for (index_t j = 0; j < rank_; ++j)
      for (index_t i = 0; i < n; ++i) out.w(i, j) = top * detail::unit(rng);
    for (index_t j = 0; j < d; ++j)
      for (index_t i = 0; i < rank_; ++i) out.h(i, j) = top * detail::unit(rng);

    constexpr double eps = 1e-12;  // keeps the divisions finite
    detail::stopwatch clock;
    double previous = std::numeric_limits<double>::infinity();
    for (int it = 1; it <= max_iterations_; ++it) {
      const Eigen::MatrixXd wt_t = x.left_multiply(matrix(out.w.transpose().cast<Scalar>())).template cast<double>();
      out.h.array() *= wt_t.array() / ((out.w.transpose() * out.w) * out.h).array().max(eps);
      const Eigen::MatrixXd t_ht = x.multiply(matrix(out.h.transpose().cast<Scalar>())).template cast<double>();
      out.w.array() *= t_ht.array() / (out.w * (out.h * out.h.transpose())).array().max(eps);
      // Loss with the updated W: <W^T T, H> needs W^T T again; use T H^T (same inner product).
      out.loss = squared_norm - 2.0 * (t_ht.cwiseProduct(out.w)).sum() +
                 ((out.w.transpose() * out.w).cwiseProduct(out.h * out.h.transpose())).sum();
      out.loss = std::max(out.loss, 0.0);
      out.iterations = it;
      if (progress_ && !progress_({it, out.loss, clock.seconds()})) {
        out.message = "stopped by the progress callback";
        break;
      }
      if (std::abs(previous - out.loss) <= tolerance_ * std::max(out.loss, 1e-300)) {
        out.converged = true;
        break;
      }
      previous = out.loss;
    }
    if (!out.converged && out.message.empty())
      out.message = "no convergence in " + std::to_string(max_iterations_) + " iterations";
    return out;
  }

 private:
  index_t rank_;
  std::uint64_t seed_ = 0;
  int max_iterations_ = 200;
  double tolerance_ = 1e-6;
  progress_callback progress_;
};

}  // namespace amalur
