"""The quality report of a twin (dtwin.report, ``dtwin report``): figures a process engineer
can read and the numbers behind them, in one self-contained HTML file plus a JSON file.

Per equipment: PHATE scatter of real against virtual samples (real coloured by regime when
given); per-tag histograms; correlation matrices real / virtual / difference; each tag's
range covered; soft-sensor parity plots with and without augmentation. Numbers: per-tag KS
statistic and mean/std differences, correlation difference, share of virtual samples in the
sparse zones, share of values that hit a physical bound, and a classifier two-sample test."""
import base64
import html
import io
import json
import os

import numpy as np


# ---- numbers --------------------------------------------------------------------------------
def ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov statistic (largest gap between the empirical CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, "right") / len(a) - np.searchsorted(b, grid, "right") / len(b))))


def _sq_dists(A, B):
    return np.maximum((A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2 * A @ B.T, 0)


def classifier_two_sample(real, virtual, seed=0, max_rows=1500):
    """Leave-one-out 1-nearest-neighbour accuracy at telling real from virtual rows
    (standardised, equal numbers of each): 0.5 means they cannot be told apart, 1.0 means
    every virtual row is recognisable."""
    rng = np.random.RandomState(seed)
    m = min(len(real), len(virtual), max_rows)
    R = real[rng.choice(len(real), m, replace=False)]
    V = virtual[rng.choice(len(virtual), m, replace=False)]
    X = np.vstack([R, V])
    mu, sd = X.mean(0), X.std(0)
    X = (X - mu) / np.where(sd > 0, sd, 1)
    y = np.r_[np.zeros(m), np.ones(m)]
    D = _sq_dists(X, X)
    np.fill_diagonal(D, np.inf)
    return float((y[D.argmin(1)] == y).mean())


def sparse_share(Z_real, Z_virtual, k=5):
    """Share of virtual features lying in the sparse zones of the real embedding: where the
    distance to the k-th nearest real sample exceeds the real samples' 75th percentile of it."""
    k = min(k, len(Z_real) - 1)
    Dr = np.sqrt(_sq_dists(Z_real, Z_real))
    np.fill_diagonal(Dr, np.inf)
    threshold = np.quantile(np.sort(Dr, 1)[:, k - 1], 0.75)
    Dv = np.sqrt(_sq_dists(Z_virtual, Z_real))
    return float((np.sort(Dv, 1)[:, k - 1] > threshold).mean())


def compare(real, virtual, tags):
    """Per-tag and joint figures of real against virtual samples (2-D arrays, same columns)."""
    per_tag = {}
    for j, t in enumerate(tags):
        r, v = real[:, j], virtual[:, j]
        sd = r.std() if r.std() > 0 else 1.0
        per_tag[t] = {"ks": ks_statistic(r, v), "mean_diff_std": float((v.mean() - r.mean()) / sd),
                      "std_ratio": float(v.std() / sd), "real_range": [float(r.min()), float(r.max())],
                      "virtual_range": [float(v.min()), float(v.max())]}
    with np.errstate(invalid="ignore", divide="ignore"):
        cr, cv = np.nan_to_num(np.corrcoef(real.T)), np.nan_to_num(np.corrcoef(virtual.T))
    return per_tag, cr, cv


# ---- figures --------------------------------------------------------------------------------
def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _figures(name, tags, real, virtual, Zr, Zv, regime, cr, cv, parity, bounds):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    fig, ax = plt.subplots(figsize=(6.5, 5))
    if regime is not None:
        for r in sorted(set(regime)):
            sel = regime == r
            ax.scatter(Zr[sel, 0], Zr[sel, 1], s=8, alpha=0.7, label=f"real: {r}")
    else:
        ax.scatter(Zr[:, 0], Zr[:, 1], s=8, alpha=0.7, label="real")
    ax.scatter(Zv[:, 0], Zv[:, 1], s=10, marker="x", c="k", alpha=0.6, label="virtual")
    ax.set_xlabel("PHATE 1")
    ax.set_ylabel("PHATE 2")
    ax.set_title(f"{name}: real and virtual samples in the PHATE space")
    ax.legend(fontsize=7, markerscale=1.5)
    figs["phate"] = _png(fig)

    nc = 4
    nr = (len(tags) + nc - 1) // nc
    fig, axes = plt.subplots(nr, nc, figsize=(3.2 * nc, 2.3 * nr), squeeze=False)
    for j, t in enumerate(tags):
        ax = axes[j // nc][j % nc]
        lo, hi = np.nanmin([real[:, j].min(), virtual[:, j].min()]), np.nanmax([real[:, j].max(), virtual[:, j].max()])
        bins = np.linspace(lo, hi if hi > lo else lo + 1, 30)
        ax.hist(real[:, j], bins=bins, alpha=0.6, density=True, label="real")
        ax.hist(virtual[:, j], bins=bins, alpha=0.6, density=True, label="virtual")
        ax.set_title(t, fontsize=8)
        ax.tick_params(labelsize=6)
    for j in range(len(tags), nr * nc):
        axes[j // nc][j % nc].axis("off")
    axes[0][0].legend(fontsize=6)
    fig.suptitle(f"{name}: distribution of each tag")
    figs["histograms"] = _png(fig)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.3))
    for ax, M, title, cmap, lim in ((axes[0], cr, "real", "coolwarm", 1), (axes[1], cv, "virtual", "coolwarm", 1),
                                    (axes[2], cv - cr, "virtual - real", "PuOr", 1)):
        im = ax.imshow(M, cmap=cmap, vmin=-lim, vmax=lim)
        ax.set_title(f"correlation: {title}")
        ax.set_xticks(range(len(tags)))
        ax.set_yticks(range(len(tags)))
        ax.set_xticklabels(tags, rotation=90, fontsize=6)
        ax.set_yticklabels(tags, fontsize=6)
        fig.colorbar(im, ax=ax, fraction=0.046)
    figs["correlation"] = _png(fig)

    fig, ax = plt.subplots(figsize=(7, 0.35 * len(tags) + 1))
    for j, t in enumerate(tags):
        span = real[:, j].max() - real[:, j].min() or 1.0
        base = real[:, j].min()
        ax.plot([0, 1], [j, j], lw=6, c="tab:blue", alpha=0.6, label="real" if j == 0 else None)
        v0, v1 = (virtual[:, j].min() - base) / span, (virtual[:, j].max() - base) / span
        ax.plot([v0, v1], [j + 0.25, j + 0.25], lw=4, c="tab:orange", label="virtual" if j == 0 else None)
        lo, hi = bounds.get(t, (None, None))
        for b in (lo, hi):
            if b is not None and -1 <= (b - base) / span <= 2:
                ax.plot([(b - base) / span] * 2, [j - 0.3, j + 0.5], c="r", lw=1)
    ax.set_yticks(range(len(tags)))
    ax.set_yticklabels(tags, fontsize=7)
    ax.set_xlabel("position in the real range (0 = real min, 1 = real max; red: physical bound)")
    ax.legend(fontsize=7)
    ax.set_title(f"{name}: range of each tag covered")
    figs["coverage"] = _png(fig)

    if parity:
        fig, axes = plt.subplots(1, len(parity), figsize=(4.6 * len(parity), 4.2), squeeze=False)
        for ax, (t, d) in zip(axes[0], parity.items()):
            y = d["measured"]
            ax.scatter(y, d["real_only"], s=10, alpha=0.6, label=f"real only (RMSE {d['rmse_real_only']:.3g})")
            ax.scatter(y, d["twin"], s=10, alpha=0.6, label=f"twin's sensor (RMSE {d['rmse_twin']:.3g})")
            lo, hi = float(np.min(y)), float(np.max(y))
            ax.plot([lo, hi], [lo, hi], c="k", lw=1)
            ax.set_xlabel(f"measured {t}")
            ax.set_ylabel("predicted")
            ax.legend(fontsize=7)
        fig.suptitle(f"{name}: soft sensor parity ({parity[next(iter(parity))]['on']})")
        figs["parity"] = _png(fig)
    return figs


# ---- the report -----------------------------------------------------------------------------
def equipment_report(twin, data, test=None, regime=None, n_virtual=None, random_state=0, figures=True):
    """Numbers (dict) and figures (dict of PNG bytes) for one fitted EquipmentTwin on `data`
    (its training data or any plant data with its tags); `test` (optional) is held-out data
    for the parity plots; `regime` labels the rows of `data`."""
    from .soft_sensor import SoftSensorMLP
    from .unit import to_table

    tags, inputs, targets = twin.tags_, twin.inputs_, twin.targets_
    names, values, _, _ = to_table(data)
    idx = [names.index(t) for t in tags]
    X = values[:, idx]
    ok = np.isfinite(X).all(1)
    real = X[ok]
    if len(real) < 5:
        raise ValueError(f"{twin.config_['name']}: only {len(real)} complete rows of its tags in the data")
    reg = None if regime is None else np.asarray(regime)[ok]
    n = len(real) if n_virtual is None else int(n_virtual)
    vdf, info = twin.generate(n, random_state=random_state, return_info=True)
    virtual = vdf[tags].to_numpy()
    cols = {t: real[:, j] for j, t in enumerate(tags)}
    import pandas as pd

    Zr = twin.embed(pd.DataFrame(cols))
    Zv = info["embedding"]
    per_tag, cr, cv = compare(real, virtual, tags)
    bounds = {t["name"]: (t.get("min"), t.get("max")) for t in twin.config_["tags"]}
    numbers = {
        "equipment": twin.config_["name"], "n_real": int(len(real)), "n_virtual": int(len(virtual)),
        "per_tag": per_tag,
        "correlation_diff_max": float(np.abs(cv - cr).max()),
        "correlation_diff_mean": float(np.abs(cv - cr)[np.triu_indices(len(tags), 1)].mean()) if len(tags) > 1 else 0.0,
        "ks_mean": float(np.mean([v["ks"] for v in per_tag.values()])),
        "sparse_zone_share_virtual": sparse_share(Zr, Zv),
        "share_values_at_bounds": float(info["clipped_values"] / max(1, virtual.size)),
        "rejected_rows": int(info["rejected_rows"]),
        "classifier_two_sample_accuracy": classifier_two_sample(real, virtual, seed=random_state),
        "fit": twin.report(),
    }
    # Parity: the twin's sensor against a real-only sensor with the same settings.
    on = test if test is not None else data
    tn, tv, _, _ = to_table(on)
    T = tv[:, [tn.index(t) for t in tags]]
    T = T[np.isfinite(T).all(1)]
    parity = {}
    if len(T) >= 3:
        ss = dict(twin.soft_sensor or {})
        ss.setdefault("random_state", random_state)
        base = SoftSensorMLP(**ss).fit(real[:, [tags.index(t) for t in inputs]], real[:, [tags.index(t) for t in targets]])
        p_twin = twin.predict(pd.DataFrame({t: T[:, tags.index(t)] for t in inputs}))[targets].to_numpy()
        p_base = np.asarray(base.predict(T[:, [tags.index(t) for t in inputs]])).reshape(len(T), -1)
        for k, t in enumerate(targets):
            y = T[:, tags.index(t)]
            parity[t] = {"measured": y, "twin": p_twin[:, k], "real_only": p_base[:, k],
                         "rmse_twin": float(np.sqrt(np.mean((p_twin[:, k] - y) ** 2))),
                         "rmse_real_only": float(np.sqrt(np.mean((p_base[:, k] - y) ** 2))),
                         "on": "held-out test data" if test is not None else "the given data (training rows included)"}
        numbers["parity"] = {t: {k: v for k, v in d.items() if k.startswith("rmse") or k == "on"} for t, d in parity.items()}
    figs = _figures(numbers["equipment"], tags, real, virtual, Zr, Zv, reg, cr, cv, parity, bounds) if figures else {}
    return numbers, figs


def report(twin, data, path="report.html", test=None, regime=None, n_virtual=None, random_state=0):
    """Writes the quality report of a fitted EquipmentTwin or UnitTwin to `path` (HTML with
    the figures embedded) and the numbers to the same name with .json. Returns the numbers."""
    from .twin import UnitTwin

    twins = twin.twins() if isinstance(twin, UnitTwin) else [twin]
    sections, all_numbers = [], {}
    for tw in twins:
        numbers, figs = equipment_report(tw, data, test=test, regime=regime, n_virtual=n_virtual,
                                         random_state=random_state)
        all_numbers[numbers["equipment"]] = numbers
        sections.append(_html_section(numbers, figs))
    title = f"dtwin quality report: {', '.join(all_numbers)}"
    doc = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
           "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}table{border-collapse:collapse;"
           "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
           "img{max-width:100%}</style></head><body>"
           f"<h1>{html.escape(title)}</h1><p>How to read it: a virtual sample set is useful when its "
           "distributions and correlations stay close to the real ones (small KS, small correlation "
           "difference), it reaches into the sparse zones of the real data, and a nearest-neighbour "
           "classifier tells it from real data only modestly (accuracy near 0.5).</p>"
           + "".join(sections) + "</body></html>")
    path = os.fspath(path)
    _write(path, doc.encode("utf-8"))
    _write(os.path.splitext(path)[0] + ".json", json.dumps(all_numbers, indent=2, default=float).encode("utf-8"))
    return all_numbers


def _write(path, blob):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, path)


def _html_section(n, figs):
    e = html.escape
    rows = "".join(f"<tr><th>{e(t)}</th><td>{v['ks']:.3f}</td><td>{v['mean_diff_std']:+.3f}</td>"
                   f"<td>{v['std_ratio']:.3f}</td><td>{v['real_range'][0]:.4g} .. {v['real_range'][1]:.4g}</td>"
                   f"<td>{v['virtual_range'][0]:.4g} .. {v['virtual_range'][1]:.4g}</td></tr>"
                   for t, v in n["per_tag"].items())
    fit = n["fit"]
    sens = "".join(f"<tr><th>{e(t)}</th><td>{a:.4g}</td><td>{b:.4g}</td></tr>"
                   for t, a, b in zip(fit.get("targets", []), fit.get("rmse_real_only", []), fit.get("rmse_chosen", [])))
    parity = "".join(f"<tr><th>{e(t)}</th><td>{d['rmse_real_only']:.4g}</td><td>{d['rmse_twin']:.4g}</td><td>{e(d['on'])}</td></tr>"
                     for t, d in n.get("parity", {}).items())
    imgs = "".join(f"<p><img alt='{k}' src='data:image/png;base64,{base64.b64encode(v).decode()}'></p>"
                   for k, v in figs.items())
    return (f"<h2>{e(n['equipment'])}</h2><ul>"
            f"<li>{n['n_real']} real and {n['n_virtual']} virtual samples; mean KS {n['ks_mean']:.3f}</li>"
            f"<li>correlation difference: mean {n['correlation_diff_mean']:.3f}, largest {n['correlation_diff_max']:.3f}</li>"
            f"<li>virtual samples in sparse zones: {100 * n['sparse_zone_share_virtual']:.1f}%</li>"
            f"<li>values moved onto a physical bound: {100 * n['share_values_at_bounds']:.2f}%; rows rejected: {n['rejected_rows']}</li>"
            f"<li>classifier two-sample test (1-NN accuracy, 0.5 = indistinguishable): {n['classifier_two_sample_accuracy']:.3f}</li>"
            f"<li>soft sensor: {fit.get('virtual_ratio', 0):g} virtual samples per real one chosen on {fit.get('n_validation', 0)} validation rows</li></ul>"
            f"<table><tr><th>target</th><th>validation RMSE, real only</th><th>validation RMSE, chosen</th></tr>{sens}</table>"
            + (f"<p></p><table><tr><th>target</th><th>RMSE real-only sensor</th><th>RMSE twin's sensor</th><th>on</th></tr>{parity}</table>" if parity else "")
            + f"<p></p><table><tr><th>tag</th><th>KS</th><th>mean diff (real std)</th><th>std ratio</th><th>real range</th><th>virtual range</th></tr>{rows}</table>"
            + imgs)
