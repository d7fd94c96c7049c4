#include "dtwin/archive.hpp"

#include <H5Cpp.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <functional>
#include <unistd.h>

#include "atomic_file.hpp"
#include "params_json.hpp"
#include "dtwin/version.hpp"

namespace dtwin {
namespace {

using json = nlohmann::json;

using detail::phate_params;
using detail::pgan_params;
using detail::soft_sensor_params;
using detail::to_json;

// ---- arrays ---------------------------------------------------------------------------------
template <typename M>
Archive::Array matrix_array(const M& m) {
  Archive::Array a{{static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())}, {}};
  a.values.reserve(static_cast<std::size_t>(m.size()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) a.values.push_back(static_cast<double>(m(i, j)));
  return a;
}
template <typename T>
Archive::Array vector_array(const std::vector<T>& v) {
  return {{static_cast<std::int64_t>(v.size())}, std::vector<double>(v.begin(), v.end())};
}
Phate<double>::Matrix to_matrix(const Archive::Array& a, const std::string& what) {
  if (a.shape.size() != 2)
    throw IOError("archive: '" + what + "' must be a 2-D dataset, found " + std::to_string(a.shape.size()) + "-D");
  Phate<double>::Matrix m(a.shape[0], a.shape[1]);
  std::copy(a.values.begin(), a.values.end(), m.data());
  return m;
}
const Archive::Array& need(const Archive::Entry& e, const std::string& key, const std::string& name) {
  auto it = e.arrays.find(key);
  if (it == e.arrays.end()) throw IOError("archive: entry '" + name + "' lacks its dataset '" + key + "'");
  return it->second;
}

template <typename Named>
void put_named(Archive::Entry& e, const std::vector<Named>& weights) {
  for (const auto& w : weights) e.arrays["weights/" + w.name] = {w.shape, std::vector<double>(w.values.begin(), w.values.end())};
}
std::vector<NamedArray> get_named(const Archive::Entry& e) {
  std::vector<NamedArray> out;
  for (const auto& [key, a] : e.arrays)
    if (key.rfind("weights/", 0) == 0)
      out.push_back({key.substr(8), a.shape, std::vector<float>(a.values.begin(), a.values.end())});
  return out;
}

std::string now_iso() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// ---- HDF5 ------------------------------------------------------------------------------------
const H5::StrType& str_type() {
  static const H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  return t;
}
// Strings are stored fixed-length (format version 2): variable-length strings live in HDF5's
// global heap, whose reader in libhdf5 1.10 crashed and hung on damaged files under fuzzing.
H5::StrType fixed_str_type(const std::string& value) {
  H5::StrType t(H5::PredType::C_S1, std::max<std::size_t>(1, value.size()));
  t.setStrpad(H5T_STR_NULLPAD);
  t.setCset(H5T_CSET_UTF8);
  return t;
}
void write_str_attr(H5::H5Object& obj, const char* name, const std::string& value) {
  const H5::StrType t = fixed_str_type(value);
  obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR)).write(t, value.empty() ? "" : value.data());
}
// H5Cpp orders the arguments of read differently for datasets and attributes.
void read_raw(const H5::DataSet& d, const H5::DataType& t, void* buf) { d.read(buf, t); }
void read_raw(const H5::Attribute& a, const H5::DataType& t, void* buf) { a.read(t, buf); }

// Reads one string from a dataset or attribute of a file we do not trust: its type is checked
// and a variable-length string read as a pointer that may be null (H5Cpp's std::string
// overloads call strlen on it, which a damaged file turned into a crash under fuzzing).
template <typename Obj>
std::string read_one_string(const Obj& obj, const std::string& what, bool allow_vlen) {
  const H5::DataType type = obj.getDataType();
  if (type.getClass() != H5T_STRING) throw IOError("archive: " + what + " is not a string");
  if (obj.getSpace().getSimpleExtentNpoints() != 1) throw IOError("archive: " + what + " is not a single string");
  const H5::StrType st = obj.getStrType();
  if (st.isVariableStr()) {
    // Only format version 1 wrote these; in a newer file one means damage, and reading it
    // would walk the global heap.
    if (!allow_vlen) throw IOError("archive: " + what + " has an unexpected variable-length string type (damaged file)");
    char* p = nullptr;
    read_raw(obj, str_type(), &p);
    if (!p) throw IOError("archive: " + what + " is damaged (a null string)");
    std::string out(p);
    H5free_memory(p);
    return out;
  }
  std::string buf(st.getSize(), '\0');
  read_raw(obj, st, buf.data());
  return buf.substr(0, buf.find('\0'));
}

std::string read_str_attr(const H5::H5Object& obj, const char* name, bool allow_vlen) {
  return read_one_string(obj.openAttribute(name), std::string("attribute '") + name + "'", allow_vlen);
}

H5::Group ensure_group(H5::H5File& f, const std::string& path) {
  std::string cur;
  std::size_t pos = 0;
  while (true) {
    const std::size_t next = path.find('/', pos);
    cur = path.substr(0, next);
    if (!cur.empty() && !f.nameExists(cur)) f.createGroup(cur).close();
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return f.openGroup(path);
}

void check_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/' || name.find("//") != std::string::npos)
    throw InvalidArgument("archive: bad entry name '" + name + "'; use names like \"reactor/pgan\"");
}

}  // namespace

// ---- entries ---------------------------------------------------------------------------------
template <typename S>
void Archive::put_phate(const std::string& name, const Phate<S>& model) {
  check_name(name);
  const auto& s = model.state();
  Entry e;
  e.kind = "phate";
  const char* scalar = std::is_same_v<S, float> ? "float32" : "float64";
  json j = {{"params", to_json(s.params)}, {"n_features_in", s.n_features_in}, {"optimal_t", s.optimal_t},
            {"seed", s.seed}, {"scalar", scalar}};
  e.settings_json = j.dump();
  e.arrays["pca_mean"] = matrix_array(typename Phate<S>::Matrix(s.pca_mean.transpose()));
  e.arrays["pca_components"] = matrix_array(s.pca_components);
  e.arrays["data"] = matrix_array(s.data);
  e.arrays["embedding"] = matrix_array(s.embedding);
  e.arrays["landmark_embedding"] = matrix_array(s.landmark_embedding);
  e.arrays["clusters"] = vector_array(s.clusters);
  e.arrays["entropy"] = vector_array(s.entropy);
  entries_[name] = std::move(e);
}

void Archive::put(const std::string& name, const Phate<double>& model) { put_phate(name, model); }
void Archive::put(const std::string& name, const Phate<float>& model) { put_phate(name, model); }

void Archive::put(const std::string& name, const PGan& model) {
  check_name(name);
  Entry e;
  e.kind = "pgan";
  json hist = json::array();
  for (const auto& h : model.history()) hist.push_back({h.epoch, h.d_loss, h.g_loss, h.l1, h.val_l1, h.seconds});
  e.settings_json = json{{"params", to_json(model.params())}, {"z_dim", model.z_dim()}, {"x_dim", model.x_dim()},
                         {"history", hist}}.dump();
  put_named(e, model.weights());
  entries_[name] = std::move(e);
}

void Archive::put(const std::string& name, const SoftSensorMLP& model) {
  check_name(name);
  Entry e;
  e.kind = "soft_sensor";
  json hist = json::array();
  for (const auto& h : model.history()) hist.push_back({h.epoch, h.train_loss, h.val_loss, h.seconds});
  e.settings_json = json{{"params", to_json(model.params())}, {"n_inputs", model.n_inputs()},
                         {"n_outputs", model.n_outputs()}, {"history", hist}}.dump();
  put_named(e, model.weights());
  entries_[name] = std::move(e);
}

const Archive::Entry& Archive::entry(const std::string& name, const char* kind) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InvalidArgument("archive: no entry '" + name + "'");
  if (it->second.kind != kind)
    throw InvalidArgument("archive: entry '" + name + "' is a " + it->second.kind + ", not a " + kind);
  return it->second;
}

void Archive::put_entry(const std::string& name, Entry entry) {
  check_name(name);
  if (entry.kind.empty()) throw InvalidArgument("archive: entry '" + name + "' needs a kind");
  entries_[name] = std::move(entry);
}

const Archive::Entry& Archive::get_entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InvalidArgument("archive: no entry '" + name + "'");
  return it->second;
}

std::vector<std::string> Archive::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : entries_) out.push_back(k);
  return out;
}

const std::string& Archive::kind(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InvalidArgument("archive: no entry '" + name + "'");
  return it->second.kind;
}

const std::string& Archive::settings(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw InvalidArgument("archive: no entry '" + name + "'");
  return it->second.settings_json;
}

template <typename S>
Phate<S> Archive::get_phate_as(const std::string& name) const {
  const Entry& e = entry(name, "phate");
  try {
    const json j = json::parse(e.settings_json);
    const std::string scalar = j.value("scalar", "float64");
    if (scalar != (std::is_same_v<S, float> ? "float32" : "float64"))
      throw InvalidArgument("archive: entry '" + name + "' holds a " + scalar + " Phate; use get_phate" +
                            (scalar == "float32" ? "_float" : ""));
    typename Phate<S>::State s;
    s.params = phate_params(j.at("params"));
    s.n_features_in = detail::json_number<Eigen::Index>(j.at("n_features_in"), "n_features_in");
    s.optimal_t = detail::json_number<int>(j.at("optimal_t"), "optimal_t");
    s.seed = detail::json_number<std::uint64_t>(j.at("seed"), "seed");
    const auto mean = to_matrix(need(e, "pca_mean", name), name + "/pca_mean");
    s.pca_mean = Eigen::Map<const Eigen::VectorXd>(mean.data(), mean.size()).cast<S>();
    s.pca_components = to_matrix(need(e, "pca_components", name), name + "/pca_components").cast<S>();
    if (s.pca_components.size() == 0) s.pca_mean.resize(0);
    s.data = to_matrix(need(e, "data", name), name + "/data").cast<S>();
    s.embedding = to_matrix(need(e, "embedding", name), name + "/embedding").cast<S>();
    s.landmark_embedding = to_matrix(need(e, "landmark_embedding", name), name + "/landmark_embedding").cast<S>();
    const auto& cl = need(e, "clusters", name).values;
    s.clusters.assign(cl.begin(), cl.end());
    s.entropy = need(e, "entropy", name).values;
    return Phate<S>::from_state(std::move(s));
  } catch (const json::exception& ex) {
    throw IOError("archive: settings of '" + name + "' are damaged: " + ex.what());
  } catch (const InvalidArgument& ex) {
    if (std::string(ex.what()).rfind("archive:", 0) == 0) throw;
    throw IOError("archive: entry '" + name + "' is inconsistent: " + ex.what());
  }
}

Phate<double> Archive::get_phate(const std::string& name) const { return get_phate_as<double>(name); }
Phate<float> Archive::get_phate_float(const std::string& name) const { return get_phate_as<float>(name); }

PGan Archive::get_pgan(const std::string& name) const {
  const Entry& e = entry(name, "pgan");
  try {
    const json j = json::parse(e.settings_json);
    std::vector<PGanEpoch> hist;
    using detail::json_number;
    for (const auto& h : j.at("history"))
      hist.push_back({json_number<int>(h.at(0), "epoch"), json_number<double>(h.at(1), "d_loss"),
                      json_number<double>(h.at(2), "g_loss"), json_number<double>(h.at(3), "l1"),
                      json_number<double>(h.at(4), "val_l1"), json_number<double>(h.at(5), "seconds")});
    return PGan::from_weights(pgan_params(j.at("params")), json_number<int>(j.at("z_dim"), "z_dim"),
                              json_number<int>(j.at("x_dim"), "x_dim"), get_named(e), hist);
  } catch (const json::exception& ex) {
    throw IOError("archive: settings of '" + name + "' are damaged: " + ex.what());
  } catch (const InvalidArgument& ex) {
    throw IOError("archive: entry '" + name + "' is inconsistent: " + ex.what());
  }
}

SoftSensorMLP Archive::get_soft_sensor(const std::string& name) const {
  const Entry& e = entry(name, "soft_sensor");
  try {
    const json j = json::parse(e.settings_json);
    std::vector<SoftSensorEpoch> hist;
    using detail::json_number;
    for (const auto& h : j.at("history"))
      hist.push_back({json_number<int>(h.at(0), "epoch"), json_number<double>(h.at(1), "train_loss"),
                      json_number<double>(h.at(2), "val_loss"), json_number<double>(h.at(3), "seconds")});
    return SoftSensorMLP::from_weights(soft_sensor_params(j.at("params")), json_number<int>(j.at("n_inputs"), "n_inputs"),
                                       json_number<int>(j.at("n_outputs"), "n_outputs"),
                                       get_named(e), hist);
  } catch (const json::exception& ex) {
    throw IOError("archive: settings of '" + name + "' are damaged: " + ex.what());
  } catch (const InvalidArgument& ex) {
    throw IOError("archive: entry '" + name + "' is inconsistent: " + ex.what());
  }
}

// ---- files -----------------------------------------------------------------------------------
void Archive::save(const std::string& path) const {
  H5::Exception::dontPrint();
  const std::string tmp = detail::temp_path_for(path);
  try {
    {
      H5::H5File f(tmp, H5F_ACC_TRUNC);
      write_str_attr(f, "format", kArchiveFormat);
      f.createAttribute("format_version", H5::PredType::NATIVE_INT, H5::DataSpace(H5S_SCALAR))
          .write(H5::PredType::NATIVE_INT, &kArchiveVersion);
      write_str_attr(f, "dtwin_version", DTWIN_VERSION_STRING);
      write_str_attr(f, "created", now_iso());
      for (const auto& [name, e] : entries_) {
        H5::Group g = ensure_group(f, name);
        write_str_attr(g, "kind", e.kind);
        // Settings can exceed the 64 KB attribute limit (training history): a string dataset.
        const H5::StrType st = fixed_str_type(e.settings_json);
        g.createDataSet("settings", st, H5::DataSpace(H5S_SCALAR)).write(e.settings_json.empty() ? "" : e.settings_json.data(), st);
        for (const auto& [key, a] : e.arrays) {
          H5::Group parent = ensure_group(f, name + "/arrays" + (key.find('/') != std::string::npos
                                                                        ? "/" + key.substr(0, key.rfind('/'))
                                                                        : std::string()));
          std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
          H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
          // Network weights and single-precision models are float32.
          const bool single = key.rfind("weights/", 0) == 0 ||
                              e.settings_json.find("\"scalar\":\"float32\"") != std::string::npos;
          const auto& type = single ? H5::PredType::NATIVE_FLOAT : H5::PredType::NATIVE_DOUBLE;
          H5::DataSet ds = parent.createDataSet(key.substr(key.rfind('/') + 1), type, space);
          if (!a.values.empty()) {
            if (single) {
              std::vector<float> f32(a.values.begin(), a.values.end());
              ds.write(f32.data(), H5::PredType::NATIVE_FLOAT);
            } else {
              ds.write(a.values.data(), H5::PredType::NATIVE_DOUBLE);
            }
          }
        }
      }
      f.flush(H5F_SCOPE_GLOBAL);
    }
    // Durable before the rename, so a crash cannot leave a renamed but empty file.
    detail::commit_temp_file(tmp, path);
  } catch (const H5::Exception& ex) {
    std::remove(tmp.c_str());
    throw IOError("archive: cannot write '" + path + "': " + ex.getDetailMsg() +
                  " (is the folder writable and is there space left?)");
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

Archive Archive::load(const std::string& path) {
  H5::Exception::dontPrint();
  if (::access(path.c_str(), F_OK) != 0) throw IOError("archive: no file at '" + path + "'");
  if (!H5::H5File::isHdf5(path)) throw IOError("archive: '" + path + "' is not an HDF5 file (damaged or another format)");
  Archive out;
  try {
    H5::H5File f(path, H5F_ACC_RDONLY);
    const std::string not_ours = "archive: '" + path + "' is an HDF5 file but not a dtwin archive (no format=\"dtwin-archive\")";
    if (!f.attrExists("format_version") || !f.attrExists("format")) throw IOError(not_ours);
    int version = 0;
    {
      H5::Attribute va = f.openAttribute("format_version");
      if (va.getTypeClass() != H5T_INTEGER || va.getSpace().getSimpleExtentNpoints() != 1) throw IOError(not_ours);
      va.read(H5::PredType::NATIVE_INT, &version);
    }
    const bool v1 = version == 1;  // version 1 stored variable-length strings
    if (read_str_attr(f, "format", v1) != kArchiveFormat) throw IOError(not_ours);
    if (version > kArchiveVersion)
      throw IOError("archive: '" + path + "' has format version " + std::to_string(version) + ", newer than this dtwin (" +
                    std::to_string(kArchiveVersion) + "); upgrade dtwin to read it");
    if (version < 1) throw IOError("archive: '" + path + "' has an invalid format version " + std::to_string(version));
    out.version_ = f.attrExists("dtwin_version") ? read_str_attr(f, "dtwin_version", v1) : "";
    out.created_ = f.attrExists("created") ? read_str_attr(f, "created", v1) : "";

    // A damaged or hostile file can link a group into its own ancestors: the walk stops at a
    // depth and a number of groups no archive of ours comes near (found by fuzz_archive).
    std::size_t groups_seen = 0;
    auto guard = [&](const std::string& p) {
      if (std::count(p.begin(), p.end(), '/') > 32 || ++groups_seen > 100000)
        throw IOError("archive: '" + path + "' nests groups too deeply or in a cycle (damaged file)");
    };
    std::function<void(const std::string&)> walk = [&](const std::string& gpath) {
      guard(gpath);
      H5::Group g = gpath.empty() ? f.openGroup("/") : f.openGroup(gpath);
      if (!gpath.empty() && g.attrExists("kind")) {
        Entry e;
        e.kind = read_str_attr(g, "kind", v1);
        H5::DataSet sd = g.openDataSet("settings");
        e.settings_json = read_one_string(sd, "the settings of '" + gpath + "'", v1);
        std::function<void(const std::string&, const std::string&)> arrays = [&](const std::string& p, const std::string& prefix) {
          guard(p);
          H5::Group ag = f.openGroup(p);
          for (hsize_t i = 0; i < ag.getNumObjs(); ++i) {
            const std::string child = ag.getObjnameByIdx(i);
            if (ag.childObjType(child) == H5O_TYPE_GROUP) {
              arrays(p + "/" + child, prefix + child + "/");
              continue;
            }
            H5::DataSet ds = ag.openDataSet(child);
            H5::DataSpace space = ds.getSpace();
            const int rank = space.getSimpleExtentNdims();
            std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
            space.getSimpleExtentDims(dims.data());
            Array a;
            std::size_t count = 1;
            for (hsize_t d : dims) {
              a.shape.push_back(static_cast<std::int64_t>(d));
              count *= static_cast<std::size_t>(d);
            }
            if (ds.getTypeClass() != H5T_FLOAT)
              throw IOError("archive: dataset '" + p + "/" + child + "' is not floating point");
            a.values.resize(count);
            if (count > 0) ds.read(a.values.data(), H5::PredType::NATIVE_DOUBLE);
            e.arrays[prefix + child] = std::move(a);
          }
        };
        if (g.nameExists("arrays")) arrays(gpath + "/arrays", "");
        out.entries_[gpath] = std::move(e);
      }
      // Entries may hold entries (a twin holds its Phate, PGan and soft sensor).
      const bool is_entry = !gpath.empty() && out.entries_.count(gpath) > 0;
      for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
        const std::string child = g.getObjnameByIdx(i);
        if (is_entry && child == "arrays") continue;
        if (g.childObjType(child) == H5O_TYPE_GROUP) walk(gpath.empty() ? child : gpath + "/" + child);
      }
    };
    walk("");
  } catch (const H5::Exception& ex) {
    throw IOError("archive: '" + path + "' is damaged or unreadable: " + ex.getDetailMsg());
  }
  return out;
}

}  // namespace dtwin
