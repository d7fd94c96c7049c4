// dtwin._core: the compiled half of the Python package that links LibTorch and HDF5 (PGAN, the
// soft sensor, archives, twins). PHATE and sparse generation live in dtwin._manifold, which
// does not, so `import dtwin` and PHATE alone never load LibTorch. Classes are bound one file
// each; the Python layer in python/dtwin wraps them in scikit-learn style.
#include <pybind11/pybind11.h>

#include "errors.hpp"

namespace py = pybind11;

void bind_config(py::module_& m);
void bind_pgan(py::module_& m);
void bind_soft_sensor(py::module_& m);
void bind_archive(py::module_& m);
void bind_unit_config(py::module_& m);
void bind_twin(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "dtwin compiled core (use the dtwin package, not this module directly)";
  // Archives take and return Phate objects, whose Python types dtwin._manifold registers.
  py::module_::import("dtwin._manifold");
  dtwin_py::register_errors();
  bind_config(m);
  bind_pgan(m);
  bind_soft_sensor(m);
  bind_archive(m);
  bind_unit_config(m);
  bind_twin(m);
}
