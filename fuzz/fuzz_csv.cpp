// Any bytes as a CSV file: a table or an InvalidArgument, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dtwin/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const dtwin::Table t = dtwin::parse_csv(text);
    t.check();
    // What was read must write and read back to the same shape.
    const dtwin::Table back = dtwin::parse_csv(dtwin::format_csv(t, 17));
    if (back.rows() != t.rows() || back.columns != t.columns) __builtin_trap();
  } catch (const dtwin::InvalidArgument&) {
  }
  return 0;
}
