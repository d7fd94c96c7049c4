"""Many twins on a Dask cluster (docs/distributed.md).

Fitting: every equipment twin of a unit is one Dask task. A twin fits on measured data only
(its upstream tags are measured too), so the tasks of a unit are independent and run in
parallel; the chain order matters when generating, which runs equipment by equipment in
process order. Each task gets only its equipment's columns and returns the fitted twin as
archive bytes; the result equals the serial ``UnitTwin.fit`` for the same seed (same
per-equipment options, see ``UnitTwin.options_for`` in C++).

Works with any ``dask.distributed.Client``: ``Client(LocalCluster(...))`` on one machine, or
``Client("tcp://scheduler:8786")`` on a cluster whose workers have dtwin installed.
"""
import json
import os
import tempfile

import numpy as np

from ._lazy import core as _core
from .twin import EquipmentTwin, UnitTwin
from .unit import UnitConfig, to_table


def _fit_equipment(equipment_json, options_json, table):
    """Runs on a worker: fit one equipment twin, return its archive as bytes."""
    core = _core._EquipmentTwin(equipment_json, options_json)
    core.fit(table)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "twin.h5")
        core.save(path)
        with open(path, "rb") as f:
            return f.read()


def _columns(table, names):
    cols, values, ts_name, ts = table
    idx = [cols.index(n) for n in names if n in cols]
    return [cols[i] for i in idx], np.ascontiguousarray(values[:, idx]), ts_name, ts


def _submit_unit(client, cfg, data, twin_kwargs):
    proto = UnitTwin(cfg, **twin_kwargs)
    options = proto._opts()
    cfg_json = json.dumps(cfg.data)
    table = to_table(data)
    futures = []
    for k, eq in enumerate(cfg.data["equipment"]):
        names = [t["name"] for t in eq["tags"]]
        part = client.scatter(_columns(table, names))
        futures.append(client.submit(_fit_equipment, json.dumps(eq), _core._UnitTwin.options_for(cfg_json, options, k),
                                     part, pure=False, key=f"dtwin-fit-{cfg.name}-{eq['name']}-{os.getpid()}-{id(part)}"))
    return proto, options, futures


def _assemble(proto, cfg, options, blobs, out):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, b in enumerate(blobs):
            paths.append(os.path.join(d, f"{i}.h5"))
            with open(paths[-1], "wb") as f:
                f.write(b)
        core = _core._UnitTwin.from_twin_files(json.dumps(cfg.data), options, paths)
    proto._set_fitted(core)
    if out:
        proto.save(out)
    return proto


def _config(config):
    if isinstance(config, UnitConfig):
        return config
    if isinstance(config, (str, os.PathLike)) and os.path.exists(os.fspath(config)):
        return UnitConfig.load(config)
    return UnitConfig(config)


def fit_unit(config, data, client, out=None, **twin_kwargs):
    """Fit a unit's equipment twins as Dask tasks; returns the UnitTwin (and writes its archive
    to `out` when given). `twin_kwargs` are UnitTwin's keywords (random_state, pgan, ...)."""
    cfg = _config(config)
    proto, options, futures = _submit_unit(client, cfg, data, twin_kwargs)
    return _assemble(proto, cfg, options, client.gather(futures), out)


def fit_units(units, client, out_dir=None, **twin_kwargs):
    """Several units at once: `units` maps a name to (config, data). All equipment twins of all
    units are submitted together. Returns {name: UnitTwin}; writes <out_dir>/<name>.h5."""
    pending = {}
    for name, (config, data) in units.items():
        cfg = _config(config)
        pending[name] = (cfg, *_submit_unit(client, cfg, data, twin_kwargs))
    out = {}
    for name, (cfg, proto, options, futures) in pending.items():
        path = os.path.join(out_dir, f"{name}.h5") if out_dir else None
        out[name] = _assemble(proto, cfg, options, client.gather(futures), path)
    return out


def _generate_chunk(twin, n, target, seed):
    return twin.generate(n, target=target, random_state=seed)


def generate(twin, n, client, chunks=None, target="sparse", random_state=0):
    """n virtual rows from a fitted EquipmentTwin or UnitTwin, made in `chunks` Dask tasks
    (default: one per worker). Chunk i is ``twin.generate(size_i, random_state=random_state + i)``,
    so the result equals those serial calls concatenated."""
    import pandas as pd

    if chunks is None:
        chunks = max(1, len(client.scheduler_info().get("workers", {})))
    sizes = [n // chunks + (1 if i < n % chunks else 0) for i in range(chunks)]
    remote = client.scatter(twin, broadcast=True)
    futures = [client.submit(_generate_chunk, remote, s, target, int(random_state) + i, pure=False)
               for i, s in enumerate(sizes) if s > 0]
    return pd.concat(client.gather(futures), ignore_index=True)
