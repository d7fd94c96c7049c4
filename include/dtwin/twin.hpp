#pragma once
// Digital twins of equipment and of a whole unit (docs/twin.md).
//
// EquipmentTwin: fit(data) scales the equipment's tags, embeds them with PHATE, draws virtual
// features in the sparse zones of the embedding, trains the PGAN generator embedding -> tags,
// and trains the soft sensor (inputs -> targets) on real plus virtual samples, keeping the
// amount of virtual data that does best on held-out real rows. generate(n) returns virtual
// samples in engineering units, checked against the tags' physical bounds; predict(inputs)
// runs the soft sensor; embed(data) places samples in the fitted PHATE space.
//
// UnitTwin: one EquipmentTwin per equipment in process order; shared tags generated upstream
// are passed downstream, so a unit's virtual data is consistent from furnace to column.
//
//   auto cfg = dtwin::UnitConfig::load("hdt.json");
//   dtwin::UnitTwin unit(cfg);
//   unit.fit(dtwin::read_csv("hdt.csv"));
//   unit.save("hdt.h5");
//   auto virtual_data = dtwin::UnitTwin::load("hdt.h5").generate(10000);
#include <Eigen/Dense>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtwin/archive.hpp"
#include "dtwin/pgan.hpp"
#include "dtwin/phate.hpp"
#include "dtwin/soft_sensor.hpp"
#include "dtwin/sparse_generation.hpp"
#include "dtwin/table.hpp"
#include "dtwin/unit_config.hpp"

namespace dtwin {

struct TwinOptions {
  PhateParams phate;               // n_components 3 unless set
  SparseGenerationParams sparse;   // target "sparse" unless set
  PGanParams pgan;
  SoftSensorParams soft_sensor;    // its validation comes from validation_fraction below
  MissingPolicy missing;           // UnitTwin takes the unit config's
  double validation_fraction = 0.2;  // real rows held out to choose the virtual amount and to report
  // Virtual samples per real one tried when training the soft sensor; the one with the lowest
  // validation error is kept (0 keeps the real-only sensor possible).
  std::vector<double> virtual_ratios = {0.0, 0.5, 1.0};
  std::string bounds = "clip";     // generated values outside a tag's [min, max]: "clip" or "reject" the row
  // Targets of the soft sensor's virtual training rows: "gp", predicted from their inputs by a
  // Gaussian process fitted on the real rows (the generator's targets drift from what its
  // inputs imply; docs/benchmark.md), or "generator", the generator's own output.
  std::string target_model = "gp";
  std::optional<std::uint64_t> random_state;
  int n_jobs = 1;

  TwinOptions();
  void validate() const;
  std::string to_json() const;
  static TwinOptions from_json(const std::string& text);
};

// Quality figures of a fitted twin.
struct TwinReport {
  long rows_in = 0, rows_used = 0, n_fit = 0, n_validation = 0;
  std::string missing_summary;
  std::vector<std::string> ignored_columns;  // columns of the data that are not the twin's tags
  std::vector<std::string> constant_tags;  // scaled with unit spread
  int phate_t = 0;
  int pgan_epochs = 0;
  double pgan_l1 = 0;                    // final mean |G(z) - x| in standardised units
  double virtual_ratio = 0;              // chosen virtual samples per real one
  long n_virtual_used = 0;
  std::vector<double> ratios_tried, validation_rmse;  // mean standardised RMSE per ratio tried
  std::vector<std::string> targets;
  std::vector<double> rmse_real_only, rmse_chosen;  // per target, engineering units, on validation rows
  double seconds_phate = 0, seconds_pgan = 0, seconds_soft_sensor = 0;

  std::string to_json() const;
  static TwinReport from_json(const std::string& text);
};

struct Generated {
  Table data;                   // virtual samples, engineering units, the twin's tags
  Table::Matrix embedding;      // their virtual features (standardised PHATE space)
  long clipped_values = 0;      // values moved onto a bound ("clip")
  long rejected_rows = 0;       // rows dropped for a value outside a bound ("reject")
};

class EquipmentTwin {
 public:
  using Matrix = Table::Matrix;
  // stage ("phate", "pgan", "soft_sensor"), step and total steps of that stage.
  using Progress = std::function<void(const std::string& stage, int step, int total)>;

  explicit EquipmentTwin(EquipmentConfig config, TwinOptions options = {});
  ~EquipmentTwin();
  EquipmentTwin(EquipmentTwin&&) noexcept;
  EquipmentTwin& operator=(EquipmentTwin&&) noexcept;
  EquipmentTwin(const EquipmentTwin&) = delete;
  EquipmentTwin& operator=(const EquipmentTwin&) = delete;

  // Rows with gaps are repaired or dropped by options.missing; targets are never filled.
  EquipmentTwin& fit(const Table& data);
  // n virtual samples; target "sparse" (default) or "all" (the published rule); seed: none
  // draws from the twin's own seed.
  Generated generate(long n, const std::string& target = "sparse", std::optional<std::uint64_t> seed = {}) const;
  // Soft-sensor predictions (columns: the targets) for the inputs in `inputs`; rows with a gap
  // in an input get NaN.
  Table predict(const Table& inputs) const;
  // Positions in the fitted PHATE space (standardised) of complete rows of the twin's tags.
  Matrix embed(const Table& data) const;

  const EquipmentConfig& config() const;
  const TwinOptions& options() const;
  const TwinReport& report() const;
  bool is_fitted() const;
  void set_progress(Progress cb);
  // Fitted pieces, for inspection.
  const Phate<double>& phate() const;
  const PGan& pgan() const;
  const SoftSensorMLP& soft_sensor() const;
  const Matrix& training_embedding() const;  // standardised embedding of the fitted rows
  Eigen::VectorXd scaler_mean() const;
  Eigen::VectorXd scaler_scale() const;

  // Stored under `name` in an archive (entries name, name/phate, name/pgan, name/soft_sensor).
  void put(Archive& archive, const std::string& name) const;
  static EquipmentTwin get(const Archive& archive, const std::string& name);
  void save(const std::string& path) const;
  static EquipmentTwin load(const std::string& path);  // the archive's only twin

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  explicit EquipmentTwin(std::unique_ptr<Impl> impl);
};

class UnitTwin {
 public:
  // equipment name, then its progress.
  using Progress = std::function<void(const std::string& equipment, const std::string& stage, int step, int total)>;

  explicit UnitTwin(UnitConfig config, TwinOptions options = {});
  UnitTwin(UnitTwin&&) noexcept = default;
  UnitTwin& operator=(UnitTwin&&) noexcept = default;
  UnitTwin(const UnitTwin&) = delete;
  UnitTwin& operator=(const UnitTwin&) = delete;
  UnitTwin& fit(const Table& data);
  // The options fit gives equipment k (the unit's missing-value policy, a seed per equipment),
  // so that twins fitted elsewhere (a cluster) equal the serial ones.
  static TwinOptions options_for(const UnitConfig& config, const TwinOptions& options, std::size_t k);
  // A unit twin from equipment twins fitted elsewhere, one per equipment of the config.
  static UnitTwin from_twins(UnitConfig config, TwinOptions options, std::vector<EquipmentTwin> twins);
  // n rows of every tag of the unit. The first equipment generates; each later one generates a
  // pool and takes, for every row, the pool sample nearest on the tags it receives from
  // upstream, whose values it keeps.
  Table generate(long n, const std::string& target = "sparse", std::optional<std::uint64_t> seed = {}) const;
  // Every equipment's soft-sensor predictions, one column per target.
  Table predict(const Table& data) const;

  const UnitConfig& config() const { return config_; }
  const std::vector<EquipmentTwin>& twins() const { return twins_; }
  const EquipmentTwin& twin(const std::string& equipment) const;
  bool is_fitted() const { return !twins_.empty() && twins_.front().is_fitted(); }
  void set_progress(Progress cb) { progress_ = std::move(cb); }

  void put(Archive& archive) const;  // entry "unit" and one entry per equipment
  static UnitTwin get(const Archive& archive);
  void save(const std::string& path) const;
  static UnitTwin load(const std::string& path);

 private:
  UnitConfig config_;
  TwinOptions options_;
  std::vector<EquipmentTwin> twins_;
  Progress progress_;
};

// What an archive holds: "unit_twin", "equipment_twin" or "models" (plain models only).
std::string archive_content(const Archive& archive);

}  // namespace dtwin
