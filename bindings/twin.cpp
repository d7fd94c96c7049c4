#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/twin.hpp"
#include "table.hpp"

namespace py = pybind11;
using namespace dtwin_py;

namespace {

using Tab = std::tuple<std::vector<std::string>, ArrayIn<double>, std::string, std::vector<std::string>>;

dtwin::Table table_of(const Tab& t) { return table_from(std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)); }

std::optional<std::uint64_t> seed_of(const py::object& s) {
  if (s.is_none()) return std::nullopt;
  return s.cast<std::uint64_t>();
}

// Progress from C++ (GIL released) to a Python callable.
template <typename... A>
std::function<void(A...)> callback(py::object fn) {
  if (fn.is_none()) return nullptr;
  return [fn](A... args) {
    py::gil_scoped_acquire gil;
    fn(args...);
  };
}

}  // namespace

void bind_twin(py::module_& m) {
  using E = dtwin::EquipmentTwin;
  py::class_<E>(m, "_EquipmentTwin", py::module_local())
      .def(py::init([](const std::string& config_json, const std::string& options_json) {
        return E(dtwin::EquipmentConfig::from_json(config_json), dtwin::TwinOptions::from_json(options_json));
      }))
      .def("fit",
           [](E& self, const Tab& data, py::object progress) {
             dtwin::Table t = table_of(data);
             self.set_progress(callback<const std::string&, int, int>(progress));
             struct Reset { E& e; ~Reset() { e.set_progress(nullptr); } } reset{self};
             py::gil_scoped_release release;
             self.fit(t);
           },
           py::arg("data"), py::arg("progress") = py::none())
      .def("generate",
           [](const E& self, long n, const std::string& target, py::object seed) {
             dtwin::Generated g;
             {
               py::gil_scoped_release release;
               g = self.generate(n, target, seed_of(seed));
             }
             return py::make_tuple(table_to_tuple(std::move(g.data)), to_numpy<double>(std::move(g.embedding)),
                                   g.clipped_values, g.rejected_rows);
           })
      .def("predict",
           [](const E& self, const Tab& data) {
             dtwin::Table t = table_of(data), out;
             {
               py::gil_scoped_release release;
               out = self.predict(t);
             }
             return table_to_tuple(std::move(out));
           })
      .def("embed",
           [](const E& self, const Tab& data) {
             dtwin::Table t = table_of(data);
             E::Matrix out;
             {
               py::gil_scoped_release release;
               out = self.embed(t);
             }
             return to_numpy<double>(std::move(out));
           })
      .def("report_json", [](const E& self) { return self.report().to_json(); })
      .def("config_json", [](const E& self) { return self.config().to_json(2); })
      .def("options_json", [](const E& self) { return self.options().to_json(); })
      .def("training_embedding", [](const E& self) { return to_numpy<double>(self.training_embedding()); })
      .def("save",
           [](const E& self, const std::string& path) {
             py::gil_scoped_release release;
             self.save(path);
           })
      .def_static("load", [](const std::string& path) {
        py::gil_scoped_release release;
        return E::load(path);
      })
      .def_static("load_entry", [](const std::string& path, const std::string& name) {
        py::gil_scoped_release release;
        return E::get(dtwin::Archive::load(path), name);
      })
      .def_property_readonly("is_fitted", &E::is_fitted);

  using U = dtwin::UnitTwin;
  py::class_<U>(m, "_UnitTwin", py::module_local())
      .def(py::init([](const std::string& config_json, const std::string& options_json) {
        return U(dtwin::UnitConfig::from_json(config_json), dtwin::TwinOptions::from_json(options_json));
      }))
      .def("fit",
           [](U& self, const Tab& data, py::object progress) {
             dtwin::Table t = table_of(data);
             self.set_progress(callback<const std::string&, const std::string&, int, int>(progress));
             struct Reset { U& u; ~Reset() { u.set_progress(nullptr); } } reset{self};
             py::gil_scoped_release release;
             self.fit(t);
           },
           py::arg("data"), py::arg("progress") = py::none())
      .def("generate",
           [](const U& self, long n, const std::string& target, py::object seed) {
             dtwin::Table t;
             {
               py::gil_scoped_release release;
               t = self.generate(n, target, seed_of(seed));
             }
             return table_to_tuple(std::move(t));
           })
      .def("predict",
           [](const U& self, const Tab& data) {
             dtwin::Table t = table_of(data), out;
             {
               py::gil_scoped_release release;
               out = self.predict(t);
             }
             return table_to_tuple(std::move(out));
           })
      .def("equipment", [](const U& self) {
        std::vector<std::string> out;
        for (const auto& t : self.twins()) out.push_back(t.config().name);
        return out;
      })
      .def("twin_report_json", [](const U& self, const std::string& name) { return self.twin(name).report().to_json(); })
      .def("config_json", [](const U& self) { return self.config().to_json(2); })
      .def("save",
           [](const U& self, const std::string& path) {
             py::gil_scoped_release release;
             self.save(path);
           })
      .def_static("load", [](const std::string& path) {
        py::gil_scoped_release release;
        return U::load(path);
      })
      .def_static("options_for",
                  [](const std::string& config_json, const std::string& options_json, std::size_t k) {
                    return U::options_for(dtwin::UnitConfig::from_json(config_json),
                                          dtwin::TwinOptions::from_json(options_json), k)
                        .to_json();
                  })
      .def_static("from_twin_files",
                  [](const std::string& config_json, const std::string& options_json,
                     const std::vector<std::string>& paths) {
                    std::vector<E> twins;
                    py::gil_scoped_release release;
                    for (const auto& p : paths) twins.push_back(E::load(p));
                    return U::from_twins(dtwin::UnitConfig::from_json(config_json),
                                         dtwin::TwinOptions::from_json(options_json), std::move(twins));
                  })
      .def_property_readonly("is_fitted", &U::is_fitted);

  m.def("_archive_content", [](const std::string& path) { return dtwin::archive_content(dtwin::Archive::load(path)); });
}
