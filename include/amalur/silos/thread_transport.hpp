#pragma once
// The in-process transport: one thread per silo, for tests and one-machine
// use. Messages pass as the same bytes MPI would carry, through one mailbox
// per rank with a queue per sender; an ended party is marked, so a receive
// from it fails at once instead of waiting for the deadline.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>

#include "amalur/silos/transport.hpp"

namespace amalur::silos {

class thread_network {
  struct mailbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::deque<std::vector<std::uint8_t>>> from;  // per sender
    std::vector<char> ended;                                  // per sender
  };

 public:
  class endpoint : public transport {
   public:
    endpoint(thread_network& net, int rank) : net_(net), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return static_cast<int>(net_.boxes_.size()); }
    bool send(int to, std::vector<std::uint8_t> bytes) override {
      mailbox& box = *net_.boxes_.at(static_cast<std::size_t>(to));
      {
        std::lock_guard<std::mutex> lock(box.mutex);
        if (net_.has_ended(to)) return false;
        box.from[static_cast<std::size_t>(rank_)].push_back(std::move(bytes));
      }
      box.arrived.notify_all();
      return true;
    }
    poll receive(int from, std::vector<std::uint8_t>& out, double wait_seconds) override {
      mailbox& box = *net_.boxes_.at(static_cast<std::size_t>(rank_));
      std::unique_lock<std::mutex> lock(box.mutex);
      auto& queue = box.from.at(static_cast<std::size_t>(from));
      box.arrived.wait_for(lock, std::chrono::duration<double>(wait_seconds),
                           [&] { return !queue.empty() || box.ended[static_cast<std::size_t>(from)]; });
      if (!queue.empty()) {
        out = std::move(queue.front());
        queue.pop_front();
        return poll::received;
      }
      return box.ended[static_cast<std::size_t>(from)] ? poll::peer_gone : poll::nothing;
    }
    [[noreturn]] void abort(int code) override {
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(code);  // a stalled silo thread cannot be joined
    }
    /// This party ends: receives from it fail at once, sends to it are refused.
    void close() { net_.end(rank_); }

   private:
    thread_network& net_;
    int rank_;
  };

  explicit thread_network(int parties) {
    for (int r = 0; r < parties; ++r) {
      boxes_.push_back(std::make_unique<mailbox>());
      boxes_.back()->from.resize(static_cast<std::size_t>(parties));
      boxes_.back()->ended.assign(static_cast<std::size_t>(parties), 0);
    }
    for (int r = 0; r < parties; ++r) endpoints_.push_back(std::make_unique<endpoint>(*this, r));
  }
  endpoint& at(int rank) { return *endpoints_.at(static_cast<std::size_t>(rank)); }

 private:
  bool has_ended(int rank) const {  // called with the receiver's mailbox locked
    return boxes_[static_cast<std::size_t>(rank)]->ended[static_cast<std::size_t>(rank)] != 0;
  }
  void end(int rank) {
    for (auto& box : boxes_) {
      {
        std::lock_guard<std::mutex> lock(box->mutex);
        box->ended[static_cast<std::size_t>(rank)] = 1;
      }
      box->arrived.notify_all();
    }
  }

  std::vector<std::unique_ptr<mailbox>> boxes_;
  std::vector<std::unique_ptr<endpoint>> endpoints_;
};

}  // namespace amalur::silos
