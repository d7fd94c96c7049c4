import os

import numpy as np
import pytest

import dtwin
from conftest import swiss_roll


@pytest.fixture(scope="module")
def models():
    X, _ = swiss_roll(200, seed=3)
    ph = dtwin.Phate(random_state=0, n_landmark=None)
    Z = ph.fit_transform(X)
    gan = dtwin.PGan(random_state=0, epochs=5).fit(Z, X)
    mlp = dtwin.SoftSensorMLP(random_state=0, epochs=5).fit(X[:, :2], X[:, 2])
    return X, Z, ph, gan, mlp


def test_round_trip_identical(tmp_path, models):
    X, Z, ph, gan, mlp = models
    path = tmp_path / "unit.h5"
    dtwin.save(path, {"reactor/phate": ph, "reactor/pgan": gan, "reactor/soft_sensor": mlp})
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    back = dtwin.load(path)
    assert sorted(back) == ["reactor/pgan", "reactor/phate", "reactor/soft_sensor"]
    assert np.array_equal(back["reactor/phate"].transform(X[:5] + 0.1), ph.transform(X[:5] + 0.1))
    assert back["reactor/phate"].n_landmark is None and back["reactor/phate"].optimal_t_ == ph.optimal_t_
    assert np.array_equal(back["reactor/pgan"].generate(Z), gan.generate(Z))
    assert np.array_equal(back["reactor/soft_sensor"].predict(X[:, :2]), mlp.predict(X[:, :2]))
    assert back["reactor/soft_sensor"].predict(X[:3, :2]).shape == (3,)


def test_readable_with_h5py_alone(tmp_path, models):
    h5py = pytest.importorskip("h5py")
    X, Z, ph, gan, mlp = models
    path = tmp_path / "m.h5"
    dtwin.save(path, {"pgan": gan})
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] in ("dtwin-archive", b"dtwin-archive")
        assert f.attrs["format_version"] == 2
        assert f["pgan"].attrs["kind"] in ("pgan", b"pgan")
        w = f["pgan/arrays/weights/generator.0.weight"][()]
        assert w.dtype == np.float32 and w.shape == (128, Z.shape[1])


def test_bad_files_raise_oserror(tmp_path, models):
    with pytest.raises(OSError, match="no file"):
        dtwin.load(tmp_path / "missing.h5")
    (tmp_path / "t.h5").write_text("hello")
    with pytest.raises(OSError, match="not an HDF5 file"):
        dtwin.load(tmp_path / "t.h5")
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(OSError, match="not a dtwin archive"):
        dtwin.load(tmp_path / "foreign.h5")
    with pytest.raises(ValueError, match="not fitted"):
        dtwin.save(tmp_path / "x.h5", {"m": dtwin.PGan()})
    with pytest.raises(ValueError, match="nothing to save"):
        dtwin.save(tmp_path / "x.h5", {})


def test_failed_save_keeps_previous(tmp_path, models):
    X, Z, ph, gan, mlp = models
    path = tmp_path / "keep.h5"
    dtwin.save(path, {"mlp": mlp})
    os.mkdir(f"{path}.tmp-{os.getpid()}")  # the temporary name is taken: the save must fail
    with pytest.raises(OSError):
        dtwin.save(path, {"pgan": gan})
    assert list(dtwin.load(path)) == ["mlp"]


def test_loads_the_archive_written_by_cpp():
    # Written by tests/cpp/test_archive.cpp (WritesAnArchiveForThePythonSide) during `make test`.
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "_build" / "cmake" / "tests" / "cpp"
    if not (folder / "cpp_written.h5").exists():
        pytest.skip("run the C++ tests first (make test does)")
    models = dtwin.load(folder / "cpp_written.h5")
    rows = np.loadtxt(folder / "cpp_written_predictions.csv", delimiter=",")
    assert np.array_equal(models["soft_sensor"].predict(rows[:, :2]), rows[:, 2])
    assert isinstance(models["pgan"], dtwin.PGan)
