#include "dtwin/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "atomic_file.hpp"

namespace dtwin {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits one line into fields; quotes may wrap a field (a doubled quote inside is one quote).
// Returns false for an unterminated quote.
bool split(std::string_view line, char delim, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && trim(cur).empty()) {
      quoted = was_quoted = true;
      cur.clear();
    } else if (c == delim) {
      out.emplace_back(was_quoted ? cur : std::string(trim(cur)));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) return false;
  out.emplace_back(was_quoted ? cur : std::string(trim(cur)));
  return true;
}

// The most frequent of , ; tab outside quotes.
char detect_delimiter(std::string_view header) {
  std::size_t count[3] = {0, 0, 0};
  const char cand[3] = {',', ';', '\t'};
  bool quoted = false;
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    for (int k = 0; k < 3 && !quoted; ++k) count[k] += c == cand[k];
  }
  std::size_t best = 0;
  char d = ',';
  for (int k = 0; k < 3; ++k)
    if (count[k] > best) best = count[k], d = cand[k];
  return d;
}

bool is_gap(std::string_view s) {
  if (s.empty() || s == "-") return true;
  const std::string l = lower(s);
  return l == "na" || l == "nan" || l == "n/a" || l == "null" || l == "none";
}

std::string shown(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return out;
}

}  // namespace

Table parse_csv(const std::string& text, const CsvOptions& options, const std::string& source) {
  std::string_view rest(text);
  if (rest.size() >= 3 && rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 BOM
  auto next_line = [&rest](std::string_view& line) {
    if (rest.empty()) return false;
    const std::size_t nl = rest.find('\n');
    line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  };
  auto err = [&source](long line, const std::string& what) -> InvalidArgument {
    return InvalidArgument("CSV " + source + (line > 0 ? ", line " + std::to_string(line) : std::string()) + ": " + what);
  };

  std::string_view line;
  long lineno = 0;
  do {
    if (!next_line(line)) throw err(0, "the file is empty; a header row naming the columns is needed");
    ++lineno;
  } while (trim(line).empty());
  const char delim = options.delimiter ? options.delimiter : detect_delimiter(line);
  std::vector<std::string> header;
  if (!split(line, delim, header)) throw err(lineno, "unterminated quote in the header");
  std::set<std::string> seen;
  for (std::size_t j = 0; j < header.size(); ++j) {
    if (header[j].empty()) throw err(lineno, "header column " + std::to_string(j + 1) + " has no name");
    if (!seen.insert(header[j]).second) throw err(lineno, "column \"" + header[j] + "\" appears twice in the header");
  }
  long ts = -1;
  if (!options.timestamp_column.empty()) {
    auto it = std::find(header.begin(), header.end(), options.timestamp_column);
    if (it == header.end()) throw err(lineno, "no timestamp column \"" + options.timestamp_column + "\" in the header");
    ts = it - header.begin();
  } else {
    const std::string first = lower(header[0]);
    if (first == "time" || first == "timestamp" || first == "date" || first == "datetime") ts = 0;
  }

  Table t;
  for (std::size_t j = 0; j < header.size(); ++j)
    if (static_cast<long>(j) != ts) t.columns.push_back(header[j]);
  if (ts >= 0) t.timestamp_name = header[static_cast<std::size_t>(ts)];
  const std::size_t nc = t.columns.size();
  if (nc == 0) throw err(lineno, "no numeric columns besides the timestamp");
  std::vector<double> vals;
  std::vector<std::string> fields;
  std::size_t rows = 0;
  while (next_line(line)) {
    ++lineno;
    if (trim(line).empty()) continue;
    if (!split(line, delim, fields)) throw err(lineno, "unterminated quote");
    if (fields.size() != header.size())
      throw err(lineno, "has " + std::to_string(fields.size()) + " fields but the header has " +
                            std::to_string(header.size()) + " (a ragged row, or a separator inside an unquoted cell)");
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (static_cast<long>(j) == ts) {
        t.timestamps.push_back(fields[j]);
        continue;
      }
      std::string_view f = fields[j];
      if (is_gap(f)) {
        vals.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      if (!f.empty() && f.front() == '+') f.remove_prefix(1);
      double v = 0;
      const auto res = std::from_chars(f.data(), f.data() + f.size(), v);
      if (res.ec == std::errc::result_out_of_range || (res.ec == std::errc() && res.ptr == f.data() + f.size() && !std::isfinite(v)))
        throw err(lineno, "column \"" + header[j] + "\": \"" + shown(fields[j]) + "\" is not a finite number");
      if (res.ec != std::errc() || res.ptr != f.data() + f.size())
        throw err(lineno, "column \"" + header[j] + "\": \"" + shown(fields[j]) +
                              "\" is not a number (gaps may be empty, NA, NaN, null or -)");
      vals.push_back(v);
    }
    ++rows;
  }
  t.values = Eigen::Map<Table::Matrix>(vals.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(nc));
  return t;
}

Table read_csv(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("CSV: cannot open '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IOError("CSV: error while reading '" + path + "'");
  return parse_csv(ss.str(), options, "'" + path + "'");
}

std::string format_csv(const Table& table, int precision) {
  table.check();
  auto quote = [](const std::string& s) {
    // Quoted when a reader would otherwise change it: a separator it might detect, a quote, a
    // line end, spaces it would trim, or a leading byte-order mark.
    const bool plain = s.find_first_of(",;\t\"\n\r") == std::string::npos &&
                       (s.empty() || (s.front() != ' ' && s.back() != ' ' && s.front() != '\xEF'));
    if (plain) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out;
  out.reserve(static_cast<std::size_t>(table.values.size()) * 12 + 256);
  bool first = true;
  if (!table.timestamp_name.empty()) {
    out += quote(table.timestamp_name);
    first = false;
  }
  for (const auto& c : table.columns) {
    if (!first) out += ',';
    out += quote(c);
    first = false;
  }
  out += '\n';
  char buf[64];
  for (Eigen::Index i = 0; i < table.rows(); ++i) {
    first = true;
    if (!table.timestamp_name.empty()) {
      out += quote(table.timestamps[static_cast<std::size_t>(i)]);
      first = false;
    }
    // A row of gaps alone would be a blank line, which readers skip: mark its first gap.
    const bool blank = table.timestamp_name.empty() && table.values.row(i).array().isNaN().all();
    for (Eigen::Index j = 0; j < table.values.cols(); ++j) {
      if (!first) out += ',';
      first = false;
      const double v = table.values(i, j);
      if (std::isnan(v)) {
        if (blank && j == 0) out += "NaN";
        continue;
      }
      const int n = std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      out.append(buf, static_cast<std::size_t>(n));
    }
    out += '\n';
  }
  return out;
}

void write_csv(const std::string& path, const Table& table, int precision) {
  detail::write_file_atomic(path, format_csv(table, precision));
}

}  // namespace dtwin
