"""dtwin quickstart: PHATE + PGAN virtual samples for a soft sensor, on built-in data.

Runs on data that ships with dtwin (no files needed):
1. embeds a branching set of operating trajectories (100 tags, 10 regimes) with PHATE;
2. on a small training set of a soft-sensor problem (Friedman #1, 5% of 2,000 rows), places
   virtual features in the sparse zones of the embedding, trains PGAN, and trains the soft
   sensor with and without the virtual samples, printing the test RMSE both ways;
3. saves the models to one HDF5 archive, reloads it and checks the predictions agree.
Writes PNG plots and the archive to quickstart_out/.

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

    soft_sensor_with_virtual_samples()

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
        phate.plot(c=regime, ax=axes[0], cmap="tab10")
        axes[0].scatter(Y_new[:, 0], Y_new[:, 1], marker="x", c="k", s=12, label="new samples (transform)")
        axes[0].legend(loc="best")
        phate.plot_entropy(ax=axes[1])
        target = os.path.join(OUT, "phate_regimes.png")
        fig.savefig(target + ".tmp.png", dpi=110)
        os.replace(target + ".tmp.png", target)  # never a half-written figure
        print(f"wrote {os.path.join(OUT, 'phate_regimes.png')}")
    except ImportError:
        print("matplotlib not installed: skipping the plots", file=sys.stderr)


def soft_sensor_with_virtual_samples():
    from dtwin.benchmark import friedman1

    print("\n-- soft sensor with and without PHATE + PGAN virtual samples --")
    X, y = friedman1(2000, seed=0)
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(X))
    train, val, test = perm[:80], perm[80:100], perm[1000:]
    real = np.column_stack([X[train], y[train]])
    mu, sd = real.mean(0), real.std(0)
    phate = dtwin.Phate(n_components=3, random_state=0)
    Z = phate.fit_transform((real - mu) / sd)
    Z = (Z - Z.mean(0)) / Z.std(0)
    Zv = dtwin.SparseGenerator(target="sparse", random_state=0).generate(Z)
    gan = dtwin.PGan(random_state=0, verbose=1).fit(Z, (real - mu) / sd)
    virtual = gan.generate(Zv) * sd + mu
    print(f"{len(real)} real training samples, {len(virtual)} virtual samples")

    def sensor(data):
        return dtwin.SoftSensorMLP(random_state=0, validation_fraction=0).fit(data[:, :-1], data[:, -1], X[val], y[val])

    plain = sensor(real)
    augmented = sensor(np.vstack([real, virtual]))
    rmse = lambda m: float(np.sqrt(((m.predict(X[test]) - y[test]) ** 2).mean()))
    r0, r1 = rmse(plain), rmse(augmented)
    print(f"test RMSE, real samples only:      {r0:.3f}")
    print(f"test RMSE, real + virtual samples: {r1:.3f}  ({r1 / r0 - 1:+.1%}; docs/benchmark.md has the full comparison)")

    path = os.path.join(OUT, "quickstart_models.h5")
    dtwin.save(path, {"phate": phate, "pgan": gan, "soft_sensor": augmented})
    back = dtwin.load(path)
    same = np.array_equal(back["soft_sensor"].predict(X[test]), augmented.predict(X[test]))
    print(f"saved {path}; reloaded models predict identically: {same}")


if __name__ == "__main__":
    main()
