"""The augmentation benchmark: does training a soft sensor on real + virtual samples beat real
samples alone, and where? (docs/benchmark.md)

Protocol, for every data set, training fraction and seed: shuffle; hold out a test set (30%,
at most `max_test` rows); draw the training fraction of all rows from the rest and keep a fifth
of it as the real validation set for early stopping; make virtual samples from the other four
fifths with each method; train SoftSensorMLP on real (+ virtual) samples; score on the test
set and on its sparse-zone quarter (the test samples farthest from the training inputs:
largest distance to the 5th nearest training sample, in standardised input units).
"""
import csv
import os
import time
from pathlib import Path

import numpy as np

from .augmentation import augment
from .soft_sensor import SoftSensorMLP

METHODS = ("none", "noise", "smote", "mtd", "gan", "pgan", "pgan-sparse", "pgan-local", "noise+val", "pgan-sparse+val",
           "pgan-local+val", "pgan-gp", "pgan-gp-wide", "pgan-gp+val", "noise-gp", "gp", "pgan-gp-sparse", "pgan-gp-w")
# "pgan-gp": PHATE + PGAN virtual inputs (published placement, residual rule), targets from the
# GP teacher, GP_RATIO virtual rows per real one but GP_MAX_VIRTUAL at most. "noise-gp" is its ablation (noise-injected
# inputs, the same teacher) and "gp" the teacher itself used as the sensor: together they say
# which part of the method the gain comes from. Two variants were tried (docs/benchmark.md):
# "pgan-gp-sparse" places the virtual features with target="sparse", "pgan-gp-w" weights each
# virtual row by the teacher's confidence, min(1, (median sd / sd)^2) of its posterior sd.
REFERENCE_METHODS = ("gp",)
# The student keeps more of the teacher's gain the more rows the teacher labels: on the five
# smaller sets (3 seeds, 5-10%) pgan-gp changed the test RMSE by -11.0% with 4 rows per real
# one, -14.7% with 10 and -15.3% with 20 (docs/benchmark.md). The cap keeps the cost bounded on
# large training sets, where the teacher's posterior rests on 3,000 rows anyway.
GP_RATIO = 10
GP_MAX_VIRTUAL = 5000
# "pgan-gp-wide" (dtwin's recommended recipe): the same with augment's spread=WIDE_SPREAD,
# virtual rows reaching further from the real ones, each weighted by the teacher's confidence in
# its label (return_weight). Far rows gain much more where the teacher is good away from the data
# and can lose where it is not; "pgan-gp+val" chooses on the real validation rows between no
# virtual rows, pgan-gp, and pgan-gp-wide's rows unweighted and weighted (docs/benchmark.md: the
# choice was no better than pgan-gp-wide).
WIDE_SPREAD = 3.0
# What `dtwin benchmark` runs unless told: "pgan-local" (virtual targets from a local linear
# model of the real rows) was tried and did not help (docs/benchmark.md), so it runs on request.
DEFAULT_METHODS = tuple(m for m in METHODS if not m.startswith("pgan-local") and m not in ("pgan-gp-sparse", "pgan-gp-w"))
# "+val": the number of virtual samples per real one is chosen among VAL_RATIOS (0 included, so
# real-only training stays possible) by the RMSE on the real validation set; for "pgan-gp+val"
# the choice is between none, spread 1 and spread WIDE_SPREAD unweighted or weighted (GP_RATIO
# rows per real one each).
VAL_RATIOS = (0.0, 0.5, 1.0)


# ---- data sets ----------------------------------------------------------------------------
def friedman1(n=2000, noise=1.0, seed=0):
    """Friedman #1: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise, 10 inputs."""
    rng = np.random.RandomState(seed)
    X = rng.rand(n, 10)
    y = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
    return X, y + noise * rng.randn(n)


def noisy_sinc(n=1000, noise=0.1, seed=0):
    """y = sinc(x) + noise with two inputs: x and a distractor."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(-10, 10, n)
    X = np.column_stack([x, rng.rand(n)])
    return X, np.sinc(x / np.pi) + noise * rng.randn(n)


def load_shared(name, data_dir):
    """The real sets of ../shared/data (see their READMEs): sru (target y1, H2S), gas_turbine
    (NOX), penicillin (P)."""
    d = Path(data_dir)
    if name == "sru":
        A = np.loadtxt(d / "sru" / "SRU_data.txt", skiprows=1)
        return A[:, :5], A[:, 5]
    if name == "gas_turbine":
        with open(d / "gas_turbine" / "gas_turbine_2011_2015.csv") as f:
            header = next(csv.reader(f))
        A = np.loadtxt(d / "gas_turbine" / "gas_turbine_2011_2015.csv", delimiter=",", skiprows=1)
        cols = {h.strip(): i for i, h in enumerate(header)}
        inputs = [cols[c] for c in ("AT", "AP", "AH", "AFDP", "GTEP", "TIT", "TAT", "TEY", "CDP")]
        return A[:, inputs], A[:, cols["NOX"]]
    if name == "penicillin":
        frames = []
        for i in range(1, 5):
            path = d / "penicillin_indpensim" / f"IndPenSim_random_{i}.csv"
            with open(path) as f:
                header = next(csv.reader(f))
            frames.append(np.loadtxt(path, delimiter=",", skiprows=1))
        A = np.unique(np.vstack(frames), axis=0)
        names = [h.split("(")[0].strip() for h in header]
        drop = {"Agitator RPM", "Substrate concentration", "Penicillin concentration"}
        inputs = [i for i, h in enumerate(names) if h not in drop]
        return A[:, inputs], A[:, names.index("Penicillin concentration")]
    raise ValueError(f"unknown shared data set {name!r}")


def hdt_reactor(n_rows=40000, seed=0):
    """The simulated hydrotreater's reactor R-101 (docs/simulator.md): its 8 input tags at the
    lab-analysed rows, target product sulfur (wppm)."""
    from .simulate import simulate

    sim = simulate(n_rows, random_state=seed)
    eq = sim.config.find("R-101")
    inputs = [t["name"] for t in eq["tags"] if t["role"] == "input"]
    d = sim.data.dropna(subset=inputs + ["product_sulfur"])
    return d[inputs].to_numpy(), d["product_sulfur"].to_numpy()


def datasets(data_dir=None):
    """Built-in sets always; the real ones when `data_dir` (../shared/data) exists."""
    out = {"friedman1": friedman1(), "noisy_sinc": noisy_sinc(), "hdt_reactor": hdt_reactor()}
    if data_dir and Path(data_dir).is_dir():
        for name in ("sru", "gas_turbine", "penicillin"):
            out[name] = load_shared(name, data_dir)
    return out


# ---- one experiment -------------------------------------------------------------------------
def _metrics(y, p):
    err = p - y
    ss_tot = ((y - y.mean()) ** 2).sum()
    return {"rmse": float(np.sqrt((err ** 2).mean())), "mae": float(np.abs(err).mean()),
            "r2": float(1 - (err ** 2).sum() / ss_tot) if ss_tot > 0 else 0.0}


def nominal_core(X, share=0.6, seed=0, n_ref=2000, k=10):
    """Positions of the `share` of rows in the densest part of X (standardised): smallest
    distance to the k-th nearest of a random reference subsample. Lab samples in a plant
    bunch there, around nominal operation."""
    rng = np.random.RandomState(seed)
    Xs = (X - X.mean(0)) / (X.std(0) + 1e-12)
    ref = Xs[rng.choice(len(Xs), min(n_ref, len(Xs)), replace=False)]
    kth = np.empty(len(Xs))
    for a in range(0, len(Xs), 2000):
        Q = Xs[a:a + 2000]
        d2 = (Q ** 2).sum(1)[:, None] + (ref ** 2).sum(1)[None, :] - 2 * Q @ ref.T
        kth[a:a + 2000] = np.partition(d2, k, axis=1)[:, k]
    return np.argsort(kth)[: int(share * len(Xs))]


def run_one(X, y, fraction, seed, methods=METHODS, n_virtual=1.0, max_test=3000, epochs=300, mlp_options=None,
            split="random", virtual_weight=1.0):
    """All methods on one split. Returns a list of records.

    split="random": the training rows are a random share of the data; "nominal": they are drawn
    from the densest 60% of the rows only (training data bunched around nominal operation), while
    the test rows are drawn from all rows, so the test set reaches where training data is thin.
    virtual_weight: weight of each virtual sample in the sensor's loss (real samples weigh 1)."""
    rng = np.random.RandomState(seed)
    n = len(X)
    perm = rng.permutation(n)
    n_test = min(int(0.3 * n), max_test)
    test, rest = perm[:n_test], perm[n_test:]
    n_train = max(10, int(round(fraction * n)))
    if split == "nominal":
        core = rest[nominal_core(X[rest], seed=seed)]
        rest = core[rng.permutation(len(core))]
    elif split != "random":
        raise ValueError(f'split must be "random" or "nominal", got {split!r}')
    train = rest[:n_train]
    n_val = max(2, n_train // 5)
    val, fit = train[:n_val], train[n_val:]
    mu, sd = X[fit].mean(0), X[fit].std(0) + 1e-12
    Xf = (X[fit] - mu) / sd
    Xt = (X[test] - mu) / sd
    d2 = (Xt ** 2).sum(1)[:, None] + (Xf ** 2).sum(1)[None, :] - 2 * Xt @ Xf.T
    kth = np.sqrt(np.maximum(np.sort(d2, axis=1)[:, min(4, len(fit) - 1)], 0))
    sparse = kth >= np.quantile(kth, 0.75)
    real = np.column_stack([X[fit], y[fit]])
    nv = int(round(n_virtual * len(fit)))
    opts = dict(hidden=(64, 64), epochs=500, patience=30, validation_fraction=0.0)
    opts.update(mlp_options or {})
    records = []
    val_rmse = lambda m: float(np.sqrt(((m.predict(X[val]) - y[val]) ** 2).mean()))
    teacher_rows = {}  # PHATE + PGAN rows with the teacher's targets and weights, by spread: made once for
    # pgan-gp, pgan-gp-wide and pgan-gp+val, whose options differ only in the spread
    for method in methods:
        t0 = time.perf_counter()
        base, select = (method[:-4], True) if method.endswith("+val") else (method, False)
        if base == "gp":  # the teacher alone, as a reference sensor
            from .gaussian_process import GaussianProcess

            p = GaussianProcess(random_state=seed).fit(X[fit], y[fit]).predict(X[test])
            records.append(_record(fraction, seed, method, len(fit), 0, time.perf_counter() - t0, y[test], p, sparse))
            continue
        generator = "pgan" if base.startswith("pgan") else "noise" if base == "noise-gp" else base
        kw = {"epochs": epochs} if generator in ("gan", "pgan") else {}
        if base in ("pgan", "pgan-sparse", "pgan-local"):  # the paper's rule: the generator's output as is
            kw["target"] = "all" if base == "pgan" else "sparse"
            kw["inputs"] = "generator"
        n_make = nv
        if base == "pgan-local":  # targets of the virtual rows from a local model of the real rows
            kw.update(target_model="local", targets=[real.shape[1] - 1])
        teacher = base in ("pgan-gp", "pgan-gp-wide", "pgan-gp-sparse", "pgan-gp-w", "noise-gp")
        if teacher:
            kw.update(target_model="gp", targets=[real.shape[1] - 1], return_std=True)
            n_make = min(GP_RATIO * nv, max(GP_MAX_VIRTUAL, nv))
        if base == "pgan-gp-sparse":
            kw["target"] = "sparse"
        # Candidate sets of virtual rows: (rows, per-row weight or None, spread). "+val" trains a sensor
        # on each (and on none) and keeps the one with the lowest RMSE on the real validation rows.
        made = None  # seconds spent making the rows, where they may have been made for another method
        if base == "none":
            sets_ = []
        elif base in ("pgan-gp", "pgan-gp-wide"):
            spreads = ([1.0] if base == "pgan-gp" else []) + ([WIDE_SPREAD] if base == "pgan-gp-wide" or select else [])
            made = 0.0
            for sp in spreads:
                if sp not in teacher_rows:
                    t1 = time.perf_counter()
                    rows = _virtual(real, generator, n_make, seed, dict(kw, spread=sp, return_weight=True), base)
                    teacher_rows[sp] = rows + (time.perf_counter() - t1,)
                made += teacher_rows[sp][2]
            sets_ = [(teacher_rows[1.0][0], None, 1.0)] if base == "pgan-gp" else []
            if WIDE_SPREAD in spreads:
                rows, weight, _ = teacher_rows[WIDE_SPREAD]
                # The validated choice also tries the far rows unweighted (docs/benchmark.md).
                sets_ += ([(rows, None, WIDE_SPREAD)] if select else []) + [(rows, weight, WIDE_SPREAD)]
        else:
            virtual, confidence = _virtual(real, generator, n_make, seed, kw, base)
            spread = 1.0 if generator == "pgan" else float("nan")
            sets_ = [(virtual[:int(round(r * len(virtual)))],
                      None if confidence is None else confidence[:int(round(r * len(virtual)))], spread)
                     for r in (VAL_RATIOS[1:] if select else (1.0,))]
        t_aug = time.perf_counter() - t0 if made is None else made
        best = None
        for virtual, confidence, spread in ([(None, None, float("nan"))] if select or not sets_ else []) + sets_:
            k = 0 if virtual is None else len(virtual)
            data = real if k == 0 else np.vstack([real, virtual])
            w = None if virtual_weight == 1.0 or k == 0 else np.r_[np.ones(len(real)), np.full(k, virtual_weight)]
            if confidence is not None and k > 0:
                w = np.r_[np.ones(len(real)), virtual_weight * confidence]
            cand = SoftSensorMLP(random_state=seed, **opts).fit(data[:, :-1], data[:, -1], X[val], y[val], sample_weight=w)
            score = val_rmse(cand) if select else 0.0
            if best is None or score < best[0]:
                best = (score, cand, k, spread, confidence is not None and k > 0)
        _, mlp, used, spread, weighted = best
        rec = _record(fraction, seed, method, len(fit), used, t_aug, y[test], mlp.predict(X[test]), sparse)
        rec["spread"] = spread  # PHATE + PGAN's spread of the rows used; nan: no such rows
        rec["weighted"] = int(weighted)  # virtual rows weighted by the teacher's confidence
        records.append(rec)
    return records


def _virtual(real, generator, n, seed, kw, base):
    """Virtual rows of one method in a random order (so that a leading share is a random share),
    and each row's weight from the teacher's confidence where the method uses one, else None."""
    virtual = augment(real, method=generator, n=n, random_state=seed, **kw)
    confidence = None
    if kw.get("return_weight"):
        virtual, _, confidence = virtual
    elif kw.get("return_std"):
        virtual, sd = virtual
        if base == "pgan-gp-w":
            sd = sd[:, 0]
            confidence = np.minimum(1.0, (np.median(sd) / np.maximum(sd, 1e-12)) ** 2)
    order = np.random.RandomState(seed).permutation(len(virtual))
    return virtual[order], None if confidence is None else confidence[order]


def _record(fraction, seed, method, n_train, n_virtual, seconds, y, p, sparse):
    rec = {"fraction": fraction, "seed": seed, "method": method, "n_train": n_train, "n_virtual": n_virtual,
           "seconds_augment": seconds}
    for k, v in _metrics(y, p).items():
        rec[k] = v
    for k, v in _metrics(y[sparse], p[sparse]).items():
        rec["sparse_" + k] = v
    return rec


def run(sets, fractions=(0.05, 0.1, 0.2), seeds=5, methods=METHODS, n_virtual=1.0, progress=True, **kw):
    # kw: run_one's keywords (split, epochs, max_test, mlp_options)
    """Every data set x fraction x seed. Returns records with a "dataset" key."""
    out = []
    for name, (X, y) in sets.items():
        for f in fractions:
            for s in range(seeds):
                t0 = time.perf_counter()
                for r in run_one(X, y, f, s, methods=methods, n_virtual=n_virtual, **kw):
                    r["dataset"] = name
                    out.append(r)
                if progress:
                    print(f"  {name} fraction={f} seed={s}: {time.perf_counter() - t0:.1f} s", flush=True)
    return out


# ---- reporting ------------------------------------------------------------------------------
def summarize(records):
    """Mean and std per (dataset, fraction, method), with the RMSE change against "none"."""
    keys = sorted({(r["dataset"], r["fraction"], r["method"]) for r in records},
                  key=lambda k: (k[0], k[1], METHODS.index(k[2]) if k[2] in METHODS else 99))
    rows = []
    for ds, f, m in keys:
        sel = [r for r in records if (r["dataset"], r["fraction"], r["method"]) == (ds, f, m)]
        base = [r for r in records if (r["dataset"], r["fraction"], r["method"]) == (ds, f, "none")]
        row = {"dataset": ds, "fraction": f, "method": m, "runs": len(sel)}
        for k in ("rmse", "mae", "r2", "sparse_rmse"):
            v = np.array([r[k] for r in sel])
            row[k], row[k + "_std"] = float(v.mean()), float(v.std())
        if base:
            # Change of the mean RMSE against real-only training (negative: better).
            row["rmse_change"] = row["rmse"] / np.mean([r["rmse"] for r in base]) - 1
            row["sparse_rmse_change"] = row["sparse_rmse"] / np.mean([r["sparse_rmse"] for r in base]) - 1
        rows.append(row)
    return rows


def markdown(rows):
    lines = ["| data set | train fraction | method | RMSE | MAE | R^2 | RMSE vs real-only | sparse-zone RMSE | sparse vs real-only |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['fraction']:.0%} | {r['method']} | {r['rmse']:.4g} +- {r['rmse_std']:.2g} | "
                     f"{r['mae']:.4g} | {r['r2']:.3f} | {r.get('rmse_change', 0):+.1%} | "
                     f"{r['sparse_rmse']:.4g} +- {r['sparse_rmse_std']:.2g} | {r.get('sparse_rmse_change', 0):+.1%} |")
    return "\n".join(lines)


def overview(rows, fractions=(0.05, 0.1)):
    """Per method: mean RMSE change at the small fractions, and the number of data sets it wins."""
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    sets_ = sorted({r["dataset"] for r in rows})
    lines = ["| method | mean RMSE change at " + "/".join(f"{f:.0%}" for f in fractions) +
             " | mean sparse-zone change | data sets where it is best (mean over fractions) "
             "| data sets where it beats every method without PHATE + PGAN |", "|---|---|---|---|---|"]
    best = {}
    # "gp" is a reference sensor, not a way of making virtual rows: it does not compete for "best".
    contenders = [m for m in methods if m not in REFERENCE_METHODS]
    others = [m for m in contenders if not m.startswith("pgan")]
    beats = {}
    for ds in sets_:
        scores = {m: np.mean([r["rmse"] for r in rows if r["dataset"] == ds and r["method"] == m]) for m in contenders}
        best.setdefault(min(scores, key=scores.get), []).append(ds)
        for m in contenders:
            if m.startswith("pgan") and others and all(scores[m] < scores[o] for o in others):
                beats.setdefault(m, []).append(ds)
    for m in methods:
        sel = [r for r in rows if r["method"] == m and r["fraction"] in fractions]
        ch = np.mean([r.get("rmse_change", 0) for r in sel]) if sel else float("nan")
        sch = np.mean([r.get("sparse_rmse_change", 0) for r in sel]) if sel else float("nan")
        wins = "(reference)" if m in REFERENCE_METHODS else f"{len(best.get(m, []))} ({', '.join(best.get(m, []))})"
        versus = f"{len(beats.get(m, []))} ({', '.join(beats.get(m, []))})" if m.startswith("pgan") else "-"
        lines.append(f"| {m} | {ch:+.1%} | {sch:+.1%} | {wins} | {versus} |")
    return "\n".join(lines)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets_ = sorted({r["dataset"] for r in rows})
    cols = min(3, len(sets_))
    nrows = (len(sets_) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), layout="constrained", squeeze=False)
    # One colour per method (tab20 has enough), PHATE + PGAN in bold, the GP reference dashed.
    colours = {m: plt.cm.tab20(i % 20) for i, m in enumerate(METHODS)}
    for ax, ds in zip(axes.flat, sets_):
        for m in METHODS:
            sel = sorted((r for r in rows if r["dataset"] == ds and r["method"] == m), key=lambda r: r["fraction"])
            if sel:
                ax.errorbar([r["fraction"] for r in sel], [r["rmse"] for r in sel], [r["rmse_std"] for r in sel],
                            label=m, marker="o", capsize=2, color=colours[m],
                            linestyle="--" if m in REFERENCE_METHODS else "-",
                            linewidth=2.4 if m.startswith("pgan-gp") else 1)
        ax.set_title(ds)
        ax.set_xlabel("training fraction")
        ax.set_ylabel("test RMSE")
    for ax in list(axes.flat)[len(sets_):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    tmp = str(path) + ".tmp.png"
    fig.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)


def plot_embedding(X, y, path, fraction=0.1, seed=0):
    """PHATE scatter of real vs PHATE + PGAN virtual samples (the recipe of pgan-gp-wide: GP
    targets, spread WIDE_SPREAD): the real rows' embedding, the virtual rows placed by transform."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .phate import Phate

    rng = np.random.RandomState(seed)
    rows = rng.permutation(len(X))[: max(30, int(fraction * len(X)))]
    real = np.column_stack([X[rows], y[rows]])
    virtual = augment(real, method="pgan", random_state=seed, targets=[real.shape[1] - 1], spread=WIDE_SPREAD)
    mu, sd = real.mean(0), real.std(0) + 1e-12
    ph = Phate(random_state=seed).fit((real - mu) / sd)
    Zv = ph.transform((virtual - mu) / sd)
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.scatter(*ph.embedding_.T, s=10, c="tab:blue", label="real")
    ax.scatter(*Zv.T, s=10, c="tab:orange", marker="x", label="virtual (PHATE + PGAN)")
    ax.set_xlabel("PHATE 1")
    ax.set_ylabel("PHATE 2")
    ax.legend()
    tmp = str(path) + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    plt.close(fig)


def read_csv(path):
    """Records written by write_csv, numbers as numbers (to merge runs made side by side)."""
    out = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rec = {}
            for k, v in row.items():
                try:
                    rec[k] = int(v) if k in ("seed", "n_train", "n_virtual") else float(v)
                except ValueError:
                    rec[k] = v
            out.append(rec)
    return out


def write_csv(records, path):
    tmp = str(path) + ".tmp"
    # Runs merged from older CSVs may lack a column; it is left empty there.
    fields = list(dict.fromkeys(k for r in records for k in r))
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, restval="")
        w.writeheader()
        w.writerows(records)
    os.replace(tmp, path)
