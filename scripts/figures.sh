#!/usr/bin/env bash
# Runs the cost-model grid (a few minutes) and draws its figures into figures/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/deps.sh"
ensure_packages "${AMALUR_PACKAGES[@]}" python3-matplotlib
build="$root/build/release"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_grid
mkdir -p "$root/figures"
"$build/benchmarks/bench_grid" --benchmark_format=json >"$root/figures/grid.json"
python3 "$root/benchmarks/plot_grid.py" "$root/figures/grid.json" "$root/figures"
