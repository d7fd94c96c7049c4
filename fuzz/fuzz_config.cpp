// Any bytes as a unit config: a validated config or an InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dtwin/unit_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto c = dtwin::UnitConfig::from_json(std::string(reinterpret_cast<const char*>(data), size));
    // A config that validated normalises to itself.
    if (dtwin::UnitConfig::from_json(c.to_json()).to_json() != c.to_json()) __builtin_trap();
    (void)c.shared_tags();
  } catch (const dtwin::InvalidArgument&) {
  }
  return 0;
}
