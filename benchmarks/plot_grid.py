#!/usr/bin/env python3
"""Turns bench_grid's JSON into PNG heatmaps: the measured speedup of the
factorized strategy (materialized time / factorized time) over tuple ratio x
feature ratio, one panel per operator, with the cost model's decision
boundary drawn on it (cells it factorizes are outlined).

    python3 benchmarks/plot_grid.py grid.json figures/
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(path, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    runs = [r for r in json.load(open(path))["benchmarks"] if "speedup" in r]
    groups = {}
    for r in runs:
        op, layout, dims = r["name"].split("/")[:3]
        groups.setdefault((layout, dims), {}).setdefault(op, []).append(r)
    for (layout, dims), ops in sorted(groups.items()):
        fig, axes = plt.subplots(1, len(ops), figsize=(4 * len(ops), 3.6), squeeze=False)
        for ax, (op, cells) in zip(axes[0], sorted(ops.items())):
            trs = sorted({c["TR"] for c in cells})
            frs = sorted({c["FR"] for c in cells})
            grid = [[math.nan] * len(trs) for _ in frs]
            for c in cells:
                i, j = frs.index(c["FR"]), trs.index(c["TR"])
                grid[i][j] = math.log2(c["speedup"])
                if c["pick"] == 1:
                    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5, ec="black"))
            im = ax.imshow(grid, origin="lower", cmap="RdBu", vmin=-3, vmax=3)
            ax.set_xticks(range(len(trs)), [f"{t:g}" for t in trs])
            ax.set_yticks(range(len(frs)), [f"{f:g}" for f in frs])
            ax.set_xlabel("tuple ratio")
            if ax is axes[0][0]:
                ax.set_ylabel("feature ratio")
            ax.set_title(op, fontsize=10)
        fig.colorbar(im, ax=axes[0].tolist(), label="log2 speedup (blue: factorized faster)")
        fig.suptitle(f"{layout} dimensions, {dims.replace('dims:', '')} table(s); outlined: cost model factorizes")
        out = os.path.join(out_dir, f"grid-{layout}-{dims.replace(':', '')}.png")
        fig.savefig(out, dpi=90, bbox_inches="tight")
        plt.close(fig)
        print(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "grid.json", sys.argv[2] if len(sys.argv) > 2 else "figures")
