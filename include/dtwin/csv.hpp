#pragma once
// CSV in and out for plant data. The reader wants a header row; it accepts comma, semicolon or
// tab as the separator, a UTF-8 byte-order mark, Windows line ends, quoted fields, and empty,
// "NA", "NaN", "null" or "-" cells as gaps. A non-numeric cell, a ragged row or a duplicated
// column name is an InvalidArgument naming the line and the column.
//
//   auto t = dtwin::read_csv("plant.csv", {.timestamp_column = "time"});
//   dtwin::write_csv("virtual.csv", t);   // written to a temporary file, then renamed
#include <string>

#include "dtwin/table.hpp"

namespace dtwin {

struct CsvOptions {
  // Column kept as text (not parsed as a number). Empty: a first column named "time",
  // "timestamp", "date" or "datetime" (any case) is taken as the timestamp; none otherwise.
  std::string timestamp_column;
  char delimiter = 0;  // 0: detect from the header (',' ';' or '\t')
};

Table read_csv(const std::string& path, const CsvOptions& options = {});
Table parse_csv(const std::string& text, const CsvOptions& options = {}, const std::string& source = "<text>");
void write_csv(const std::string& path, const Table& table, int precision = 8);
std::string format_csv(const Table& table, int precision = 8);

}  // namespace dtwin
