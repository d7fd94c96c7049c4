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

// Read-only numpy views of the fitted state, which stays alive while any view does: a 2,000 x
// 2,000 potential copied out at every fit had cost more than some fits (a fresh 16 MB faults in
// page by page; 1,000 samples: 6-8 ms of a 0.12 s fit).
template <typename S>
py::dict state_to_dict(std::shared_ptr<const typename dtwin::Phate<S>::State> s) {
  auto* keep = new std::shared_ptr<const typename dtwin::Phate<S>::State>(s);
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<const typename dtwin::Phate<S>::State>*>(p); });
  auto view_of = [&](const auto* data, py::ssize_t rows, py::ssize_t cols, bool matrix) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(data)>>;
    py::array_t<T> a = matrix ? py::array_t<T>({rows, cols}, {cols * static_cast<py::ssize_t>(sizeof(T)),
                                                              static_cast<py::ssize_t>(sizeof(T))}, data, owner)
                              : py::array_t<T>({rows}, {static_cast<py::ssize_t>(sizeof(T))}, data, owner);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
  };
  auto matrix = [&](const RowMat<S>& m) { return view_of(m.data(), m.rows(), m.cols(), true); };
  py::dict d;
  d["n_features_in"] = s->n_features_in;
  d["pca_mean"] = view_of(s->pca_mean.data(), 1, s->pca_mean.size(), true);
  d["pca_components"] = matrix(s->pca_components);
  d["data"] = matrix(s->data);
  d["embedding"] = matrix(s->embedding);
  d["clusters"] = view_of(s->clusters.data(), static_cast<py::ssize_t>(s->clusters.size()), 0, false);
  d["landmark_embedding"] = matrix(s->landmark_embedding);
  d["optimal_t"] = s->optimal_t;
  d["entropy"] = view_of(s->entropy.data(), static_cast<py::ssize_t>(s->entropy.size()), 0, false);
  d["diff_potential"] = matrix(s->diff_potential);
  d["seed"] = s->seed;
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
      .def("state", [](const P& self) { return state_to_dict<S>(self.shared_state()); });
}

}  // namespace

void bind_phate(py::module_& m) {
  bind_one<double>(m, "_PhateF64");
  bind_one<float>(m, "_PhateF32");
}
