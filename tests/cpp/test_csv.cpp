#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "dtwin/csv.hpp"

namespace {

std::string error_of(const std::string& text) {
  try {
    dtwin::parse_csv(text);
  } catch (const dtwin::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Csv, ReadsHeaderTimestampGapsBomAndCrLf) {
  const std::string text = "\xEF\xBB\xBFtime,a,b\r\n2026-01-01 00:00,1.5,NA\r\n2026-01-01 00:10,,-2e3\r\n\r\n";
  const auto t = dtwin::parse_csv(text);
  EXPECT_EQ(t.timestamp_name, "time");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows(), 2);
  EXPECT_EQ(t.timestamps[1], "2026-01-01 00:10");
  EXPECT_DOUBLE_EQ(t.values(0, 0), 1.5);
  EXPECT_TRUE(std::isnan(t.values(0, 1)));
  EXPECT_TRUE(std::isnan(t.values(1, 0)));
  EXPECT_DOUBLE_EQ(t.values(1, 1), -2000);
}

TEST(Csv, SemicolonsAndQuotes) {
  const auto t = dtwin::parse_csv("\"flow; m3/h\";b\n 1 ; \"2\"\n");
  EXPECT_EQ(t.columns[0], "flow; m3/h");
  EXPECT_DOUBLE_EQ(t.values(0, 1), 2);
}

TEST(Csv, ClearErrors) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("a,b\n1,2,3\n").find("line 2"), std::string::npos);
  EXPECT_NE(error_of("a,b\n1,x7\n").find("column \"b\": \"x7\" is not a number"), std::string::npos);
  EXPECT_NE(error_of("a,a\n1,2\n").find("appears twice"), std::string::npos);
  EXPECT_NE(error_of("a,,c\n1,2,3\n").find("header column 2 has no name"), std::string::npos);
  EXPECT_NE(error_of("a\ninf\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("a\n1e999\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("a,b\n\"1,2\n").find("unterminated quote"), std::string::npos);
  EXPECT_THROW(dtwin::read_csv("/nonexistent/x.csv"), dtwin::IOError);
}

TEST(Csv, WriteThenReadIsExact) {
  dtwin::Table t;
  t.columns = {"x", "y,z"};
  t.values.resize(3, 2);
  t.values << 1.0 / 3, -2e-30, NAN, 1e30, 42, 0;
  t.timestamp_name = "timestamp";
  t.timestamps = {"t0", "t1", "t2"};
  const std::string path = testing::TempDir() + "dtwin_csv_roundtrip.csv";
  dtwin::write_csv(path, t, 17);
  const auto r = dtwin::read_csv(path);
  EXPECT_EQ(r.columns, t.columns);
  EXPECT_EQ(r.timestamps, t.timestamps);
  EXPECT_EQ(r.values(0, 0), t.values(0, 0));
  EXPECT_EQ(r.values(0, 1), t.values(0, 1));
  EXPECT_TRUE(std::isnan(r.values(1, 0)));
  std::remove(path.c_str());
}

// Inputs found by fuzz/fuzz_csv (kept in fuzz/corpus/csv): a quoted name holding a semicolon
// made the writer's output parse with another separator.
TEST(Csv, NamesWithSeparatorsSpacesOrABomSurviveTheRoundTrip) {
  const auto t = dtwin::parse_csv("\xEF\xBB\xBF\"mt2e;\xBF\"mtr63\x08\n");
  ASSERT_EQ(t.columns.size(), 1u);
  const auto back = dtwin::parse_csv(dtwin::format_csv(t));
  EXPECT_EQ(back.columns, t.columns);
  dtwin::Table u;
  u.columns = {" spaced ", "\xEF\xBB\xBFbom", "a;b", "tab\tx"};
  u.values = Eigen::MatrixXd::Ones(1, 4);
  EXPECT_EQ(dtwin::parse_csv(dtwin::format_csv(u)).columns, u.columns);
}

TEST(Csv, ARowOfGapsSurvivesTheRoundTrip) {
  dtwin::Table t;
  t.columns = {"x"};
  t.values.resize(3, 1);
  t.values << 1, NAN, 3;
  const auto r = dtwin::parse_csv(dtwin::format_csv(t));
  ASSERT_EQ(r.rows(), 3);
  EXPECT_TRUE(std::isnan(r.values(1, 0)));
}

TEST(Csv, MissingPolicies) {
  dtwin::Table t = dtwin::parse_csv("a,b\n1,10\nNA,NA\nNA,30\nNA,40\n5,NA\n");
  dtwin::Table f = t;
  auto r = dtwin::apply_missing(f, {"ffill", 2}, {"a"}, {"a"});
  // a: 1, 1, 1, (gap past the limit: dropped), 5
  EXPECT_EQ(r.filled["a"], 2);
  EXPECT_EQ(r.missing["a"], 3);
  EXPECT_EQ(r.rows_dropped, 1);
  EXPECT_EQ(f.rows(), 4);
  dtwin::Table g = t;
  r = dtwin::apply_missing(g, {"interpolate", 3}, {"a"}, {"a", "b"});
  ASSERT_EQ(g.rows(), 3);  // rows with b missing are dropped, b (a target here) is not filled
  EXPECT_DOUBLE_EQ(g.values(1, 0), 3);  // a at row 3 interpolated between 1 and 5
  EXPECT_DOUBLE_EQ(g.values(2, 0), 4);
  dtwin::Table h = t;
  r = dtwin::apply_missing(h, {"drop", 3}, {"a"}, {"a"});
  EXPECT_EQ(h.rows(), 2);
  EXPECT_NE(r.summary().find("a: 3 missing, 0 filled"), std::string::npos);
  dtwin::Table k = t;
  EXPECT_THROW(dtwin::apply_missing(k, {"drop", 0}, {}, {"zz"}), dtwin::InvalidArgument);
}
