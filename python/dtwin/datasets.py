"""Built-in synthetic data sets (the PHATE benchmark recipes of the reference README):
a 3-D swiss roll (scikit-learn's recipe), 10-D Gaussian blobs, and a 100-D branching tree
(PHATE's diffusion-limited-aggregation tree: random-walk branches that start on earlier ones)."""
import numpy as np


def swiss_roll(n, noise=0.5, seed=0):
    """n x 3 swiss roll and its roll parameter."""
    rng = np.random.RandomState(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.rand(n))
    X = np.column_stack([t * np.cos(t), 21 * rng.rand(n), t * np.sin(t)])
    return X + noise * rng.randn(n, 3), t


def blobs(n, n_features=10, centers=10, std=1.0, box=(-10, 10), seed=0):
    """n x n_features Gaussian blobs and their labels."""
    rng = np.random.RandomState(seed)
    C = rng.uniform(box[0], box[1], size=(centers, n_features))
    labels = rng.randint(0, centers, size=n)
    return C[labels] + std * rng.randn(n, n_features), labels


def dla_tree(n, n_dim=100, n_branch=10, rand_multiplier=2, sigma=4, seed=0):
    """n x n_dim branching tree (random-walk branches starting on earlier ones) and branch labels."""
    rng = np.random.RandomState(seed)
    length = max(1, n // n_branch)
    branches = [np.cumsum(-1 + rand_multiplier * rng.rand(length, n_dim), axis=0)]
    for _ in range(n_branch - 1):
        so_far = np.concatenate(branches)
        start = so_far[rng.randint(len(so_far))]
        branches.append(start + np.cumsum(-1 + rand_multiplier * rng.rand(length, n_dim), axis=0))
    X = np.concatenate(branches)[:n]
    labels = np.repeat(np.arange(n_branch), length)[:n]
    return X + rng.normal(0, sigma, X.shape), labels


GENERATORS = {"swiss_roll_3d": swiss_roll, "blobs_10d": blobs, "dla_tree_100d": dla_tree}
