#include <gtest/gtest.h>

#include "dtwin/unit_config.hpp"

namespace {

const char* kGood = R"({
  "unit": "U1", "timestamp_column": "time", "missing": {"method": "ffill", "limit": 2},
  "equipment": [
    {"name": "A", "type": "furnace", "tags": [
      {"name": "x1", "role": "input", "unit": "degC", "min": 0, "max": 500},
      {"name": "x2", "role": "input"},
      {"name": "y", "role": "target", "unit": "degC"}]},
    {"name": "B", "tags": [
      {"name": "y", "role": "input", "unit": "degC"},
      {"name": "x2", "role": "input"},
      {"name": "q", "role": "target", "unit": "wppm"}]}
  ]})";

std::string error_of(const std::string& text) {
  try {
    dtwin::UnitConfig::from_json(text);
  } catch (const dtwin::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(UnitConfig, ParsesAndFindsSharedTags) {
  const auto c = dtwin::UnitConfig::from_json(kGood);
  EXPECT_EQ(c.name, "U1");
  ASSERT_EQ(c.equipment.size(), 2u);
  EXPECT_EQ(c.equipment[0].inputs(), (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(c.equipment[1].targets(), (std::vector<std::string>{"q"}));
  EXPECT_EQ(*c.equipment[0].tag("x1").max, 500);
  EXPECT_EQ(c.missing.method, "ffill");
  const auto shared = c.shared_tags();
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0].tag, "x2");
  EXPECT_EQ(shared[0].producer, "A");
  EXPECT_EQ(shared[1].tag, "y");
  EXPECT_EQ(shared[1].consumers, (std::vector<std::string>{"B"}));
  EXPECT_EQ(c.all_tags(), (std::vector<std::string>{"x1", "x2", "y", "q"}));
}

TEST(UnitConfig, RoundTripsThroughJson) {
  const auto c = dtwin::UnitConfig::from_json(kGood);
  const auto d = dtwin::UnitConfig::from_json(c.to_json());
  EXPECT_EQ(c.to_json(), d.to_json());
  const auto e = dtwin::EquipmentConfig::from_json(c.equipment[1].to_json());
  EXPECT_EQ(e.to_json(), c.equipment[1].to_json());
}

TEST(UnitConfig, ErrorsNameTheField) {
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"equipment": []})").find("missing field \"unit\""), std::string::npos);
  EXPECT_NE(error_of(R"({"unit": "U", "equipment": []})").find("lists no equipment"), std::string::npos);
  const std::string bad_role = R"({"unit": "U", "equipment": [{"name": "A", "tags": [
      {"name": "a", "role": "output"}, {"name": "b", "role": "target"}]}]})";
  EXPECT_NE(error_of(bad_role).find("equipment[0].tags[0].role"), std::string::npos);
  const std::string typo = R"({"unit": "U", "equipment": [{"name": "A", "tags": [
      {"name": "a", "rol": "input"}, {"name": "b", "role": "target"}]}]})";
  EXPECT_NE(error_of(typo).find("unknown field \"rol\""), std::string::npos);
  const std::string dup = R"({"unit": "U", "equipment": [
      {"name": "A", "tags": [{"name": "a"}, {"name": "b", "role": "target"}]},
      {"name": "A", "tags": [{"name": "c"}, {"name": "d", "role": "target"}]}]})";
  EXPECT_NE(error_of(dup).find("listed twice"), std::string::npos);
  const std::string no_target = R"({"unit": "U", "equipment": [{"name": "A", "tags": [{"name": "a"}]}]})";
  EXPECT_NE(error_of(no_target).find("at least one target"), std::string::npos);
  const std::string bounds = R"({"unit": "U", "equipment": [{"name": "A", "tags": [
      {"name": "a", "min": 5, "max": 1}, {"name": "b", "role": "target"}]}]})";
  EXPECT_NE(error_of(bounds).find("must be below max"), std::string::npos);
  const std::string units = R"({"unit": "U", "equipment": [
      {"name": "A", "tags": [{"name": "a", "unit": "degC"}, {"name": "b", "role": "target"}]},
      {"name": "B", "tags": [{"name": "a", "unit": "K"}, {"name": "d", "role": "target"}]}]})";
  EXPECT_NE(error_of(units).find("has unit \"K\" here but \"degC\""), std::string::npos);
  // A tag produced downstream but already used upstream is a recycle the chain cannot follow.
  const std::string cycle = R"({"unit": "U", "equipment": [
      {"name": "A", "tags": [{"name": "a"}, {"name": "b", "role": "target"}]},
      {"name": "B", "tags": [{"name": "b"}, {"name": "a", "role": "target"}]}]})";
  EXPECT_NE(error_of(cycle).find("cycle"), std::string::npos);
  const std::string policy = R"({"unit": "U", "missing": {"method": "mean"}, "equipment": [
      {"name": "A", "tags": [{"name": "a"}, {"name": "b", "role": "target"}]}]})";
  EXPECT_NE(error_of(policy).find("missing.method"), std::string::npos);
}

// Found by fuzz/fuzz_config: a number beyond double's range escaped as a JSON library error.
TEST(UnitConfig, NumbersOutOfRangeAreInvalidArguments) {
  EXPECT_THROW(dtwin::UnitConfig::from_json("{\"unit\": 88888E888EEEE;\x01"), dtwin::InvalidArgument);
  EXPECT_THROW(dtwin::UnitConfig::from_json("{\"unit\": 1e999}"), dtwin::InvalidArgument);
}

TEST(UnitConfig, LoadReportsMissingFile) {
  EXPECT_THROW(dtwin::UnitConfig::load("/nonexistent/unit.json"), dtwin::IOError);
}
