#pragma once
// A table of plant data: named numeric columns (NaN marks a gap) and an optional timestamp
// column kept as text. What the CSV reader returns, what twins fit on and generate.
#include <Eigen/Dense>

#include <map>
#include <string>
#include <vector>

#include "dtwin/error.hpp"
#include "dtwin/unit_config.hpp"

namespace dtwin {

struct Table {
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<std::string> columns;
  Matrix values;                       // rows x columns; NaN = missing
  std::string timestamp_name;          // empty: no timestamp column
  std::vector<std::string> timestamps;  // one per row when timestamp_name is set

  Eigen::Index rows() const { return values.rows(); }
  // Index of a column, or -1.
  Eigen::Index find(const std::string& name) const;
  // The named columns in the given order. Throws InvalidArgument listing every missing name
  // and the columns that are there.
  Matrix select(const std::vector<std::string>& names, const std::string& what = "data") const;
  void check() const;  // shapes agree, names unique and non-empty
};

// What apply_missing did, per column and in total.
struct MissingReport {
  std::map<std::string, long> missing;  // gaps found per column (before the policy)
  std::map<std::string, long> filled;   // gaps filled per column
  long rows_in = 0, rows_dropped = 0;

  std::string summary() const;  // one line per column with gaps
};

// Applies `policy` to the named input columns of `t` (fill within the limit), then drops rows
// with a gap left in any of `required` (inputs and targets). Targets are never filled.
MissingReport apply_missing(Table& t, const MissingPolicy& policy, const std::vector<std::string>& fill_columns,
                            const std::vector<std::string>& required);

}  // namespace dtwin
