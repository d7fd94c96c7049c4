#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/pgan.hpp"
#include "numpy.hpp"

namespace py = pybind11;
using namespace dtwin_py;

namespace {

dtwin::PGanParams pgan_params(const py::dict& d) {
  dtwin::PGanParams p;
  for (auto item : d) {
    const auto key = item.first.cast<std::string>();
    const py::handle v = item.second;
    if (key == "generator_hidden") p.generator_hidden = v.cast<std::vector<int>>();
    else if (key == "branch_hidden") p.branch_hidden = v.cast<int>();
    else if (key == "discriminator_hidden") p.discriminator_hidden = v.cast<std::vector<int>>();
    else if (key == "loss") p.loss = v.cast<std::string>();
    else if (key == "l1_weight") p.l1_weight = v.cast<double>();
    else if (key == "label_smoothing") p.label_smoothing = v.cast<double>();
    else if (key == "gp_weight") p.gp_weight = v.cast<double>();
    else if (key == "n_critic") p.n_critic = v.cast<int>();
    else if (key == "epochs") p.epochs = v.cast<int>();
    else if (key == "batch_size") p.batch_size = v.cast<int>();
    else if (key == "lr_generator") p.lr_generator = v.cast<double>();
    else if (key == "lr_discriminator") p.lr_discriminator = v.cast<double>();
    else if (key == "beta1") p.beta1 = v.cast<double>();
    else if (key == "beta2") p.beta2 = v.cast<double>();
    else if (key == "validation_fraction") p.validation_fraction = v.cast<double>();
    else if (key == "patience") p.patience = v.cast<int>();
    else if (key == "random_state") {
      if (!v.is_none()) p.random_state = v.cast<std::uint64_t>();
    } else if (key == "n_jobs") p.n_jobs = v.cast<int>();
    else throw dtwin::InvalidArgument("PGan: unknown parameter '" + key + "'");
  }
  p.validate();
  return p;
}

py::dict history_dict(const std::vector<dtwin::PGanEpoch>& h) {
  std::vector<double> e, d, g, l1, v, s;
  for (const auto& r : h) {
    e.push_back(r.epoch); d.push_back(r.d_loss); g.push_back(r.g_loss);
    l1.push_back(r.l1); v.push_back(r.val_l1); s.push_back(r.seconds);
  }
  py::dict out;
  out["epoch"] = py::array_t<double>(e.size(), e.data());
  out["d_loss"] = py::array_t<double>(d.size(), d.data());
  out["g_loss"] = py::array_t<double>(g.size(), g.data());
  out["l1"] = py::array_t<double>(l1.size(), l1.data());
  out["val_l1"] = py::array_t<double>(v.size(), v.data());
  out["seconds"] = py::array_t<double>(s.size(), s.data());
  return out;
}

std::vector<dtwin::PGanEpoch> history_from(const py::dict& h) {
  std::vector<dtwin::PGanEpoch> out;
  if (!h.contains("epoch")) return out;
  auto e = h["epoch"].cast<std::vector<double>>(), d = h["d_loss"].cast<std::vector<double>>(),
       g = h["g_loss"].cast<std::vector<double>>(), l1 = h["l1"].cast<std::vector<double>>(),
       v = h["val_l1"].cast<std::vector<double>>(), s = h["seconds"].cast<std::vector<double>>();
  for (std::size_t i = 0; i < e.size(); ++i)
    out.push_back({static_cast<int>(e[i]), d.at(i), g.at(i), l1.at(i), v.at(i), s.at(i)});
  return out;
}

}  // namespace

void bind_pgan(py::module_& m) {
  py::class_<dtwin::PGan>(m, "_PGan", py::module_local())
      .def(py::init([](const py::dict& params) { return dtwin::PGan(pgan_params(params)); }))
      .def("fit",
           [](dtwin::PGan& self, const ArrayIn<double>& Z, const ArrayIn<double>& X, py::object progress) {
             auto Zv = view<double>(Z, "Z");
             auto Xv = view<double>(X, "X");
             if (!progress.is_none()) {
               self.set_progress([progress](const dtwin::PGanEpoch& e) {
                 py::gil_scoped_acquire gil;
                 py::object r = progress(e.epoch, e.d_loss, e.g_loss, e.l1, e.val_l1);
                 return r.is_none() || r.cast<bool>();
               });
             }
             struct Reset { dtwin::PGan& g; ~Reset() { g.set_progress(nullptr); } } reset{self};
             py::gil_scoped_release release;
             self.fit(Zv, Xv);
           },
           py::arg("Z"), py::arg("X"), py::arg("progress") = py::none())
      .def("generate",
           [](const dtwin::PGan& self, const ArrayIn<double>& Z) {
             auto Zv = view<double>(Z, "Z");
             dtwin::PGan::Matrix out;
             {
               py::gil_scoped_release release;
               out = self.generate(Zv);
             }
             return to_numpy<double>(std::move(out));
           })
      .def("history", [](const dtwin::PGan& self) { return history_dict(self.history()); })
      .def_property_readonly("best_epoch", &dtwin::PGan::best_epoch)
      .def_property_readonly("z_dim", &dtwin::PGan::z_dim)
      .def_property_readonly("x_dim", &dtwin::PGan::x_dim)
      .def("weights", [](const dtwin::PGan& self) { return named_arrays_to_dict(self.weights()); })
      .def_static("from_weights", [](const py::dict& params, int z_dim, int x_dim, const py::dict& weights,
                                     const py::dict& history) {
        auto ws = named_arrays_from_dict(weights);
        return dtwin::PGan::from_weights(pgan_params(params), z_dim, x_dim, ws, history_from(history));
      });
}
