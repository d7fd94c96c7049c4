#pragma once
// Parameter structs to and from JSON: one place for the field lists, used by the archive and
// by the twins' settings.
#include <nlohmann/json.hpp>

#include "dtwin/pgan.hpp"
#include "dtwin/phate.hpp"
#include "dtwin/soft_sensor.hpp"
#include "dtwin/sparse_generation.hpp"

namespace dtwin::detail {

nlohmann::json to_json(const PhateParams& p);
nlohmann::json to_json(const PGanParams& p);
nlohmann::json to_json(const SoftSensorParams& p);
nlohmann::json to_json(const SparseGenerationParams& p);

// Missing keys keep their defaults, so archives from older versions still load.
PhateParams phate_params(const nlohmann::json& j);
PGanParams pgan_params(const nlohmann::json& j);
SoftSensorParams soft_sensor_params(const nlohmann::json& j);
SparseGenerationParams sparse_params(const nlohmann::json& j);

}  // namespace dtwin::detail
