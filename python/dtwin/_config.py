import platform
import sys

import numpy as np

from . import _core


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
