"""Virtual rows for a samples-by-variables table (dtwin.augment), by any of the methods the
augmentation benchmark compares. Inputs and targets are columns alike; virtual rows come back
with the same columns, in the same units."""
import math

import numpy as np

from . import _manifold
from ._validation import as_matrix, check_random_state

METHODS = ("noise", "smote", "mtd", "gan", "pgan")


def _standardise(X):
    mean = X.mean(0)
    std = X.std(0)
    # Constant relative to its own magnitude: data in 1e-30 units still has a spread.
    std = np.where((std > 0) & (std > 1e-12 * np.abs(mean)), std, 1.0)
    return (X - mean) / std, mean, std


def _noise(Xs, n, rng, noise_level=0.1, **_):
    """Gaussian noise injection: random rows plus N(0, noise_level^2) in standardised units."""
    rows = rng.randint(0, len(Xs), n)
    return Xs[rows] + noise_level * rng.randn(n, Xs.shape[1])


def _smote(Xs, n, rng, k_neighbors=5, **_):
    """SMOTE for regression: a point on the segment between a row and one of its k nearest rows
    (targets interpolated with the inputs)."""
    k = min(k_neighbors, len(Xs) - 1)
    sq = (Xs ** 2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2 * Xs @ Xs.T
    np.fill_diagonal(d2, np.inf)
    nn = np.argsort(d2, axis=1)[:, :k]
    rows = rng.randint(0, len(Xs), n)
    partners = nn[rows, rng.randint(0, k, n)]
    u = rng.rand(n, 1)
    return Xs[rows] + u * (Xs[partners] - Xs[rows])


def _mtd(Xs, n, rng, **_):
    """Mega-trend diffusion (Li et al. 2007): each variable drawn from a triangular distribution
    over its diffused domain [L, U] with the mode at the centre of its observed range."""
    out = np.empty((n, Xs.shape[1]))
    for j in range(Xs.shape[1]):
        x = Xs[:, j]
        lo, hi = x.min(), x.max()
        cl = 0.5 * (lo + hi)
        var = x.var(ddof=1) if len(x) > 1 else 0.0
        nl, nu = max((x < cl).sum(), 1), max((x > cl).sum(), 1)
        skl, sku = nl / (nl + nu), nu / (nl + nu)
        spread = -2.0 * math.log(1e-20)
        L = min(cl - skl * math.sqrt(spread * var / nl), lo)
        U = max(cl + sku * math.sqrt(spread * var / nu), hi)
        out[:, j] = rng.triangular(L, cl, U, n) if U > L else cl
    return out


def _gan(Xs, n, rng, seed, epochs=300, noise_dim=4, **_):
    """A plain GAN on the rows (no embedding): generator from Gaussian noise to a row."""
    from .pgan import PGan

    Z = rng.randn(len(Xs), noise_dim)
    gan = PGan(l1_weight=0.0, epochs=epochs, random_state=seed).fit(Z, Xs)
    return gan.generate(rng.randn(n, noise_dim))


def _local_targets(Xs, V, target_idx, k=10, ridge=1e-2):
    """Targets of virtual rows re-estimated from the real rows: a ridge-regularised local linear
    model of the targets on the inputs, fitted on the k real rows nearest to each virtual row's
    inputs."""
    inp = [j for j in range(Xs.shape[1]) if j not in target_idx]
    A, B = Xs[:, inp], Xs[:, target_idx]
    Q = V[:, inp]
    k = min(k, len(A))
    d2 = (Q ** 2).sum(1)[:, None] + (A ** 2).sum(1)[None, :] - 2 * Q @ A.T
    nn = np.argpartition(d2, k - 1, axis=1)[:, :k]
    out = V.copy()
    for i in range(len(V)):
        Ai, Bi = A[nn[i]], B[nn[i]]
        mu_a, mu_b = Ai.mean(0), Bi.mean(0)
        Ac = Ai - mu_a
        W = np.linalg.solve(Ac.T @ Ac + ridge * k * np.eye(Ac.shape[1]), Ac.T @ (Bi - mu_b))
        out[i, target_idx] = mu_b + (Q[i] - mu_a) @ W
    return out


def _gp_targets(Xs, V, target_idx, seed, weights=False):
    """Targets of virtual rows from a Gaussian process fitted on the real rows (the teacher):
    each virtual input gets the target a smooth model of the real data predicts for it.
    Returns the rows, the teacher's posterior standard deviation of each virtual target and,
    with weights, each row's confidence min(1, (sd_real / sd)^2), sd_real being the median
    posterior sd at the real rows' inputs (else None): 1 where the label is as sure as at the
    data, falling as the row leaves it."""
    from .gaussian_process import GaussianProcess

    inp = [j for j in range(Xs.shape[1]) if j not in target_idx]
    gp = GaussianProcess(random_state=seed).fit(Xs[:, inp], Xs[:, target_idx])
    out = V.copy()
    mean, sd = gp.predict(V[:, inp], return_std=True)
    out[:, target_idx] = mean
    sd = sd.reshape(len(V), -1)
    w = None
    if weights:
        _, sd_real = gp.predict(Xs[:, inp], return_std=True)
        ref = np.broadcast_to(np.median(sd_real.reshape(len(Xs), -1), axis=0), sd.shape)
        far = sd > ref  # never a division by a zero sd
        w = np.ones(sd.shape)
        w[far] = (ref[far] / sd[far]) ** 2
        w = w.min(axis=1)
    return out, sd, w


def _pgan(Xs, n, rng, seed, target="sparse", n_components=3, epochs=300, l1_weight=10.0, knn=5, inputs="residual",
          spread=1.0, **_):
    """PHATE + sparse-zone virtual features + PGAN.

    inputs="generator": a virtual row is the generator's output G(z_v) (the paper's rule).
    inputs="residual": it is the real row that z_v was drawn around, moved by the generator's
    displacement, x_c + G(z_v) - G(z_c): the generator says where along the manifold to go, the
    real row keeps the detail that a few embedding dimensions cannot carry (the generator's
    output is a conditional mean, smoother than any real row).

    spread > 1 reaches further from the real rows: virtual features within spread x R of their
    centre, past the embedding's hull, and residual steps of (1 + spread) / 2 generator
    displacements. Worth it where the targets come from a teacher that is good away from the
    data (docs/benchmark.md)."""
    from .pgan import PGan
    from .phate import Phate
    from .sparse_generation import SparseGenerator

    if inputs not in ("residual", "generator"):
        raise ValueError(f'inputs must be "residual" or "generator", got {inputs!r}')
    spread = float(spread)
    if not (math.isfinite(spread) and spread > 0):
        raise ValueError(f"spread must be a positive number (1: the published radius), got {spread!r}")
    n_components = min(n_components, Xs.shape[1], 8)  # Phate supports up to 8
    Z = Phate(n_components=n_components, knn=min(knn, len(Xs) - 1), random_state=seed).fit_transform(Xs)
    Z, _, _ = _standardise(Z)
    cycles = max(1, math.ceil(n / len(Xs)))
    radius = None if spread == 1.0 else spread * _manifold._mean_nn_distance(Z)
    gen = SparseGenerator(n_cycles=cycles, target=target, radius=radius, bounds="free" if spread > 1 else "hull",
                          random_state=seed)
    Zv = gen.generate(Z)
    centres = gen.centres_
    if len(Zv) > n:
        keep = rng.choice(len(Zv), n, replace=False)
        Zv, centres = Zv[keep], centres[keep]
    gan = PGan(epochs=epochs, l1_weight=l1_weight, random_state=seed).fit(Z, Xs)
    V = gan.generate(Zv)
    if inputs == "residual":
        V = Xs[centres] + 0.5 * (1.0 + spread) * (V - gan.generate(Z[centres]))
    return V


_IMPL = {"noise": _noise, "smote": _smote, "mtd": _mtd, "gan": _gan, "pgan": _pgan}


def augment(data, method="pgan", n=None, target="auto", random_state=None, targets=None, target_model=None,
            clip_margin=0.25, return_std=False, return_weight=False, **options):
    """Virtual rows for `data` (samples x variables, inputs and targets as columns).

    Parameters
    ----------
    data : array or pandas DataFrame
    method : {"pgan", "noise", "smote", "mtd", "gan"}
        "pgan" is PHATE + sparse-zone virtual features + PGAN; the others are the benchmark's
        baselines (Gaussian noise injection, SMOTE-style interpolation, mega-trend diffusion,
        a plain GAN on the rows).
    n : int, default len(data)
    target : {"auto", "sparse", "all"}, default "auto"
        pgan only, where the virtual features go (SparseGenerator): "auto" is "all" (the
        published rule) when the targets come from the GP teacher, and "sparse" otherwise; both
        were the better choice in docs/benchmark.md.
    random_state : int or None
    targets : list of column positions or names, optional
        The quality variables among the columns. Naming them lets the virtual targets follow
        the virtual inputs (target_model).
    target_model : {None, "gp", "own", "local"}, default None
        Where the virtual rows' targets come from. "own": the method's own values (the
        generator's output, the interpolation, the noisy copy). "gp": a Gaussian process
        fitted on the real rows predicts them from the virtual inputs (dtwin.GaussianProcess;
        docs/benchmark.md measures it). "local": a local linear model of the 10 nearest real
        rows. None: "gp" when `targets` is given, "own" otherwise.
    return_std : bool, default False
        With target_model="gp", also return the teacher's posterior standard deviation of
        each virtual target (n x len(targets), the targets' units): how far the real rows
        pin that target down; large where virtual rows lie away from the data.
    return_weight : bool, default False
        With target_model="gp", also return a sample weight for each virtual row, the
        teacher's confidence min(1, (sd_real / sd)^2): sd its posterior standard deviation
        there, sd_real the median one at the real rows (the smallest over several targets).
        Pass it to SoftSensorMLP.fit(sample_weight=...) with weight 1 for the real rows, so
        that virtual rows far from the data count less; it mattered with spread > 1
        (docs/benchmark.md).
    clip_margin : float, default 0.25
        gan/pgan: virtual values are clipped to the real range widened by this share of it on
        each side, and columns constant in the data stay constant.
    **options : method options (noise_level, k_neighbors, epochs, n_components, l1_weight, and for
        pgan inputs="residual"|"generator" and spread, ...). pgan's spread (default 1, the
        published radius R) sends the virtual rows further from the real ones: features within
        spread x R, past the data's hull, residual steps (1 + spread) / 2 times the generator's.
        With the GP teacher, spread=3 with return_weight=True, ten rows per real one, was the
        best recipe measured (docs/benchmark.md); unweighted, the far rows gained much more
        where the teacher is good and lost where it is not.

    Returns an array (or a DataFrame with the same columns when a DataFrame was given), then
    with return_std the standard deviations and with return_weight the weights, as a tuple.
    """
    if method not in _IMPL:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    columns = getattr(data, "columns", None)
    X = as_matrix(data, "data", dtype=np.float64)
    if len(X) < 3:
        raise ValueError(f"need at least 3 rows to augment, got {len(X)}")
    if not np.isfinite(X).all():
        raise ValueError("data contains NaN or inf; remove or impute those rows first")
    n = len(X) if n is None else int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    seed = check_random_state(random_state)
    seed = int(np.random.SeedSequence().entropy % (2**31)) if seed is None else seed
    rng = np.random.RandomState(seed % (2**32))
    Xs, mean, std = _standardise(X)
    kwargs = dict(options)
    if targets is not None:
        names = list(columns) if columns is not None else []
        unknown = [t for t in np.atleast_1d(targets) if isinstance(t, str) and t not in names]
        if unknown:
            raise ValueError(f"targets {unknown} are not columns of the data"
                             + (f" (columns: {', '.join(map(str, names))})" if names else "; pass column positions"))
        targets = [names.index(t) if isinstance(t, str) else int(t) for t in np.atleast_1d(targets)]
        if any(t < 0 or t >= X.shape[1] for t in targets):
            raise ValueError(f"targets must be column positions in [0, {X.shape[1]}) or column names")
    if target_model is None:
        target_model = "gp" if targets else "own"
    if target_model == "generator":  # the name of "own" before other methods could relabel
        target_model = "own"
    if target_model not in ("own", "gp", "local"):
        raise ValueError(f'target_model must be "own", "gp" or "local", got {target_model!r}')
    if target_model != "own" and not targets:
        raise ValueError(f'target_model="{target_model}" needs the target columns: pass targets=[...]')
    if targets and len(set(targets)) >= X.shape[1]:
        raise ValueError("targets name every column; at least one column must be an input")
    for flag, name in ((return_std, "return_std"), (return_weight, "return_weight")):
        if flag and target_model != "gp":
            raise ValueError(f'{name} needs target_model="gp" (only the GP teacher has an uncertainty)')
    if method == "pgan":
        if target == "auto":
            target = "all" if target_model == "gp" else "sparse"
        kwargs["target"] = target
    V = _IMPL[method](Xs, n, rng, seed=seed, **kwargs)
    if method in ("gan", "pgan"):
        # A generator's outputs can stray far past the data, and a column constant in the data
        # comes out slightly varying: a soft sensor then standardises that column by a tiny
        # spread and explodes on new data (seen on penicillin, docs/benchmark.md). Constant
        # columns stay constant; the rest stay within clip_margin spans of the real range.
        lo, hi = Xs.min(0), Xs.max(0)
        span = hi - lo
        V = np.clip(V, lo - clip_margin * span, hi + clip_margin * span)
        const = span <= 1e-9
        V[:, const] = Xs[0, const]
    sd = weight = None
    if target_model == "gp":
        V, sd, weight = _gp_targets(Xs, V, targets, seed, weights=return_weight)
        sd = sd * std[targets]
    elif target_model == "local":
        V = _local_targets(Xs, V, targets)
    V = V * std + mean
    if columns is not None:
        import pandas as pd

        V = pd.DataFrame(V, columns=columns)
    extra = ([sd] if return_std else []) + ([weight] if return_weight else [])
    return (V, *extra) if extra else V
