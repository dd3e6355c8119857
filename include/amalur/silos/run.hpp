#pragma once
// How a party's run ends, whatever happens, as an exit code: 0 (or the
// aggregator's own code, such as 3 for no convergence), 2 when a party's
// input is bad (the aggregator names the silo), 5 when a peer dies, stalls
// or sends garbage (the transport aborts the run: no hang, no model). And
// the in-process driver: one thread per silo over the same protocol code.
// The library prints nothing: every message goes to the caller's `report`.

#include <functional>
#include <thread>

#include "amalur/io/files.hpp"
#include "amalur/silos/channel.hpp"
#include "amalur/silos/placement.hpp"
#include "amalur/silos/thread_transport.hpp"

namespace amalur::silos {

constexpr int exit_bad_input = 2, exit_file_error = 4, exit_silo_failure = 5;

/// Receives each message that ends a run (the program prints it on stderr),
/// before an abort where there is one.
using failure_report = std::function<void(const std::string&)>;

/// Runs `body` (returning an exit code) as rank 0, then ends every silo with that code.
template <class Body>
int run_aggregator(channel& ch, Body&& body, const failure_report& report) {
  int code = 0;
  try {
    code = body();
  } catch (const silo_failure& e) {
    report(e.what());
    ch.raw().abort(exit_silo_failure);
  } catch (const party_input_error& e) {
    report(e.what());
    code = e.code();
  } catch (const io::file_error& e) {
    report(e.what());
    code = exit_file_error;
  } catch (const std::exception& e) {
    report(e.what());
    code = exit_bad_input;
  }
  try {
    ch.shutdown_all(code);
  } catch (const silo_failure& e) {
    report(e.what());
    ch.raw().abort(exit_silo_failure);
  }
  return code;
}

/// Runs `body` as a silo; returns the code the aggregator ends the run with.
template <class Body>
int run_silo(channel& ch, Body&& body, const failure_report& report) {
  try {
    try {
      body();
      return ch.await_shutdown();
    } catch (const shutdown_requested& s) {
      ch.acknowledge_shutdown();
      return s.code;
    } catch (const silo_failure&) {
      throw;
    } catch (const injected_death&) {
      throw;
    } catch (const std::exception& e) {  // its own bad input: the aggregator reports it, naming this silo
      const bool file = dynamic_cast<const io::file_error*>(&e) != nullptr;
      ch.send(0, message::of(kind::error, std::vector<std::string>{e.what(), file ? "4" : "2"}));
      return ch.await_shutdown();
    }
  } catch (const silo_failure& e) {
    report("silo '" + ch.my_name() + "': " + e.what());
    ch.raw().abort(exit_silo_failure);
  }
  return exit_silo_failure;  // not reached: abort() does not return
}

/// Runs a silo-mode job in one process: rank 0 on this thread, one thread
/// per silo, each calling `party(channel&)` (which wraps its work in
/// run_aggregator or run_silo). Returns rank 0's exit code; a failure exits
/// the process with 5.
template <class Party>
int run_in_threads(const placement& pl, const channel_options& options, Party&& party) {
  thread_network net(pl.silos() + 1);
  std::vector<std::thread> threads;
  for (int r = 1; r <= pl.silos(); ++r)
    threads.emplace_back([&, r] {
      channel_options mine = options;
      mine.audit = nullptr;  // the audit is rank 0's
      try {
        channel ch(net.at(r), pl.parties, mine);
        party(ch);
      } catch (const injected_death&) {
        // the fault hook: this silo ends without a word
      }
      net.at(r).close();
    });
  int code = 0;
  {
    channel ch(net.at(0), pl.parties, options);
    code = party(ch);
  }
  net.at(0).close();
  for (auto& t : threads) t.join();
  return code;
}

}  // namespace amalur::silos
