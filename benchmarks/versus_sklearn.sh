#!/usr/bin/env bash
# amalur against pandas + scikit-learn on the flights star schema (issue 10's
# targets): the same CSV files, features and models, timed per phase by both.
#
#   bash benchmarks/versus_sklearn.sh [--month] [--json PATH]
#
# --month keeps only the January rows (the "month of flights" shape).
# Data: ../shared/data (or $AMALUR_DATA) when it holds the Jan-Feb file, else
# the shipped sample. A benchmark run by hand: not part of CI or ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

month=0
json_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --month) month=1 ;;
    --json) [ $# -ge 2 ] || { echo "--json needs a path" >&2; exit 2; }
            json_out=$(realpath -m "$2"); shift ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (--month, --json PATH)" >&2; exit 2 ;;
  esac
  shift
done

data=${AMALUR_DATA:-$root/../shared/data}
if [ -f "$data/flights-2001-jan-feb.csv" ] && [ -f "$data/airports.csv" ]; then
  flights="$data/flights-2001-jan-feb.csv"
  airports="$data/airports.csv"
  which_data="Jan-Feb 2001 ($data)"
elif command -v xz >/dev/null; then
  flights=""  # unpacked below, once the temp dir exists
  which_data="shipped sample (data/flights-sample.csv.xz)"
else
  echo "versus_sklearn: skipped: no $data/flights-2001-jan-feb.csv and no xz to unpack the shipped sample"
  exit 0
fi

source "$root/scripts/deps.sh"
if ! ensure_packages python3-sklearn python3-pandas; then
  echo "versus_sklearn: skipped: python3-sklearn and python3-pandas could not be installed"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$flights" ]; then
  xz -dc data/flights-sample.csv.xz >"$tmp/flights.csv"
  xz -dc data/airports.csv.xz >"$tmp/airports.csv"
  flights="$tmp/flights.csv"
  airports="$tmp/airports.csv"
fi
if [ "$month" = 1 ]; then
  # Written once, so both tools read the very same file.
  awk 'NR == 1 || /^2001-01/' "$flights" >"$tmp/flights-month.csv"
  flights="$tmp/flights-month.csv"
  which_data="$which_data, January rows only"
fi

amalur="$root/build/release/tools/amalur"
[ -x "$amalur" ] || build_release amalur_cli

# Debian's python3 sees the Debian packages (a pyenv or venv python may not).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
# One thread on both sides, as amalur runs with --threads 1: numpy's BLAS and
# OpenMP would otherwise use every core.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
args=(--flights "$flights" --airports "$airports" --amalur "$amalur" --workdir "$tmp" --data "$which_data")
[ -n "$json_out" ] && args+=(--json "$json_out")
"$py" "$root/benchmarks/versus_sklearn.py" "${args[@]}"
