#pragma once
// What the cost model converts work into time with: three rates of this
// machine. The defaults were measured on a 2-core x86-64 build machine with
// the calibration program (tools/calibrate.cpp); run it to measure yours
// and load the JSON with amalur::io::load_profile (target amalur::io).

namespace amalur {

struct hardware_profile {
  /// Dense product rate of one core through Eigen (flop/s).
  double flops_per_second = 1.2e10;
  /// Streaming memory bandwidth (bytes/s).
  double bytes_per_second = 6.5e9;
  /// Indexed reads or writes (gathers, scatters) per second.
  double random_per_second = 5.0e8;
};

inline constexpr hardware_profile default_profile{};

}  // namespace amalur
