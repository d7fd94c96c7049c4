// dtwin._core: the compiled half of the Python package. Classes are bound one file each; the
// Python layer in python/dtwin wraps them in scikit-learn style.
#include <pybind11/pybind11.h>

#include "dtwin/error.hpp"

namespace py = pybind11;

void bind_config(py::module_& m);
void bind_phate(py::module_& m);
void bind_sparse_generation(py::module_& m);
void bind_pgan(py::module_& m);
void bind_soft_sensor(py::module_& m);
void bind_archive(py::module_& m);
void bind_unit_config(py::module_& m);
void bind_twin(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "dtwin compiled core (use the dtwin package, not this module directly)";
  // InvalidArgument derives from std::invalid_argument (ValueError) and RuntimeError from
  // std::runtime_error (RuntimeError) by themselves; only the I/O error needs mapping.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const dtwin::IOError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });
  bind_config(m);
  bind_phate(m);
  bind_sparse_generation(m);
  bind_pgan(m);
  bind_soft_sensor(m);
  bind_archive(m);
  bind_unit_config(m);
  bind_twin(m);
}
