#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/phate.hpp"
#include "numpy.hpp"

namespace py = pybind11;
using namespace dtwin_py;

namespace {

dtwin::PhateParams params_from(const py::dict& d) {
  dtwin::PhateParams p;
  for (auto item : d) {
    const auto key = item.first.cast<std::string>();
    const py::handle v = item.second;
    if (key == "n_components") p.n_components = v.cast<int>();
    else if (key == "knn") p.knn = v.cast<int>();
    else if (key == "decay") p.decay = v.cast<double>();
    else if (key == "n_landmark") p.n_landmark = v.cast<int>();
    else if (key == "t") p.t = v.cast<int>();
    else if (key == "gamma") p.gamma = v.cast<double>();
    else if (key == "n_pca") p.n_pca = v.cast<int>();
    else if (key == "mds") p.mds = v.cast<std::string>();
    else if (key == "mds_solver") p.mds_solver = v.cast<std::string>();
    else if (key == "knn_dist") p.knn_dist = v.cast<std::string>();
    else if (key == "random_state") {
      if (!v.is_none()) p.random_state = v.cast<std::uint64_t>();
    } else if (key == "n_jobs") p.n_jobs = v.cast<int>();
    else if (key == "t_max") p.t_max = v.cast<int>();
    else if (key == "thresh") p.thresh = v.cast<double>();
    else if (key == "n_svd") p.n_svd = v.cast<int>();
    else if (key == "knn_method") p.knn_method = v.cast<std::string>();
    else throw dtwin::InvalidArgument("Phate: unknown parameter '" + key + "'");
  }
  p.validate();
  return p;
}

template <typename S>
py::dict state_to_dict(const typename dtwin::Phate<S>::State& s) {
  py::dict d;
  d["n_features_in"] = s.n_features_in;
  d["pca_mean"] = to_numpy<S>(RowMat<S>(s.pca_mean.transpose()));
  d["pca_components"] = to_numpy<S>(s.pca_components);
  d["data"] = to_numpy<S>(s.data);
  d["embedding"] = to_numpy<S>(s.embedding);
  d["clusters"] = py::array_t<int>(static_cast<py::ssize_t>(s.clusters.size()), s.clusters.data());
  d["landmark_embedding"] = to_numpy<S>(s.landmark_embedding);
  d["optimal_t"] = s.optimal_t;
  d["entropy"] = py::array_t<double>(static_cast<py::ssize_t>(s.entropy.size()), s.entropy.data());
  d["diff_potential"] = to_numpy<S>(s.diff_potential);
  d["seed"] = s.seed;
  return d;
}

template <typename S>
RowMat<S> matrix_from(const py::dict& d, const char* key) {
  auto a = d[key].cast<ArrayIn<S>>();
  if (a.ndim() == 1) return Eigen::Map<const RowMat<S>>(a.data(), 1, a.shape(0));
  return view<S>(a, key);
}

template <typename S>
typename dtwin::Phate<S>::State state_from_dict(const py::dict& params, const py::dict& d) {
  typename dtwin::Phate<S>::State s;
  s.params = params_from(params);
  s.n_features_in = d["n_features_in"].cast<Eigen::Index>();
  RowMat<S> mean = matrix_from<S>(d, "pca_mean");
  s.pca_mean = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>>(mean.data(), mean.size());
  s.pca_components = matrix_from<S>(d, "pca_components");
  if (s.pca_components.size() == 0) s.pca_mean.resize(0);
  s.data = matrix_from<S>(d, "data");
  s.embedding = matrix_from<S>(d, "embedding");
  s.clusters = d["clusters"].cast<std::vector<int>>();
  s.landmark_embedding = matrix_from<S>(d, "landmark_embedding");
  s.optimal_t = d["optimal_t"].cast<int>();
  s.entropy = d["entropy"].cast<std::vector<double>>();
  if (d.contains("diff_potential")) s.diff_potential = matrix_from<S>(d, "diff_potential");
  s.seed = d["seed"].cast<std::uint64_t>();
  return s;
}

template <typename S>
void bind_one(py::module_& m, const char* name) {
  using P = dtwin::Phate<S>;
  // Not module_local: dtwin._core's archive takes and returns these objects across modules.
  py::class_<P>(m, name)
      .def(py::init([](const py::dict& params) { return P(params_from(params)); }), py::arg("params"))
      .def_static("from_state",
                  [](const py::dict& params, const py::dict& state) { return P::from_state(state_from_dict<S>(params, state)); })
      .def("fit",
           [](P& self, const ArrayIn<S>& X, py::object progress) {
             auto Xv = view<S>(X, "X");
             if (!progress.is_none()) {
               self.set_progress([progress](const std::string& stage, double sec) {
                 py::gil_scoped_acquire gil;
                 progress(stage, sec);
               });
             } else {
               self.set_progress(nullptr);
             }
             // Drop the Python callback (with the GIL held) even when fit throws.
             struct Reset { P& p; ~Reset() { p.set_progress(nullptr); } } reset{self};
             py::gil_scoped_release release;
             self.fit(Xv);
           },
           py::arg("X"), py::arg("progress") = py::none())
      .def("transform",
           [](const P& self, const ArrayIn<S>& X) {
             auto Xv = view<S>(X, "X");
             RowMat<S> Y;
             {
               py::gil_scoped_release release;
               Y = self.transform(Xv);
             }
             return to_numpy<S>(std::move(Y));
           },
           py::arg("X"))
      .def_property_readonly("is_fitted", &P::is_fitted)
      .def("state", [](const P& self) { return state_to_dict<S>(self.state()); });
}

}  // namespace

void bind_phate(py::module_& m) {
  bind_one<double>(m, "_PhateF64");
  bind_one<float>(m, "_PhateF32");
}
