"""dtwin._core links LibTorch, which adds about 150 MB and 0.6 s to a process. Modules reach it
through this proxy, so `import dtwin` and PHATE alone (dtwin._manifold) never load it; the
first attribute used (a PGAN, a soft sensor, an archive, a twin) imports it."""
import importlib


class _CoreProxy:
    def __getattr__(self, name):
        return getattr(importlib.import_module("dtwin._core"), name)


core = _CoreProxy()
