"""Builds dtwin._core and dtwin._manifold with CMake (the pattern of pybind11's cmake_example), so that
`pip install --no-build-isolation .` works from Debian's packages alone."""
import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        extdir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        # A fixed build folder (not setuptools' build/) so ccache and CMake reuse it across installs.
        build_dir = ROOT / "_build" / "python"
        build_dir.mkdir(parents=True, exist_ok=True)
        generator = ["-G", "Ninja"] if subprocess.run(["which", "ninja"], capture_output=True).returncode == 0 else []
        cfg = os.environ.get("DTWIN_BUILD_TYPE", "Release")
        subprocess.run(
            ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
             f"-DCMAKE_BUILD_TYPE={cfg}",
             f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={extdir}",
             f"-DPython3_EXECUTABLE={sys.executable}",
             "-DDTWIN_BUILD_PYTHON=ON", "-DDTWIN_BUILD_TESTS=OFF",
             "-DDTWIN_SHARED=OFF", "-DDTWIN_INSTALL=OFF"],
            check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        target = ext.name.rsplit(".", 1)[-1]
        subprocess.run(["cmake", "--build", str(build_dir), "--target", target, "-j", jobs], check=True)


setup(ext_modules=[CMakeExtension("dtwin._manifold"), CMakeExtension("dtwin._core")], cmdclass={"build_ext": CMakeBuild})
