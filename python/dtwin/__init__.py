"""dtwin: digital twins of refinery equipment and virtual process data for soft sensors.

Start with :class:`dtwin.Phate` (a PHATE embedding with the official package's parameters)
and :func:`dtwin.show_config` (versions, BLAS and threads in use).
"""
from ._core import __version__, get_num_threads, set_num_threads
from ._config import show_config
from .archive import load, save
from .augmentation import augment
from .pgan import PGan
from .phate import Phate
from .soft_sensor import SoftSensorMLP
from .sparse_generation import SparseGenerator

__all__ = ["__version__", "save", "load", "augment", "Phate", "SparseGenerator", "PGan", "SoftSensorMLP", "show_config", "set_num_threads", "get_num_threads"]
