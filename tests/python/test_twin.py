import pickle

import numpy as np
import pytest

import dtwin

QUICK = dict(pgan={"epochs": 40}, soft_sensor={"epochs": 60, "patience": 20}, random_state=3)


@pytest.fixture(scope="module")
def sim():
    return dtwin.simulate(6000, random_state=1)


@pytest.fixture(scope="module")
def reactor(sim):
    return dtwin.EquipmentTwin(sim.config.find("R-101"), **QUICK).fit(sim.data)


def test_equipment_twin_fit_generate_predict(reactor, sim):
    r = reactor.report()
    assert r["targets"] == ["product_sulfur"] and r["rows_used"] > 200
    assert "flue_nox" in r["ignored_columns"] and "reactor_wabt" not in r["ignored_columns"]
    assert r["virtual_ratio"] in (0.0, 0.5, 1.0) and len(r["validation_rmse"]) == 3
    v = reactor.generate(300, random_state=4)
    assert list(v.columns) == reactor.tags_ and len(v) == 300
    assert np.isfinite(v.to_numpy()).all() and (v["product_sulfur"] >= 0).all()
    assert v.equals(reactor.generate(300, random_state=4))
    p = reactor.predict(sim.data)
    assert len(p) == len(sim.data) and "product_sulfur" in p
    lab = sim.data["product_sulfur"].notna() & p["product_sulfur"].notna()
    rmse = np.sqrt(((p["product_sulfur"][lab] - sim.data["product_sulfur"][lab]) ** 2).mean())
    assert rmse < sim.data["product_sulfur"].std()  # better than predicting the mean
    Z = reactor.embed(v)
    assert Z.shape == (300, 3)


def test_twin_save_load_pickle_identical(reactor, sim, tmp_path):
    reactor.save(tmp_path / "r.h5")
    back = dtwin.EquipmentTwin.load(tmp_path / "r.h5")
    assert back.generate(100, random_state=2).equals(reactor.generate(100, random_state=2))
    assert back.predict(sim.data).equals(reactor.predict(sim.data))
    clone = pickle.loads(pickle.dumps(reactor))
    assert clone.generate(50, random_state=1).equals(reactor.generate(50, random_state=1))
    assert dtwin.load_twin(tmp_path / "r.h5").report() == reactor.report()


def test_unit_twin_chain_and_report(sim, tmp_path):
    unit = dtwin.UnitTwin(sim.config, **QUICK).fit(sim.data)
    v = unit.generate(200, random_state=3)
    assert list(v.columns) == sim.config.tags() and np.isfinite(v.to_numpy()).all()
    # The reactor's samples were matched to the heater outlet generated upstream.
    assert 5 < (v.reactor_wabt - v.heater_outlet_temp).mean() < 50
    unit.save(tmp_path / "u.h5")
    back = dtwin.load_twin(tmp_path / "u.h5")
    assert isinstance(back, dtwin.UnitTwin)
    assert back.generate(100, random_state=3).equals(unit.generate(100, random_state=3))
    assert set(back.report()) == {"E-101", "F-101", "R-101", "V-101", "T-101"}


def test_quality_report_renders(reactor, sim, tmp_path):
    import base64
    import io
    import re

    from PIL import Image

    numbers = dtwin.report(reactor, sim.data, tmp_path / "q.html", regime=sim.regime)
    n = numbers["R-101"]
    assert 0 <= n["ks_mean"] <= 1 and 0.4 <= n["classifier_two_sample_accuracy"] <= 1
    assert set(n["per_tag"]) == set(reactor.tags_)
    html = (tmp_path / "q.html").read_text()
    images = re.findall(r"alt='(\w+)' src='data:image/png;base64,([^']+)'", html)
    assert [k for k, _ in images] == ["phate", "histograms", "correlation", "coverage", "parity"]
    for _, b64 in images:
        img = Image.open(io.BytesIO(base64.b64decode(b64))).convert("L")
        px = np.asarray(img)
        assert img.size[0] > 300 and px.std() > 10  # opened, and not a blank canvas
    assert (tmp_path / "q.json").exists()


def test_errors_are_clear(sim):
    twin = dtwin.EquipmentTwin(sim.config.find("R-101"), **QUICK)
    with pytest.raises(RuntimeError, match="not fitted"):
        twin.generate(5)
    with pytest.raises(ValueError, match="lacks the column"):
        twin.fit(sim.data.drop(columns=["reactor_wabt"]))
    with pytest.raises(ValueError, match="rows are complete"):
        twin.fit(sim.data.iloc[:50])
    with pytest.raises(ValueError, match="bounds"):
        dtwin.EquipmentTwin(sim.config.find("R-101"), bounds="wrap").fit(sim.data)


def test_verbose_fit_shows_progress_without_flooding_a_pipe(sim, capfd):
    # 300 PGAN epochs and 3 x 200 sensor epochs: a line per step would be about 70 KB here.
    dtwin.EquipmentTwin(sim.config.find("R-101"), pgan={"epochs": 300}, soft_sensor={"epochs": 200, "patience": 200},
                        random_state=3, verbose=True).fit(sim.data)
    err = capfd.readouterr().err
    assert "R-101 pgan" in err and "R-101 soft_sensor" in err
    assert len(err) < 20000, len(err)
