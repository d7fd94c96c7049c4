#include "dtwin/unit_config.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "atomic_file.hpp"

namespace dtwin {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw InvalidArgument("unit config: " + where + ": " + what);
}

// Unknown keys are errors: a misspelt "rol" would otherwise silently become the default role.
void check_keys(const json& j, const std::string& where, std::initializer_list<const char*> known) {
  if (!j.is_object()) bad(where, "must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      bad(where, "unknown field \"" + it.key() + "\" (known: " + list + ")");
    }
  }
}

std::string get_string(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) bad(where, std::string("missing field \"") + key + "\"");
    return {};
  }
  if (!j.at(key).is_string()) bad(where + "." + key, "must be a string");
  return j.at(key).get<std::string>();
}

std::optional<double> get_number(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  if (!j.at(key).is_number()) bad(where + "." + key, "must be a number");
  const double v = j.at(key).get<double>();
  if (!std::isfinite(v)) bad(where + "." + key, "must be finite");
  return v;
}

TagConfig parse_tag(const json& j, const std::string& where) {
  check_keys(j, where, {"name", "role", "unit", "min", "max", "description"});
  TagConfig t;
  t.name = get_string(j, "name", where, true);
  if (j.contains("role")) t.role = get_string(j, "role", where, true);
  t.unit = get_string(j, "unit", where, false);
  t.min = get_number(j, "min", where);
  t.max = get_number(j, "max", where);
  t.description = get_string(j, "description", where, false);
  return t;
}

EquipmentConfig parse_equipment(const json& j, const std::string& where) {
  check_keys(j, where, {"name", "type", "description", "tags"});
  EquipmentConfig e;
  e.name = get_string(j, "name", where, true);
  e.type = get_string(j, "type", where, false);
  e.description = get_string(j, "description", where, false);
  if (!j.contains("tags")) bad(where, "missing field \"tags\"");
  if (!j.at("tags").is_array()) bad(where + ".tags", "must be a list of tags");
  for (std::size_t i = 0; i < j.at("tags").size(); ++i)
    e.tags.push_back(parse_tag(j.at("tags")[i], where + ".tags[" + std::to_string(i) + "]"));
  return e;
}

json tag_json(const TagConfig& t) {
  json j = {{"name", t.name}, {"role", t.role}};
  if (!t.unit.empty()) j["unit"] = t.unit;
  if (t.min) j["min"] = *t.min;
  if (t.max) j["max"] = *t.max;
  if (!t.description.empty()) j["description"] = t.description;
  return j;
}

json equipment_json(const EquipmentConfig& e) {
  json j = {{"name", e.name}};
  if (!e.type.empty()) j["type"] = e.type;
  if (!e.description.empty()) j["description"] = e.description;
  j["tags"] = json::array();
  for (const auto& t : e.tags) j["tags"].push_back(tag_json(t));
  return j;
}

void validate_equipment(const EquipmentConfig& e, const std::string& where) {
  if (e.name.empty()) bad(where + ".name", "must not be empty");
  if (e.name.find('/') != std::string::npos) bad(where + ".name", "must not contain '/' (got \"" + e.name + "\")");
  if (e.tags.empty()) bad(where + ".tags", "equipment \"" + e.name + "\" has no tags");
  std::set<std::string> seen;
  int inputs = 0, targets = 0;
  for (std::size_t i = 0; i < e.tags.size(); ++i) {
    const auto& t = e.tags[i];
    const std::string w = where + ".tags[" + std::to_string(i) + "]";
    if (t.name.empty()) bad(w + ".name", "must not be empty");
    if (!seen.insert(t.name).second) bad(w + ".name", "tag \"" + t.name + "\" is listed twice in \"" + e.name + "\"");
    if (t.role == "input") ++inputs;
    else if (t.role == "target") ++targets;
    else bad(w + ".role", "must be \"input\" or \"target\", got \"" + t.role + "\"");
    if (t.min && t.max && !(*t.min < *t.max))
      bad(w, "min (" + std::to_string(*t.min) + ") must be below max (" + std::to_string(*t.max) + ")");
  }
  if (inputs == 0) bad(where, "equipment \"" + e.name + "\" needs at least one input tag");
  if (targets == 0)
    bad(where, "equipment \"" + e.name + "\" needs at least one target tag (the quality variable its soft sensor predicts)");
}

json parse_text(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception& ex) {  // parse errors, and numbers beyond double's range
    throw InvalidArgument(std::string("unit config: not valid JSON (") + ex.what() + ")");
  }
}

}  // namespace

std::vector<std::string> EquipmentConfig::tag_names() const {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.name);
  return out;
}
std::vector<std::string> EquipmentConfig::inputs() const {
  std::vector<std::string> out;
  for (const auto& t : tags)
    if (t.role == "input") out.push_back(t.name);
  return out;
}
std::vector<std::string> EquipmentConfig::targets() const {
  std::vector<std::string> out;
  for (const auto& t : tags)
    if (t.role == "target") out.push_back(t.name);
  return out;
}
const TagConfig& EquipmentConfig::tag(const std::string& n) const {
  for (const auto& t : tags)
    if (t.name == n) return t;
  throw InvalidArgument("equipment \"" + name + "\" has no tag \"" + n + "\"");
}
void EquipmentConfig::validate() const { validate_equipment(*this, "equipment \"" + name + "\""); }
std::string EquipmentConfig::to_json(int indent) const { return equipment_json(*this).dump(indent); }
EquipmentConfig EquipmentConfig::from_json(const std::string& text) {
  try {
    EquipmentConfig e = parse_equipment(parse_text(text), "equipment");
    e.validate();
    return e;
  } catch (const json::exception& ex) {
    throw InvalidArgument(std::string("equipment config: ") + ex.what());
  }
}

void UnitConfig::validate() const {
  if (name.empty()) bad("unit", "the unit needs a name (field \"unit\")");
  if (missing.method != "drop" && missing.method != "ffill" && missing.method != "bfill" &&
      missing.method != "interpolate")
    bad("missing.method", "must be \"drop\", \"ffill\", \"bfill\" or \"interpolate\", got \"" + missing.method + "\"");
  if (missing.limit < 0) bad("missing.limit", "must be >= 0");
  if (equipment.empty()) bad("equipment", "the unit lists no equipment");
  std::map<std::string, std::size_t> names;
  std::map<std::string, std::pair<std::size_t, const TagConfig*>> first;  // tag -> first equipment
  for (std::size_t i = 0; i < equipment.size(); ++i) {
    const auto& e = equipment[i];
    const std::string where = "equipment[" + std::to_string(i) + "]";
    validate_equipment(e, where);
    if (!names.emplace(e.name, i).second) bad(where + ".name", "equipment \"" + e.name + "\" is listed twice");
    for (const auto& t : e.tags) {
      if (t.name == timestamp_column)
        bad(where, "tag \"" + t.name + "\" is the timestamp column; timestamps are not tags");
      auto [it, fresh] = first.emplace(t.name, std::make_pair(i, &t));
      if (!fresh) {
        const TagConfig& f = *it->second.second;
        const std::string& producer = equipment[it->second.first].name;
        if (!f.unit.empty() && !t.unit.empty() && f.unit != t.unit)
          bad(where, "shared tag \"" + t.name + "\" has unit \"" + t.unit + "\" here but \"" + f.unit + "\" in \"" +
                         producer + "\"");
        if (t.role == "target")
          bad(where, "tag \"" + t.name + "\" is a target of \"" + e.name + "\" but already appears in \"" + producer +
                         "\", earlier in process order: a cycle the chain cannot follow. Make it an input of \"" +
                         e.name + "\" or move the producing equipment first");
      }
    }
  }
}

UnitConfig UnitConfig::from_json(const std::string& text) {
  try {
    return from_json_checked(text);
  } catch (const json::exception& ex) {
    throw InvalidArgument(std::string("unit config: ") + ex.what());
  }
}

UnitConfig UnitConfig::from_json_checked(const std::string& text) {
  const json j = parse_text(text);
  check_keys(j, "top level", {"unit", "description", "timestamp_column", "missing", "equipment", "format"});
  UnitConfig c;
  c.name = get_string(j, "unit", "top level", true);
  c.description = get_string(j, "description", "top level", false);
  c.timestamp_column = get_string(j, "timestamp_column", "top level", false);
  if (j.contains("missing")) {
    const json& m = j.at("missing");
    check_keys(m, "missing", {"method", "limit"});
    if (m.contains("method")) c.missing.method = get_string(m, "method", "missing", true);
    if (m.contains("limit")) {
      if (!m.at("limit").is_number_integer()) bad("missing.limit", "must be a whole number of rows");
      c.missing.limit = m.at("limit").get<int>();
    }
  }
  if (!j.contains("equipment")) bad("top level", "missing field \"equipment\"");
  if (!j.at("equipment").is_array()) bad("equipment", "must be a list, in process order");
  for (std::size_t i = 0; i < j.at("equipment").size(); ++i)
    c.equipment.push_back(parse_equipment(j.at("equipment")[i], "equipment[" + std::to_string(i) + "]"));
  c.validate();
  return c;
}

UnitConfig UnitConfig::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("unit config: cannot open '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return from_json(ss.str());
  } catch (const InvalidArgument& ex) {
    throw InvalidArgument(std::string(ex.what()) + " (in '" + path + "')");
  }
}

std::string UnitConfig::to_json(int indent) const {
  json j = {{"unit", name}};
  if (!description.empty()) j["description"] = description;
  if (!timestamp_column.empty()) j["timestamp_column"] = timestamp_column;
  j["missing"] = {{"method", missing.method}, {"limit", missing.limit}};
  j["equipment"] = json::array();
  for (const auto& e : equipment) j["equipment"].push_back(equipment_json(e));
  return j.dump(indent);
}

void UnitConfig::save(const std::string& path) const { detail::write_file_atomic(path, to_json(2) + "\n"); }

const EquipmentConfig& UnitConfig::find(const std::string& n) const {
  for (const auto& e : equipment)
    if (e.name == n) return e;
  std::string list;
  for (const auto& e : equipment) list += (list.empty() ? "" : ", ") + e.name;
  throw InvalidArgument("unit \"" + name + "\" has no equipment \"" + n + "\" (it has: " + list + ")");
}

std::vector<SharedTag> UnitConfig::shared_tags() const {
  std::vector<SharedTag> out;
  std::map<std::string, std::size_t> at;
  for (const auto& e : equipment)
    for (const auto& t : e.tags) {
      auto it = at.find(t.name);
      if (it == at.end()) {
        at[t.name] = out.size();
        out.push_back({t.name, e.name, {}});
      } else {
        out[it->second].consumers.push_back(e.name);
      }
    }
  std::vector<SharedTag> shared;
  for (auto& s : out)
    if (!s.consumers.empty()) shared.push_back(std::move(s));
  return shared;
}

std::vector<std::string> UnitConfig::all_tags() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : equipment)
    for (const auto& t : e.tags)
      if (seen.insert(t.name).second) out.push_back(t.name);
  return out;
}

}  // namespace dtwin
