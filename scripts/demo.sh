#!/usr/bin/env bash
# Installs what is missing, builds the examples in Release and runs the main demo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/deps.sh"
ensure_packages "${AMALUR_PACKAGES[@]}"
build="$root/build/release"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target star_schema
"$build/examples/star_schema"
