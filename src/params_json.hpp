#pragma once
// Parameter structs to and from JSON: one place for the field lists, used by the archive and
// by the twins' settings.
#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <type_traits>

#include "dtwin/pgan.hpp"
#include "dtwin/phate.hpp"
#include "dtwin/soft_sensor.hpp"
#include "dtwin/sparse_generation.hpp"

namespace dtwin::detail {

// A number from JSON of an untrusted file as T: a whole number in T's range for integer T
// (nlohmann's own conversion of 1e48 to int is undefined behaviour, found by fuzz_archive).
template <typename T>
T json_number(const nlohmann::json& v, const char* what) {
  static_assert(std::is_arithmetic_v<T>);
  if (!v.is_number()) throw InvalidArgument(std::string(what) + " must be a number");
  if constexpr (std::is_integral_v<T>) {
    long double x;
    if (v.is_number_unsigned()) x = static_cast<long double>(v.get<unsigned long long>());
    else if (v.is_number_integer()) x = static_cast<long double>(v.get<long long>());
    else x = static_cast<long double>(v.get<double>());
    if (!(x >= static_cast<long double>(std::numeric_limits<T>::min()) &&
          x <= static_cast<long double>(std::numeric_limits<T>::max())) || x != static_cast<long double>(static_cast<long long>(x)))
      throw InvalidArgument(std::string(what) + " must be a whole number in range");
    if (v.is_number_unsigned()) return static_cast<T>(v.get<unsigned long long>());
    return static_cast<T>(static_cast<long long>(x));
  } else {
    return static_cast<T>(v.get<double>());
  }
}
template <typename T>
T json_value(const nlohmann::json& j, const char* key, T fallback) {
  return j.contains(key) ? json_number<T>(j.at(key), key) : fallback;
}

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
