"""PGAN: generator from embedding to sample, trained adversarially on (embedding, sample) pairs."""
import numpy as np

from ._lazy import core as _core
from ._base import BaseEstimator, CoreModel
from ._validation import as_matrix, check_int_params, check_random_state


class PGan(CoreModel, BaseEstimator):
    """Generator G: embedding -> sample, with a two-branch discriminator on (z, x) pairs.

    Loss: adversarial BCE with label smoothing + ``l1_weight`` * L1(G(z), x) (``loss="bce"``),
    or WGAN-GP + the same L1 (``loss="wgan-gp"``). See docs/pgan.md for the defaults and why.

    Attributes
    ----------
    history_ : dict of arrays (epoch, d_loss, g_loss, l1, val_l1, seconds)
    best_epoch_ : epoch whose generator was kept
    """

    _core_class = "_PGan"

    def __init__(self, generator_hidden=(128, 128), branch_hidden=64, discriminator_hidden=(64,), loss="bce",
                 l1_weight=10.0, label_smoothing=0.1, gp_weight=10.0, n_critic=5, epochs=300, batch_size=64,
                 lr_generator=2e-4, lr_discriminator=2e-4, beta1=0.5, beta2=0.999, validation_fraction=0.0,
                 patience=30, random_state=None, n_jobs=1, verbose=0):
        self.generator_hidden = generator_hidden
        self.branch_hidden = branch_hidden
        self.discriminator_hidden = discriminator_hidden
        self.loss = loss
        self.l1_weight = l1_weight
        self.label_smoothing = label_smoothing
        self.gp_weight = gp_weight
        self.n_critic = n_critic
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr_generator = lr_generator
        self.lr_discriminator = lr_discriminator
        self.beta1 = beta1
        self.beta2 = beta2
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _core_params(self):
        p = {k: v for k, v in self.get_params().items() if k != "verbose"}
        p["generator_hidden"] = [int(h) for h in self.generator_hidden]
        p["discriminator_hidden"] = [int(h) for h in self.discriminator_hidden]
        p["random_state"] = check_random_state(self.random_state)
        return check_int_params(p, ("branch_hidden", "n_critic", "epochs", "batch_size", "patience", "n_jobs"))

    def fit(self, Z, X):
        """Learn G from embeddings Z (n x z_dim) to scaled samples X (n x x_dim). Returns self."""
        Z = as_matrix(Z, "Z", dtype=np.float64)
        X = as_matrix(X, "X", dtype=np.float64)
        if Z.shape[0] != X.shape[0]:
            raise ValueError(f"Z has {Z.shape[0]} rows but X has {X.shape[0]}; pass one embedding per sample")
        params = self._core_params()
        return self._train(_core._PGan(params), params, (Z, X), ("d", "g", "l1", "val_l1"))

    def generate(self, Z):
        """Samples (scaled space) for the embeddings Z."""
        if not hasattr(self, "_core"):
            raise RuntimeError("PGan is not fitted yet; call fit(Z, X) first")
        return self._core.generate(as_matrix(Z, "Z", dtype=np.float64))

    def _set_fitted(self, core, params):
        self._core = core
        self._core_params_used = params
        self.history_ = core.history()
        self.best_epoch_ = core.best_epoch
        self.n_features_in_ = core.z_dim
        self.n_outputs_ = core.x_dim

    def get_weights(self):
        """Named float32 arrays of both networks (for archives)."""
        return self._core.weights()

    def _core_dims(self):
        return self._core.z_dim, self._core.x_dim

    def plot_history(self, ax=None):
        """Losses per epoch (needs matplotlib)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        h = self.history_
        ax.plot(h["epoch"], h["d_loss"], label="discriminator")
        ax.plot(h["epoch"], h["l1"], label="L1 (train)")
        if (h["val_l1"] >= 0).any():
            ax.plot(h["epoch"], h["val_l1"], label="L1 (validation)")
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.legend()
        return ax
