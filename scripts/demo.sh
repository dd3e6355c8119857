#!/usr/bin/env bash
# Installs what is missing, builds in Release and runs the main demo: logistic
# regression on the shipped flights sample joined twice with airports.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/deps.sh"
build_release flights_demo
build="$root/build/release"
data="$build/demo-data"
mkdir -p "$data"
cp "$root/data/flights.json" "$data/"
[ -f "$data/flights.csv" ] || xz -dc "$root/data/flights-sample.csv.xz" >"$data/flights.csv"
[ -f "$data/airports.csv" ] || xz -dc "$root/data/airports.csv.xz" >"$data/airports.csv"
"$build/examples/flights_demo" "$data/flights.json"
