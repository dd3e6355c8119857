#pragma once
// k-means (Lloyd) with k-means++ seeding, factorized: distances come from
// ||x||^2 - 2 X C^T + ||c||^2, where X C^T is one T * X and ||x||^2 is
// computed per source row; centroid sums are one T^T A (A = one-hot labels)
// (kept across iterations), and a pass by label on a sparse materialized T.

#include <limits>
#include <random>
#include <vector>

#include "amalur/models/design.hpp"
#include "amalur/models/random.hpp"

namespace amalur {

struct kmeans_fit {
  Eigen::MatrixXd centroids;       // k x d
  std::vector<index_t> labels;     // cluster per row
  double inertia = 0;              // sum of squared distances to the closest centroid
  int iterations = 0;
  bool converged = false;
  std::string message;

  /// The closest centroid for each row of x (factorized on a normalized matrix).
  template <class X>
  std::vector<index_t> predict(const X& x) const;
};

class kmeans {
 public:
  explicit kmeans(index_t k) : k_(k) {
    if (k < 1) detail::fail<value_error>("kmeans: k must be at least 1, got ", k);
  }
  kmeans& seed(std::uint64_t s) { seed_ = s; return *this; }
  kmeans& max_iterations(int v) {
    if (v < 1) detail::fail<value_error>("kmeans: max_iterations must be at least 1, got ", v);
    max_iterations_ = v;
    return *this;
  }
  /// Stop when the centroids move less than tolerance * mean column variance (squared).
  kmeans& tolerance(double v) {
    if (!(v >= 0)) detail::fail<value_error>("kmeans: tolerance must be >= 0, got ", v);
    tolerance_ = v;
    return *this;
  }
  kmeans& on_progress(progress_callback f) { progress_ = std::move(f); return *this; }

  template <class X>
  kmeans_fit fit(const X& x) const;

 private:
  index_t k_;
  std::uint64_t seed_ = 0;
  int max_iterations_ = 300;
  double tolerance_ = 1e-4;
  progress_callback progress_;
};

namespace detail {
/// Squared distances (n x k) of every row to every centroid.
template <class Design>
Eigen::MatrixXd squared_distances(const Design& x, const Eigen::VectorXd& row_norms, const Eigen::MatrixXd& c) {
  using Scalar = typename Design::Scalar;
  const Eigen::MatrixXd ct = c.transpose();
  Eigen::MatrixXd d = -2.0 * x.multiply(ct.cast<Scalar>().eval()).template cast<double>();
  d.colwise() += row_norms;
  d.rowwise() += c.rowwise().squaredNorm().transpose();
  return d.cwiseMax(0.0);
}
/// Is the design an Eigen matrix behind the operator set (materialized or a view)?
template <class D>
struct is_eigen_backed : std::false_type {};
template <class S>
struct is_eigen_backed<materialized_matrix<S>> : std::true_type {};
template <class M>
struct is_eigen_backed<matrix_view<M>> : std::true_type {};

/// Centroid sums (d x k) and cluster sizes from the labels. On a sparse
/// (CSR) Eigen matrix, each non-zero is added to its row's cluster sum in
/// one pass (O(nnz), no one-hot, no product). Elsewhere the sums are T^T A
/// with A the n x k one-hot of the labels: factorized on a normalized
/// matrix, and on a dense T a vectorized product beats a scalar scatter by
/// label. A is kept across iterations and only the rows whose label changed
/// are rewritten (no n x k allocation and fill per iteration).
template <class Design>
class cluster_sums {
 public:
  using Scalar = typename Design::Scalar;
  cluster_sums(index_t n, index_t k) : n_(n), k_(k) {}

  void update(const Design& x, const std::vector<index_t>& labels, Eigen::MatrixXd& sums, Eigen::VectorXd& counts) {
    counts.setZero(k_);
    for (const index_t l : labels) counts[l] += 1;
    if constexpr (is_eigen_backed<Design>::value) {
      const bool done = x.visit([&](const auto& t) {
        if constexpr (is_sparse_v<std::decay_t<decltype(t)>>) {
          sums.setZero(x.cols(), k_);
          for (index_t o = 0; o < t.outerSize(); ++o)
            for (typename std::decay_t<decltype(t)>::InnerIterator it(t, o); it; ++it)
              sums(it.col(), labels[static_cast<std::size_t>(it.row())]) += static_cast<double>(it.value());
          return true;
        } else {
          return false;
        }
      });
      if (done) return;
    }
    if (onehot_.size() == 0) {
      onehot_.setZero(n_, k_);
      previous_.assign(labels.size(), 0);
      for (index_t i = 0; i < n_; ++i) onehot_(i, 0) = 1;
    }
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] != previous_[i]) {
        onehot_(static_cast<index_t>(i), previous_[i]) = 0;
        onehot_(static_cast<index_t>(i), labels[i]) = 1;
        previous_[i] = labels[i];
      }
    sums = x.transpose_multiply(onehot_).template cast<double>();
  }

 private:
  index_t n_, k_;
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> onehot_;
  std::vector<index_t> previous_;
};

/// Closest centroid per row (ties to the lowest index) and the inertia.
inline double assign(const Eigen::MatrixXd& dist, std::vector<index_t>& labels) {
  labels.resize(static_cast<std::size_t>(dist.rows()));
  double inertia = 0;
  for (index_t i = 0; i < dist.rows(); ++i) {
    index_t best = 0;
    for (index_t j = 1; j < dist.cols(); ++j)
      if (dist(i, j) < dist(i, best)) best = j;
    labels[static_cast<std::size_t>(i)] = best;
    inertia += dist(i, best);
  }
  return inertia;
}
}  // namespace detail

template <class X>
kmeans_fit kmeans::fit(const X& x_in) const {
  const auto& x = as_design(x_in);
  const index_t n = x.rows(), d = x.cols();
  if (k_ > n) detail::fail<value_error>("kmeans: k = ", k_, " exceeds the ", n, " rows");
  const Eigen::VectorXd norms = x.row_squared_norms().template cast<double>();
  std::mt19937_64 rng(seed_);
  detail::stopwatch clock;

  // k-means++: each next centre drawn with probability proportional to D(x)^2.
  Eigen::MatrixXd c(k_, d);
  c.row(0) = x.row(static_cast<index_t>(detail::unit(rng) * static_cast<double>(n))).template cast<double>();
  Eigen::VectorXd closest = detail::squared_distances(x, norms, c.topRows(1)).col(0);
  for (index_t j = 1; j < k_; ++j) {
    const double total = closest.sum();
    index_t pick = 0;
    if (total > 0) {
      double target = detail::unit(rng) * total;
      for (pick = 0; pick < n - 1 && target >= closest[pick]; ++pick) target -= closest[pick];
    } else {
      pick = static_cast<index_t>(detail::unit(rng) * static_cast<double>(n));
    }
    c.row(j) = x.row(pick).template cast<double>();
    closest = closest.cwiseMin(detail::squared_distances(x, norms, c.row(j)).col(0));
  }

  detail::cluster_sums<std::decay_t<decltype(x)>> sums_of(n, k_);
  Eigen::MatrixXd sums(d, k_);
  Eigen::VectorXd counts(k_);
  const double shift_tol = tolerance_ * x.col_variances().template cast<double>().mean();
  kmeans_fit out;
  for (int it = 1; it <= max_iterations_; ++it) {
    out.inertia = detail::assign(detail::squared_distances(x, norms, c), out.labels);
    sums_of.update(x, out.labels, sums, counts);
    Eigen::MatrixXd next = c;
    for (index_t j = 0; j < k_; ++j)
      if (counts[j] > 0) next.row(j) = sums.col(j).transpose() / counts[j];  // an empty cluster keeps its centre
    const double shift = (next - c).squaredNorm();
    c = next;
    out.iterations = it;
    if (progress_ && !progress_({it, out.inertia, clock.seconds()})) {
      out.message = "stopped by the progress callback";
      break;
    }
    if (shift <= shift_tol) {
      out.converged = true;
      break;
    }
  }
  if (!out.converged && out.message.empty())
    out.message = "no convergence in " + std::to_string(max_iterations_) + " iterations";
  out.inertia = detail::assign(detail::squared_distances(x, norms, c), out.labels);
  out.centroids = c;
  return out;
}

template <class X>
std::vector<index_t> kmeans_fit::predict(const X& x_in) const {
  const auto& x = as_design(x_in);
  if (x.cols() != centroids.cols())
    detail::fail<dimension_error>("kmeans predict: the design has ", x.cols(), " columns, the centroids ",
                                  centroids.cols());
  std::vector<index_t> labels_out;
  detail::assign(detail::squared_distances(x, x.row_squared_norms().template cast<double>(), centroids), labels_out);
  return labels_out;
}

}  // namespace amalur
