import os
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
    warning = blas_warning(info.get("blas", ""))
    if warning:
        info["warning"] = warning
        print(f"warning: {warning}", file=out)
    return info


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def blas_warning(blas, flags=None):
    """A hint when OpenBLAS runs its generic kernels on a CPU that has AVX2: an OpenBLAS older
    than the CPU does not recognise it and falls back to Prescott (SSE3) code, here 9x slower in
    matrix products (docs/build.md). None when all is well."""
    flags = _cpu_flags() if flags is None else flags
    if "OpenBLAS" in blas and " Prescott" in blas and "avx2" in flags and "OPENBLAS_CORETYPE" not in os.environ:
        return ("OpenBLAS uses its slow Prescott kernels on this AVX2 CPU (it is newer than this OpenBLAS knows); "
                "PHATE ran 1.2-2.7x faster with OPENBLAS_CORETYPE=Haswell set before Python starts, where the CPU "
                "supports it (docs/build.md)")
    return None


def set_num_threads(n):
    """Threads for dtwin's loops, OpenBLAS and LibTorch together; n <= 0: all cores."""
    _core.set_num_threads(n)


def get_num_threads():
    """The thread count set by set_num_threads (or the default)."""
    return _core.get_num_threads()
