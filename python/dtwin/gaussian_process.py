"""GaussianProcess: the teacher that labels virtual samples (docs/benchmark.md, "Virtual targets")."""
import numpy as np

from . import _manifold
from ._base import BaseEstimator, StateModel
from ._validation import as_matrix, check_int_params, check_random_state


class GaussianProcess(StateModel, BaseEstimator):
    """Gaussian-process regression with one length scale per input, a linear trend term and
    noise, its hyperparameters chosen by maximum marginal likelihood (L-BFGS).

    dtwin uses it to give virtual inputs the targets that a smooth model of the real rows
    predicts for them (``dtwin.augment(..., target_model="gp")``); it is a usable regressor on
    its own for up to a few thousand rows.

    Parameters
    ----------
    max_iter : int, default 60
        L-BFGS steps on the log marginal likelihood.
    max_fit_samples : int, default 600
        The hyperparameters are fitted on a random subset of at most this many rows (the cost
        grows with its cube).
    max_samples : int, default 3000
        The posterior conditions on at most this many rows (a random subset above).
    linear : bool, default True
        Add s_l^2 x.x' to the kernel, so that predictions away from the data follow the data's
        linear trend instead of falling back to the mean.
    min_noise : float, default 1e-4
        Lower bound of the noise variance as a share of the target's variance.
    random_state : int or None

    Attributes
    ----------
    length_scales_ : (n_targets, n_features) in standardised input units
    variances_ : (n_targets, 3) signal, linear and noise variance, in standardised target units
    log_marginal_likelihood_ : list, per target, on the hyperparameter subset
    n_features_in_ : int
    """

    _estimator_type = "regressor"
    _keep_private = ("_one_d",)

    def __init__(self, max_iter=60, max_fit_samples=600, max_samples=3000, linear=True, min_noise=1e-4,
                 random_state=None):
        self.max_iter = max_iter
        self.max_fit_samples = max_fit_samples
        self.max_samples = max_samples
        self.linear = linear
        self.min_noise = min_noise
        self.random_state = random_state

    def _core_params(self):
        p = check_int_params(self.get_params(), ("max_iter", "max_fit_samples", "max_samples"))
        p["linear"] = bool(p["linear"])
        p["min_noise"] = float(p["min_noise"])
        p["random_state"] = check_random_state(self.random_state)
        return p

    def fit(self, X, y):
        """X (n x features), y (n,) or (n x targets). Returns self."""
        X = as_matrix(X, dtype=np.float64)
        y_arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=np.float64)
        self._one_d = y_arr.ndim == 1
        Y = as_matrix(y_arr.reshape(-1, 1) if self._one_d else y_arr, "y", dtype=np.float64)
        params = self._core_params()
        core = _manifold._GaussianProcess(params)
        core.fit(X, Y)
        self._set_fitted(core, params)
        return self

    def _set_fitted(self, core, params):
        self._core, self._core_params_used = core, params
        st = core.state()
        self.length_scales_ = st["length_scales"]
        self.variances_ = st["variances"]
        self.log_marginal_likelihood_ = list(st["log_marginal_likelihood"])
        self.n_features_in_ = int(st["X"].shape[1])

    def predict(self, X, return_std=False):
        """Posterior mean (and, with return_std, the standard deviation of the latent function)."""
        if not hasattr(self, "_core"):
            raise RuntimeError("GaussianProcess: call fit before predict")
        X = as_matrix(X, dtype=np.float64)
        out = self._core.predict(X, bool(return_std))
        shape = (lambda a: a[:, 0]) if self._one_d else (lambda a: a)
        return (shape(out[0]), shape(out[1])) if return_std else shape(out)

    def score(self, X, y):
        """R^2 of the prediction (averaged over targets)."""
        Y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        P = np.asarray(self.predict(X), dtype=np.float64).reshape(Y.shape)
        ss_res = ((Y - P) ** 2).sum(0)
        ss_tot = ((Y - Y.mean(0)) ** 2).sum(0)
        return float(np.mean(1 - ss_res / np.where(ss_tot > 0, ss_tot, 1)))

    @staticmethod
    def _core_from_state(params, st):
        return _manifold._GaussianProcess.from_state(params, st)
