#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/config.hpp"
#include "dtwin/version.hpp"

namespace py = pybind11;

void bind_config(py::module_& m) {
  m.attr("__version__") = DTWIN_VERSION_STRING;
  m.def("build_config", &dtwin::build_config, "Versions of dtwin and its dependencies, BLAS and threads.");
  m.def("set_num_threads", &dtwin::set_num_threads, py::arg("n"),
        "Threads for dtwin's loops, OpenBLAS and LibTorch together; n <= 0: all cores.");
  m.def("get_num_threads", &dtwin::get_num_threads);
}
