import pickle

import numpy as np
import pytest

import dtwin


def _data(n, seed, noise=0.05):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 3))
    return X, np.sin(3 * X[:, 0]) + 0.5 * X[:, 1] + noise * rng.randn(n)


def test_learns_a_smooth_function_with_calibrated_uncertainty():
    X, y = _data(200, 0)
    Xt, yt = _data(400, 1, noise=0.0)
    gp = dtwin.GaussianProcess(random_state=0).fit(X, y)
    mean, sd = gp.predict(Xt, return_std=True)
    assert np.sqrt(np.mean((mean - yt) ** 2)) < 0.05
    assert mean.shape == sd.shape == (400,)
    # About 95% of the errors inside two posterior standard deviations (latent, no noise).
    assert np.mean(np.abs(mean - yt) <= 2 * sd + 1e-9) > 0.8
    assert gp.score(Xt, yt) > 0.99
    assert gp.length_scales_.shape == (1, 3) and gp.length_scales_[0, 2] > 5 * gp.length_scales_[0, 0]
    assert gp.n_features_in_ == 3


def test_several_targets_pickling_and_params():
    X, y = _data(120, 2)
    Y = np.column_stack([y, 10 * X[:, 2]])
    gp = dtwin.GaussianProcess(max_iter=30, random_state=1).fit(X, Y)
    assert gp.predict(X[:5]).shape == (5, 2)
    again = pickle.loads(pickle.dumps(gp))
    assert np.array_equal(again.predict(X), gp.predict(X))
    assert gp.get_params()["max_iter"] == 30
    same = dtwin.GaussianProcess(max_iter=30, random_state=1).fit(X, Y)
    assert np.array_equal(same.predict(X), gp.predict(X))


def test_bad_input():
    gp = dtwin.GaussianProcess()
    with pytest.raises(RuntimeError, match="fit"):
        gp.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rows"):
        gp.fit(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        gp.fit(np.array([[0.0, 1], [1, np.nan], [2, 2]]), np.zeros(3))
    with pytest.raises(ValueError, match="max_fit_samples"):
        dtwin.GaussianProcess(max_fit_samples=1).fit(np.random.rand(5, 2), np.random.rand(5))
    with pytest.raises(ValueError, match="integer"):
        dtwin.GaussianProcess(max_iter=2.5).fit(np.random.rand(5, 2), np.random.rand(5))
    gp.fit(np.random.rand(10, 2), np.random.rand(10))
    with pytest.raises(ValueError, match="features"):
        gp.predict(np.zeros((2, 3)))
