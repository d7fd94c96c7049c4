#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/archive.hpp"

namespace py = pybind11;

void bind_archive(py::module_& m) {
  using A = dtwin::Archive;
  py::class_<A>(m, "_Archive", py::module_local())
      .def(py::init<>())
      .def("put_phate", [](A& a, const std::string& name, const dtwin::Phate<double>& p) { a.put(name, p); })
      .def("put_phate_float", [](A& a, const std::string& name, const dtwin::Phate<float>& p) { a.put(name, p); })
      .def("put_pgan", [](A& a, const std::string& name, const dtwin::PGan& p) { a.put(name, p); })
      .def("put_soft_sensor", [](A& a, const std::string& name, const dtwin::SoftSensorMLP& p) { a.put(name, p); })
      .def("get_phate", &A::get_phate)
      .def("get_phate_float", &A::get_phate_float)
      .def("get_pgan", &A::get_pgan)
      .def("get_soft_sensor", &A::get_soft_sensor)
      .def("names", &A::names)
      .def("kind", &A::kind)
      .def("settings_json", [](const A& a, const std::string& name) {
        // The JSON settings are what the Python wrappers are rebuilt from.
        return a.settings(name);
      })
      .def_property_readonly("created", &A::created)
      .def_property_readonly("dtwin_version", &A::dtwin_version)
      .def("save", [](const A& a, const std::string& path) {
        py::gil_scoped_release release;
        a.save(path);
      })
      .def_static("load", [](const std::string& path) {
        py::gil_scoped_release release;
        return A::load(path);
      });
}
