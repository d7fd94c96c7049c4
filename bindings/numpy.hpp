#pragma once
// numpy <-> Eigen without extra copies: inputs are viewed in place (row-major, C-contiguous,
// converted by the Python layer beforehand when needed), outputs hand their buffer to numpy.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <Eigen/Dense>

#include <string>

#include "dtwin/error.hpp"
#include "dtwin/pgan.hpp"  // NamedArray

namespace dtwin_py {
namespace py = pybind11;

template <typename S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename S>
using ArrayIn = py::array_t<S, py::array::c_style | py::array::forcecast>;

template <typename S>
Eigen::Map<const RowMat<S>> view(const ArrayIn<S>& a, const char* name) {
  if (a.ndim() != 2)
    throw dtwin::InvalidArgument(std::string(name) + " must be 2-D (samples x features), got " +
                                 std::to_string(a.ndim()) + "-D");
  return {a.data(), static_cast<Eigen::Index>(a.shape(0)), static_cast<Eigen::Index>(a.shape(1))};
}

// Moves the matrix to the heap and lets a capsule free it with the array.
template <typename S>
py::array_t<S> to_numpy(RowMat<S>&& m) {
  auto* heap = new RowMat<S>(std::move(m));
  py::capsule owner(heap, [](void* p) { delete static_cast<RowMat<S>*>(p); });
  return py::array_t<S>({heap->rows(), heap->cols()}, {heap->cols() * static_cast<py::ssize_t>(sizeof(S)),
                                                       static_cast<py::ssize_t>(sizeof(S))},
                        heap->data(), owner);
}

template <typename S>
py::array_t<S> to_numpy(const RowMat<S>& m) {
  return to_numpy<S>(RowMat<S>(m));
}

// Named float32 arrays (model weights) as a dict of numpy arrays, and back.
inline py::dict named_arrays_to_dict(const std::vector<dtwin::NamedArray>& arrays) {
  py::dict out;
  for (const auto& w : arrays) {
    py::array_t<float> a(w.shape);
    std::copy(w.values.begin(), w.values.end(), a.mutable_data());
    out[py::str(w.name)] = a;
  }
  return out;
}

inline std::vector<dtwin::NamedArray> named_arrays_from_dict(const py::dict& d) {
  std::vector<dtwin::NamedArray> out;
  for (auto item : d) {
    auto a = item.second.cast<py::array_t<float, py::array::c_style | py::array::forcecast>>();
    dtwin::NamedArray w;
    w.name = item.first.cast<std::string>();
    for (py::ssize_t k = 0; k < a.ndim(); ++k) w.shape.push_back(a.shape(k));
    w.values.assign(a.data(), a.data() + a.size());
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace dtwin_py
