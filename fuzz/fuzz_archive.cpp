// The archive loader's own logic: rebuilding models from an entry's settings. A valid twin
// archive (tests/data/twin_small.h5) is read once; each input picks one of its entries (first
// byte) and replaces that entry's settings JSON (the rest); then every model and the twin are
// rebuilt. Any result but a model, an IOError or an InvalidArgument is a bug.
//
// Raw HDF5 bytes are not fuzzed here: libhdf5 1.10 itself crashes and hangs on some damaged
// files (found with an earlier version of this target), which no caller can prevent; see
// docs/reliability.md.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dtwin/archive.hpp"
#include "dtwin/twin.hpp"

#ifndef DTWIN_FUZZ_ARCHIVE
#error "DTWIN_FUZZ_ARCHIVE must name the seed archive"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const dtwin::Archive base = dtwin::Archive::load(DTWIN_FUZZ_ARCHIVE);
  static const std::vector<std::string> names = base.names();
  if (size < 1) return 0;
  dtwin::Archive a = base;
  const std::string& name = names[data[0] % names.size()];
  dtwin::Archive::Entry e = a.get_entry(name);
  e.settings_json.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  a.put_entry(name, e);
  auto attempt = [](auto&& f) {
    try {
      f();
    } catch (const dtwin::IOError&) {
    } catch (const dtwin::InvalidArgument&) {
    }
  };
  attempt([&] { (void)a.get_phate("E/phate"); });
  attempt([&] { (void)a.get_pgan("E/pgan"); });
  attempt([&] { (void)a.get_soft_sensor("E/soft_sensor"); });
  attempt([&] { (void)dtwin::EquipmentTwin::get(a, "E").generate(3, "sparse", 1); });
  return 0;
}
