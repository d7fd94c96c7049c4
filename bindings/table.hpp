#pragma once
// dtwin::Table <-> Python: (columns, values as a float64 array, timestamp name, timestamps).
// The Python layer turns this into a pandas DataFrame where pandas is installed.
#include <pybind11/stl.h>

#include "dtwin/table.hpp"
#include "numpy.hpp"

namespace dtwin_py {

inline dtwin::Table table_from(const std::vector<std::string>& columns, const ArrayIn<double>& values,
                               const std::string& timestamp_name, const std::vector<std::string>& timestamps) {
  dtwin::Table t;
  t.columns = columns;
  t.values = view<double>(values, "values");
  t.timestamp_name = timestamp_name;
  t.timestamps = timestamps;
  t.check();
  return t;
}

inline py::tuple table_to_tuple(dtwin::Table&& t) {
  auto cols = std::move(t.columns);
  auto name = std::move(t.timestamp_name);
  auto ts = std::move(t.timestamps);
  return py::make_tuple(cols, to_numpy<double>(std::move(t.values)), name, ts);
}

}  // namespace dtwin_py
