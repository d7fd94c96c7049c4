#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/gaussian_process.hpp"
#include "numpy.hpp"

namespace py = pybind11;
using namespace dtwin_py;

namespace {

using GP = dtwin::GaussianProcess;

dtwin::GaussianProcessParams params_from(const py::dict& d) {
  dtwin::GaussianProcessParams p;
  for (auto item : d) {
    const auto key = item.first.cast<std::string>();
    const py::handle v = item.second;
    if (key == "max_iter") p.max_iter = v.cast<int>();
    else if (key == "max_fit_samples") p.max_fit_samples = v.cast<long>();
    else if (key == "max_samples") p.max_samples = v.cast<long>();
    else if (key == "linear") p.linear = v.cast<bool>();
    else if (key == "min_noise") p.min_noise = v.cast<double>();
    else if (key == "random_state") {
      if (!v.is_none()) p.random_state = v.cast<std::uint64_t>();
    } else throw dtwin::InvalidArgument("GaussianProcess: unknown parameter '" + key + "'");
  }
  p.validate();
  return p;
}

py::dict state_to_dict(const GP::State& s) {
  const auto m = static_cast<Eigen::Index>(s.kernels.size());
  const Eigen::Index d = s.X.cols();
  RowMat<double> ls(m, d);
  RowMat<double> var(m, 3);  // signal, linear, noise
  for (Eigen::Index c = 0; c < m; ++c) {
    const auto& k = s.kernels[static_cast<std::size_t>(c)];
    ls.row(c) = k.length_scales.transpose();
    var.row(c) << k.signal_var, k.linear_var, k.noise_var;
  }
  auto vec = [](const Eigen::VectorXd& v) { return RowMat<double>(v.transpose()); };
  py::dict o;
  o["x_mean"] = to_numpy<double>(vec(s.x_mean));
  o["x_std"] = to_numpy<double>(vec(s.x_std));
  o["y_mean"] = to_numpy<double>(vec(s.y_mean));
  o["y_std"] = to_numpy<double>(vec(s.y_std));
  o["X"] = to_numpy<double>(s.X);
  o["alpha"] = to_numpy<double>(RowMat<double>(s.alpha));
  o["length_scales"] = to_numpy<double>(std::move(ls));
  o["variances"] = to_numpy<double>(std::move(var));
  o["log_marginal_likelihood"] = s.log_marginal_likelihood;
  return o;
}

GP::State state_from_dict(const py::dict& params, const py::dict& d) {
  GP::State s;
  s.params = params_from(params);
  auto mat = [&](const char* key) {
    auto a = d[key].cast<ArrayIn<double>>();
    return RowMat<double>(view<double>(a, key));
  };
  auto vec = [&](const char* key) { return Eigen::VectorXd(mat(key).row(0).transpose()); };
  s.x_mean = vec("x_mean");
  s.x_std = vec("x_std");
  s.y_mean = vec("y_mean");
  s.y_std = vec("y_std");
  s.X = mat("X");
  s.alpha = mat("alpha");
  const RowMat<double> ls = mat("length_scales"), var = mat("variances");
  if (var.cols() != 3 || ls.rows() != var.rows())
    throw dtwin::InvalidArgument("GaussianProcess: saved length_scales and variances disagree");
  for (Eigen::Index c = 0; c < ls.rows(); ++c) {
    GP::Kernel k;
    k.length_scales = ls.row(c).transpose();
    k.signal_var = var(c, 0);
    k.linear_var = var(c, 1);
    k.noise_var = var(c, 2);
    s.kernels.push_back(std::move(k));
  }
  s.log_marginal_likelihood = d["log_marginal_likelihood"].cast<std::vector<double>>();
  return s;
}

}  // namespace

void bind_gaussian_process(py::module_& m) {
  py::class_<GP>(m, "_GaussianProcess", py::module_local())
      .def(py::init([](const py::dict& params) { return GP(params_from(params)); }), py::arg("params"))
      .def_static("from_state", [](const py::dict& params, const py::dict& state) {
        return GP::from_state(state_from_dict(params, state));
      })
      .def("fit",
           [](GP& self, const ArrayIn<double>& X, const ArrayIn<double>& Y) {
             auto Xv = view<double>(X, "X");
             auto Yv = view<double>(Y, "y");
             py::gil_scoped_release release;
             self.fit(Xv, Yv);
           },
           py::arg("X"), py::arg("Y"))
      .def("predict",
           [](const GP& self, const ArrayIn<double>& X, bool return_std) -> py::object {
             auto Xv = view<double>(X, "X");
             RowMat<double> mean, sd;
             {
               py::gil_scoped_release release;
               mean = return_std ? self.predict(Xv, sd) : self.predict(Xv);
             }
             if (!return_std) return to_numpy<double>(std::move(mean));
             return py::make_tuple(to_numpy<double>(std::move(mean)), to_numpy<double>(std::move(sd)));
           },
           py::arg("X"), py::arg("return_std") = false)
      .def_property_readonly("is_fitted", &GP::is_fitted)
      .def("state", [](const GP& self) { return state_to_dict(self.state()); });
}
