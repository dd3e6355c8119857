#!/usr/bin/env python3
"""Prints a Google Benchmark JSON file of amalur's paired benchmarks as a
markdown table: one row per benchmark, factorized and materialized side by side.

    python3 benchmarks/table.py operators.json
"""
import json
import sys

COLUMNS = ["fact_us", "mat_us", "fact_ms", "mat_ms", "speedup", "flop_ratio", "byte_ratio"]


def main(path):
    with open(path) as f:
        runs = json.load(f)["benchmarks"]
    extra = [c for c in ("roofline_speedup", "share_of_roofline") if any(c in r for r in runs)]
    cols = [c for c in COLUMNS if any(c in r for r in runs)] + extra
    print("| benchmark | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for r in runs:
        if r.get("run_type") == "aggregate" and r.get("aggregate_name") != "median":
            continue
        name = r["name"].split("/min_time")[0]
        cells = [f"{r[c]:.3g}" if c in r else "" for c in cols]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdin")
