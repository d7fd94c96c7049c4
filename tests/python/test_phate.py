import pickle
import threading

import numpy as np
import pytest

import dtwin
from conftest import swiss_roll


def test_imports_from_the_installed_package():
    # The tests must exercise the pip-installed package, not the source tree.
    assert "site-packages" in dtwin.__file__ or "dist-packages" in dtwin.__file__


def test_fit_transform_shapes_and_attributes():
    X, _ = swiss_roll(400)
    ph = dtwin.Phate(random_state=0)
    Y = ph.fit_transform(X)
    assert Y.shape == (400, 2) and Y.dtype == np.float64
    assert ph.embedding_ is Y or np.array_equal(ph.embedding_, Y)
    assert 1 <= ph.optimal_t_ < 100
    assert ph.entropy_.shape == (100,)
    assert ph.diff_potential_.shape == (400, 400)
    assert ph.clusters_ is None and ph.landmark_embedding_ is None
    assert ph.n_features_in_ == 3 and ph.seed_ == 0


def test_fitted_attributes_are_the_callers_own_arrays():
    X, _ = swiss_roll(300, seed=4)
    ph = dtwin.Phate(random_state=0).fit(X)
    with pytest.raises(AttributeError):
        dtwin.Phate().diff_potential_
    # The core's state comes as read-only views that outlive a refit of the same object...
    st = ph._core.state()
    assert not st["diff_potential"].flags.writeable
    pot = np.array(st["diff_potential"])
    ph.fit(X[::-1])
    np.testing.assert_array_equal(st["diff_potential"], pot)
    # ...while the estimator's attributes are writable arrays in the input's dtype, the
    # potential copied out on first access.
    assert ph.embedding_.flags.writeable and ph.diff_potential_.flags.writeable
    assert ph.diff_potential_.dtype == np.float64 and ph.diff_potential_ is ph.diff_potential_
    Xf = X.astype(np.float32)
    phf = dtwin.Phate(random_state=0).fit(Xf)
    assert phf.diff_potential_.dtype == np.float32 and phf.embedding_.flags.writeable
    np.testing.assert_allclose(phf.diff_potential_, phf._core.state()["diff_potential"])


def test_embedding_follows_the_roll():
    X, t = swiss_roll(600, seed=1)
    Y = dtwin.Phate(random_state=0).fit_transform(X)
    # Neighbours in the embedding are neighbours along the roll: PHATE unrolls it.
    d = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :5]
    assert np.abs(t[nn] - t[:, None]).mean() < 0.05 * np.ptp(t)


def test_same_seed_same_result_and_float32():
    X, _ = swiss_roll(300, seed=2)
    a = dtwin.Phate(random_state=4).fit_transform(X)
    b = dtwin.Phate(random_state=4).fit_transform(X)
    assert np.array_equal(a, b)
    f = dtwin.Phate(random_state=4).fit_transform(X.astype(np.float32))
    assert f.dtype == np.float32


def test_any_memory_order_and_integer_input():
    X, _ = swiss_roll(300, seed=3)
    a = dtwin.Phate(random_state=0).fit_transform(X)
    b = dtwin.Phate(random_state=0).fit_transform(np.asfortranarray(X))
    assert np.array_equal(a, b)
    strided = np.repeat(X, 2, axis=1)[:, ::2]  # non-contiguous view
    assert np.array_equal(dtwin.Phate(random_state=0).fit_transform(strided), a)
    Xi = np.round(X * 100).astype(np.int64)
    assert dtwin.Phate(random_state=0).fit_transform(Xi).shape == (300, 2)


def test_transform_new_samples():
    X, _ = swiss_roll(500, seed=5)
    ph = dtwin.Phate(random_state=0).fit(X)
    assert ph.transform() is ph.embedding_
    Y = ph.transform(X[:50] + 0.01)
    # Nearly the same samples land near their fitted positions.
    err = np.linalg.norm(Y - ph.embedding_[:50], axis=1).mean()
    scale = np.ptp(ph.embedding_, axis=0).max()
    assert err < 0.05 * scale


def test_landmarks_and_params():
    X, _ = swiss_roll(1500, seed=6)
    ph = dtwin.Phate(n_landmark=300, random_state=0, n_jobs=2)
    ph.fit(X)
    assert ph.clusters_.shape == (1500,)
    assert ph.landmark_embedding_.shape[0] == ph.clusters_.max() + 1
    assert ph.get_params()["n_landmark"] == 300
    ph.set_params(t=7, n_landmark=None)
    ph.fit(X[:500])
    assert ph.optimal_t_ == 7 and ph.clusters_ is None
    assert "n_landmark=None" in repr(ph)


def test_pickle_round_trip_transforms_identically():
    X, _ = swiss_roll(300, seed=7)
    ph = dtwin.Phate(random_state=0).fit(X)
    back = pickle.loads(pickle.dumps(ph))
    Xn = X[:10] + 0.05
    assert np.array_equal(ph.transform(Xn), back.transform(Xn))
    assert back.optimal_t_ == ph.optimal_t_


def test_transform_from_threads_matches_serial():
    X, _ = swiss_roll(400, seed=8)
    ph = dtwin.Phate(random_state=0).fit(X)
    queries = [X[i::4] + 0.02 for i in range(4)]
    serial = [ph.transform(q) for q in queries]
    out = [None] * 4

    def work(i):
        out[i] = ph.transform(queries[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for a, b in zip(serial, out):
        assert np.array_equal(a, b)


def test_verbose_reports_stages(capsys):
    X, _ = swiss_roll(200, seed=9)
    dtwin.Phate(random_state=0, verbose=1).fit(X)
    err = capsys.readouterr().err
    for stage in ("kernel", "potential", "mds"):
        assert f"Phate: {stage}" in err


@pytest.mark.parametrize("bad,msg", [
    (np.zeros((0, 3)), "empty"),
    (np.random.rand(4, 3), r"fewer than knn \+ 1"),
    (np.ones((50, 3)), "constant"),
    (np.random.rand(50), "2-D"),
    (np.random.rand(5, 5, 5), "2-D"),
    (np.array([["a", "b"]] * 20, dtype=object), "numeric"),
])
def test_bad_input_raises_value_error(bad, msg):
    with pytest.raises(ValueError, match=msg):
        dtwin.Phate().fit(bad)


def test_nan_and_inf_named():
    X, _ = swiss_roll(100)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 1"):
        dtwin.Phate().fit(X)
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        dtwin.Phate().fit(X)


def test_bad_params_and_state():
    X, _ = swiss_roll(100)
    for kwargs, msg in [({"knn": 0}, "knn"), ({"t": "soon"}, "t must"), ({"gamma": 3}, "gamma"),
                        ({"mds_solver": "magic"}, "mds_solver"), ({"knn_dist": "cosine"}, "knn_dist"),
                        ({"random_state": -1}, "random_state"), ({"knn": 2.5}, "integer"),
                        ({"knn_method": "hnsw"}, "knn_method")]:
        with pytest.raises(ValueError, match=msg):
            dtwin.Phate(**kwargs).fit(X)
    with pytest.raises(ValueError, match="invalid parameter"):
        dtwin.Phate().set_params(bogus=1)
    with pytest.raises(RuntimeError, match="not fitted"):
        dtwin.Phate().transform(X)
    ph = dtwin.Phate(random_state=0).fit(X)
    with pytest.raises(ValueError, match="4 features"):
        ph.transform(np.random.rand(3, 4))


def test_show_config_names_blas_and_threads(capsys):
    info = dtwin.show_config()
    out = capsys.readouterr().out
    assert info["dtwin"] == dtwin.__version__
    assert "OpenBLAS" in info["blas"], "OpenBLAS must be the BLAS in use (scripts/bootstrap selects it)"
    assert "openmp_threads" in out and "libtorch" in out


def test_blas_warning_only_for_the_generic_fallback_on_an_avx2_cpu(monkeypatch):
    from dtwin._config import blas_warning

    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    prescott = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64, threads=2"
    assert "OPENBLAS_CORETYPE=Haswell" in blas_warning(prescott, {"sse3", "avx2"})
    assert blas_warning(prescott, {"sse3"}) is None  # an old CPU: Prescott is right for it
    assert blas_warning("OpenBLAS 0.3.21 DYNAMIC_ARCH Haswell MAX_THREADS=64", {"avx2"}) is None
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")  # chosen on purpose: no advice
    assert blas_warning(prescott, {"avx2"}) is None


def test_sklearn_clone_when_available():
    sklearn_base = pytest.importorskip("sklearn.base")
    ph = dtwin.Phate(knn=7, random_state=3)
    cl = sklearn_base.clone(ph)
    assert cl.get_params() == ph.get_params()


def test_single_and_double_precision_agree():
    X, _ = swiss_roll(500, seed=11)
    single = dtwin.Phate(random_state=0).fit(X)
    double = dtwin.Phate(random_state=0, precision="double").fit(X)
    assert single.embedding_.dtype == np.float64 and double.embedding_.dtype == np.float64
    assert single._dtype == np.float32 and double._dtype == np.float64
    d = lambda Y: np.sqrt(((Y[:, None] - Y[None]) ** 2).sum(-1))[np.triu_indices(len(Y), 1)]
    rs = np.corrcoef(np.argsort(np.argsort(d(single.embedding_))), np.argsort(np.argsort(d(double.embedding_))))[0, 1]
    assert rs > 0.99
    assert abs(single.optimal_t_ - double.optimal_t_) <= 1
    assert single.transform(X[:3]).dtype == np.float64
    with pytest.raises(ValueError, match="precision"):
        dtwin.Phate(precision="half").fit(X)


def test_approximate_neighbours_embed_like_exact_ones(tmp_path):
    # NN-descent is the default only above 10,000 samples; forced here on a small roll, it
    # must unroll it as the exact search does, reproduce itself, and survive save/load.
    X, t = swiss_roll(1500, seed=8)
    exact = dtwin.Phate(random_state=0, knn_method="exact").fit_transform(X)
    ph = dtwin.Phate(random_state=0, knn_method="nndescent")
    approx = ph.fit_transform(X)
    assert np.array_equal(approx, dtwin.Phate(random_state=0, knn_method="nndescent").fit_transform(X))
    i, j = np.triu_indices(300, 1)
    rows = np.random.default_rng(0).choice(1500, 300, replace=False)

    def dists(Y):
        return np.linalg.norm(Y[rows][i] - Y[rows][j], axis=1)

    rank = lambda v: np.argsort(np.argsort(v))
    assert np.corrcoef(rank(dists(exact)), rank(dists(approx)))[0, 1] > 0.97
    path = tmp_path / "phate.h5"
    dtwin.save(path, {"phate": ph.set_params(precision="double").fit(X)})
    assert dtwin.load(path)["phate"].get_params()["knn_method"] == "nndescent"


def test_phate_alone_does_not_load_libtorch():
    # PHATE lives in dtwin._manifold; LibTorch (dtwin._core) costs ~150 MB and 0.6 s per process.
    import subprocess
    import sys

    code = ("import sys, numpy as np, dtwin\n"
            "dtwin.Phate(random_state=0).fit_transform(np.random.default_rng(0).random((300, 4)))\n"
            "dtwin.SparseGenerator(random_state=0).generate(np.random.default_rng(0).random((50, 2)))\n"
            "print('dtwin._core' in sys.modules)\n"
            "dtwin.PGan(epochs=1).fit(np.random.default_rng(0).random((40, 2)), np.random.default_rng(1).random((40, 3)))\n"
            "print('dtwin._core' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
