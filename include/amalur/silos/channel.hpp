#pragma once
// A party's end of the silo network: typed sends and receives over any
// transport, with the rules every party follows. Every receive has a
// deadline; idle parties send heartbeats so a slow peer is not taken for a
// dead one; a peer that ends, stalls or sends garbage is a silo_failure
// naming it and the protocol step. Rank 0 (the aggregator) keeps the
// traffic counts and reports every message to an audit callback: every
// message has rank 0 at one end.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "amalur/silos/message.hpp"
#include "amalur/silos/transport.hpp"

namespace amalur::silos {

/// A fault a test injects into one party: after it has sent `after` protocol
/// messages it dies, stalls or sends garbage instead of the next one.
struct fault_injection {
  std::string party;
  int after = -1;
  std::string action;  // "die", "stall" or "garbage"
  bool active() const { return after >= 0; }
};

/// Thrown inside a party's thread by the "die" fault (in-process transport).
struct injected_death {};

/// One message as the audit sees it: the shape of the array it carried.
struct audit_record {
  std::string from, to, kind;
  std::uint64_t rows = 0, cols = 0, bytes = 0;
};

struct channel_options {
  double timeout_seconds = 60;  // longest silence from a peer
  double noise = 0;             // Gaussian noise, relative to each message's root mean square
  std::uint64_t noise_seed = 1;
  /// Rank 0 only: called once per message (sent or received), in order.
  std::function<void(const audit_record&)> audit;
  fault_injection fault;
  /// The "die" fault: the in-process transport ends the party's thread; MPI kills the process.
  std::function<void()> die;
};

/// What one silo sent and received (counted at the aggregator).
struct traffic {
  std::uint64_t bytes_sent = 0, bytes_received = 0, messages = 0, heartbeats = 0;
};

class channel {
 public:
  /// `names[r]` names rank r (names[0] is the aggregator).
  channel(transport& t, std::vector<std::string> names, channel_options o)
      : transport_(t), names_(std::move(names)), options_(std::move(o)), traffic_(names_.size()),
        noise_(options_.noise_seed + static_cast<std::uint64_t>(t.rank())) {
    if (static_cast<int>(names_.size()) != t.size())
      amalur::detail::fail<value_error>("silo mode: ", names_.size(), " parties but the transport has ", t.size());
    heartbeat_ = std::thread([this] { beat(); });
  }
  ~channel() { stop_heartbeats(); }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  int rank() const { return transport_.rank(); }
  int parties() const { return transport_.size(); }
  bool is_aggregator() const { return rank() == 0; }
  const std::string& name(int r) const { return names_[static_cast<std::size_t>(r)]; }
  const std::string& my_name() const { return name(rank()); }
  const std::vector<traffic>& traffic_by_party() const { return traffic_; }
  const channel_options& options() const { return options_; }
  transport& raw() { return transport_; }

  /// The protocol step, for error messages ("iteration 3, conjugate gradient").
  void set_phase(std::string phase) { phase_ = std::move(phase); }
  const std::string& phase() const { return phase_; }

  void send(int to, message m) {
    maybe_fault();
    add_noise(m);
    auto bytes = encode(m);
    if (garbage_next_) {
      bytes.resize(bytes.size() / 2);
      bytes[0] ^= 0xff;
    }
    record(rank(), to, m, bytes.size());
    if (!transport_.send(to, std::move(bytes)))
      throw silo_failure(who(to) + " has ended; nothing could be sent during " + phase_);
  }

  /// The next message from `from`, which must be of one of `expected` kinds.
  message receive(int from, std::initializer_list<kind> expected) { return receive(from, expected, false); }
  message receive(int from, kind expected) { return receive(from, {expected}, false); }
  /// Skips every other message until one of kind `k` (the end of a failed run).
  message skip_until(int from, kind k) { return receive(from, {k}, true); }

 private:
  message receive(int from, std::initializer_list<kind> expected, bool skip_others) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::duration<double>(options_.timeout_seconds);
    std::vector<std::uint8_t> bytes;
    for (;;) {
      const double left = std::chrono::duration<double>(deadline - clock::now()).count();
      if (left <= 0)
        throw silo_failure(who(from) + " sent nothing for " + seconds_text(options_.timeout_seconds) +
                           " s (no heartbeat either) during " + phase_);
      const auto got = transport_.receive(from, bytes, std::min(left, 0.25));
      if (got == transport::poll::peer_gone)
        throw silo_failure(who(from) + " ended without a word during " + phase_);
      if (got == transport::poll::nothing) continue;
      message m;
      try {
        m = decode(bytes);
      } catch (const malformed_message& e) {
        throw silo_failure(who(from) + " sent a malformed message (" + e.what() + ") during " + phase_);
      }
      if (m.kind == kind::heartbeat) {
        ++traffic_[static_cast<std::size_t>(rank() == 0 ? from : 0)].heartbeats;
        deadline = clock::now() + std::chrono::duration<double>(options_.timeout_seconds);
        continue;
      }
      record(from, rank(), m, bytes.size());
      const bool wanted = std::find(expected.begin(), expected.end(), m.kind) != expected.end();
      if (skip_others && !wanted) continue;
      if (m.kind == kind::error)
        throw party_input_error(name(from), m.texts.empty() ? "failed" : m.texts[0],
                                m.texts.size() > 1 && m.texts[1] == "4" ? 4 : 2);
      if (m.kind == kind::shutdown && !wanted)
        throw shutdown_requested{static_cast<int>(m.numbers.empty() ? 5 : m.value())};
      if (!wanted)
        throw silo_failure(who(from) + " sent '" + name_of(m.kind) + "' where '" + name_of(*expected.begin()) +
                           "' was expected, during " + phase_);
      if (m.type == element::number && !m.matrix().allFinite() && m.kind != kind::deviance)
        throw silo_failure(who(from) + " sent non-finite numbers in '" + name_of(m.kind) + "' during " + phase_);
      return m;
    }
  }

 public:
  /// Stops the heartbeats (before the last exchange, so none is left unread).
  void stop_heartbeats() {
    {
      std::lock_guard<std::mutex> lock(beat_mutex_);
      stopping_ = true;
    }
    beat_cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
  }

  /// Rank 0 ends the run: every silo gets `code` and acknowledges it.
  void shutdown_all(int code) {
    stop_heartbeats();
    set_phase("shutdown");
    for (int r = 1; r < parties(); ++r) send(r, message::scalar(kind::shutdown, code));
    for (int r = 1; r < parties(); ++r) {
      for (;;) {
        try {
          skip_until(r, kind::shutdown);
          break;
        } catch (const party_input_error&) {
          // a silo that failed as the run ended still acknowledges next
        }
      }
    }
  }
  /// A silo waits for the aggregator's end of the run and acknowledges it.
  int await_shutdown() {
    set_phase("shutdown");
    int code = 0;
    code = static_cast<int>(skip_until(0, kind::shutdown).value());
    acknowledge_shutdown();
    return code;
  }
  void acknowledge_shutdown() {
    stop_heartbeats();
    send(0, message::scalar(kind::shutdown, 0));
  }

 private:
  std::string who(int r) const { return r == 0 ? "the aggregator" : "silo '" + name(r) + "'"; }
  static std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
  }

  void beat() {
    const auto interval = std::chrono::duration<double>(std::min(1.0, options_.timeout_seconds / 4));
    std::unique_lock<std::mutex> lock(beat_mutex_);
    while (!beat_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      const auto bytes = encode(message{});
      if (rank() == 0) {
        for (int r = 1; r < parties(); ++r) transport_.send(r, bytes);
      } else {
        transport_.send(0, bytes);
      }
    }
  }

  void maybe_fault() {
    const fault_injection& f = options_.fault;
    if (!f.active() || f.party != my_name() || sent_++ != f.after) return;
    if (f.action == "die") {
      if (options_.die) options_.die();
      throw injected_death{};
    }
    if (f.action == "stall") {
      stop_heartbeats();
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
    if (f.action == "garbage") garbage_next_ = true;
  }

  void add_noise(message& m) {
    if (options_.noise <= 0 || m.type != element::number || m.numbers.empty()) return;
    switch (m.kind) {  // what the model is computed from; never set-up, counts or decisions
      case kind::partial_predictor: case kind::product: case kind::weights: case kind::working_response:
      case kind::score: case kind::dot: case kind::gram: case kind::rhs: case kind::gradient: case kind::deviance:
        break;
      default: return;
    }
    if (m.kind == kind::gram) {  // symmetric, on the scale of each entry's correlation, so it stays a Gram matrix
      const auto q = static_cast<index_t>(m.rows);
      Eigen::Map<Eigen::MatrixXd> g(m.numbers.data(), q, q);
      std::normal_distribution<double> gauss(0.0, options_.noise);
      for (index_t j = 0; j < q; ++j)
        for (index_t i = 0; i <= j; ++i) {
          const double e = gauss(noise_) * std::sqrt(std::abs(g(i, i) * g(j, j)));
          g(i, j) += e;
          if (i != j) g(j, i) += e;
        }
      return;
    }
    double rms = 0;
    for (double v : m.numbers) rms += v * v;
    rms = std::sqrt(rms / static_cast<double>(m.numbers.size()));
    std::normal_distribution<double> gauss(0.0, options_.noise * rms);
    for (double& v : m.numbers) v += gauss(noise_);
  }

  void record(int from, int to, const message& m, std::size_t bytes) {
    if (rank() != 0) return;
    const int silo = from == 0 ? to : from;
    auto& t = traffic_[static_cast<std::size_t>(silo)];
    (from == 0 ? t.bytes_received : t.bytes_sent) += bytes;
    ++t.messages;
    if (options_.audit) options_.audit({name(from), name(to), name_of(m.kind), m.rows, m.cols, bytes});
  }

  transport& transport_;
  std::vector<std::string> names_;
  channel_options options_;
  std::vector<traffic> traffic_;
  std::mt19937_64 noise_;
  std::string phase_ = "set-up";
  int sent_ = 0;
  bool garbage_next_ = false;
  std::mutex beat_mutex_;
  std::condition_variable beat_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace amalur::silos
