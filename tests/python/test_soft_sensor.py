import pickle

import numpy as np
import pytest

import dtwin


def make(n, seed, nonlinear=True):
    rng = np.random.RandomState(seed)
    X = np.column_stack([350 + 10 * rng.uniform(-2, 2, n), 80 + 5 * rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)])
    a, b, c = (X[:, 0] - 350) / 10, (X[:, 1] - 80) / 5, X[:, 2]
    y = np.sin(a) * b + 0.5 * c ** 2 if nonlinear else 2 * a - b + 0.5 * c
    return X, y


def test_fit_predict_score_one_target():
    X, y = make(800, 0)
    Xt, yt = make(300, 1)
    m = dtwin.SoftSensorMLP(random_state=0).fit(X, y)
    p = m.predict(Xt)
    assert p.shape == (300,)
    assert np.sqrt(((p - yt) ** 2).mean()) < 0.15
    assert m.score(Xt, yt) > 0.98
    assert m.n_features_in_ == 3 and len(m.history_["epoch"]) >= 1


def test_several_targets_and_validation_set():
    X, y = make(400, 2)
    Y = np.column_stack([y, 2 * y + X[:, 2]])
    Xv, yv = make(100, 3)
    Yv = np.column_stack([yv, 2 * yv + Xv[:, 2]])
    m = dtwin.SoftSensorMLP(random_state=0, epochs=3000, patience=15).fit(X, Y, X_val=Xv, y_val=Yv)
    assert m.predict(Xv).shape == (100, 2)
    assert len(m.history_["epoch"]) < 3000
    assert (m.history_["val_loss"] >= 0).all()


def test_determinism_and_pickle():
    X, y = make(200, 4)
    a = dtwin.SoftSensorMLP(random_state=7, epochs=40, dropout=0.1).fit(X, y)
    b = dtwin.SoftSensorMLP(random_state=7, epochs=40, dropout=0.1).fit(X, y)
    assert np.array_equal(a.predict(X), b.predict(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(a.predict(X), c.predict(X))


def test_sklearn_pipeline_and_cross_val_score():
    sk = pytest.importorskip("sklearn")
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make(300, 5, nonlinear=False)
    pipe = make_pipeline(StandardScaler(), dtwin.SoftSensorMLP(random_state=0, epochs=200))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.95
    assert sk.base.clone(dtwin.SoftSensorMLP(hidden=(8,))).get_params()["hidden"] == (8,)


def test_bad_input():
    X, y = make(50, 6)
    with pytest.raises(ValueError, match="rows"):
        dtwin.SoftSensorMLP().fit(X[:10], y)
    bad = X.copy()
    bad[2, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        dtwin.SoftSensorMLP().fit(bad, y)
    with pytest.raises(ValueError, match="activation"):
        dtwin.SoftSensorMLP(activation="swish").fit(X, y)
    with pytest.raises(RuntimeError, match="not fitted"):
        dtwin.SoftSensorMLP().predict(X)
    m = dtwin.SoftSensorMLP(epochs=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="columns"):
        m.predict(X[:, :2])
    with pytest.raises(ValueError, match="both"):
        dtwin.SoftSensorMLP().fit(X, y, X_val=X)


def test_sample_weight():
    X, y = make(120, 3)
    m1 = dtwin.SoftSensorMLP(epochs=20, random_state=0, validation_fraction=0).fit(X, y)
    m2 = dtwin.SoftSensorMLP(epochs=20, random_state=0, validation_fraction=0).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(m1.predict(X), m2.predict(X), rtol=1e-5, atol=1e-6)
    # Rows with zero weight do not pull the model: corrupting them changes nothing much.
    y_bad = y.copy()
    y_bad[:40] += 100
    w = np.r_[np.zeros(40), np.ones(80)]
    m3 = dtwin.SoftSensorMLP(epochs=60, random_state=0, validation_fraction=0).fit(X, y_bad, sample_weight=w)
    m4 = dtwin.SoftSensorMLP(epochs=60, random_state=0, validation_fraction=0).fit(X, y_bad)
    rmse = lambda m: np.sqrt(np.mean((m.predict(X[40:]) - y[40:]) ** 2))
    assert rmse(m3) < 0.6 < 5 < rmse(m4)
    with pytest.raises(ValueError, match="one value per row"):
        dtwin.SoftSensorMLP().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        dtwin.SoftSensorMLP().fit(X, y, sample_weight=-np.ones(len(X)))
