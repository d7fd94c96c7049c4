import pickle

import numpy as np
import pytest

import dtwin

scipy_stats = pytest.importorskip("scipy.stats")


def noisy_arc(n, seed, noise=0.05):
    rng = np.random.RandomState(seed)
    a = rng.uniform(0, np.pi, n)
    return np.column_stack([np.cos(a), np.sin(a)]) + noise * rng.randn(n, 2)


@pytest.fixture(scope="module")
def arc_model():
    X = noisy_arc(600, 0)
    X = (X - X.mean(0)) / X.std(0)
    Z = dtwin.Phate(random_state=0).fit_transform(X)
    Z = (Z - Z.mean(0)) / Z.std(0)
    idx = np.random.RandomState(1).permutation(len(X))
    tr, te = idx[:480], idx[480:]
    gan = dtwin.PGan(random_state=0, epochs=300).fit(Z[tr], X[tr])
    return X, Z, tr, te, gan


def test_generator_output_lies_on_the_arc_for_held_out_embeddings(arc_model):
    X, Z, tr, te, gan = arc_model
    G = gan.generate(Z[te])
    d = np.sqrt(((G[:, None, :] - X[None, :, :]) ** 2).sum(-1)).min(1)
    # The arc's noise is 0.05 on a unit radius (about 0.07 in scaled units).
    # Held-out real samples lie 0.043 from their nearest training sample here.
    assert d.mean() < 0.05, d.mean()
    for j in range(X.shape[1]):
        assert scipy_stats.ks_2samp(G[:, j], X[te, j]).pvalue > 0.01


def test_virtual_samples_from_sparse_features_stay_on_the_arc(arc_model):
    X, Z, tr, te, gan = arc_model
    V = dtwin.SparseGenerator(random_state=0).generate(Z)
    G = gan.generate(V)
    d = np.sqrt(((G[:, None, :] - X[None, :, :]) ** 2).sum(-1)).min(1)
    assert d.mean() < 0.08, d.mean()


def test_same_seed_bit_for_bit_and_pickle():
    X = noisy_arc(200, 3)
    Z = X[:, :1] * 2
    a = dtwin.PGan(random_state=5, epochs=15).fit(Z, X)
    b = dtwin.PGan(random_state=5, epochs=15).fit(Z, X)
    assert np.array_equal(a.generate(Z), b.generate(Z))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(a.generate(Z), c.generate(Z))
    assert len(c.history_["epoch"]) == 15


def test_early_stopping_and_verbose_progress(capsys):
    X = noisy_arc(300, 4)
    Z = X[:, :1]
    gan = dtwin.PGan(random_state=0, epochs=500, validation_fraction=0.2, patience=5, verbose=1).fit(Z, X)
    assert len(gan.history_["epoch"]) < 500
    assert (gan.history_["val_l1"] >= 0).all()
    assert 1 <= gan.best_epoch_ <= len(gan.history_["epoch"])
    assert "PGan" in capsys.readouterr().err


def test_bad_input():
    X = noisy_arc(50, 5)
    with pytest.raises(ValueError, match="rows"):
        dtwin.PGan().fit(X[:10, :1], X)
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dtwin.PGan(epochs=2).fit(X[:, :1], bad)
    with pytest.raises(ValueError, match="loss"):
        dtwin.PGan(loss="hinge").fit(X[:, :1], X)
    with pytest.raises(RuntimeError, match="not fitted"):
        dtwin.PGan().generate(X[:, :1])
    gan = dtwin.PGan(epochs=2, random_state=0).fit(X[:, :1], X)
    with pytest.raises(ValueError, match="columns"):
        gan.generate(X)


def test_generate_and_predict_from_threads_match_serial():
    import threading

    X = noisy_arc(300, 6)
    Z = X[:, :1]
    gan = dtwin.PGan(random_state=0, epochs=5).fit(Z, X)
    mlp = dtwin.SoftSensorMLP(random_state=0, epochs=5).fit(X[:, :1], X[:, 1])
    chunks = [Z[i::4] + 0.01 * i for i in range(4)]
    serial = [(gan.generate(c), mlp.predict(c)) for c in chunks]
    out = [None] * 4

    def work(i):
        out[i] = (gan.generate(chunks[i]), mlp.predict(chunks[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (g1, p1), (g2, p2) in zip(serial, out):
        assert np.array_equal(g1, g2) and np.array_equal(p1, p2)
