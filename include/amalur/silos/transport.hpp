#pragma once
// The small interface every transport implements: move encoded messages
// between ranks (0 = the aggregator, 1..K = the silos), with a bounded wait.
// The protocol code above it (channel.hpp) is written once for all of them.

#include <cstdint>
#include <vector>

#include "amalur/core/error.hpp"

namespace amalur::silos {

/// A peer died, stalled or sent garbage: the run ends with exit 5.
class silo_failure : public error {
 public:
  using error::error;
};

/// A party found its own input bad (exit 2) or could not read a file
/// (exit 4); `party` names it.
class party_input_error : public error {
 public:
  party_input_error(std::string party, const std::string& what, int code = 2)
      : error("silo '" + party + "': " + what), party_(std::move(party)), code_(code) {}
  const std::string& party() const { return party_; }
  int code() const { return code_; }

 private:
  std::string party_;
  int code_;
};

/// The aggregator ended the run; every party ends with `code`.
struct shutdown_requested {
  int code = 0;
};

class transport {
 public:
  enum class poll { received, nothing, peer_gone };

  virtual ~transport() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Queues bytes for `to`; false when `to` is known to have ended.
  /// Safe to call from the heartbeat thread and the protocol thread at once.
  virtual bool send(int to, std::vector<std::uint8_t> bytes) = 0;
  /// Waits up to `wait_seconds` for the next message from `from`.
  virtual poll receive(int from, std::vector<std::uint8_t>& out, double wait_seconds) = 0;
  /// Ends the run at once, for every party where the transport can (MPI_Abort).
  [[noreturn]] virtual void abort(int code) = 0;
};

}  // namespace amalur::silos
