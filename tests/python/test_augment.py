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


def test_benchmark_records_round_trip_through_csv(tmp_path):
    # Runs made side by side are merged from their CSVs (bench/merge_benchmark.py).
    records = [{"fraction": 0.05, "seed": 3, "method": "pgan-gp", "n_train": 80, "n_virtual": 800,
                "seconds_augment": 1.25, "rmse": 2.5, "dataset": "friedman1"}]
    benchmark.write_csv(records, tmp_path / "results.csv")
    back = benchmark.read_csv(tmp_path / "results.csv")
    assert back == records
    assert isinstance(back[0]["seed"], int) and isinstance(back[0]["rmse"], float)


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


def _law(X):
    return np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2]


def test_gp_teacher_gives_virtual_targets_that_follow_the_inputs():
    # The quality variable is a known function of the inputs: with the GP teacher, virtual
    # targets must sit much closer to it than the generator's own outputs do.
    rng = np.random.RandomState(3)
    X = rng.uniform(-1, 1, (150, 3))
    data = np.column_stack([X, _law(X) + 0.02 * rng.randn(150)])
    err = {}
    for model in ("own", "gp"):
        V = dtwin.augment(data, method="pgan", n=300, random_state=0, epochs=60, targets=[3], target_model=model)
        err[model] = np.sqrt(np.mean((V[:, 3] - _law(V[:, :3])) ** 2))
    assert err["gp"] < 0.02 and err["gp"] < 0.3 * err["own"], err
    # None with targets given means the teacher.
    V = dtwin.augment(data, method="noise", n=100, random_state=0, targets=[3])
    assert np.sqrt(np.mean((V[:, 3] - _law(V[:, :3])) ** 2)) < 0.1


def test_residual_inputs_keep_the_detail_the_embedding_drops():
    # Five independent inputs cannot all be carried by a 2-D embedding: plain generator rows
    # collapse towards a smooth surface (a smaller spread), residual rows keep the real spread.
    rng = np.random.RandomState(4)
    data = rng.rand(200, 5)
    spread = {}
    for inputs in ("generator", "residual"):
        V = dtwin.augment(data, method="pgan", n=200, random_state=0, epochs=60, n_components=2, inputs=inputs)
        spread[inputs] = V.std(0).mean()
    assert spread["residual"] > 1.1 * spread["generator"], spread
    assert spread["residual"] == pytest.approx(data.std(0).mean(), rel=0.25)


def test_spread_reaches_further_from_the_real_rows():
    # spread > 1: virtual features past the embedding's hull and longer residual steps, so the
    # virtual inputs lie further from their nearest real rows; same seed, same rows.
    rng = np.random.RandomState(6)
    data = rng.rand(150, 4)
    gap = {}
    for spread in (1.0, 3.0):
        V = dtwin.augment(data, method="pgan", n=300, random_state=0, epochs=60, spread=spread, targets=[3])
        d2 = ((V[:, None, :3] - data[None, :, :3]) ** 2).sum(-1)
        gap[spread] = np.sqrt(d2.min(1)).mean()
        again = dtwin.augment(data, method="pgan", n=300, random_state=0, epochs=60, spread=spread, targets=[3])
        assert np.array_equal(V, again)
    assert gap[3.0] > 1.3 * gap[1.0], gap
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="spread"):
            dtwin.augment(data, method="pgan", n=10, epochs=5, spread=bad)


def test_weights_trust_virtual_rows_as_far_as_the_teacher_does():
    # The weight is the teacher's confidence relative to the real rows: 1 at the data, smaller
    # where the posterior widens; rows sent further (spread 3) weigh less on average.
    rng = np.random.RandomState(7)
    data = rng.rand(120, 3)
    data[:, 2] = np.sin(3 * data[:, 0]) + data[:, 1] + 0.05 * rng.randn(120)
    mean_w = {}
    for spread in (1.0, 3.0):
        V, sd, w = dtwin.augment(data, method="pgan", n=240, random_state=0, epochs=60, spread=spread, targets=[2],
                                 return_std=True, return_weight=True)
        assert V.shape == (240, 3) and sd.shape == (240, 1) and w.shape == (240,)
        assert np.all((w > 0) & (w <= 1))
        # Monotone in the posterior sd: a less certain label never weighs more.
        order = np.argsort(sd[:, 0])
        assert np.all(np.diff(w[order]) <= 1e-12)
        mean_w[spread] = w.mean()
    assert mean_w[3.0] < mean_w[1.0] <= 1.0, mean_w
    V, w = dtwin.augment(data, method="noise", n=50, random_state=0, targets=[2], return_weight=True)
    assert len(w) == 50
    with pytest.raises(ValueError, match="return_weight"):
        dtwin.augment(data, method="noise", n=10, return_weight=True)


def test_validated_pgan_gp_chooses_none_or_a_spread_it_tried():
    X, y = benchmark.noisy_sinc(300)
    records = benchmark.run_one(X, y, 0.2, 0, methods=("none", "pgan-gp", "pgan-gp-wide", "pgan-gp+val"), epochs=40)
    by = {r["method"]: r for r in records}
    chosen = by["pgan-gp+val"]
    if chosen["n_virtual"] == 0:
        assert np.isnan(chosen["spread"]) and chosen["rmse"] == pytest.approx(by["none"]["rmse"])
    else:
        assert chosen["spread"] in (1.0, benchmark.WIDE_SPREAD)
        if chosen["spread"] == 1.0 or chosen["weighted"]:  # the same rows and sensor as that variant
            twin = by["pgan-gp" if chosen["spread"] == 1.0 else "pgan-gp-wide"]
            assert chosen["rmse"] == pytest.approx(twin["rmse"])
    assert by["pgan-gp-wide"]["spread"] == benchmark.WIDE_SPREAD and by["pgan-gp-wide"]["weighted"] == 1
    assert by["pgan-gp"]["weighted"] == 0


def test_target_model_errors():
    data = np.random.RandomState(5).rand(30, 3)
    with pytest.raises(ValueError, match="targets"):
        dtwin.augment(data, method="noise", target_model="gp")
    with pytest.raises(ValueError, match="target_model"):
        dtwin.augment(data, method="noise", targets=[2], target_model="oracle")
    with pytest.raises(ValueError, match="input"):
        dtwin.augment(data, method="noise", targets=[0, 1, 2])
    with pytest.raises(ValueError, match="inputs"):
        dtwin.augment(data, method="pgan", inputs="copy", epochs=5)
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="not columns of the data"):
        dtwin.augment(pd.DataFrame(data, columns=["a", "b", "y"]), method="noise", targets=["sulfur"])


def test_teacher_methods_of_the_benchmark():
    # The benchmark's Friedman #1 at 5% (80 fitting rows), one seed, a shorter PGAN training.
    X, y = benchmark.friedman1()
    records = benchmark.run_one(X, y, 0.05, 0, methods=("none", "pgan-gp", "pgan-gp-w", "noise-gp", "gp"), epochs=100,
                                max_test=600)
    by = {r["method"]: r for r in records}
    n_fit = by["none"]["n_train"]
    assert by["pgan-gp"]["n_virtual"] == min(benchmark.GP_RATIO * n_fit, benchmark.GP_MAX_VIRTUAL)
    assert by["gp"]["n_virtual"] == 0
    # There the GP is far better than the MLP (docs/benchmark.md: -52%), and the student trained
    # on its virtual rows gains clearly on real-only training (-15% to -18% over seeds 0-2 here).
    assert by["gp"]["rmse"] < 0.7 * by["none"]["rmse"]
    assert by["pgan-gp"]["rmse"] < 0.93 * by["none"]["rmse"]
    assert by["pgan-gp-w"]["rmse"] < by["none"]["rmse"]


def test_return_std_of_the_teacher():
    rng = np.random.RandomState(6)
    X = rng.uniform(-1, 1, (80, 2))
    data = np.column_stack([X, 100 + 10 * X[:, 0] + rng.randn(80)])
    V, sd = dtwin.augment(data, method="noise", n=50, random_state=0, targets=[2], return_std=True)
    assert V.shape == (50, 3) and sd.shape == (50, 1)
    assert np.all(sd > 0) and np.all(sd < 3)  # in the target's units (noise sd 1)
    with pytest.raises(ValueError, match="return_std"):
        dtwin.augment(data, method="noise", return_std=True)


def test_benchmark_command_writes_its_table_and_figures(tmp_path):
    from dtwin.cli import main

    out = tmp_path / "bench"
    assert main(["benchmark", "--datasets", "noisy_sinc", "--seeds", "1", "--fractions", "0.1",
                 "--methods", "none,noise,pgan-gp-wide", "--out", str(out)]) == 0
    text = (out / "results.md").read_text()
    assert "beats every method without PHATE + PGAN" in text and "| pgan-gp-wide |" in text
    records = benchmark.read_csv(out / "results.csv")
    assert {r["method"] for r in records} == {"none", "noise", "pgan-gp-wide"}
    assert [r["spread"] for r in records if r["method"] == "pgan-gp-wide"] == [benchmark.WIDE_SPREAD]
    for png in ("rmse_vs_fraction.png", "phate_real_vs_virtual_noisy_sinc.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
