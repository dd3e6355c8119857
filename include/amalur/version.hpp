#pragma once
#define AMALUR_VERSION_MAJOR 0
#define AMALUR_VERSION_MINOR 1
#define AMALUR_VERSION_PATCH 0

namespace amalur {
inline constexpr const char* version = "0.1.0";
}
