#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dtwin/csv.hpp"
#include "dtwin/simulate.hpp"
#include "dtwin/unit_config.hpp"
#include "table.hpp"

namespace py = pybind11;
using namespace dtwin_py;

// Unit configs cross as JSON text: the C++ parser is the one validator.
void bind_unit_config(py::module_& m) {
  m.def("_unit_config_normalise", [](const std::string& text) { return dtwin::UnitConfig::from_json(text).to_json(2); });
  m.def("_unit_config_shared_tags", [](const std::string& text) {
    py::list out;
    for (const auto& s : dtwin::UnitConfig::from_json(text).shared_tags())
      out.append(py::make_tuple(s.tag, s.producer, s.consumers));
    return out;
  });
  m.def("_read_csv", [](const std::string& path, const std::string& timestamp_column) {
    dtwin::CsvOptions o;
    o.timestamp_column = timestamp_column;
    dtwin::Table t;
    {
      py::gil_scoped_release release;
      t = dtwin::read_csv(path, o);
    }
    return table_to_tuple(std::move(t));
  });
  m.def("_parse_csv", [](const std::string& text, const std::string& timestamp_column, const std::string& source) {
    dtwin::CsvOptions o;
    o.timestamp_column = timestamp_column;
    dtwin::Table t;
    {
      py::gil_scoped_release release;
      t = dtwin::parse_csv(text, o, source);
    }
    return table_to_tuple(std::move(t));
  });
  m.def("_write_csv", [](const std::string& path, const std::vector<std::string>& columns, const ArrayIn<double>& values,
                         const std::string& ts_name, const std::vector<std::string>& ts, int precision) {
    dtwin::Table t = table_from(columns, values, ts_name, ts);
    py::gil_scoped_release release;
    dtwin::write_csv(path, t, precision);
  });
  m.def("_apply_missing", [](const std::vector<std::string>& columns, const ArrayIn<double>& values,
                             const std::string& method, int limit, const std::vector<std::string>& fill,
                             const std::vector<std::string>& required) {
    dtwin::Table t = table_from(columns, values, "", {});
    dtwin::MissingPolicy p{method, limit};
    const auto r = dtwin::apply_missing(t, p, fill, required);
    py::dict rep;
    rep["missing"] = r.missing;
    rep["filled"] = r.filled;
    rep["rows_in"] = r.rows_in;
    rep["rows_dropped"] = r.rows_dropped;
    rep["summary"] = r.summary();
    return py::make_tuple(to_numpy<double>(std::move(t.values)), rep);
  });
  m.def("_simulate", [](const py::dict& params) {
    dtwin::SimulationParams p;
    for (auto item : params) {
      const auto key = item.first.cast<std::string>();
      const py::handle v = item.second;
      if (key == "n_rows") p.n_rows = v.cast<long>();
      else if (key == "interval_minutes") p.interval_minutes = v.cast<double>();
      else if (key == "random_state") p.random_state = v.is_none() ? 0 : v.cast<std::uint64_t>();
      else if (key == "lab_interval") p.lab_interval = v.cast<int>();
      else if (key == "noise") p.noise = v.cast<double>();
      else if (key == "missing_rate") p.missing_rate = v.cast<double>();
      else if (key == "frozen_rate") p.frozen_rate = v.cast<double>();
      else if (key == "share_turndown") p.share_turndown = v.cast<double>();
      else if (key == "share_high_severity") p.share_high_severity = v.cast<double>();
      else if (key == "share_transient") p.share_transient = v.cast<double>();
      else if (key == "catalyst_life_days") p.catalyst_life_days = v.cast<double>();
      else if (key == "catalyst_cycle_days") p.catalyst_cycle_days = v.cast<double>();
      else if (key == "start") p.start = v.cast<std::string>();
      else throw dtwin::InvalidArgument("simulate: unknown parameter '" + key + "'");
    }
    dtwin::Simulation s;
    {
      py::gil_scoped_release release;
      s = dtwin::simulate(p);
    }
    std::vector<int> regime = std::move(s.regime);
    return py::make_tuple(table_to_tuple(std::move(s.data)), py::array_t<int>(regime.size(), regime.data()),
                          s.config.to_json(2), s.lab_tags, dtwin::Simulation::regime_names());
  });
}
