"""bench/augment_sweep: test RMSE change against real-only training as the number of virtual
samples per real training sample varies (PHATE + PGAN and noise injection), on the built-in
sets and penicillin when ../shared is present.

    .venv/bin/python bench/augment_sweep.py [--data-dir ../shared/data] [--seeds 3]
"""
import argparse

import numpy as np

from dtwin import benchmark as B


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--fractions", default="0.05,0.1")
    ap.add_argument("--ratios", default="0.25,0.5,1,2")
    args = ap.parse_args()
    sets = {"friedman1": B.friedman1(), "noisy_sinc": B.noisy_sinc()}
    if args.data_dir:
        sets["penicillin"] = B.load_shared("penicillin", args.data_dir)
    fractions = [float(f) for f in args.fractions.split(",")]
    print("| data set | virtual per real | noise: RMSE change | pgan: RMSE change | pgan-sparse: RMSE change |")
    print("|---|---|---|---|---|")
    for name, (X, y) in sets.items():
        for ratio in [float(r) for r in args.ratios.split(",")]:
            recs = B.run({name: (X, y)}, fractions=fractions, seeds=args.seeds,
                         methods=("none", "noise", "pgan", "pgan-sparse"), n_virtual=ratio, progress=False)
            rows = B.summarize(recs)
            ch = {m: np.mean([r["rmse_change"] for r in rows if r["method"] == m]) for m in ("noise", "pgan", "pgan-sparse")}
            print(f"| {name} | {ratio:g} | {ch['noise']:+.1%} | {ch['pgan']:+.1%} | {ch['pgan-sparse']:+.1%} |", flush=True)
    print(f"\nMean over training fractions {args.fractions} and {args.seeds} seeds.")


if __name__ == "__main__":
    main()
