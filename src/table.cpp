#include "dtwin/table.hpp"

#include <cmath>
#include <set>
#include <sstream>

namespace dtwin {

Eigen::Index Table::find(const std::string& name) const {
  for (std::size_t j = 0; j < columns.size(); ++j)
    if (columns[j] == name) return static_cast<Eigen::Index>(j);
  return -1;
}

Table::Matrix Table::select(const std::vector<std::string>& names, const std::string& what) const {
  std::vector<Eigen::Index> idx;
  std::string missing;
  for (const auto& n : names) {
    const Eigen::Index j = find(n);
    if (j < 0) missing += (missing.empty() ? "\"" : ", \"") + n + "\"";
    idx.push_back(j);
  }
  if (!missing.empty()) {
    std::string have;
    for (std::size_t j = 0; j < columns.size() && j < 30; ++j) have += (j ? ", " : "") + columns[j];
    if (columns.size() > 30) have += ", ...";
    throw InvalidArgument(what + " lacks the column(s) " + missing + " (it has: " + have + ")");
  }
  Matrix out(values.rows(), static_cast<Eigen::Index>(names.size()));
  for (std::size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = values.col(idx[k]);
  return out;
}

void Table::check() const {
  if (static_cast<Eigen::Index>(columns.size()) != values.cols())
    throw InvalidArgument("table: " + std::to_string(columns.size()) + " column names for " +
                          std::to_string(values.cols()) + " columns of values");
  if (!timestamp_name.empty() && static_cast<Eigen::Index>(timestamps.size()) != values.rows())
    throw InvalidArgument("table: " + std::to_string(timestamps.size()) + " timestamps for " +
                          std::to_string(values.rows()) + " rows");
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (c.empty()) throw InvalidArgument("table: a column has an empty name");
    if (!seen.insert(c).second) throw InvalidArgument("table: column \"" + c + "\" appears twice");
  }
}

std::string MissingReport::summary() const {
  std::ostringstream os;
  long total = 0, filled_total = 0;
  for (const auto& [c, n] : missing) total += n;
  for (const auto& [c, n] : filled) filled_total += n;
  os << total << " gap(s) in " << rows_in << " rows; " << filled_total << " filled; " << rows_dropped
     << " row(s) dropped";
  for (const auto& [c, n] : missing) {
    if (n == 0) continue;
    auto it = filled.find(c);
    os << "\n  " << c << ": " << n << " missing, " << (it == filled.end() ? 0 : it->second) << " filled";
  }
  return os.str();
}

namespace {

// Fills runs of NaN in one column; returns how many cells were filled.
long fill_column(Table::Matrix& v, Eigen::Index j, const std::string& method, int limit) {
  const Eigen::Index n = v.rows();
  long filled = 0;
  Eigen::Index i = 0;
  while (i < n) {
    if (!std::isnan(v(i, j))) {
      ++i;
      continue;
    }
    Eigen::Index end = i;
    while (end < n && std::isnan(v(end, j))) ++end;  // gap is [i, end)
    const Eigen::Index len = end - i;
    const bool has_before = i > 0, has_after = end < n;
    if (method == "ffill" && has_before) {
      for (Eigen::Index k = i; k < end && k - i < limit; ++k, ++filled) v(k, j) = v(i - 1, j);
    } else if (method == "bfill" && has_after) {
      for (Eigen::Index k = end - 1; k >= i && end - 1 - k < limit; --k, ++filled) v(k, j) = v(end, j);
    } else if (method == "interpolate" && has_before && has_after && len <= limit) {
      const double a = v(i - 1, j), b = v(end, j);
      for (Eigen::Index k = i; k < end; ++k, ++filled)
        v(k, j) = a + (b - a) * static_cast<double>(k - i + 1) / static_cast<double>(len + 1);
    }
    i = end;
  }
  return filled;
}

}  // namespace

MissingReport apply_missing(Table& t, const MissingPolicy& policy, const std::vector<std::string>& fill_columns,
                            const std::vector<std::string>& required) {
  t.check();
  MissingReport r;
  r.rows_in = t.rows();
  std::vector<Eigen::Index> req;
  for (const auto& c : required) {
    const Eigen::Index j = t.find(c);
    if (j < 0) (void)t.select({c});  // throws the message listing the columns
    req.push_back(j);
    r.missing[c] = static_cast<long>(t.values.col(j).array().isNaN().count());
  }
  if (policy.method != "drop" && policy.limit > 0)
    for (const auto& c : fill_columns) {
      const Eigen::Index j = t.find(c);
      if (j < 0) continue;
      r.missing.emplace(c, static_cast<long>(t.values.col(j).array().isNaN().count()));
      r.filled[c] = fill_column(t.values, j, policy.method, policy.limit);
    }
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < t.rows(); ++i) {
    bool ok = true;
    for (Eigen::Index j : req) ok = ok && !std::isnan(t.values(i, j));
    if (ok) keep.push_back(i);
  }
  r.rows_dropped = static_cast<long>(t.rows()) - static_cast<long>(keep.size());
  if (r.rows_dropped > 0) {
    Table::Matrix v(static_cast<Eigen::Index>(keep.size()), t.values.cols());
    std::vector<std::string> ts;
    for (std::size_t k = 0; k < keep.size(); ++k) {
      v.row(static_cast<Eigen::Index>(k)) = t.values.row(keep[k]);
      if (!t.timestamp_name.empty()) ts.push_back(t.timestamps[static_cast<std::size_t>(keep[k])]);
    }
    t.values = std::move(v);
    t.timestamps = std::move(ts);
  }
  return r;
}

}  // namespace dtwin
