#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/sparse_generation.hpp"
#include "numpy.hpp"

namespace py = pybind11;
using namespace dtwin_py;

void bind_sparse_generation(py::module_& m) {
  m.def(
      "_sparse_generate",
      [](const ArrayIn<double>& Z, int n_cycles, int n_candidates, double radius, const std::string& radius_law,
         const std::string& target, int density_knn, double sparse_power, const std::string& bounds,
         std::vector<double> box_lo, std::vector<double> box_hi, std::vector<std::uint8_t> mask,
         std::optional<std::uint64_t> random_state) {
        auto Zv = view<double>(Z, "Z");
        dtwin::SparseGenerationParams p;
        p.n_cycles = n_cycles;
        p.n_candidates = n_candidates;
        p.radius = radius;
        p.radius_law = radius_law;
        p.target = target;
        p.density_knn = density_knn;
        p.sparse_power = sparse_power;
        p.bounds = bounds;
        p.box_lo = std::move(box_lo);
        p.box_hi = std::move(box_hi);
        p.mask = std::move(mask);
        p.random_state = random_state;
        dtwin::SparseGenerator<double>::Result r;
        {
          py::gil_scoped_release release;
          r = dtwin::SparseGenerator<double>(p).generate(Zv);
        }
        py::dict out;
        out["features"] = to_numpy<double>(std::move(r.features));
        out["centres"] = py::array_t<int>(static_cast<py::ssize_t>(r.centres.size()), r.centres.data());
        out["radius"] = r.radius;
        out["rejected"] = r.rejected;
        return out;
      },
      py::arg("Z"), py::arg("n_cycles"), py::arg("n_candidates"), py::arg("radius"), py::arg("radius_law"),
      py::arg("target"), py::arg("density_knn"), py::arg("sparse_power"), py::arg("bounds"), py::arg("box_lo"),
      py::arg("box_hi"), py::arg("mask"), py::arg("random_state"));
  // R of the published rule, so that Python can ask for a multiple of it (dtwin.augment's spread).
  m.def(
      "_mean_nn_distance",
      [](const ArrayIn<double>& Z) {
        auto Zv = view<double>(Z, "Z");
        if (Zv.rows() < 2) throw dtwin::InvalidArgument("mean nearest-neighbour distance needs at least 2 samples");
        py::gil_scoped_release release;
        return dtwin::SparseGenerator<double>::mean_nn_distance(Zv);
      },
      py::arg("Z"));
}
