import os
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


def swiss_roll(n, noise=0.3, seed=0):
    rng = np.random.RandomState(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.rand(n))
    y = 21 * rng.rand(n)
    X = np.column_stack([t * np.cos(t), y, t * np.sin(t)])
    return X + noise * rng.randn(n, 3), t
