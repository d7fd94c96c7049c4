"""Merge `dtwin benchmark` runs made side by side (e.g. the gas turbine in its own process) into
one results.md, results.csv and rmse_vs_fraction.png.

    .venv/bin/python bench/merge_benchmark.py --out docs/benchmark RUN1/results.csv RUN2/results.csv
"""
import argparse
import os

from dtwin import benchmark as B


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="+", help="results.csv of each run")
    ap.add_argument("--out", required=True, help="folder for the merged results")
    ap.add_argument("--title", default="Augmentation benchmark results (merged runs)")
    args = ap.parse_args()
    records = [r for path in args.csv for r in B.read_csv(path)]
    if not records:
        raise SystemExit("no records in " + ", ".join(args.csv))
    rows = B.summarize(records)
    os.makedirs(args.out, exist_ok=True)
    B.write_csv(records, os.path.join(args.out, "results.csv"))
    seeds = len({r["seed"] for r in records})
    fractions = sorted({r["fraction"] for r in records})
    text = (f"# {args.title}\n\n{seeds} seeds, fractions {', '.join(f'{f:g}' for f in fractions)}; merged from "
            f"{len(args.csv)} runs.\n\n## Overview\n\n{B.overview(rows)}\n\n"
            f"## All results (mean +- std over seeds)\n\n{B.markdown(rows)}\n")
    tmp = os.path.join(args.out, "results.md.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(args.out, "results.md"))
    B.plot(rows, os.path.join(args.out, "rmse_vs_fraction.png"))
    print(B.overview(rows))


if __name__ == "__main__":
    main()
