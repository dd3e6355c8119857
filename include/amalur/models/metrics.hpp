#pragma once
// Held-out evaluation: accuracy, F1 and the area under the ROC curve.

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "amalur/core/error.hpp"

namespace amalur::metrics {

/// Share of rows where (score > threshold) equals the 0/1 label.
inline double accuracy(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& score,
                       double threshold = 0.5) {
  if (y.size() != score.size() || y.size() == 0)
    detail::fail<dimension_error>("accuracy: ", y.size(), " labels and ", score.size(), " scores");
  return ((score.array() > threshold).cast<double>() == y.array()).cast<double>().mean();
}

/// F1 of the positive class, (score > threshold) as the prediction; 0 when
/// there are no true positives (precision and recall both 0 or undefined).
inline double f1(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& score,
                 double threshold = 0.5) {
  if (y.size() != score.size() || y.size() == 0)
    detail::fail<dimension_error>("f1: ", y.size(), " labels and ", score.size(), " scores");
  const auto predicted = (score.array() > threshold).cast<double>();
  const double true_positives = (predicted * y.array()).sum();
  const double predicted_positives = predicted.sum(), positives = y.sum();
  return true_positives > 0 ? 2 * true_positives / (predicted_positives + positives) : 0.0;
}

/// Area under the ROC curve (the Mann-Whitney statistic, ties counted half).
inline double auc(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& score) {
  if (y.size() != score.size()) detail::fail<dimension_error>("auc: ", y.size(), " labels and ", score.size(), " scores");
  // (score, is positive) side by side: the sort compares in place, not through an index.
  std::vector<std::pair<double, bool>> ranked(static_cast<std::size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) ranked[static_cast<std::size_t>(i)] = {score[i], y[i] == 1.0};
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < ranked.size();) {
    std::size_t j = i;
    double tied_positives = 0;
    for (; j < ranked.size() && ranked[j].first == ranked[i].first; ++j) tied_positives += ranked[j].second;
    rank_sum += tied_positives * 0.5 * static_cast<double>(i + j + 1);  // ranks from 1, ties at their mid rank
    positives += tied_positives;
    i = j;
  }
  const double negatives = static_cast<double>(y.size()) - positives;
  if (positives == 0 || negatives == 0) detail::fail<value_error>("auc: needs both classes");
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace amalur::metrics
