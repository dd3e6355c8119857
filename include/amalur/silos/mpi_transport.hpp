#pragma once
// The MPI transport (target amalur::mpi): rank 0 aggregates, ranks 1..K are
// the silos. Receives poll (MPI_Iprobe, then MPI_Recv of the probed message)
// against the caller's deadline, so a stalled rank is noticed instead of
// waited for; sends are non-blocking and complete in the background. The
// heartbeat thread and the protocol thread share MPI under one mutex, which
// MPI_THREAD_SERIALIZED allows.

#include <chrono>
#include <list>
#include <mutex>
#include <thread>

#include <mpi.h>

#include "amalur/silos/transport.hpp"

namespace amalur::silos {

class mpi_transport : public transport {
 public:
  mpi_transport(int* argc, char*** argv) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Finalize();
      throw error("silo mode: this MPI library does not provide MPI_THREAD_SERIALIZED");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~mpi_transport() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& p : pending_) MPI_Wait(&p.request, MPI_STATUS_IGNORE);
      pending_.clear();
    }
    MPI_Finalize();
  }
  mpi_transport(const mpi_transport&) = delete;
  mpi_transport& operator=(const mpi_transport&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  bool send(int to, std::vector<std::uint8_t> bytes) override {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw error("silo mode: a message over 2 GiB");
    std::lock_guard<std::mutex> lock(mutex_);
    reap();
    pending_.push_back({std::move(bytes), MPI_REQUEST_NULL});
    auto& p = pending_.back();
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &p.request);
    return true;
  }

  poll receive(int from, std::vector<std::uint8_t>& out, double wait_seconds) override {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        reap();
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &status);
        if (flag) {
          int count = 0;
          MPI_Get_count(&status, MPI_BYTE, &count);
          out.resize(static_cast<std::size_t>(count));
          MPI_Recv(out.data(), count, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          return poll::received;
        }
      }
      if (std::chrono::steady_clock::now() >= until) return poll::nothing;
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  struct pending_send {
    std::vector<std::uint8_t> bytes;
    MPI_Request request;
  };
  void reap() {  // with the mutex held: frees the buffers of completed sends
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pending_.erase(it) : std::next(it);
    }
  }

  static constexpr int tag = 7;
  int rank_ = 0, size_ = 1;
  std::mutex mutex_;
  std::list<pending_send> pending_;
};

}  // namespace amalur::silos
