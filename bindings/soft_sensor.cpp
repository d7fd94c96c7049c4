#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/soft_sensor.hpp"
#include "numpy.hpp"

namespace py = pybind11;
using namespace dtwin_py;

namespace {

dtwin::SoftSensorParams soft_sensor_params(const py::dict& d) {
  dtwin::SoftSensorParams p;
  for (auto item : d) {
    const auto key = item.first.cast<std::string>();
    const py::handle v = item.second;
    if (key == "hidden") p.hidden = v.cast<std::vector<int>>();
    else if (key == "activation") p.activation = v.cast<std::string>();
    else if (key == "dropout") p.dropout = v.cast<double>();
    else if (key == "weight_decay") p.weight_decay = v.cast<double>();
    else if (key == "lr") p.lr = v.cast<double>();
    else if (key == "epochs") p.epochs = v.cast<int>();
    else if (key == "batch_size") p.batch_size = v.cast<int>();
    else if (key == "validation_fraction") p.validation_fraction = v.cast<double>();
    else if (key == "patience") p.patience = v.cast<int>();
    else if (key == "random_state") {
      if (!v.is_none()) p.random_state = v.cast<std::uint64_t>();
    } else if (key == "n_jobs") p.n_jobs = v.cast<int>();
    else throw dtwin::InvalidArgument("SoftSensorMLP: unknown parameter '" + key + "'");
  }
  p.validate();
  return p;
}

py::dict history_dict(const std::vector<dtwin::SoftSensorEpoch>& h) {
  std::vector<double> e, t, v, s;
  for (const auto& r : h) {
    e.push_back(r.epoch); t.push_back(r.train_loss); v.push_back(r.val_loss); s.push_back(r.seconds);
  }
  py::dict out;
  out["epoch"] = py::array_t<double>(e.size(), e.data());
  out["train_loss"] = py::array_t<double>(t.size(), t.data());
  out["val_loss"] = py::array_t<double>(v.size(), v.data());
  out["seconds"] = py::array_t<double>(s.size(), s.data());
  return out;
}

std::vector<dtwin::SoftSensorEpoch> history_from(const py::dict& h) {
  std::vector<dtwin::SoftSensorEpoch> out;
  if (!h.contains("epoch")) return out;
  auto e = h["epoch"].cast<std::vector<double>>(), t = h["train_loss"].cast<std::vector<double>>(),
       v = h["val_loss"].cast<std::vector<double>>(), s = h["seconds"].cast<std::vector<double>>();
  for (std::size_t i = 0; i < e.size(); ++i) out.push_back({static_cast<int>(e[i]), t.at(i), v.at(i), s.at(i)});
  return out;
}

}  // namespace

void bind_soft_sensor(py::module_& m) {
  using S = dtwin::SoftSensorMLP;
  py::class_<S>(m, "_SoftSensorMLP", py::module_local())
      .def(py::init([](const py::dict& params) { return S(soft_sensor_params(params)); }))
      .def("fit",
           [](S& self, const ArrayIn<double>& X, const ArrayIn<double>& Y, py::object X_val, py::object Y_val,
              py::object progress, py::object sample_weight) {
             auto Xv = view<double>(X, "X");
             auto Yv = view<double>(Y, "y");
             if (!progress.is_none()) {
               self.set_progress([progress](const dtwin::SoftSensorEpoch& e) {
                 py::gil_scoped_acquire gil;
                 py::object r = progress(e.epoch, e.train_loss, e.val_loss);
                 return r.is_none() || r.cast<bool>();
               });
             }
             struct Reset { S& s; ~Reset() { s.set_progress(nullptr); } } reset{self};
             if (!sample_weight.is_none()) {
               auto wa = sample_weight.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
               if (wa.ndim() != 1) throw dtwin::InvalidArgument("SoftSensorMLP: sample_weight must be 1-D");
               Eigen::Map<const Eigen::VectorXd> w(wa.data(), wa.shape(0));
               S::Matrix xv, yv;
               const bool val = !X_val.is_none();
               if (val) {
                 auto xa = X_val.cast<ArrayIn<double>>();
                 auto ya = Y_val.cast<ArrayIn<double>>();
                 xv = view<double>(xa, "X_val");
                 yv = view<double>(ya, "y_val");
               }
               py::gil_scoped_release release;
               self.fit_weighted(Xv, Yv, w, val ? &xv : nullptr, val ? &yv : nullptr);
               return;
             }
             if (X_val.is_none()) {
               py::gil_scoped_release release;
               self.fit(Xv, Yv);
             } else {
               auto xa = X_val.cast<ArrayIn<double>>();
               auto ya = Y_val.cast<ArrayIn<double>>();
               auto xv = view<double>(xa, "X_val");
               auto yv = view<double>(ya, "y_val");
               py::gil_scoped_release release;
               self.fit(Xv, Yv, xv, yv);
             }
           },
           py::arg("X"), py::arg("Y"), py::arg("X_val") = py::none(), py::arg("Y_val") = py::none(),
           py::arg("progress") = py::none(), py::arg("sample_weight") = py::none())
      .def("predict",
           [](const S& self, const ArrayIn<double>& X) {
             auto Xv = view<double>(X, "X");
             S::Matrix out;
             {
               py::gil_scoped_release release;
               out = self.predict(Xv);
             }
             return to_numpy<double>(std::move(out));
           })
      .def("history", [](const S& self) { return history_dict(self.history()); })
      .def_property_readonly("best_epoch", &S::best_epoch)
      .def_property_readonly("n_inputs", &S::n_inputs)
      .def_property_readonly("n_outputs", &S::n_outputs)
      .def("weights", [](const S& self) { return named_arrays_to_dict(self.weights()); })
      .def_static("from_weights", [](const py::dict& params, int n_in, int n_out, const py::dict& weights,
                                     const py::dict& history) {
        return S::from_weights(soft_sensor_params(params), n_in, n_out, named_arrays_from_dict(weights),
                               history_from(history));
      });
}
