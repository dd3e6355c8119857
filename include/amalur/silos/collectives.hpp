#pragma once
// The few collective steps the silo protocols are written in. Sums run in
// rank order at the aggregator, and a total is sent back as one double, so
// every party takes the same decisions from the same numbers.

#include "amalur/silos/channel.hpp"

namespace amalur::silos {

/// The sum over parties of `mine`, at the aggregator; a silo gets its own back.
inline Eigen::MatrixXd sum_at_aggregator(channel& ch, const Eigen::MatrixXd& mine, kind k) {
  if (!ch.is_aggregator()) {
    ch.send(0, message::of(k, mine));
    return mine;
  }
  Eigen::MatrixXd total = mine;
  for (int r = 1; r < ch.parties(); ++r) {
    const message m = ch.receive(r, k);
    if (static_cast<index_t>(m.rows) != total.rows() || static_cast<index_t>(m.cols) != total.cols())
      throw silo_failure("silo '" + ch.name(r) + "' sent '" + name_of(k) + "' of shape " + std::to_string(m.rows) +
                         " x " + std::to_string(m.cols) + ", expected " + std::to_string(total.rows()) + " x " +
                         std::to_string(total.cols()) + ", during " + ch.phase());
    total += m.matrix();
  }
  return total;
}

/// The aggregator's `m`, at every party.
inline Eigen::MatrixXd broadcast(channel& ch, const Eigen::MatrixXd& m, kind k) {
  if (ch.is_aggregator()) {
    for (int r = 1; r < ch.parties(); ++r) ch.send(r, message::of(k, m));
    return m;
  }
  return ch.receive(0, k).matrix();
}

inline double broadcast(channel& ch, double v, kind k) {
  return broadcast(ch, Eigen::MatrixXd::Constant(1, 1, v), k)(0, 0);
}

/// The sum over parties, known to every party.
inline double all_sum(channel& ch, double mine, kind k = kind::dot) {
  const double total = sum_at_aggregator(ch, Eigen::MatrixXd::Constant(1, 1, mine), k)(0, 0);
  return broadcast(ch, total, k);
}

}  // namespace amalur::silos
