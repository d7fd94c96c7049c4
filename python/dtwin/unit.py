"""Unit configs (docs/unit_config.md) and plant data tables in and out of CSV.

A unit config is JSON; the C++ core validates it (errors name the field) so that Python and
C++ accept exactly the same files."""
import json
import os

import numpy as np

from ._lazy import core as _core


class UnitConfig:
    """A validated unit config: ``UnitConfig.load("hdt.json")``, ``UnitConfig(dict)`` or
    ``UnitConfig.from_json(text)``. ``.data`` is the normalised dict."""

    def __init__(self, config):
        if isinstance(config, UnitConfig):
            config = config.data
        if isinstance(config, (str, os.PathLike)) and os.path.exists(os.fspath(config)):
            raise ValueError("UnitConfig(path): use UnitConfig.load(path) to read a file")
        text = config if isinstance(config, str) else json.dumps(config)
        self.data = json.loads(_core._unit_config_normalise(text))

    @classmethod
    def from_json(cls, text):
        return cls(text)

    @classmethod
    def load(cls, path):
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read()
        except OSError as e:
            raise OSError(f"unit config: cannot open {path!r}: {e.strerror}") from None
        try:
            return cls(text)
        except ValueError as e:
            raise ValueError(f"{e} (in {path!r})") from None

    def to_json(self):
        return json.dumps(self.data, indent=2)

    def save(self, path):
        _atomic_write_text(os.fspath(path), self.to_json() + "\n")

    @property
    def name(self):
        return self.data["unit"]

    @property
    def equipment(self):
        """Equipment names in process order."""
        return [e["name"] for e in self.data["equipment"]]

    def find(self, name):
        for e in self.data["equipment"]:
            if e["name"] == name:
                return e
        raise ValueError(f"unit {self.name!r} has no equipment {name!r} (it has: {', '.join(self.equipment)})")

    def tags(self, equipment=None, role=None):
        eqs = [self.find(equipment)] if equipment else self.data["equipment"]
        out = []
        for e in eqs:
            for t in e["tags"]:
                if (role is None or t["role"] == role) and t["name"] not in out:
                    out.append(t["name"])
        return out

    def shared_tags(self):
        """[(tag, producing equipment, [consuming equipment])] for tags listed by several."""
        return [tuple(s) for s in _core._unit_config_shared_tags(json.dumps(self.data))]

    def __repr__(self):
        return f"UnitConfig({self.name!r}, equipment={self.equipment})"


def _atomic_write_text(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _frame(columns, values, ts_name, timestamps):
    """A pandas DataFrame (timestamp as a datetime column when it parses), or a dict of arrays
    when pandas is missing."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas ships with the Debian set-up
        out = {c: values[:, j] for j, c in enumerate(columns)}
        if ts_name:
            out = {ts_name: np.asarray(timestamps), **out}
        return out
    df = pd.DataFrame(values, columns=columns)
    if ts_name:
        ts = pd.to_datetime(pd.Series(timestamps), errors="coerce")
        df.insert(0, ts_name, ts if ts.notna().all() else pd.Series(timestamps))
    return df


def to_table(data, columns=None, what="data", required=None):
    """(columns, float64 values, timestamp name, timestamps) from a DataFrame, a dict of
    columns or a 2-D array with `columns`. Non-numeric columns of a DataFrame are left out
    (a timestamp column is kept as text), unless they are in `required`: those are converted
    when their cells are numbers, and name the first bad cell otherwise."""
    if hasattr(data, "columns") and hasattr(data, "dtypes"):
        names, cols, ts_name, ts = [], [], "", []
        for c in data.columns:
            s = data[c]
            if np.issubdtype(s.dtype, np.datetime64) and not ts_name:
                ts_name, ts = str(c), [x.isoformat() if hasattr(x, "isoformat") else str(x) for x in s]
            elif s.dtype.kind in "biuf":
                names.append(str(c))
                cols.append(np.asarray(s, dtype=np.float64))
            elif str(c).lower() in ("time", "timestamp", "date", "datetime") and not ts_name:
                ts_name, ts = str(c), [str(x) for x in s]
            elif required is not None and str(c) in required:
                # A needed tag that came in as text: numbers stored as objects are fine,
                # anything else is named with its first offending cell.
                import pandas as pd

                num = pd.to_numeric(s, errors="coerce")
                bad = s[num.isna() & s.notna()]
                if len(bad):
                    raise ValueError(f"{what}: column {str(c)!r} is not numeric (dtype {s.dtype}); "
                                     f"row {bad.index[0]} holds {str(bad.iloc[0])[:40]!r}")
                names.append(str(c))
                cols.append(num.to_numpy(np.float64))
        values = np.column_stack(cols) if cols else np.empty((len(data), 0))
        return names, np.ascontiguousarray(values), ts_name, ts
    if isinstance(data, dict):
        names = [str(k) for k in data]
        values = np.column_stack([np.asarray(v, dtype=np.float64) for v in data.values()])
        return names, np.ascontiguousarray(values), "", []
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got an array of dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples x tags), got {arr.ndim}-D")
    if columns is None:
        raise ValueError(f"{what} is a plain array: pass columns=[tag names], or a pandas DataFrame")
    columns = [str(c) for c in columns]
    if len(columns) != arr.shape[1]:
        raise ValueError(f"{what} has {arr.shape[1]} columns but {len(columns)} names were given")
    return columns, arr, "", []


def read_csv(path, timestamp_column=None):
    """Plant data from CSV (header row; comma, semicolon or tab; gaps as empty/NA/NaN/null/-)
    as a DataFrame. Non-numeric cells, ragged rows and duplicated names are errors naming the
    line and the column."""
    return _frame(*_core._read_csv(os.fspath(path), timestamp_column or ""))


def iter_csv(path, chunk_rows=100_000, timestamp_column=None):
    """The rows of a large CSV as DataFrames of at most chunk_rows rows each, so memory stays
    bounded (the same parser and rules as :func:`read_csv`)."""
    path = os.fspath(path)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    with open(path, encoding="utf-8-sig", newline="") as f:
        header = f.readline()
        if not header.strip():
            raise ValueError(f"CSV {path!r}: the file is empty; a header row naming the columns is needed")
        lines, first = [], 2
        for lineno, line in enumerate(f, start=2):
            lines.append(line)
            if len(lines) == chunk_rows:
                yield _frame(*_core._parse_csv(header + "".join(lines), timestamp_column or "",
                                               f"{path!r} (chunk from line {first}; lines counted within it)"))
                lines, first = [], lineno + 1
        if lines:
            yield _frame(*_core._parse_csv(header + "".join(lines), timestamp_column or "",
                                           f"{path!r} (chunk from line {first}; lines counted within it)"))


def write_csv(path, data, columns=None, precision=8):
    """Writes `data` as CSV atomically (temporary file, then rename)."""
    _core._write_csv(os.fspath(path), *to_table(data, columns), int(precision))


def apply_missing(data, method="drop", limit=3, fill=None, required=None):
    """The missing-value policy on a table: fill the `fill` columns (ffill, bfill or
    interpolate within `limit` rows), then drop rows with a gap in `required`. Returns
    (DataFrame, report dict)."""
    names, values, _, _ = to_table(data)
    fill = names if fill is None else list(fill)
    required = names if required is None else list(required)
    out, report = _core._apply_missing(names, values, method, int(limit), fill, required)
    return _frame(names, out, "", []), report
