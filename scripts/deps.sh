# Sourced by the scripts: installs the Debian packages that are missing.
# Usage: ensure_packages pkg...
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Everything the library, its tests, benchmarks and examples build with.
AMALUR_PACKAGES=(cmake make g++ libeigen3-dev catch2 libbenchmark-dev libxtensor-dev xtl-dev liblbfgspp-dev nlohmann-json3-dev libcli11-dev xz-utils libsodium-dev libopenmpi-dev openmpi-bin libsqlite3-dev libsqlitecpp-dev)

# Configures and builds the Release tree with the given targets (all when none).
build_release() {
  local root build
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build="$root/build/release"
  ensure_packages "${AMALUR_PACKAGES[@]}"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  if [ $# -eq 0 ]; then
    cmake --build "$build" -j "$(nproc)"
  else
    cmake --build "$build" -j "$(nproc)" --target "$@"
  fi
}
