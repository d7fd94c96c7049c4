"""Virtual features in the sparse zones of an embedding (docs/sparse_generation.md)."""
import numpy as np

from . import _manifold
from ._base import BaseEstimator
from ._validation import as_matrix, check_random_state


class SparseGenerator(BaseEstimator):
    """Place virtual features where the embedding is thin.

    The published rule (``target="all"``): R = mean nearest-neighbour distance; in each of
    ``n_cycles`` (Q) cycles, around every sample draw ``n_candidates`` (W) candidates z + s*u with
    s ~ U(0, R) and u a uniformly random direction, and keep the one farthest from every point
    so far. ``target="sparse"`` spends the budget where the embedding is thin.

    Parameters
    ----------
    n_cycles : int, default 1
    n_candidates : int, default 10
    radius : float or None, default None (mean nearest-neighbour distance)
    radius_law : {"uniform", "ball"}, default "uniform"
    target : {"all", "sparse"}, default "all"
    bounds : {"hull", "free"}, default "hull"
        "hull" keeps candidates within the local radius of their nearest sample (no wild
        extrapolation); "free" lets them extend past the data by up to R.
    density_knn : int, default 10
    sparse_power : float, default 2.0
    random_state : int or None

    Attributes (after generate)
    ---------------------------
    centres_ : sample index each virtual feature was drawn around
    radius_ : R used
    rejected_ : virtual features not placed (all candidates outside the hull or box)
    """

    def __init__(self, n_cycles=1, n_candidates=10, radius=None, radius_law="uniform", target="all",
                 bounds="hull", density_knn=10, sparse_power=2.0, random_state=None):
        self.n_cycles = n_cycles
        self.n_candidates = n_candidates
        self.radius = radius
        self.radius_law = radius_law
        self.target = target
        self.bounds = bounds
        self.density_knn = density_knn
        self.sparse_power = sparse_power
        self.random_state = random_state

    def generate(self, Z, mask=None, box=None):
        """Virtual features for the embedding Z (n_samples x n_dims).

        mask : boolean array (n_samples,), optional
            Only these samples act as centres, e.g. ``X[:, feed] > np.percentile(X[:, feed], 90)``
            to ask for data where the plant rarely runs.
        box : (lo, hi), optional
            Keep centres and features inside this box of embedding space.
        """
        Z = as_matrix(Z, "Z", dtype=np.float64)
        lo, hi = ([], []) if box is None else (list(map(float, box[0])), list(map(float, box[1])))
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (Z.shape[0],):
                raise ValueError(f"mask must have one entry per sample ({Z.shape[0]}), got shape {mask.shape}")
            mask = mask.astype(bool).astype(np.uint8).tolist()
        else:
            mask = []
        out = _manifold._sparse_generate(
            Z, int(self.n_cycles), int(self.n_candidates), 0.0 if self.radius is None else float(self.radius),
            str(self.radius_law), str(self.target), int(self.density_knn), float(self.sparse_power), str(self.bounds),
            lo, hi, mask, check_random_state(self.random_state))
        self.centres_ = out["centres"]
        self.radius_ = float(out["radius"])
        self.rejected_ = int(out["rejected"])
        return out["features"]
