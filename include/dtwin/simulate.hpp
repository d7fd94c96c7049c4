#pragma once
// A simulated hydrotreating unit (docs/simulator.md): feed/effluent exchanger E-101, fired heater
// F-101, fixed-bed reactor R-101, high-pressure separator V-101 and stripping column T-101,
// related by heat and mass balances, Arrhenius desulfurisation kinetics in the weighted average
// bed temperature and space velocity, a column whose separation depends on reflux and reboiler
// duty, and catalyst deactivation. Operating regimes come with a plant's imbalance (long nominal
// runs, some turndown and high-severity campaigns, rare start-ups and upsets); sensors are
// noisy, sometimes missing or frozen, and lab quality variables are sampled rarely.
//
//   dtwin::SimulationParams p;  p.n_rows = 20000;  p.random_state = 0;
//   auto sim = dtwin::simulate(p);        // sim.data: timestamp + tags, sim.config: the unit config
//   dtwin::write_csv("hdt.csv", sim.data);  sim.config.save("hdt.json");
#include <cstdint>
#include <string>
#include <vector>

#include "dtwin/table.hpp"
#include "dtwin/unit_config.hpp"

namespace dtwin {

struct SimulationParams {
  long n_rows = 20000;
  double interval_minutes = 10;  // time between rows
  std::uint64_t random_state = 0;
  int lab_interval = 24;         // rows between lab samples of the quality variables (4 h at 10 min)
  double noise = 1.0;            // scale of sensor noise and disturbances' measurement error; 0: none
  double missing_rate = 0.002;   // share of sensor readings lost (NaN)
  double frozen_rate = 2e-4;     // chance per sensor and row that a reading freezes for 6-48 rows
  // Long-run shares of time; nominal operation takes the rest.
  double share_turndown = 0.08, share_high_severity = 0.06, share_transient = 0.02;
  double catalyst_life_days = 400;  // activity falls as exp(-age / life)
  double catalyst_cycle_days = 730;  // a turnaround every cycle: fresh catalyst, clean exchanger
  std::string start = "2026-01-01T00:00:00";  // first timestamp (UTC, ISO 8601)

  void validate() const;
};

struct Simulation {
  Table data;                 // timestamp column "timestamp" and every tag; NaN: missing
  std::vector<int> regime;    // per row, an index into regime_names()
  UnitConfig config;          // the unit config matching `data` (tags, roles, units, bounds)
  std::vector<std::string> lab_tags;  // targets sampled only every lab_interval rows
  static const std::vector<std::string>& regime_names();  // nominal, turndown, high_severity, transient
};

Simulation simulate(const SimulationParams& params = {});

// Constants of the simulator's balances (docs/simulator.md), for checks on its data.
namespace sim {
inline constexpr double kFeedDensity = 850;       // kg/m3
inline constexpr double kCpFeed = 2.8;            // kJ/(kg K), liquid feed
inline constexpr double kCpEffluent = 3.0;        // kJ/(kg K), hot reactor effluent (hydrocarbon)
inline constexpr double kH2Density = 0.0899;      // kg/Nm3
inline constexpr double kCpH2 = 14.3;             // kJ/(kg K)
inline constexpr double kCatalystVolume = 150;    // m3
inline constexpr double kActivationEnergy = 120;  // kJ/mol, desulfurisation
}  // namespace sim

}  // namespace dtwin
