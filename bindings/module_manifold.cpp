// dtwin._manifold: PHATE, sparse generation and the GP teacher, header-only C++ (Eigen, nanoflann, OpenBLAS),
// without LibTorch: LibTorch alone adds about 150 MB and 0.6 s to a process, which a user who
// only embeds data should not pay (docs/phate.md measures the whole process).
#include <pybind11/pybind11.h>

#include "dtwin/version.hpp"
#include "errors.hpp"

namespace py = pybind11;

void bind_phate(py::module_& m);
void bind_sparse_generation(py::module_& m);
void bind_gaussian_process(py::module_& m);

PYBIND11_MODULE(_manifold, m) {
  m.doc() = "dtwin PHATE and sparse generation (use the dtwin package, not this module directly)";
  m.attr("__version__") = DTWIN_VERSION_STRING;
  dtwin_py::register_errors();
  bind_phate(m);
  bind_sparse_generation(m);
  bind_gaussian_process(m);
}
