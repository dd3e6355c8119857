#!/usr/bin/env bash
# Runs the cost-model grid (a few minutes) and draws its figures into figures/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/deps.sh"
ensure_packages python3-matplotlib
build_release bench_grid
build="$root/build/release"
mkdir -p "$root/figures"
"$build/benchmarks/bench_grid" --benchmark_format=json >"$root/figures/grid.json"
python3 "$root/benchmarks/plot_grid.py" "$root/figures/grid.json" "$root/figures"
