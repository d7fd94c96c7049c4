import numpy as np
import pytest

import dtwin
from dtwin import benchmark
from dtwin.augmentation import METHODS


@pytest.mark.parametrize("method", METHODS)
def test_every_method_returns_rows_in_the_same_units(method):
    rng = np.random.RandomState(0)
    X = np.column_stack([350 + 10 * rng.rand(120), 80 + 5 * rng.rand(120), rng.rand(120)])
    V = dtwin.augment(X, method=method, n=50, random_state=1, **({"epochs": 20} if method in ("gan", "pgan") else {}))
    assert V.shape == (50, 3) and np.isfinite(V).all()
    # Same units: the virtual temperature is a temperature, not a z-score.
    assert 300 < V[:, 0].mean() < 400
    again = dtwin.augment(X, method=method, n=50, random_state=1, **({"epochs": 20} if method in ("gan", "pgan") else {}))
    assert np.array_equal(V, again)


def test_smote_keeps_targets_consistent_with_linear_inputs():
    rng = np.random.RandomState(1)
    X = rng.rand(200, 3)
    data = np.column_stack([X, X @ [1.0, -2.0, 0.5]])
    V = dtwin.augment(data, method="smote", random_state=0)
    assert np.allclose(V[:, 3], V[:, :3] @ [1.0, -2.0, 0.5])


def test_dataframe_in_dataframe_out():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.random.RandomState(2).rand(60, 3), columns=["feed", "T_out", "sulfur"])
    out = dtwin.augment(df, method="noise", n=10, random_state=0)
    assert list(out.columns) == ["feed", "T_out", "sulfur"] and len(out) == 10


def test_bad_input():
    with pytest.raises(ValueError, match="method"):
        dtwin.augment(np.random.rand(20, 3), method="vae")
    with pytest.raises(ValueError, match="NaN"):
        dtwin.augment(np.full((20, 3), np.nan))
    with pytest.raises(ValueError, match="at least 3"):
        dtwin.augment(np.random.rand(2, 3))


def test_benchmark_protocol_runs_and_reports():
    X, y = benchmark.noisy_sinc(300)
    records = benchmark.run_one(X, y, 0.2, 0, methods=("none", "noise", "pgan"), epochs=20)
    assert [r["method"] for r in records] == ["none", "noise", "pgan"]
    for r in records:
        r["dataset"] = "sinc"
        assert r["rmse"] > 0 and r["sparse_rmse"] > 0
    rows = benchmark.summarize(records)
    assert rows[0]["rmse_change"] == pytest.approx(0.0)
    table = benchmark.markdown(rows)
    assert "| sinc | 20% | pgan |" in table


def test_validated_variant_chooses_a_count_it_tried():
    X, y = benchmark.noisy_sinc(300)
    records = benchmark.run_one(X, y, 0.2, 1, methods=("none", "noise+val"))
    chosen = records[1]["n_virtual"]
    n_fit = records[0]["n_train"]
    assert chosen in {int(round(r * n_fit)) for r in benchmark.VAL_RATIOS}
    if chosen == 0:  # real-only chosen: the same model as "none"
        assert records[1]["rmse"] == pytest.approx(records[0]["rmse"])


def test_generators_keep_constant_columns_constant_and_stay_near_the_data():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randn(80), np.full(80, 7.0), rng.rand(80)])
    for method in ("gan", "pgan"):
        V = dtwin.augment(X, method=method, n=60, random_state=1, epochs=30)
        assert np.all(V[:, 1] == 7.0)
        span = X.max(0) - X.min(0)
        assert np.all(V >= X.min(0) - 0.25 * span - 1e-9) and np.all(V <= X.max(0) + 0.25 * span + 1e-9)
