#!/usr/bin/env bash
# Compile time of a user's file with T a normalized matrix against the same
# file with T an Eigen::MatrixXd (g++ -O2 -c, median of 3): issue 9's ratio.
# Two readings of "the same file": the Eigen file including only <Eigen/Dense>
# (what the products alone cost a user) and including amalur/amalur.hpp too
# (what the normalized T's products cost over dense ones in one file).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flags=(-std=c++17 -O2 -DNDEBUG -I"$here/../../include" -I/usr/include/eigen3 -c -o /dev/null)
median() {
  local times=()
  for _ in 1 2 3; do
    local start=$(date +%s.%N)
    g++ "${flags[@]}" "$1"
    times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
same=$(mktemp --suffix=.cpp)
trap 'rm -f "$same"' EXIT
sed 's|#include <Eigen/Dense>|#include <amalur/amalur.hpp>|' "$here/eigen_products.cpp" >"$same"
a=$(median "$here/amalur_products.cpp")
e=$(median "$here/eigen_products.cpp")
s=$(median "$same")
awk -v a="$a" -v e="$e" -v s="$s" 'BEGIN {
  printf "amalur %.2f s; Eigen alone %.2f s (ratio %.2fx); Eigen in a file including amalur.hpp %.2f s (ratio %.2fx)\n",
         a, e, a / e, s, a / s }'
