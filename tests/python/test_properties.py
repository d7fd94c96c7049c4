"""Property tests of the Python API's shapes and dtypes (python3-hypothesis)."""
import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dtwin

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)


def matrices(min_rows, max_rows, max_cols, dtypes=(np.float32, np.float64, np.int64)):
    return st.sampled_from(dtypes).flatmap(lambda dt: hnp.arrays(
        dt, st.tuples(st.integers(min_rows, max_rows), st.integers(1, max_cols)),
        elements=finite if dt != np.int64 else st.integers(-1000, 1000)))


@SETTINGS
@given(X=matrices(7, 40, 6))
@example(X=np.array([[0], [1], [1], [1], [1], [1], [1]]))  # once NaN: SMACOF collapsed the copies
def test_phate_shape_dtype_and_finite(X):
    try:
        Y = dtwin.Phate(knn=5, random_state=0, n_landmark=None).fit_transform(X)
    except ValueError as e:  # the one documented refusal for such data
        assert "identical" in str(e)
        return
    assert Y.shape == (len(X), 2)
    assert Y.dtype == (np.float32 if X.dtype == np.float32 else np.float64)
    assert np.isfinite(Y).all()


@SETTINGS
@given(X=matrices(3, 30, 5, dtypes=(np.float64, np.int64)), two_d=st.booleans())
@example(X=np.array([[1.4e-45], [0.0], [0.0]]), two_d=False)  # once diverged: scaled by a subnormal spread
def test_soft_sensor_prediction_shape(X, two_d):
    y = X[:, :1].astype(float) if two_d else X[:, 0].astype(float)
    m = dtwin.SoftSensorMLP(epochs=3, random_state=0).fit(X, y)
    p = m.predict(X)
    assert p.shape == y.shape and np.isfinite(p).all()


@SETTINGS
@given(X=matrices(3, 30, 5), n=st.integers(1, 50), method=st.sampled_from(["noise", "smote", "mtd"]))
def test_augment_shape(X, n, method):
    V = dtwin.augment(X, method=method, n=n, random_state=0)
    assert V.shape == (n, X.shape[1]) and V.dtype == np.float64 and np.isfinite(V).all()


@SETTINGS
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 5)),
                    elements=st.one_of(st.just(np.nan), st.floats(-1e12, 1e12, allow_nan=False))))
def test_csv_round_trip(X, tmp_path_factory):
    p = tmp_path_factory.mktemp("csv") / "t.csv"
    df = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    dtwin.write_csv(p, df, precision=17)
    back = dtwin.read_csv(p)
    np.testing.assert_array_equal(back.to_numpy(), X)


names = st.text(st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters="_-"), min_size=1, max_size=8)


@SETTINGS
@given(tags=st.lists(names, min_size=2, max_size=6, unique=True), n_targets=st.integers(1, 3))
def test_unit_config_normalises_idempotently(tags, n_targets):
    n_targets = min(n_targets, len(tags) - 1)
    eq = {"name": "E", "tags": [{"name": t, "role": "target" if i < n_targets else "input"} for i, t in enumerate(tags)]}
    c = dtwin.UnitConfig({"unit": "U", "equipment": [eq]})
    assert dtwin.UnitConfig(c.to_json()).data == c.data
    assert c.tags(role="target") == tags[:n_targets]
