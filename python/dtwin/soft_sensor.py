"""SoftSensorMLP: a multilayer-perceptron soft sensor in the scikit-learn style."""
import numpy as np

from ._lazy import core as _core
from ._base import BaseEstimator, CoreModel
from ._validation import as_matrix, check_int_params, check_random_state


def _as_targets(y, name="y"):
    arr = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    one_d = arr.ndim == 1
    if one_d:
        arr = arr.reshape(-1, 1)
    return as_matrix(arr, name, dtype=np.float64), one_d


class SoftSensorMLP(CoreModel, BaseEstimator):
    """Soft sensor: inputs -> one or several quality variables.

    Inputs and targets are standardised inside (the scalers are part of the model); MSE loss on
    the standardised targets, Adam with L2 ``weight_decay``, mini-batches, ``dropout``, early
    stopping on ``validation_fraction`` of the samples or on a given ``X_val, y_val``.
    Works inside scikit-learn pipelines and ``cross_val_score`` (``score`` is R^2).

    Attributes
    ----------
    history_ : dict of arrays (epoch, train_loss, val_loss, seconds)
    best_epoch_ : int
    n_features_in_ : int
    """

    _estimator_type = "regressor"
    _core_class = "_SoftSensorMLP"
    _keep_private = ("_one_d",)

    def __init__(self, hidden=(64, 64), activation="relu", dropout=0.0, weight_decay=1e-4, lr=1e-3, epochs=500,
                 batch_size=32, validation_fraction=0.15, patience=40, random_state=None, n_jobs=1, verbose=0):
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _core_params(self):
        p = {k: v for k, v in self.get_params().items() if k != "verbose"}
        p["hidden"] = [int(h) for h in self.hidden]
        p["random_state"] = check_random_state(self.random_state)
        check_int_params(p, ("epochs", "batch_size", "patience", "n_jobs"))
        for k in ("dropout", "weight_decay", "lr", "validation_fraction"):
            p[k] = float(p[k])
        return p

    def fit(self, X, y, X_val=None, y_val=None, sample_weight=None):
        """Train on X (n x inputs), y (n,) or (n x targets). Returns self.

        sample_weight (n,), optional: the loss becomes the weighted mean squared error, e.g.
        to let virtual samples count less than real ones."""
        X = as_matrix(X, dtype=np.float64)
        Y, self._one_d = _as_targets(y)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {Y.shape[0]}")
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        if X_val is not None:
            X_val = as_matrix(X_val, "X_val", dtype=np.float64)
            y_val, _ = _as_targets(y_val, "y_val")
        params = self._core_params()
        kw = {}
        if sample_weight is not None:
            w = np.asarray(sample_weight, dtype=np.float64)
            if w.shape != (X.shape[0],):
                raise ValueError(f"sample_weight must have one value per row ({X.shape[0]}), got shape {w.shape}")
            kw["sample_weight"] = np.ascontiguousarray(w)
        return self._train(_core._SoftSensorMLP(params), params, (X, Y, X_val, y_val), ("train", "val"), **kw)

    def predict(self, X):
        if not hasattr(self, "_core"):
            raise RuntimeError("SoftSensorMLP is not fitted yet; call fit(X, y) first")
        out = self._core.predict(as_matrix(X, dtype=np.float64))
        return out[:, 0] if self._one_d else out

    def score(self, X, y):
        """R^2 of the prediction, averaged over targets (as scikit-learn's r2_score)."""
        Y, _ = _as_targets(y)
        P = self.predict(X).reshape(Y.shape)
        ss_res = ((Y - P) ** 2).sum(0)
        ss_tot = ((Y - Y.mean(0)) ** 2).sum(0)
        r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
        return float(r2.mean())

    def _set_fitted(self, core, params):
        self._core = core
        self._core_params_used = params
        self.history_ = core.history()
        self.best_epoch_ = core.best_epoch
        self.n_features_in_ = core.n_inputs
        self.n_outputs_ = core.n_outputs

    def _core_dims(self):
        return self._core.n_inputs, self._core.n_outputs

    def plot_history(self, ax=None):
        """Training and validation loss per epoch (needs matplotlib)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        h = self.history_
        ax.plot(h["epoch"], h["train_loss"], label="train")
        if (h["val_loss"] >= 0).any():
            ax.plot(h["epoch"], h["val_loss"], label="validation")
            ax.axvline(self.best_epoch_, color="grey", linestyle=":", label=f"best epoch {self.best_epoch_}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE (standardised)")
        ax.set_yscale("log")
        ax.legend()
        return ax
