#pragma once
// What the cost model converts work into time with: the rates of this
// machine. The defaults were measured on a 2-core x86-64 build machine with
// the calibration program (tools/calibrate.cpp), except the cache size, a
// portable 16 MB (that machine's last level is a shared 480 MB), and the
// flop and cache rates, fitted to bench_grid's 1,152 measured cells on that
// machine (calibrate measures 3.7e10 and 7e10 there: one product each, where
// the grid runs every operator); run it to measure yours and load the JSON
// with amalur::io::load_profile (target amalur::io).

namespace amalur {

struct hardware_profile {
  /// Dense product rate of one core through Eigen (flop/s).
  double flops_per_second = 4.0e10;
  /// Streaming bandwidth from memory (bytes/s), for working sets past the cache.
  double bytes_per_second = 1.19e10;
  /// Streaming bandwidth when the working set fits in `cache_bytes`.
  double cache_bytes_per_second = 5.0e10;
  double cache_bytes = 16.0 * 1024 * 1024;
  /// Indexed reads or writes (gathers, scatters) into a table past the core's
  /// cache, and into one that fits (see kNearTableBytes in counts.hpp).
  double random_per_second = 1.8e8;
  double near_random_per_second = 2.0e9;
  /// Bytes a process gets from the OS per second, the first time it writes
  /// them (a page fault and zeroing per 4 KiB page): what building T pays for
  /// its new arrays. Virtual machines make it slow (this machine kind:
  /// 0.27-0.37 GB/s, 11-15 us a page); bare metal gives several GB/s.
  double fresh_bytes_per_second = 3.0e8;
  /// Threads the model assumes the factorized kernels spread over (the rates
  /// above are per thread); 0: this machine's cores. Never the count a run
  /// uses, so a decision, and so the result's bits, is the same for every
  /// thread count.
  int threads = 0;
  /// What each thread past the first adds to a parallel step, as a share of
  /// a whole one (1: perfect); short steps and shared memory bandwidth keep
  /// it well under 1.
  double parallel_efficiency = 0.32;
};

inline constexpr hardware_profile default_profile{};

}  // namespace amalur
