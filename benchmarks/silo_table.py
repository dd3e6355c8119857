#!/usr/bin/env python3
"""Markdown table of bench_silos' JSON: per IRLS iteration, time and bytes, next to central."""
import json
import sys

runs = json.load(open(sys.argv[1]))["benchmarks"]
central = {}
for r in runs:
    if r["name"].split("/")[-1].startswith("central") or "/central" in r["name"]:
        central[r["name"].split("/")[0]] = r.get("real_time")
print("| case | ms per iteration | x central | MB per iteration | iterations | CG steps per iteration |")
print("|---|---:|---:|---:|---:|---:|")
for r in runs:
    if "error_message" in r:
        print(f"| {r['name']} | skipped: {r['error_message']} | | | | |")
        continue
    shape = r["name"].split("/")[0]
    ms = r["real_time"]
    ratio = ms / central[shape] if central.get(shape) else float("nan")
    print(f"| {r['name'].replace('/manual_time', '').replace('/iterations:1', '')} | {ms:.3g} | {ratio:.3g} | {r.get('bytes_per_iteration', 0) / 1e6:.3g} "
          f"| {r.get('irls_iterations', 0):.0f} | {r.get('cg_steps_per_iteration', 0):.3g} |")
