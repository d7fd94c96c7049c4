"""dtwin.Phate against the official PHATE's reference embeddings (../shared/reference/phate)."""
import numpy as np
import pytest

import dtwin


def spearman_of_distances(A, B, rows=1500, seed=0):
    idx = np.random.RandomState(seed).choice(len(A), min(rows, len(A)), replace=False)

    def pd(Y):
        Y = Y[idx]
        d = np.sqrt(((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
        return d[np.triu_indices(len(idx), 1)]

    ra = np.argsort(np.argsort(pd(A)))
    rb = np.argsort(np.argsort(pd(B)))
    return np.corrcoef(ra, rb)[0, 1]


def test_swiss_roll_matches_reference(shared_dir):
    ref_dir = shared_dir / "reference" / "phate"
    X = np.loadtxt(ref_dir / "swiss_1000.csv", delimiter=",")
    ref = np.loadtxt(ref_dir / "swiss_1000_phate_seed0.csv", delimiter=",")
    ph = dtwin.Phate(random_state=0)
    Y = ph.fit_transform(X)
    assert 0.75 * 23 <= ph.optimal_t_ <= 1.25 * 23
    assert spearman_of_distances(Y, ref) >= 0.978
