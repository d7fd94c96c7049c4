"""Saving fitted models to one HDF5 archive and loading them back (docs/archive.md). The file
is the one the C++ library writes and reads; h5py reads it without dtwin."""
import json
import os

import numpy as np

from ._lazy import core as _core


def _python_phate_kwargs(p):
    """C++ PhateParams (JSON) -> the Python constructor's keywords."""
    return {
        "n_components": p["n_components"], "knn": p["knn"],
        "decay": None if p["decay"] <= 0 else p["decay"],
        "n_landmark": None if p["n_landmark"] <= 0 else p["n_landmark"],
        "t": "auto" if p["t"] == -1 else p["t"], "gamma": p["gamma"],
        "n_pca": None if p["n_pca"] <= 0 else p["n_pca"], "mds": p["mds"], "mds_solver": p["mds_solver"],
        "knn_dist": p["knn_dist"], "random_state": p["random_state"], "n_jobs": p["n_jobs"],
        "knn_method": p.get("knn_method", "auto"),
    }


def save(path, models):
    """Write fitted models to `path` (HDF5), e.g. ``save("unit.h5", {"reactor/pgan": gan})``.

    Entries are named by the dict's keys (slashes make groups). Phate (float64), PGan and
    SoftSensorMLP are supported. The file is written to a temporary name and renamed into
    place: a failed save leaves any previous file intact.
    """
    from .pgan import PGan
    from .phate import Phate
    from .soft_sensor import SoftSensorMLP

    if not models:
        raise ValueError("nothing to save: pass a dict of name -> fitted model")
    a = _core._Archive()
    for name, model in models.items():
        if not hasattr(model, "_core"):
            raise ValueError(f"model {name!r} is not fitted; fit it before saving")
        if isinstance(model, Phate):
            if model._dtype == np.float32:
                a.put_phate_float(name, model._core)
            else:
                a.put_phate(name, model._core)
        elif isinstance(model, PGan):
            a.put_pgan(name, model._core)
        elif isinstance(model, SoftSensorMLP):
            a.put_soft_sensor(name, model._core)
        else:
            raise ValueError(f"model {name!r}: cannot save a {type(model).__name__}")
    a.save(os.fspath(path))


def load(path):
    """Read an archive written by :func:`save` (or by C++): a dict of name -> fitted model.
    Twin archives list their models here too; :func:`dtwin.load_twin` reads the twin whole."""
    from .pgan import PGan
    from .phate import Phate
    from .soft_sensor import SoftSensorMLP

    a = _core._Archive.load(os.fspath(path))
    out = {}
    for name in a.names():
        settings = json.loads(a.settings_json(name))
        kind = a.kind(name)
        if kind == "phate":
            single = settings.get("scalar", "float64") == "float32"
            model = Phate(**_python_phate_kwargs(settings["params"]), precision="single" if single else "double")
            model._out_dtype = np.dtype(np.float64)
            model._set_fitted(a.get_phate_float(name) if single else a.get_phate(name), model._core_params())
        elif kind == "pgan":
            params = settings["params"]
            model = PGan(**params)
            model._set_fitted(a.get_pgan(name), params)
        elif kind == "soft_sensor":
            params = settings["params"]
            model = SoftSensorMLP(**params)
            model._one_d = settings["n_outputs"] == 1
            model._set_fitted(a.get_soft_sensor(name), params)
        elif kind in ("equipment_twin", "unit_twin"):
            continue  # twins are read whole with dtwin.load_twin; their models stay listed
        else:
            raise OSError(f"{path}: entry {name!r} has an unknown kind {kind!r}; a newer dtwin may read it")
        out[name] = model
    return out
