#pragma once
// dtwin::Error -> Python exceptions, shared by both compiled modules. InvalidArgument derives
// from std::invalid_argument (ValueError) and RuntimeError from std::runtime_error
// (RuntimeError), which pybind11 maps by itself; only the I/O error needs a translator.
#include <pybind11/pybind11.h>

#include "dtwin/error.hpp"

namespace dtwin_py {

inline void register_errors() {
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const dtwin::IOError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });
}

}  // namespace dtwin_py
