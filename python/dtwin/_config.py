import platform
import sys

import numpy as np

from ._lazy import core as _core


def show_config(file=None):
    """Print the versions of dtwin and its dependencies, the BLAS in use and thread counts.

    Include this output when reporting a problem. Returns the same facts as a dict.
    """
    info = dict(_core.build_config())
    info["python"] = f"{platform.python_version()} ({sys.executable})"
    info["numpy"] = np.__version__
    width = max(len(k) for k in info) + 2
    out = file if file is not None else sys.stdout
    for key, value in info.items():
        print(f"{key + ':':<{width}}{value}", file=out)
    return info


def set_num_threads(n):
    """Threads for dtwin's loops, OpenBLAS and LibTorch together; n <= 0: all cores."""
    _core.set_num_threads(n)


def get_num_threads():
    """The thread count set by set_num_threads (or the default)."""
    return _core.get_num_threads()
