import json

import numpy as np
import pandas as pd
import pytest

import dtwin

CFG = {"unit": "U", "equipment": [
    {"name": "A", "tags": [{"name": "x", "role": "input"}, {"name": "y", "role": "target", "unit": "degC"}]},
    {"name": "B", "tags": [{"name": "y", "role": "input", "unit": "degC"}, {"name": "q", "role": "target"}]}]}


def test_config_validates_and_reports_shared_tags(tmp_path):
    c = dtwin.UnitConfig(CFG)
    assert c.equipment == ["A", "B"]
    assert c.shared_tags() == [("y", "A", ["B"])]
    assert c.tags(role="target") == ["y", "q"]
    p = tmp_path / "u.json"
    c.save(p)
    assert dtwin.UnitConfig.load(p).data == c.data


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c.pop("unit"), 'missing field "unit"'),
    (lambda c: c["equipment"][0]["tags"][0].update(role="output"), r"equipment\[0\].tags\[0\].role"),
    (lambda c: c["equipment"][1]["tags"][0].update(unit="K"), 'has unit "K" here'),
    (lambda c: c["equipment"][1].update(name="A"), "listed twice"),
    (lambda c: c["equipment"][0]["tags"].append({"name": "q", "role": "input"}), "cycle"),
    (lambda c: c.update(extra=1), 'unknown field "extra"'),
])
def test_config_errors_name_the_field(mutate, message):
    c = json.loads(json.dumps(CFG))
    mutate(c)
    with pytest.raises(ValueError, match=message):
        dtwin.UnitConfig(c)


def test_missing_config_file():
    with pytest.raises(OSError):
        dtwin.UnitConfig.load("/nonexistent/u.json")


def test_csv_round_trip_and_errors(tmp_path):
    df = pd.DataFrame({"timestamp": pd.date_range("2026-01-01", periods=4, freq="10min"),
                       "a": [1.0, np.nan, 3.0, 4.0], "b": [0.1, 0.2, 0.3, 1e-30]})
    p = tmp_path / "d.csv"
    dtwin.write_csv(p, df)
    back = dtwin.read_csv(p)
    assert list(back.columns) == ["timestamp", "a", "b"]
    assert back["timestamp"].equals(df["timestamp"])
    np.testing.assert_array_equal(back[["a", "b"]].to_numpy(), df[["a", "b"]].to_numpy())
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,x\n")
    with pytest.raises(ValueError, match=r'line 3: column "b": "x" is not a number'):
        dtwin.read_csv(bad)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfa;b\r\n1;2\r\n")
    assert list(dtwin.read_csv(bom).columns) == ["a", "b"]


def test_missing_policy_counts():
    df = pd.DataFrame({"a": [1.0, np.nan, np.nan, 4.0], "y": [1.0, 2.0, np.nan, 4.0]})
    out, rep = dtwin.apply_missing(df, "interpolate", 2, fill=["a"], required=["a", "y"])
    assert rep["filled"]["a"] == 2 and rep["rows_dropped"] == 1
    np.testing.assert_allclose(out["a"], [1, 2, 4])


def test_iter_csv_streams_the_same_rows(tmp_path):
    sim = dtwin.simulate(2500, random_state=4)
    p = tmp_path / "big.csv"
    dtwin.write_csv(p, sim.data)
    whole = dtwin.read_csv(p)
    parts = list(dtwin.iter_csv(p, chunk_rows=1000))
    assert [len(x) for x in parts] == [1000, 1000, 500]
    assert pd.concat(parts, ignore_index=True).equals(whole)
    bad = tmp_path / "bad.csv"
    bad.write_text("a\n" + "1\n" * 5 + "x\n")
    with pytest.raises(ValueError, match="chunk from line 5"):
        list(dtwin.iter_csv(bad, chunk_rows=3))
