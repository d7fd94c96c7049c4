"""Every bad input we try on the public entry points, and what dtwin answers. The table in
docs/reliability.md is generated from CASES (``python tests/python/test_bad_input.py``) and a
test checks it is current."""
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dtwin

RNG = np.random.RandomState(0)
X = RNG.rand(60, 4)
DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
EQ = {"name": "E", "tags": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "y", "role": "target"}]}
QUICK = dict(pgan={"epochs": 3}, soft_sensor={"epochs": 3}, random_state=0)


def frame(A, cols=("a", "b", "c", "y")):
    return pd.DataFrame(A, columns=list(cols))


def with_cell(A, value, at=(1, 3)):
    B = A.astype(float).copy()
    B[at] = value
    return B


def finite(out):
    return np.isfinite(np.asarray(out, dtype=float)).all()


def phate(A, **kw):
    return dtwin.Phate(random_state=0, n_landmark=None, **kw).fit_transform(A)


def sensor(A):
    return dtwin.SoftSensorMLP(epochs=5, random_state=0).fit(A[:, :-1], A[:, -1]).predict(A[:, :-1])


def twin_fit(df, cfg=EQ):
    return dtwin.EquipmentTwin(cfg, **QUICK).fit(df)


FITTED = {}


def fitted_twin():
    if "t" not in FITTED:
        FITTED["t"] = twin_fit(frame(X))
    return FITTED["t"]


def fitted_phate():
    if "p" not in FITTED:
        FITTED["p"] = dtwin.Phate(random_state=0).fit(X)
    return FITTED["p"]


def csv_text(tmp, text, binary=False):
    p = Path(tmp) / "in.csv"
    p.write_bytes(text) if binary else p.write_text(text)
    return dtwin.read_csv(p)


def cfg(text):
    return dtwin.UnitConfig(text)


# (entry point, bad input, call(tmp), expected): expected is ("ok", check(result) -> bool) or
# (exception type, regex of the message).
CASES = [
    ("Phate.fit", "empty array", lambda t: phate(np.zeros((0, 4))), (ValueError, "X is empty")),
    ("Phate.fit", "one sample", lambda t: phate(X[:1]), (ValueError, "fewer than knn \\+ 1")),
    ("Phate.fit", "fewer samples than knn + 1", lambda t: phate(X[:5]), (ValueError, "fewer than knn \\+ 1")),
    ("Phate.fit", "one column", lambda t: phate(X[:, :1]), ("ok", finite)),
    ("Phate.fit", "a constant column", lambda t: phate(np.column_stack([X[:, :3], np.ones(60)])), ("ok", finite)),
    ("Phate.fit", "all columns constant", lambda t: phate(np.ones((60, 4))), (ValueError, "identical")),
    ("Phate.fit", "duplicated rows", lambda t: phate(np.vstack([X[:30], X[:30]])), ("ok", finite)),
    ("Phate.fit", "NaN", lambda t: phate(with_cell(X, np.nan)), (ValueError, "NaN or inf \\(first at row 1, column 3\\)")),
    ("Phate.fit", "inf", lambda t: phate(with_cell(X, np.inf)), (ValueError, "NaN or inf")),
    ("Phate.fit", "magnitudes 1e30", lambda t: phate(X * 1e30), ("ok", finite)),
    ("Phate.fit", "magnitudes 1e-30", lambda t: phate(X * 1e-30), ("ok", finite)),
    ("Phate.fit", "integer array", lambda t: phate((X * 100).astype(int)), ("ok", finite)),
    ("Phate.fit", "object array", lambda t: phate(X.astype(object)), (ValueError, "must be numeric")),
    ("Phate.fit", "non-contiguous array", lambda t: phate(np.hstack([X, X])[:, ::2]), ("ok", finite)),
    ("Phate.fit", "1-D array", lambda t: phate(X[:, 0]), (ValueError, "2-D")),
    ("Phate.transform", "other column count than fit", lambda t: fitted_phate().transform(X[:, :3]),
     (ValueError, "3 features but the model was fitted on 4")),
    ("SoftSensorMLP.fit", "NaN in y", lambda t: sensor(with_cell(X, np.nan)), (ValueError, "y contains NaN or inf")),
    ("SoftSensorMLP.fit", "two samples", lambda t: sensor(X[:2]), (ValueError, "at least 3 samples")),
    ("SoftSensorMLP.fit", "all columns constant", lambda t: sensor(np.ones((60, 4))), ("ok", finite)),
    ("SoftSensorMLP.fit", "magnitudes 1e30", lambda t: sensor(X * 1e30), ("ok", finite)),
    ("SoftSensorMLP.predict", "other column count than fit",
     lambda t: dtwin.SoftSensorMLP(epochs=2, random_state=0).fit(X[:, :3], X[:, 3]).predict(X[:, :2]),
     (ValueError, "columns")),
    ("PGan.fit", "three samples", lambda t: dtwin.PGan(epochs=2).fit(X[:3, :2], X[:3]), (ValueError, "at least 4 samples")),
    ("PGan.fit", "Z and X row counts differ", lambda t: dtwin.PGan(epochs=2).fit(X[:10, :2], X[:9]), (ValueError, "rows")),
    ("SparseGenerator.generate", "one sample", lambda t: dtwin.SparseGenerator().generate(X[:1, :2]),
     (ValueError, "at least 2 embedded samples")),
    ("SparseGenerator.generate", "all points equal", lambda t: dtwin.SparseGenerator().generate(np.ones((10, 2))),
     (ValueError, "coincide")),
    ("augment", "NaN", lambda t: dtwin.augment(with_cell(X, np.nan), method="noise"), (ValueError, "NaN or inf")),
    ("augment", "unknown method", lambda t: dtwin.augment(X, method="magic"), (ValueError, "method must be one of")),
    ("augment (pgan)", "magnitudes 1e-30", lambda t: dtwin.augment(X * 1e-30, n=10, random_state=0, epochs=3),
     ("ok", finite)),
    ("augment (pgan)", "a constant column", lambda t: dtwin.augment(np.column_stack([X[:, :3], np.ones(60)]), n=10,
                                                                  random_state=0, epochs=3),
     ("ok", lambda V: finite(V) and np.all(V[:, 3] == 1))),
    ("augment (GP targets)", "a constant target", lambda t: dtwin.augment(np.column_stack([X[:, :3], np.ones(60)]),
                                                                        method="noise", n=10, random_state=0, targets=[3]),
     ("ok", lambda V: finite(V) and np.allclose(V[:, 3], 1))),
    ("augment (GP targets)", "duplicate rows", lambda t: dtwin.augment(np.vstack([X, X]), method="noise", n=10,
                                                                     random_state=0, targets=[3]), ("ok", finite)),
    ("GaussianProcess.fit", "one row", lambda t: dtwin.GaussianProcess().fit(X[:1, :3], X[:1, 3]),
     (ValueError, "at least 2 rows")),
    ("GaussianProcess.fit", "inf in y", lambda t: dtwin.GaussianProcess().fit(X[:, :3], with_cell(X, np.inf)[:, 3]),
     (ValueError, "NaN or inf")),
    ("GaussianProcess.predict", "before fit", lambda t: dtwin.GaussianProcess().predict(X[:, :3]),
     (RuntimeError, "call fit")),
    ("EquipmentTwin.fit", "a tag missing from the data", lambda t: twin_fit(frame(X).drop(columns="b")),
     (ValueError, 'lacks the column\\(s\\) "b"')),
    ("EquipmentTwin.fit", "too few complete rows", lambda t: twin_fit(frame(X[:8])), (ValueError, "rows are complete")),
    ("EquipmentTwin.fit", "NaN cells", lambda t: twin_fit(frame(with_cell(X, np.nan))),
     ("ok", lambda tw: tw.report()["rows_used"] == 59)),
    ("EquipmentTwin.fit", "inf cell", lambda t: twin_fit(frame(with_cell(X, np.inf))), (ValueError, "infinite value")),
    ("EquipmentTwin.fit", "text in a tag column", lambda t: twin_fit(frame(X).assign(b=["x"] * 60)),
     (ValueError, "column 'b' is not numeric")),
    ("EquipmentTwin.fit", "extra columns", lambda t: twin_fit(frame(X).assign(extra=1.0)),
     ("ok", lambda tw: tw.report()["ignored_columns"] == ["extra"])),
    ("EquipmentTwin.predict", "a gap in an input", lambda t: fitted_twin().predict(frame(with_cell(X, np.nan, (2, 0)))),
     ("ok", lambda p: np.isnan(p["y"][2]) and p["y"].notna().sum() == 59)),
    ("EquipmentTwin.generate", "n = 0", lambda t: fitted_twin().generate(0), (ValueError, "n must be >= 1")),
    ("EquipmentTwin.generate", "unknown target", lambda t: fitted_twin().generate(5, target="dense"),
     (ValueError, "target must be")),
    ("UnitConfig", "not JSON", lambda t: cfg("{unit"), (ValueError, "not valid JSON")),
    ("UnitConfig", "missing field", lambda t: cfg('{"equipment": []}'), (ValueError, 'missing field "unit"')),
    ("UnitConfig", "duplicate equipment", lambda t: cfg({"unit": "U", "equipment": [EQ, EQ]}), (ValueError, "listed twice")),
    ("UnitConfig", "duplicate tag", lambda t: cfg({"unit": "U", "equipment": [{**EQ, "tags": EQ["tags"] + [{"name": "a"}]}]}),
     (ValueError, 'tag "a" is listed twice')),
    ("UnitConfig", "a cycle (target produced downstream of its use)",
     lambda t: cfg({"unit": "U", "equipment": [EQ, {"name": "F", "tags": [{"name": "q"}, {"name": "a", "role": "target"}]}]}),
     (ValueError, "cycle")),
    ("UnitConfig", "misspelt field", lambda t: cfg({"unit": "U", "equipment": [{**EQ, "tagz": []}]}),
     (ValueError, 'unknown field "tagz"')),
    ("read_csv", "empty file", lambda t: csv_text(t, ""), (ValueError, "empty")),
    ("read_csv", "header with an empty name", lambda t: csv_text(t, "a,,c\n1,2,3\n"), (ValueError, "header column 2 has no name")),
    ("read_csv", "ragged row", lambda t: csv_text(t, "a,b\n1,2\n3\n"), (ValueError, "line 3.*1 fields but the header has 2")),
    ("read_csv", "text in a numeric cell", lambda t: csv_text(t, "a,b\n1,2\n3,abc\n"), (ValueError, 'line 3: column "b": "abc" is not a number')),
    ("read_csv", "UTF-8 BOM and Windows line ends", lambda t: csv_text(t, b"\xef\xbb\xbfa,b\r\n1,2\r\n", binary=True),
     ("ok", lambda df: list(df.columns) == ["a", "b"] and df["b"][0] == 2)),
    ("read_csv", "gaps as NA, empty, null", lambda t: csv_text(t, "a,b,c\nNA,,null\n1,2,3\n"),
     ("ok", lambda df: int(df.isna().sum().sum()) == 3)),
    ("read_csv", "no such file", lambda t: dtwin.read_csv(Path(t) / "none.csv"), (OSError, "cannot open")),
    ("EquipmentTwin.save", "a folder that cannot be written (missing)",
     lambda t: fitted_twin().save(Path(t) / "no" / "twin.h5"), (OSError, "cannot write")),
    ("load_twin", "no such file", lambda t: dtwin.load_twin(Path(t) / "none.h5"), (OSError, "no file")),
    ("load_twin", "not an HDF5 file", lambda t: (Path(t, "x.h5").write_bytes(b"plain text" * 10), dtwin.load_twin(Path(t, "x.h5"))),
     (OSError, "not an HDF5 file")),
]


def run_case(call, tmp):
    try:
        return "ok", call(tmp)
    except Exception as e:  # the table records what each case raises
        return type(e), e


@pytest.mark.parametrize("entry, label, call, expected", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_bad_input(entry, label, call, expected, tmp_path):
    kind, result = run_case(call, tmp_path)
    if expected[0] == "ok":
        assert kind == "ok", f"raised {kind.__name__}: {result}"
        assert expected[1](result)
    else:
        assert kind != "ok" and issubclass(kind, expected[0]), f"expected {expected[0].__name__}, got {kind}"
        assert re.search(expected[1], str(result)), str(result)


def render_table(tmp):
    lines = ["| entry point | bad input | dtwin answers |", "|---|---|---|"]
    for entry, label, call, expected in CASES:
        kind, result = run_case(call, tmp)
        if kind == "ok":
            answer = "works (result checked)"
        else:
            msg = re.sub(r"'/[^']*/", "'.../", str(result).splitlines()[0])[:160].replace("|", "\\|")
            answer = f"`{kind.__name__}`: {msg}"
        lines.append(f"| {entry} | {label} | {answer} |")
    return "\n".join(lines)


def test_reliability_doc_is_current(tmp_path):
    table = render_table(tmp_path)
    assert table in DOC.read_text(), "docs/reliability.md is stale: run python tests/python/test_bad_input.py"


def test_full_disk_keeps_the_previous_archive(tmp_path):
    """A save that hits the file size limit (a full disk, simulated with RLIMIT_FSIZE) fails
    with OSError and leaves the previous archive readable and unchanged."""
    twin = fitted_twin()
    path = tmp_path / "twin.h5"
    twin.save(path)
    before = path.read_bytes()
    code = (f"import dtwin\nt = dtwin.load_twin({str(path)!r})\n"
            f"try:\n    t.save({str(path)!r})\nexcept OSError as e:\n    print('OSError', e)\n")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit)
    assert "OSError" in out.stdout, out.stdout + out.stderr
    assert path.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    assert dtwin.load_twin(path).generate(5, random_state=0).equals(twin.generate(5, random_state=0))


def test_truncated_and_flipped_archives_fail_cleanly(tmp_path):
    twin = fitted_twin()
    good = tmp_path / "good.h5"
    twin.save(good)
    blob = good.read_bytes()
    rng = np.random.RandomState(1)
    outcomes = {"loaded": 0, "OSError": 0, "ValueError": 0}
    for i in range(40):
        b = bytearray(blob)
        if i % 2:
            b = b[: rng.randint(0, len(b))]
        else:
            for _ in range(8):
                b[rng.randint(0, len(b))] ^= 1 << rng.randint(0, 8)
        p = tmp_path / f"bad{i}.h5"
        p.write_bytes(bytes(b))
        # A child process, so a crash would fail this test instead of the whole run.
        r = subprocess.run([sys.executable, "-c", f"import dtwin\ntry:\n    t = dtwin.load_twin({str(p)!r}); t.generate(3, random_state=0); print('loaded')\n"
                            f"except (OSError, ValueError) as e:\n    print(type(e).__name__)\n"],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"case {i} crashed: {r.stderr[-500:]}"
        outcomes[r.stdout.strip().splitlines()[-1]] += 1
    assert outcomes["OSError"] + outcomes["ValueError"] >= 20  # every truncation at least


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        print(render_table(d))
