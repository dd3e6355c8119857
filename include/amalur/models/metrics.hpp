#pragma once
// Held-out evaluation: accuracy, F1 and the area under the ROC curve.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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

namespace ranking {
/// A score as a key whose unsigned order is the score's order, and its label.
struct ranked_score {
  std::uint64_t key;
  bool positive;
};
/// The key of a score: -0.0 ranks as 0.0 (NaN is refused before).
inline std::uint64_t key_of(double score) {
  constexpr std::uint64_t sign = std::uint64_t(1) << 63;
  const double s = score + 0.0;  // -0.0 -> 0.0
  std::uint64_t bits;
  std::memcpy(&bits, &s, sizeof bits);
  return (bits & sign) ? ~bits : bits | sign;
}
/// Sorts by key with an LSD radix sort over 11-bit digits (linear time: the
/// comparison sort was most of a training's metrics); a digit that every key
/// shares is skipped.
inline void sort_by_key(std::vector<ranked_score>& v) {
  constexpr int bits = 11;
  constexpr std::uint64_t mask = (1u << bits) - 1;
  std::vector<ranked_score> other(v.size());
  std::vector<std::size_t> count(std::size_t(1) << bits);
  for (int shift = 0; shift < 64; shift += bits) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& r : v) ++count[(r.key >> shift) & mask];
    if (count[(v.front().key >> shift) & mask] == v.size()) continue;
    std::size_t offset = 0;
    for (auto& c : count) offset += std::exchange(c, offset);
    for (const auto& r : v) other[count[(r.key >> shift) & mask]++] = r;
    v.swap(other);
  }
}
}  // namespace ranking

/// Area under the ROC curve (the Mann-Whitney statistic, ties counted half).
inline double auc(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& score) {
  if (y.size() != score.size()) detail::fail<dimension_error>("auc: ", y.size(), " labels and ", score.size(), " scores");
  std::vector<ranking::ranked_score> ranked(static_cast<std::size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (std::isnan(score[i])) detail::fail<value_error>("auc: the score at row ", i, " is NaN");
    ranked[static_cast<std::size_t>(i)] = {ranking::key_of(score[i]), y[i] == 1.0};
  }
  if (!ranked.empty()) ranking::sort_by_key(ranked);
  double rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < ranked.size();) {
    std::size_t j = i;
    double tied_positives = 0;
    for (; j < ranked.size() && ranked[j].key == ranked[i].key; ++j) tied_positives += ranked[j].positive;
    rank_sum += tied_positives * 0.5 * static_cast<double>(i + j + 1);  // ranks from 1, ties at their mid rank
    positives += tied_positives;
    i = j;
  }
  const double negatives = static_cast<double>(y.size()) - positives;
  if (positives == 0 || negatives == 0) detail::fail<value_error>("auc: needs both classes");
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace amalur::metrics
