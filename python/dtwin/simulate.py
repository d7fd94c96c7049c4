"""The built-in simulated hydrotreating unit (docs/simulator.md)."""
import json
import os

import numpy as np

from ._lazy import core as _core
from .unit import UnitConfig, _frame, write_csv


class Simulation:
    """What :func:`simulate` returns: ``data`` (DataFrame: timestamp and every tag, NaN where a
    reading is missing or no lab sample was taken), ``regime`` (one name per row), ``config``
    (the matching :class:`UnitConfig`) and ``lab_tags`` (the rarely sampled quality variables)."""

    def __init__(self, data, regime, config, lab_tags):
        self.data, self.regime, self.config, self.lab_tags = data, regime, config, lab_tags

    def save(self, folder, name="hdt"):
        """Writes ``<name>.csv``, ``<name>.json`` (unit config) and ``<name>_regime.csv`` into
        folder; returns the paths."""
        os.makedirs(folder, exist_ok=True)
        csv_path = os.path.join(folder, f"{name}.csv")
        json_path = os.path.join(folder, f"{name}.json")
        regime_path = os.path.join(folder, f"{name}_regime.csv")
        write_csv(csv_path, self.data)
        self.config.save(json_path)
        tmp = regime_path + f".tmp-{os.getpid()}"
        with open(tmp, "w") as f:
            f.write("regime\n" + "\n".join(self.regime) + "\n")
        os.replace(tmp, regime_path)
        return csv_path, json_path, regime_path

    def __repr__(self):
        return f"Simulation({len(self.regime)} rows, unit {self.config.name!r})"


def simulate(n_rows=20000, random_state=0, interval_minutes=10, lab_interval=24, noise=1.0,
             missing_rate=0.002, frozen_rate=2e-4, share_turndown=0.08, share_high_severity=0.06,
             share_transient=0.02, catalyst_life_days=400, catalyst_cycle_days=730,
             start="2026-01-01T00:00:00"):
    """Simulate the hydrotreater HDT-1 (exchanger E-101, heater F-101, reactor R-101, separator
    V-101, column T-101): n_rows rows every interval_minutes, lab analyses every lab_interval
    rows, regimes nominal / turndown / high_severity / transient in the given shares; the
    catalyst ages (activity exp(-age / catalyst_life_days)) and is replaced every
    catalyst_cycle_days.
    Deterministic for a random_state. See docs/simulator.md for every tag and equation."""
    params = dict(n_rows=int(n_rows), random_state=0 if random_state is None else int(random_state),
                  interval_minutes=float(interval_minutes), lab_interval=int(lab_interval), noise=float(noise),
                  missing_rate=float(missing_rate), frozen_rate=float(frozen_rate),
                  share_turndown=float(share_turndown), share_high_severity=float(share_high_severity),
                  share_transient=float(share_transient), catalyst_life_days=float(catalyst_life_days),
                  catalyst_cycle_days=float(catalyst_cycle_days),
                  start=str(start))
    table, regime, config_json, lab_tags, regime_names = _core._simulate(params)
    names = np.asarray(regime_names, dtype=object)[np.asarray(regime)]
    return Simulation(_frame(*table), names, UnitConfig(json.loads(config_json)), list(lab_tags))
