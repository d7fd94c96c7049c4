"""PHATE embedding with the parameters of the official ``phate`` package, computed by dtwin's
C++ core (see docs/phate.md for what differs and the measured speed)."""
import sys

import numpy as np

from . import _manifold
from ._base import BaseEstimator, StateModel
from ._validation import as_matrix, check_random_state


class Phate(StateModel, BaseEstimator):
    """Potential of Heat-diffusion for Affinity-based Trajectory Embedding.

    Parameters keep the names and defaults of ``phate.PHATE`` 1.0, except ``mds_solver``
    (SMACOF by default here; see docs/phate.md for the measurement behind that choice).

    Parameters
    ----------
    n_components : int, default 2
        Dimensions of the embedding.
    knn : int, default 5
        Neighbours defining each sample's kernel bandwidth.
    decay : float or None, default 40
        Exponent alpha of the kernel exp(-(d / bandwidth) ** decay); None gives a plain kNN graph.
    n_landmark : int or None, default 2000
        With more samples than this, the diffusion runs between this many landmarks (spectral
        clusters); None never uses landmarks.
    t : int or "auto", default "auto"
        Diffusion time; "auto" picks the knee of the Von Neumann entropy curve.
    gamma : float, default 1
        1 gives the log potential, -1 the raw powered operator, values between a power transform.
    n_pca : int or None, default 100
        Reduce the data to this many principal components first when it is wider.
    mds : {"metric", "classic"}, default "metric"
    mds_solver : {"smacof", "sgd"}, default "smacof"
    knn_dist : {"euclidean"}, default "euclidean"
    random_state : int, numpy generator or None, default None
        Same seed, same embedding (for a given thread count).
    n_jobs : int, default 1
        Threads for the neighbour search and kernel; -1 uses all cores.
    verbose : int, default 0
        1 prints each stage and its time to stderr.
    precision : {"single", "double"}, default "single"
        Arithmetic of the fit. Single precision was 1.5-1.9x faster with the same agreement
        with the official PHATE (docs/phate.md); results come back in the input's dtype
        (float32 for float32 input, float64 otherwise) either way.
    knn_method : {"auto", "exact", "nndescent"}, default "auto"
        Neighbour search of fit (not in the official package, which is always exact). "auto" is
        exact up to 10,000 samples or up to 10 features (after PCA) and NN-descent
        (approximate, about 98% of the true neighbours found) beyond both, where exact search
        grows faster than n: 1,000,000 noisy 20-tag rows took over 12 minutes exactly and
        45 s by NN-descent on 2 cores.

    Attributes
    ----------
    embedding_ : ndarray (n_samples, n_components)
    diff_potential_ : ndarray
        Potential of the diffusion operator (between landmarks when landmarks are used).
    optimal_t_ : int
        The diffusion time used.
    entropy_ : ndarray or None
        Von Neumann entropy for t = 1..t_max when t="auto".
    clusters_ : ndarray or None
        Landmark of each sample, when landmarks are used.
    landmark_embedding_ : ndarray or None
    n_features_in_ : int
    seed_ : int
        The seed actually used (drawn at random when random_state is None).
    timings_ : dict
        Seconds per stage of the last fit (pca, kernel, landmarks, eigen, ...).
    """

    _keep_private = ("_out_dtype",)

    def __init__(self, n_components=2, knn=5, decay=40, n_landmark=2000, t="auto", gamma=1,
                 n_pca=100, mds="metric", mds_solver="smacof", knn_dist="euclidean",
                 random_state=None, n_jobs=1, verbose=0, precision="single", knn_method="auto"):
        self.n_components = n_components
        self.knn = knn
        self.decay = decay
        self.n_landmark = n_landmark
        self.t = t
        self.gamma = gamma
        self.n_pca = n_pca
        self.mds = mds
        self.mds_solver = mds_solver
        self.knn_dist = knn_dist
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.precision = precision
        self.knn_method = knn_method

    # -- parameters as the C++ core takes them ------------------------------------------
    def _core_params(self):
        def integer(name, value, allow_none=False):
            if allow_none and value is None:
                return 0
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be an integer{' or None' if allow_none else ''}, got {value!r}")
            return int(value)

        if isinstance(self.t, str):
            if self.t != "auto":
                raise ValueError(f't must be a positive integer or "auto", got {self.t!r}')
            t = -1
        else:
            t = integer("t", self.t)
            if t < 1:
                raise ValueError(f't must be a positive integer or "auto", got {self.t!r}')
        return {
            "n_components": integer("n_components", self.n_components),
            "knn": integer("knn", self.knn),
            "decay": 0.0 if self.decay is None else float(self.decay),
            "n_landmark": integer("n_landmark", self.n_landmark, allow_none=True),
            "t": t,
            "gamma": float(self.gamma),
            "n_pca": integer("n_pca", self.n_pca, allow_none=True),
            "mds": str(self.mds),
            "mds_solver": str(self.mds_solver),
            "knn_dist": str(self.knn_dist),
            "knn_method": str(self.knn_method),
            "random_state": check_random_state(self.random_state),
            "n_jobs": integer("n_jobs", self.n_jobs),
        }

    def _progress(self, timings):
        verbose = self.verbose

        def report(stage, seconds):
            timings[stage] = timings.get(stage, 0.0) + seconds
            if verbose:
                print(f"Phate: {stage} {seconds:.3f} s", file=sys.stderr, flush=True)

        return report

    # -- estimator API -------------------------------------------------------------------
    def fit(self, X, y=None):
        """Embed X (n_samples x n_features). y is ignored. Returns self."""
        if self.precision not in ("single", "double"):
            raise ValueError(f'precision must be "single" or "double", got {self.precision!r}')
        X = as_matrix(X)
        out_dtype = X.dtype
        work = np.float32 if self.precision == "single" else np.float64
        params = self._core_params()
        core = (_manifold._PhateF32 if work == np.float32 else _manifold._PhateF64)(params)
        timings = {}
        core.fit(np.ascontiguousarray(X, dtype=work), self._progress(timings))
        self.timings_ = timings  # seconds per stage of the last fit
        self._out_dtype = np.dtype(out_dtype)
        self._set_fitted(core, params)
        return self

    def transform(self, X=None):
        """Embedding of new samples, placed by their affinities to the fitted samples.

        With X None, returns the embedding of the fitted samples.
        """
        self._check_fitted()
        if X is None:
            return self.embedding_
        X = as_matrix(X, dtype=self._dtype)
        return self._core.transform(X).astype(self._out_dtype, copy=False)

    def fit_transform(self, X, y=None):
        return self.fit(X).embedding_

    # -- fitted state --------------------------------------------------------------------
    def _set_fitted(self, core, params):
        self._core = core
        self._core_params_used = params
        st = core.state()  # read-only views of the C++ state, no copies
        self._dtype = st["embedding"].dtype  # the core's arithmetic
        out = getattr(self, "_out_dtype", self._dtype)
        self.embedding_ = st["embedding"].astype(out)
        self._diff_potential = None  # copied on first access: m x m, often never read
        self.optimal_t_ = int(st["optimal_t"])
        self.entropy_ = st["entropy"].copy() if st["entropy"].size else None
        self.clusters_ = st["clusters"].copy() if st["clusters"].size else None
        self.landmark_embedding_ = (st["landmark_embedding"].astype(out)
                                    if st["landmark_embedding"].size else None)
        self.n_features_in_ = int(st["n_features_in"])
        self.seed_ = int(st["seed"])

    @property
    def diff_potential_(self):
        """Potential of the diffusion operator (between landmarks when landmarks are used)."""
        if not hasattr(self, "_core"):  # AttributeError, as for the other fitted attributes
            raise AttributeError("diff_potential_: Phate is not fitted yet; call fit(X) first")
        if self._diff_potential is None:
            out = getattr(self, "_out_dtype", self._dtype)
            self._diff_potential = self._core.state()["diff_potential"].astype(out)
        return self._diff_potential

    def _check_fitted(self):
        if not hasattr(self, "_core"):
            raise RuntimeError("Phate is not fitted yet; call fit(X) first")

    @staticmethod
    def _core_from_state(params, st):
        cls = _manifold._PhateF32 if st["embedding"].dtype == np.float32 else _manifold._PhateF64
        return cls.from_state(params, st)

    # -- plots -----------------------------------------------------------------------------
    def plot(self, c=None, ax=None, **scatter_kwargs):
        """Scatter of the first two embedding dimensions, coloured by c (needs matplotlib)."""
        import matplotlib.pyplot as plt

        self._check_fitted()
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
        Y = self.embedding_
        sc = ax.scatter(Y[:, 0], Y[:, 1] if Y.shape[1] > 1 else np.zeros(len(Y)), c=c, s=scatter_kwargs.pop("s", 6),
                        **scatter_kwargs)
        if c is not None and not isinstance(c, str):
            ax.figure.colorbar(sc, ax=ax)
        ax.set_xlabel("PHATE 1")
        ax.set_ylabel("PHATE 2")
        ax.set_title(f"PHATE (t={self.optimal_t_})")
        return ax

    def plot_entropy(self, ax=None):
        """The Von Neumann entropy curve with the chosen t marked (t="auto" only)."""
        import matplotlib.pyplot as plt

        self._check_fitted()
        if self.entropy_ is None:
            raise RuntimeError('entropy_ is only computed when t="auto"')
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
        ts = np.arange(1, len(self.entropy_) + 1)
        ax.plot(ts, self.entropy_)
        ax.axvline(self.optimal_t_, color="red", linestyle="--", label=f"t = {self.optimal_t_}")
        ax.set_xlabel("t")
        ax.set_ylabel("Von Neumann entropy")
        ax.legend()
        return ax
