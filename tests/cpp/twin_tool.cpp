// Loads a twin archive written by any dtwin (C++ or Python) and writes what it generates and
// predicts, so the Python tests can check that C++ gives the same numbers.
//   twin_tool ARCHIVE N SEED DATA.csv GENERATED.csv PREDICTED.csv
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dtwin/csv.hpp"
#include "dtwin/twin.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: twin_tool ARCHIVE N SEED DATA.csv GENERATED.csv PREDICTED.csv\n");
    return 2;
  }
  try {
    const auto archive = dtwin::Archive::load(argv[1]);
    const long n = std::atol(argv[2]);
    const auto seed = static_cast<std::uint64_t>(std::atoll(argv[3]));
    const auto data = dtwin::read_csv(argv[4]);
    dtwin::Table gen, pred;
    if (dtwin::archive_content(archive) == "unit_twin") {
      const auto unit = dtwin::UnitTwin::get(archive);
      gen = unit.generate(n, "sparse", seed);
      pred = unit.predict(data);
    } else {
      const auto twin = dtwin::EquipmentTwin::load(argv[1]);
      gen = twin.generate(n, "sparse", seed).data;
      pred = twin.predict(data);
    }
    dtwin::write_csv(argv[5], gen, 17);
    dtwin::write_csv(argv[6], pred, 17);
  } catch (const dtwin::Error& e) {
    std::fprintf(stderr, "twin_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
