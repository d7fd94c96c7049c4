"""dtwin quickstart: embed built-in operating data with PHATE and look at it.

Runs on data that ships with dtwin (no files needed): a branching set of operating
trajectories (100 sensor tags, 10 regimes) and a noisy swiss roll. Prints the timings and the
chosen diffusion time, and writes PNG plots to quickstart_out/.

    make quickstart            (or: .venv/bin/python examples/quickstart.py)
"""
import os
import sys
import time

import numpy as np

import dtwin
from dtwin import datasets

OUT = os.environ.get("DTWIN_QUICKSTART_OUT", "quickstart_out")


def main():
    os.makedirs(OUT, exist_ok=True)
    dtwin.show_config()
    print()

    # 1) Branching "operating trajectories": 3,000 samples of 100 tags drifting through 10 regimes.
    X, regime = datasets.dla_tree(3000, n_dim=100, n_branch=10, seed=0)
    t0 = time.perf_counter()
    phate = dtwin.Phate(random_state=0, verbose=1)
    Y = phate.fit_transform(X)
    print(f"PHATE of {X.shape[0]} x {X.shape[1]}: {time.perf_counter() - t0:.2f} s, t = {phate.optimal_t_}, "
          f"{phate.landmark_embedding_.shape[0] if phate.landmark_embedding_ is not None else 0} landmarks")

    # 2) Samples it never saw are placed by their affinities to the fitted ones.
    X_new, regime_new = datasets.dla_tree(3000, n_dim=100, n_branch=10, seed=0)
    rng = np.random.RandomState(1)
    pick = rng.choice(len(X_new), 200, replace=False)
    Y_new = phate.transform(X_new[pick] + rng.normal(0, 1.0, (200, X.shape[1])))
    d = ((Y_new[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    agree = (regime[d.argmin(axis=1)] == regime_new[pick]).mean()
    print(f"transform: {agree:.0%} of 200 new samples land among their own regime")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
        phate.plot(c=regime, ax=axes[0], cmap="tab10")
        axes[0].scatter(Y_new[:, 0], Y_new[:, 1], marker="x", c="k", s=12, label="new samples (transform)")
        axes[0].legend(loc="best")
        phate.plot_entropy(ax=axes[1])
        fig.savefig(os.path.join(OUT, "phate_regimes.png"), dpi=110)
        print(f"wrote {os.path.join(OUT, 'phate_regimes.png')}")
    except ImportError:
        print("matplotlib not installed: skipping the plots", file=sys.stderr)


if __name__ == "__main__":
    main()
