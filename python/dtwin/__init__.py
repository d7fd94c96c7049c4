"""dtwin: digital twins of refinery equipment and virtual process data for soft sensors.

Start with :func:`dtwin.simulate` (a built-in refinery unit), :class:`dtwin.UnitTwin` /
:class:`dtwin.EquipmentTwin` (the PHATE + PGAN twin of a unit or one equipment),
:func:`dtwin.augment` (virtual rows for any table) and :func:`dtwin.show_config`.
"""
from ._manifold import __version__
from ._config import get_num_threads, set_num_threads, show_config
from .archive import load, save
from .augmentation import augment
from .gaussian_process import GaussianProcess
from .pgan import PGan
from .phate import Phate
from .report import report
from .soft_sensor import SoftSensorMLP
from .simulate import Simulation, simulate
from .sparse_generation import SparseGenerator
from .twin import EquipmentTwin, UnitTwin, load_twin
from .unit import UnitConfig, apply_missing, iter_csv, read_csv, write_csv

__all__ = ["__version__", "simulate", "Simulation", "UnitConfig", "read_csv", "iter_csv", "write_csv", "apply_missing",
           "EquipmentTwin", "UnitTwin", "load_twin", "report", "save", "load", "augment", "GaussianProcess", "Phate", "SparseGenerator", "PGan", "SoftSensorMLP", "show_config", "set_num_threads", "get_num_threads"]
