#pragma once
// Random numbers for the models' seeded initializations: std::mt19937_64's
// bits mapped to [0, 1) the same way on every platform (the standard's
// distributions are not reproducible across library implementations).

#include <random>

namespace amalur::detail {

/// Uniform in [0, 1) from the generator, the same on every platform.
inline double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace amalur::detail
