"""Equipment and unit twins (docs/twin.md): the whole PHATE + PGAN pipeline per equipment,
configured by a unit config, saved to one HDF5 archive that C++ reads alike."""
import json
import os

import numpy as np

from ._lazy import core as _core
from .unit import UnitConfig, _frame, to_table


class _StageProgress:
    """One progress bar per stage of a twin's fit (tqdm where installed)."""

    def __init__(self, enabled, prefix=""):
        self.enabled, self.prefix = enabled, prefix
        self.bar, self.key = None, None

    def __call__(self, *args):
        *names, stage, step, total = args
        key = (*names, stage)
        if key != self.key:
            self.close()
            self.key = key
            desc = " ".join([self.prefix, *names, stage]).strip()
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=desc, leave=False)
            except ImportError:  # pragma: no cover
                self.bar = None
        if self.bar is not None:
            # update() honours tqdm's mininterval; a refresh() per step printed every step,
            # thousands of lines when the output is a pipe or a notebook log.
            self.bar.update(step - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
        self.bar = None

    def callback(self):
        return self if self.enabled else None


def _options_json(phate, sparse, pgan, soft_sensor, validation_fraction, virtual_ratios, bounds, missing,
                  random_state, n_jobs, target_model="gp"):
    opts = {"validation_fraction": float(validation_fraction), "virtual_ratios": [float(r) for r in virtual_ratios],
            "bounds": bounds, "n_jobs": int(n_jobs), "target_model": target_model,
            "random_state": None if random_state is None else int(random_state)}
    phate = dict(phate or {})
    phate.setdefault("n_components", 3)
    if phate.get("t") == "auto":
        phate["t"] = -1
    opts["phate"] = phate
    sp = dict(sparse or {})
    sp.setdefault("target", "sparse")
    opts["sparse"] = sp
    if pgan:
        opts["pgan"] = dict(pgan)
    if soft_sensor:
        ss = dict(soft_sensor)
        if "hidden" in ss:
            ss["hidden"] = list(ss["hidden"])
        opts["soft_sensor"] = ss
    if missing:
        opts["missing"] = dict(missing)
    return json.dumps(opts)


class _TwinBase:
    def _opts(self, missing=None):
        return _options_json(self.phate, self.sparse, self.pgan, self.soft_sensor, self.validation_fraction,
                             self.virtual_ratios, self.bounds, missing, self.random_state, self.n_jobs,
                             getattr(self, "target_model", "gp"))

    def _fit_core(self, core, table, label=""):
        """core.fit with a progress bar per stage when verbose, then the fitted state."""
        bar = _StageProgress(self.verbose, label)
        try:
            core.fit(table, bar.callback())
        finally:
            bar.close()
        self._set_fitted(core)
        return self

    def _require(self):
        if not hasattr(self, "_core"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(data) first")

    def save(self, path):
        """Writes the fitted twin to an HDF5 archive (temporary file, then rename)."""
        self._require()
        self._core.save(os.fspath(path))
        return self

    def __getstate__(self):
        # Pickles (Dask, multiprocessing) carry the fitted twin as the archive's bytes.
        import tempfile

        state = {k: v for k, v in self.__dict__.items() if k != "_core"}
        if hasattr(self, "_core"):
            with tempfile.TemporaryDirectory() as d:
                p = os.path.join(d, "twin.h5")
                self._core.save(p)
                with open(p, "rb") as f:
                    state["_archive_bytes"] = f.read()
        return state

    def __setstate__(self, state):
        import tempfile

        blob = state.pop("_archive_bytes", None)
        self.__dict__.update(state)
        if blob is not None:
            with tempfile.TemporaryDirectory() as d:
                p = os.path.join(d, "twin.h5")
                with open(p, "wb") as f:
                    f.write(blob)
                self._core = getattr(_core, type(self)._core_class).load(p)


class EquipmentTwin(_TwinBase):
    """The twin of one piece of equipment.

    Parameters
    ----------
    config : dict
        The equipment's entry of a unit config (name, tags with role input/target, units,
        bounds), e.g. ``UnitConfig.load("hdt.json").find("R-101")``.
    phate, sparse, pgan, soft_sensor : dict, optional
        Parameters of each stage (names as in Phate, SparseGenerator, PGan, SoftSensorMLP).
        Defaults: 3 PHATE components, target="sparse".
    validation_fraction : float, default 0.2
        Real rows held out to choose how much virtual data the soft sensor uses, and to report.
    virtual_ratios : sequence of float, default (0, 0.5, 1)
        Virtual samples per real one tried for the soft sensor; the best on validation is kept.
    bounds : {"clip", "reject"}
        What happens to generated values outside a tag's [min, max].
    target_model : {"gp", "generator"}, default "gp"
        Targets of the soft sensor's virtual training rows: predicted from their inputs by a
        GaussianProcess fitted on the real rows, or the generator's own output.
    missing : dict, optional
        Missing-value policy ``{"method": "ffill", "limit": 3}``; default drop rows with gaps.
    random_state : int or None
    n_jobs : int
    verbose : bool
        Progress bars during fit.
    """

    _core_class = "_EquipmentTwin"

    def __init__(self, config, phate=None, sparse=None, pgan=None, soft_sensor=None, validation_fraction=0.2,
                 virtual_ratios=(0.0, 0.5, 1.0), bounds="clip", missing=None, random_state=None, n_jobs=1,
                 verbose=False, target_model="gp"):
        self.config = config
        self.phate, self.sparse, self.pgan, self.soft_sensor = phate, sparse, pgan, soft_sensor
        self.validation_fraction, self.virtual_ratios, self.bounds = validation_fraction, virtual_ratios, bounds
        self.target_model = target_model
        self.missing, self.random_state, self.n_jobs, self.verbose = missing, random_state, n_jobs, verbose

    def fit(self, data):
        """Fits on a DataFrame (or dict of columns) holding at least the equipment's tags."""
        cfg = self.config.data if isinstance(self.config, UnitConfig) else self.config
        core = _core._EquipmentTwin(json.dumps(cfg), self._opts(self.missing))
        needed = [t.get("name") for t in cfg.get("tags", []) if isinstance(t, dict)]
        return self._fit_core(core, to_table(data, required=needed), cfg.get("name", ""))

    def _set_fitted(self, core):
        self._core = core
        self.config_ = json.loads(core.config_json())
        self.tags_ = [t["name"] for t in self.config_["tags"]]
        self.inputs_ = [t["name"] for t in self.config_["tags"] if t["role"] == "input"]
        self.targets_ = [t["name"] for t in self.config_["tags"] if t["role"] == "target"]
        self.report_ = json.loads(core.report_json())
        self.embedding_ = core.training_embedding()

    def generate(self, n, target="sparse", random_state=None, return_info=False):
        """n virtual samples (DataFrame, engineering units, the equipment's tags). With
        return_info, also a dict: embedding (virtual features), clipped_values, rejected_rows."""
        self._require()
        table, emb, clipped, rejected = self._core.generate(int(n), target, random_state)
        df = _frame(*table)
        if return_info:
            return df, {"embedding": emb, "clipped_values": clipped, "rejected_rows": rejected}
        return df

    def predict(self, data):
        """Soft-sensor predictions of the targets (DataFrame); rows with a gap in an input get NaN."""
        self._require()
        return _frame(*self._core.predict(to_table(data, self.inputs_ if _is_array(data) else None, required=self.inputs_)))

    def embed(self, data):
        """Positions of complete rows in the fitted PHATE space (standardised)."""
        self._require()
        return self._core.embed(to_table(data, self.tags_ if _is_array(data) else None, required=self.tags_))

    def report(self):
        """Quality figures of the fit (dict): rows used, validation RMSE with and without
        virtual samples per target, chosen virtual ratio, timings."""
        self._require()
        return dict(self.report_)

    @classmethod
    def load(cls, path, equipment=None):
        """A twin from an archive; `equipment` picks one twin of a unit archive."""
        path = os.fspath(path)
        core = (_core._EquipmentTwin.load(path) if equipment is None
                else _core._EquipmentTwin.load_entry(path, f"equipment/{equipment}"))
        cfg = json.loads(core.config_json())
        opts = json.loads(core.options_json())
        twin = cls(cfg, phate=opts["phate"], sparse=opts["sparse"], pgan=opts["pgan"], soft_sensor=opts["soft_sensor"],
                   validation_fraction=opts["validation_fraction"], virtual_ratios=tuple(opts["virtual_ratios"]),
                   bounds=opts["bounds"], missing=opts["missing"], random_state=opts["random_state"],
                   n_jobs=opts["n_jobs"], target_model=opts.get("target_model", "generator"))
        twin._set_fitted(core)
        return twin

    def __repr__(self):
        name = (self.config.data if isinstance(self.config, UnitConfig) else self.config).get("name", "?")
        return f"EquipmentTwin({name!r}{', fitted' if hasattr(self, '_core') else ''})"


class UnitTwin(_TwinBase):
    """Twins of every equipment of a unit, in process order; shared tags generated upstream
    feed the downstream twins. Same keywords as :class:`EquipmentTwin`; the missing-value
    policy comes from the unit config."""

    _core_class = "_UnitTwin"

    def __init__(self, config, phate=None, sparse=None, pgan=None, soft_sensor=None, validation_fraction=0.2,
                 virtual_ratios=(0.0, 0.5, 1.0), bounds="clip", random_state=None, n_jobs=1, verbose=False,
                 target_model="gp"):
        self.config = config
        self.phate, self.sparse, self.pgan, self.soft_sensor = phate, sparse, pgan, soft_sensor
        self.validation_fraction, self.virtual_ratios, self.bounds = validation_fraction, virtual_ratios, bounds
        self.target_model = target_model
        self.random_state, self.n_jobs, self.verbose = random_state, n_jobs, verbose

    def _unit_config(self):
        c = self.config
        if isinstance(c, (str, os.PathLike)) and os.path.exists(os.fspath(c)):
            return UnitConfig.load(c)
        return UnitConfig(c)

    def fit(self, data):
        cfg = self._unit_config()
        core = _core._UnitTwin(json.dumps(cfg.data), self._opts())
        return self._fit_core(core, to_table(data, required=cfg.tags()))

    def _set_fitted(self, core):
        self._core = core
        self.config_ = UnitConfig(json.loads(core.config_json()))
        self.equipment_ = list(core.equipment())

    def generate(self, n, target="sparse", random_state=None):
        """n rows of every tag of the unit (DataFrame), consistent along the chain."""
        self._require()
        return _frame(*self._core.generate(int(n), target, random_state))

    def predict(self, data):
        """Every equipment's soft-sensor predictions (one column per target)."""
        self._require()
        return _frame(*self._core.predict(to_table(data)))

    def report(self):
        """{equipment: its twin's report}."""
        self._require()
        return {e: json.loads(self._core.twin_report_json(e)) for e in self.equipment_}

    def twin(self, equipment):
        """The fitted EquipmentTwin of one equipment (a copy, read from the archive form)."""
        return self.twins([equipment])[0]

    def twins(self, equipment=None):
        """Copies of the fitted EquipmentTwins (all, or the named ones), from one archive write."""
        import tempfile

        self._require()
        names = self.equipment_ if equipment is None else list(equipment)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "unit.h5")
            self._core.save(p)
            return [EquipmentTwin.load(p, equipment=e) for e in names]

    @classmethod
    def load(cls, path):
        core = _core._UnitTwin.load(os.fspath(path))
        twin = cls(json.loads(core.config_json()))
        twin._set_fitted(core)
        return twin

    def __repr__(self):
        return f"UnitTwin({self._unit_config().name!r}{', fitted' if hasattr(self, '_core') else ''})"


def _is_array(data):
    return not (hasattr(data, "columns") or isinstance(data, dict))


def load_twin(path):
    """Whatever twin an archive holds: a UnitTwin or an EquipmentTwin."""
    kind = _core._archive_content(os.fspath(path))
    if kind == "unit_twin":
        return UnitTwin.load(path)
    if kind == "equipment_twin":
        return EquipmentTwin.load(path)
    raise ValueError(f"{os.fspath(path)!r} holds models but no twin; read it with dtwin.load")
