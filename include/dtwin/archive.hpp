#pragma once
// One HDF5 file holding fitted models (docs/archive.md): a Phate embedding, a PGan generator, a
// SoftSensorMLP, under names of the caller's choice. C++ and Python (and h5py, without dtwin)
// read the same layout. Saving writes a temporary file beside the target and renames it into
// place, so a failed or interrupted save leaves the previous archive intact.
//
//   dtwin::Archive a;
//   a.put("reactor/phate", phate);  a.put("reactor/pgan", gan);
//   a.save("reactor.h5");
//   auto b = dtwin::Archive::load("reactor.h5");
//   auto gan2 = b.get_pgan("reactor/pgan");
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dtwin/error.hpp"
#include "dtwin/pgan.hpp"
#include "dtwin/phate.hpp"
#include "dtwin/soft_sensor.hpp"

namespace dtwin {

inline constexpr const char* kArchiveFormat = "dtwin-archive";
// 2: strings stored fixed-length (version 1 archives, with variable-length strings, still load).
inline constexpr int kArchiveVersion = 2;

class Archive {
 public:
  // An entry: its kind, its settings as JSON, and its arrays (row-major, double or float).
  struct Array {
    std::vector<std::int64_t> shape;
    std::vector<double> values;
  };
  struct Entry {
    std::string kind;           // "phate", "pgan", "soft_sensor", "equipment_twin", "unit_twin"
    std::string settings_json;  // parameters and sizes
    std::map<std::string, Array> arrays;
  };

  void put(const std::string& name, const Phate<double>& model);
  void put(const std::string& name, const Phate<float>& model);  // arrays stored as float32
  void put(const std::string& name, const PGan& model);
  void put(const std::string& name, const SoftSensorMLP& model);

  Phate<double> get_phate(const std::string& name) const;
  Phate<float> get_phate_float(const std::string& name) const;  // for entries saved from Phate<float>
  PGan get_pgan(const std::string& name) const;
  SoftSensorMLP get_soft_sensor(const std::string& name) const;

  // Any entry as it is stored; composite models (twins) are built from these.
  void put_entry(const std::string& name, Entry entry);
  const Entry& get_entry(const std::string& name) const;

  std::vector<std::string> names() const;
  const std::string& kind(const std::string& name) const;
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // The entry's settings (parameters, sizes, training history) as JSON text.
  const std::string& settings(const std::string& name) const;

  // Writes path atomically. Throws IOError naming the path and the reason.
  void save(const std::string& path) const;
  // Reads and checks an archive. Throws IOError for a missing or unreadable file, a file that
  // is not a dtwin archive, a newer format, or a damaged group or dataset.
  static Archive load(const std::string& path);

  // Creation time and dtwin version of a loaded archive (empty for a new one).
  const std::string& created() const { return created_; }
  const std::string& dtwin_version() const { return version_; }

 private:
  const Entry& entry(const std::string& name, const char* kind) const;
  template <typename S>
  void put_phate(const std::string& name, const Phate<S>& model);
  template <typename S>
  Phate<S> get_phate_as(const std::string& name) const;
  std::map<std::string, Entry> entries_;
  std::string created_, version_;
};

}  // namespace dtwin
