#pragma once
// The description of a process unit an engineer writes once (docs/unit_config.md): the unit's
// name, its equipment in process order, and for each equipment its tags with their role
// ("input" or "target"), engineering unit, optional physical bounds and a description. A tag
// listed under several equipment is a shared tag (an outlet that is the next inlet); the
// first equipment that lists it produces it for the others.
//
//   auto cfg = dtwin::UnitConfig::load("hdt.json");   // validated; errors name the bad field
//   for (const auto& s : cfg.shared_tags()) ...         // tag, producer, consumers
#include <optional>
#include <string>
#include <vector>

#include "dtwin/error.hpp"

namespace dtwin {

struct TagConfig {
  std::string name;
  std::string role = "input";  // "input" or "target"
  std::string unit;            // engineering unit, free text ("degC", "m3/h", "wppm")
  std::optional<double> min, max;  // physical bounds
  std::string description;
};

struct EquipmentConfig {
  std::string name;
  std::string type;  // free text: "heat_exchanger", "furnace", "reactor", "separator", "column"
  std::string description;
  std::vector<TagConfig> tags;

  std::vector<std::string> tag_names() const;  // in config order
  std::vector<std::string> inputs() const;
  std::vector<std::string> targets() const;
  const TagConfig& tag(const std::string& name) const;  // throws InvalidArgument when absent

  void validate() const;  // the checks UnitConfig::validate makes for one equipment
  std::string to_json(int indent = -1) const;
  static EquipmentConfig from_json(const std::string& text);
};

// How gaps (NaN cells) in plant data are handled before a twin sees them.
struct MissingPolicy {
  // "drop": rows with a gap in the needed tags are left out; "ffill"/"bfill": carry the last
  // (next) reading over at most `limit` rows; "interpolate": linear between readings at most
  // `limit` rows apart. Targets (lab values) are never filled, only inputs.
  std::string method = "drop";
  int limit = 3;
};

struct SharedTag {
  std::string tag;
  std::string producer;                // first equipment (process order) that lists it
  std::vector<std::string> consumers;  // the later ones
};

struct UnitConfig {
  std::string name;
  std::string description;
  std::string timestamp_column;  // empty: none
  MissingPolicy missing;
  std::vector<EquipmentConfig> equipment;  // in process order

  // Throws InvalidArgument naming the field ("equipment[2].tags[0].role") and what is wrong.
  void validate() const;
  static UnitConfig from_json(const std::string& text);
  static UnitConfig load(const std::string& path);  // IOError when unreadable
  std::string to_json(int indent = 2) const;
  void save(const std::string& path) const;  // atomic

  const EquipmentConfig& find(const std::string& equipment_name) const;
  // (from_json without the translation of JSON library errors)
  static UnitConfig from_json_checked(const std::string& text);
  std::vector<SharedTag> shared_tags() const;
  std::vector<std::string> all_tags() const;  // every tag once, in first-appearance order
};

}  // namespace dtwin
