#pragma once
// Hardware profiles as JSON (target amalur::io): what tools/calibrate writes
// and what amalur loads when told to.
//
//   {"format": "amalur-hardware-profile", "version": 1,
//    "flops_per_second": 1.2e10, "bytes_per_second": 6.5e9, "cache_bytes_per_second": 2e10,
//    "cache_bytes": 16777216, "random_per_second": 5e8, "near_random_per_second": 1.5e9,
//    "fresh_bytes_per_second": 3e8, "threads": 2, "parallel_efficiency": 0.4}
//   (the last three optional; threads 0 or absent: this machine's cores)

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "amalur/core/error.hpp"
#include "amalur/cost/hardware_profile.hpp"

namespace amalur::io {

inline nlohmann::json to_json(const hardware_profile& hw) {
  return {{"format", "amalur-hardware-profile"},
          {"version", 1},
          {"flops_per_second", hw.flops_per_second},
          {"bytes_per_second", hw.bytes_per_second},
          {"cache_bytes_per_second", hw.cache_bytes_per_second},
          {"cache_bytes", hw.cache_bytes},
          {"random_per_second", hw.random_per_second},
          {"near_random_per_second", hw.near_random_per_second},
          {"fresh_bytes_per_second", hw.fresh_bytes_per_second},
          {"threads", hw.threads},
          {"parallel_efficiency", hw.parallel_efficiency}};
}

inline hardware_profile profile_from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.value("format", "") != "amalur-hardware-profile")
    amalur::detail::fail<value_error>("hardware profile: not an amalur-hardware-profile JSON object");
  if (j.value("version", 0) != 1)
    amalur::detail::fail<value_error>("hardware profile: unsupported version ", j.value("version", 0));
  hardware_profile hw;
  auto rate = [&](const char* key, double& out) {
    if (!j.contains(key) || !j[key].is_number() || !(j[key].get<double>() > 0))
      amalur::detail::fail<value_error>("hardware profile: '", key, "' must be a positive number");
    out = j[key].get<double>();
  };
  rate("flops_per_second", hw.flops_per_second);
  rate("bytes_per_second", hw.bytes_per_second);
  rate("random_per_second", hw.random_per_second);
  rate("cache_bytes_per_second", hw.cache_bytes_per_second);
  rate("cache_bytes", hw.cache_bytes);
  rate("near_random_per_second", hw.near_random_per_second);
  if (j.contains("fresh_bytes_per_second")) rate("fresh_bytes_per_second", hw.fresh_bytes_per_second);  // newer than version 1's first files
  if (j.contains("threads")) {
    if (!j["threads"].is_number_integer() || j["threads"].get<long long>() < 0 || j["threads"].get<long long>() > 4096)
      amalur::detail::fail<value_error>("hardware profile: 'threads' must be a whole number from 0 (this machine's cores) to 4096");
    hw.threads = j["threads"].get<int>();
  }
  if (j.contains("parallel_efficiency")) {
    if (!j["parallel_efficiency"].is_number() || !(j["parallel_efficiency"].get<double>() >= 0) ||
        j["parallel_efficiency"].get<double>() > 1)
      amalur::detail::fail<value_error>("hardware profile: 'parallel_efficiency' must be a number from 0 to 1");
    hw.parallel_efficiency = j["parallel_efficiency"].get<double>();
  }
  return hw;
}

inline hardware_profile load_profile(const std::string& path) {
  std::ifstream in(path);
  if (!in) amalur::detail::fail<value_error>("hardware profile: cannot open '", path, "'");
  try {
    return profile_from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    amalur::detail::fail<value_error>("hardware profile '", path, "': ", e.what());
  }
}

inline void save_profile(const hardware_profile& hw, const std::string& path) {
  std::ofstream out(path);
  if (!out) amalur::detail::fail<value_error>("hardware profile: cannot write '", path, "'");
  out << to_json(hw).dump(2) << "\n";
}

}  // namespace amalur::io
