#include "dtwin/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>

namespace dtwin {

const std::vector<std::string>& Simulation::regime_names() {
  static const std::vector<std::string> names = {"nominal", "turndown", "high_severity", "transient"};
  return names;
}

void SimulationParams::validate() const {
  auto bad = [](const std::string& m) { throw InvalidArgument("simulate: " + m); };
  if (n_rows < 1) bad("n_rows must be >= 1, got " + std::to_string(n_rows));
  if (n_rows > 50'000'000) bad("n_rows must be <= 50,000,000 (simulate in pieces for more)");
  if (!(interval_minutes > 0 && interval_minutes <= 1440)) bad("interval_minutes must lie in (0, 1440]");
  if (lab_interval < 1) bad("lab_interval must be >= 1 row");
  if (!(noise >= 0 && noise <= 10)) bad("noise must lie in [0, 10]");
  if (!(missing_rate >= 0 && missing_rate < 0.5)) bad("missing_rate must lie in [0, 0.5)");
  if (!(frozen_rate >= 0 && frozen_rate < 0.1)) bad("frozen_rate must lie in [0, 0.1)");
  const double shares[] = {share_turndown, share_high_severity, share_transient};
  for (double s : shares)
    if (!(s >= 0 && s < 1)) bad("regime shares must lie in [0, 1)");
  if (share_turndown + share_high_severity + share_transient >= 0.95)
    bad("the regime shares leave less than 5% of nominal operation");
  if (!(catalyst_life_days > 0)) bad("catalyst_life_days must be > 0");
  if (!(catalyst_cycle_days > 0)) bad("catalyst_cycle_days must be > 0");
  std::tm tm{};
  std::istringstream ss(start);
  ss >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (ss.fail()) bad("start must be an ISO 8601 time like 2026-01-01T00:00:00, got \"" + start + "\"");
}

namespace {

enum Regime { kNominal = 0, kTurndown = 1, kHighSeverity = 2, kTransient = 3 };

// Targets the operators steer to in each regime.
struct Setpoints {
  double feed_flow, cot, pressure, h2_to_oil, o2, reflux_ratio, boilup;
};
constexpr Setpoints kRegimeSetpoints[] = {
    {150, 345, 60, 300, 3.0, 1.5, 1.00},  // nominal
    {100, 335, 57, 330, 4.0, 1.8, 1.10},  // turndown
    {162, 362, 64, 320, 2.6, 1.4, 0.95},  // high severity
    {70, 300, 50, 400, 5.0, 2.2, 0.70},   // start-up / upset
};
constexpr double kMeanDurationHours[] = {120, 36, 36, 8};

// First-order AR disturbance with unit stationary standard deviation.
struct Ar1 {
  double phi = 0, x = 0;
  Ar1(double dt_h, double tau_h) : phi(std::exp(-dt_h / tau_h)) {}
  double step(std::mt19937_64& g, std::normal_distribution<double>& n) {
    x = phi * x + std::sqrt(1 - phi * phi) * n(g);
    return x;
  }
};

struct TagDef {
  const char* name;
  const char* unit;
  double min, max;  // physical bounds
  double sigma;     // measurement noise (absolute) at noise = 1
  double rel_sigma; // relative part (lab analyses)
  const char* description;
};

// Columns of the data, in this order.
enum Col {
  FEED_FLOW, FEED_TEMP, FEED_SULFUR, H2_FLOW, AMBIENT_TEMP,
  XC_OUT, XH_OUT,
  FUEL_FLOW, FUEL_PRESSURE, FUEL_VALVE, EXCESS_O2, STACK_TEMP, COT, NOX,
  REACTOR_PRESSURE, WABT, REACTOR_OUT, REACTOR_DP, PRODUCT_SULFUR,
  SEP_TEMP, SEP_PRESSURE, SEP_LEVEL, SEP_LIQUID, H2_PURITY,
  COL_FEED_TEMP, REBOILER_DUTY, REFLUX_FLOW, COL_PRESSURE, TOP_TEMP, BOTTOM_TEMP, OVERHEAD_FLOW, BOTTOMS_FLOW,
  BOTTOMS_LK, OVERHEAD_D95,
  N_COLS
};

const TagDef kTags[N_COLS] = {
    {"feed_flow", "m3/h", 0, 250, 0.5, 0, "fresh feed (gas oil) to the unit"},
    {"feed_temp", "degC", 0, 120, 0.3, 0, "feed temperature from storage"},
    {"feed_sulfur", "wt%", 0, 3, 0.01, 0, "feed sulfur, online analyser"},
    {"h2_flow", "Nm3/h", 0, 90000, 150, 0, "treat gas (make-up + recycle) flow"},
    {"ambient_temp", "degC", -30, 50, 0.2, 0, "ambient air temperature"},
    {"exchanger_cold_out_temp", "degC", 0, 450, 0.5, 0, "E-101 cold side (feed + H2) outlet, heater inlet"},
    {"exchanger_hot_out_temp", "degC", 0, 450, 0.5, 0, "E-101 hot side (reactor effluent) outlet"},
    {"fuel_gas_flow", "kg/h", 0, 3000, 5, 0, "F-101 fuel gas flow"},
    {"fuel_gas_pressure", "barg", 0, 8, 0.02, 0, "fuel gas header pressure"},
    {"fuel_valve_pos", "%", 0, 100, 0.3, 0, "F-101 fuel gas valve position"},
    {"excess_o2", "vol%", 0, 21, 0.05, 0, "flue gas excess oxygen"},
    {"stack_temp", "degC", 0, 700, 1.0, 0, "flue gas temperature at the stack"},
    {"heater_outlet_temp", "degC", 0, 450, 0.5, 0, "F-101 coil outlet temperature, reactor inlet"},
    {"flue_nox", "ppm", 0, 500, 0.8, 0.02, "flue gas NOx, analyser"},
    {"reactor_pressure", "barg", 0, 100, 0.1, 0, "R-101 inlet pressure"},
    {"reactor_wabt", "degC", 0, 450, 0.4, 0, "R-101 weighted average bed temperature"},
    {"reactor_outlet_temp", "degC", 0, 450, 0.5, 0, "R-101 outlet temperature, E-101 hot side inlet"},
    {"reactor_dp", "bar", 0, 10, 0.02, 0, "R-101 pressure drop"},
    {"product_sulfur", "wppm", 0, 20000, 0.5, 0.05, "product sulfur, lab analysis"},
    {"separator_temp", "degC", -10, 120, 0.3, 0, "V-101 temperature after the air cooler"},
    {"separator_pressure", "barg", 0, 100, 0.1, 0, "V-101 pressure"},
    {"separator_level", "%", 0, 100, 0.5, 0, "V-101 liquid level"},
    {"separator_liquid_flow", "m3/h", 0, 250, 0.5, 0, "V-101 liquid to T-101"},
    {"recycle_h2_purity", "vol%", 0, 100, 0.15, 0, "recycle gas hydrogen purity, analyser"},
    {"column_feed_temp", "degC", 0, 400, 0.5, 0, "T-101 feed temperature"},
    {"reboiler_duty", "MW", 0, 20, 0.05, 0, "T-101 reboiler duty"},
    {"reflux_flow", "m3/h", 0, 60, 0.1, 0, "T-101 reflux flow"},
    {"column_pressure", "barg", 0, 6, 0.01, 0, "T-101 top pressure"},
    {"top_temp", "degC", 0, 300, 0.3, 0, "T-101 top temperature"},
    {"bottom_temp", "degC", 0, 400, 0.3, 0, "T-101 bottom temperature"},
    {"overhead_flow", "m3/h", 0, 60, 0.05, 0, "T-101 overhead (wild naphtha) flow"},
    {"bottoms_flow", "m3/h", 0, 250, 0.5, 0, "T-101 bottoms (diesel product) flow"},
    {"bottoms_light_key", "vol%", 0, 100, 0.003, 0.04, "light ends in the diesel product, lab analysis"},
    {"overhead_d95", "degC", 0, 400, 1.0, 0, "naphtha 95% distillation point, lab analysis"},
};

struct EquipDef {
  const char* name;
  const char* type;
  const char* description;
  std::vector<Col> inputs, targets;
};

const std::vector<EquipDef>& equipment_defs() {
  static const std::vector<EquipDef> defs = {
      {"E-101", "heat_exchanger", "feed/effluent exchanger", {FEED_FLOW, FEED_TEMP, H2_FLOW, REACTOR_OUT},
       {XC_OUT, XH_OUT}},
      {"F-101", "furnace", "fired heater",
       {FEED_FLOW, H2_FLOW, XC_OUT, FUEL_FLOW, FUEL_PRESSURE, FUEL_VALVE, EXCESS_O2, STACK_TEMP, AMBIENT_TEMP},
       {COT, NOX}},
      {"R-101", "reactor", "fixed-bed hydrodesulfurisation reactor",
       {COT, FEED_FLOW, FEED_SULFUR, H2_FLOW, REACTOR_PRESSURE, WABT, REACTOR_OUT, REACTOR_DP}, {PRODUCT_SULFUR}},
      {"V-101", "separator", "high-pressure separator",
       {XH_OUT, FEED_FLOW, H2_FLOW, REACTOR_PRESSURE, SEP_TEMP, SEP_PRESSURE, SEP_LEVEL}, {SEP_LIQUID, H2_PURITY}},
      {"T-101", "column", "product stripper with reboiler and reflux",
       {SEP_LIQUID, COL_FEED_TEMP, REBOILER_DUTY, REFLUX_FLOW, COL_PRESSURE, TOP_TEMP, BOTTOM_TEMP, OVERHEAD_FLOW,
        BOTTOMS_FLOW},
       {BOTTOMS_LK, OVERHEAD_D95}},
  };
  return defs;
}

bool is_lab(int c) { return c == PRODUCT_SULFUR || c == BOTTOMS_LK || c == OVERHEAD_D95; }

UnitConfig make_config() {
  UnitConfig cfg;
  cfg.name = "HDT-1";
  cfg.description = "simulated diesel hydrotreater (dtwin.simulate)";
  cfg.timestamp_column = "timestamp";
  cfg.missing = {"ffill", 3};
  for (const auto& d : equipment_defs()) {
    EquipmentConfig e{d.name, d.type, d.description, {}};
    auto add = [&](Col c, const char* role) {
      const TagDef& t = kTags[c];
      e.tags.push_back({t.name, role, t.unit, t.min, t.max, t.description});
    };
    for (Col c : d.inputs) add(c, "input");
    for (Col c : d.targets) add(c, "target");
    cfg.equipment.push_back(std::move(e));
  }
  return cfg;
}

std::time_t parse_start(const std::string& s) {
  std::tm tm{};
  std::istringstream ss(s);
  ss >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return timegm(&tm);
}

}  // namespace

Simulation simulate(const SimulationParams& p) {
  p.validate();
  using namespace sim;
  const long n = p.n_rows;
  const double dt_h = p.interval_minutes / 60.0;
  std::mt19937_64 g(p.random_state * 0x9E3779B97F4A7C15ULL + 0x5151);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unif(0, 1);

  // Semi-Markov regimes: entering regime i with probability share_i / duration_i makes its
  // long-run share of time share_i.
  const double shares[4] = {1 - p.share_turndown - p.share_high_severity - p.share_transient, p.share_turndown,
                            p.share_high_severity, p.share_transient};
  double entry[4], total = 0;
  for (int i = 0; i < 4; ++i) total += entry[i] = shares[i] / kMeanDurationHours[i];
  for (double& e : entry) e /= total;
  auto draw_regime = [&]() {
    double u = unif(g);
    for (int i = 0; i < 3; ++i) {
      if (u < entry[i]) return i;
      u -= entry[i];
    }
    return 3;
  };
  // Gamma(4) durations: segments vary in length but are never absurdly short.
  auto draw_length = [&](int r) {
    std::gamma_distribution<double> gam(4.0, kMeanDurationHours[r] / 4.0);
    return std::max(1L, std::lround(gam(g) / dt_h));
  };

  Ar1 d_feed_temp(dt_h, 6), d_sulfur(dt_h, 12), d_ambient(dt_h, 4), d_lhv(dt_h, 8), d_fuel_p(dt_h, 2),
      d_o2(dt_h, 0.5), d_cot(dt_h, 0.5), d_level(dt_h, 1), d_lk(dt_h, 10), d_col_p(dt_h, 3), d_flow(dt_h, 2);

  Simulation out;
  out.config = make_config();
  out.regime.resize(static_cast<std::size_t>(n));
  Table& t = out.data;
  for (const auto& tag : kTags) t.columns.push_back(tag.name);
  t.values.resize(n, N_COLS);
  t.timestamp_name = "timestamp";
  t.timestamps.resize(static_cast<std::size_t>(n));
  for (int c = 0; c < N_COLS; ++c)
    if (is_lab(c)) out.lab_tags.push_back(kTags[c].name);

  int regime = kNominal;
  long left = draw_length(regime);
  Setpoints sp = kRegimeSetpoints[kNominal];
  // Process state (what lags behind the setpoints).
  double feed_flow = sp.feed_flow, cot_base = sp.cot, pressure = sp.pressure, h2_to_oil = sp.h2_to_oil, o2 = sp.o2,
         rr = sp.reflux_ratio, boil = sp.boilup;
  double purity = 92;
  auto lag = [dt_h](double& x, double target, double tau_h) { x += (target - x) * (1 - std::exp(-dt_h / tau_h)); };
  const double Tref = 353.0 + 273.15, R = 8.314e-3;

  std::vector<double> row(N_COLS);
  for (long i = 0; i < n; ++i) {
    if (--left < 0) {
      regime = draw_regime();
      left = draw_length(regime) - 1;
      sp = kRegimeSetpoints[regime];
      // Each campaign runs at its own point within the regime.
      const double j = 1 + 0.03 * normal(g);
      sp.feed_flow *= j;
      sp.cot += 3 * normal(g);
      sp.pressure += 0.8 * normal(g);
      sp.h2_to_oil *= 1 + 0.03 * normal(g);
      sp.reflux_ratio *= 1 + 0.05 * normal(g);
      sp.boilup *= 1 + 0.04 * normal(g);
    }
    out.regime[static_cast<std::size_t>(i)] = regime;
    const double day = static_cast<double>(i) * dt_h / 24.0;
    // Each turnaround replaces the catalyst and cleans the exchanger: age restarts.
    const double age_days = std::fmod(day, p.catalyst_cycle_days);
    const double activity = std::exp(-age_days / p.catalyst_life_days);
    const double fast = regime == kTransient ? 0.5 : 1.0;  // start-ups and upsets move faster
    lag(feed_flow, sp.feed_flow, 0.5 * fast);
    // Operators raise the temperature as the catalyst ages, up to an end-of-run limit.
    lag(cot_base, sp.cot + std::min(0.04 * age_days, 20.0), 1.0 * fast);
    lag(pressure, sp.pressure, 1.0);
    lag(h2_to_oil, sp.h2_to_oil, 0.5);
    lag(o2, sp.o2, 0.5);
    lag(rr, sp.reflux_ratio, 1.0);
    lag(boil, sp.boilup, 1.0);

    const double ambient = 15 + 8 * std::sin(2 * M_PI * (day - 100) / 365) +
                           5 * std::sin(2 * M_PI * (day - 0.375)) + 1.5 * d_ambient.step(g, normal);
    const double F = std::max(5.0, feed_flow * (1 + 0.01 * d_flow.step(g, normal)));
    const double feed_temp = 45 + 0.4 * (ambient - 15) + 3 * d_feed_temp.step(g, normal);
    const double S_in = std::clamp(1.2 + 0.25 * d_sulfur.step(g, normal), 0.3, 2.5);
    const double h2 = h2_to_oil * F;
    const double lhv = 47 + 1.2 * d_lhv.step(g, normal);
    const double fuel_p = 3.5 + 0.2 * d_fuel_p.step(g, normal);
    const double ex_o2 = std::max(0.5, o2 + 0.3 * d_o2.step(g, normal));
    const double cot = cot_base + 0.8 * d_cot.step(g, normal);
    const double col_p = 1.5 + 0.05 * d_col_p.step(g, normal);

    // Heat capacity flows (kW/K): feed with its hydrogen, and the hot effluent.
    const double m_feed = F * kFeedDensity / 3600, m_h2 = h2 * kH2Density / 3600;
    const double Cc = m_feed * kCpFeed + m_h2 * kCpH2, Ch = m_feed * kCpEffluent + m_h2 * kCpH2;
    // Exchanger fouls over the run: UA falls.
    const double UA = 260.0 / (1 + 0.5 * age_days / 365);
    const double Cmin = std::min(Cc, Ch), Cr = Cmin / std::max(Cc, Ch), ntu = UA / Cmin;
    const double eff = std::abs(1 - Cr) < 1e-9 ? ntu / (1 + ntu)
                                               : (1 - std::exp(-ntu * (1 - Cr))) / (1 - Cr * std::exp(-ntu * (1 - Cr)));
    const double pH2 = pressure * purity / 100;
    const double lhsv = F / kCatalystVolume;
    const double reactor_dp = 1.2 * std::pow(F / 150, 1.8) * (1 + 0.6 * age_days / p.catalyst_life_days);

    // Reactor: 1.5-order desulfurisation, k Arrhenius in WABT, H2 partial pressure to 0.7; the
    // exotherm raises WABT, which raises the rate: iterate to a consistent bed.
    double S_out = 0, wabt = 0, light = 0, dT = 0;
    for (int it = 0; it < 4; ++it) {
      wabt = cot + 0.55 * dT;
      const double k = 28 * activity * std::exp(-kActivationEnergy / R * (1 / (wabt + 273.15) - 1 / Tref)) *
                       std::pow(pH2 / 52, 0.7);
      S_out = std::pow(1 / std::sqrt(S_in) + 0.5 * k / lhsv, -2);
      light = 0.015 * std::exp(0.03 * (wabt - 355));
      dT = 6 + 14 * (S_in - S_out) + 600 * light;
    }
    const double reactor_out = cot + dT;
    // The effluent heats the feed in E-101 (effectiveness-NTU, counter-current).
    const double Q = eff * Cmin * (reactor_out - feed_temp);
    const double Tco = feed_temp + Q / Cc, Tho = reactor_out - Q / Ch;
    wabt = cot + 0.55 * dT;
    // Fired heater: absorbed duty from the coil's temperature rise; fuel from the efficiency.
    const double Q_abs = std::max(50.0, Cc * (cot - Tco));  // kW
    const double stack = Tco + 70 + 25 * Q_abs / 8000;
    const double heater_eff = 0.95 - 0.00045 * (stack - ambient) * (1 + 0.06 * (ex_o2 - 3));
    const double Q_fired = Q_abs / heater_eff;
    const double fuel = Q_fired / (lhv * 1000) * 3600;  // kg/h
    const double fuel_max = 2000 * std::sqrt(fuel_p / 3.5);
    const double valve = std::clamp(100 * (1 + std::log(fuel / fuel_max) / std::log(30.0)), 0.0, 100.0);
    const double nox = 28 * std::pow(Q_fired / 10000, 0.6) * (1 + 0.12 * (ex_o2 - 3)) * std::pow(lhv / 47, 2) *
                       std::exp(0.004 * (ambient - 20));
    // Separator after the air cooler: light ends flash to the gas, the rest goes to T-101.
    const double sep_temp = ambient + 22 + 0.08 * (Tho - 190);
    const double sep_p = pressure - reactor_dp - 1.5;
    const double flash = std::clamp(0.55 + 0.01 * (sep_temp - 45), 0.2, 0.9);
    const double sep_liquid = F * (1 - light * flash);
    const double h2s = F * kFeedDensity * (S_in - S_out) / 100 / 32 * 22.414;  // Nm3/h
    const double c1c4 = F * kFeedDensity * light * flash / 30 * 22.414;
    const double h2_left = std::max(0.05 * h2, h2 - 3 * h2s - 50 * F);
    purity = 100 * h2_left / (h2_left + 0.05 * h2s + c1c4 + 0.04 * h2);
    // Column: light key in the bottoms falls with boil-up and reflux ratio, rises with pressure.
    const double x_lk = std::clamp(0.03 + 0.9 * light * (1 - flash) + 0.003 * d_lk.step(g, normal), 0.01, 0.3);
    const double lk_b = 100 * x_lk * std::exp(-3.2 * boil - 0.55 * rr) * std::exp(0.6 * (col_p - 1.5));
    const double xb = lk_b / 100;
    const double D = sep_liquid * (x_lk - xb) / (0.98 - xb), B = sep_liquid - D;
    const double duty = boil * 0.04 * sep_liquid;  // MW
    const double top = 118 + 14 * (col_p - 1.5) - 7 * (rr - 1.5) + 5 * (boil - 1);
    const double bottom = 262 + 18 * (col_p - 1.5) - 9 * std::log(lk_b / 0.066) + 4 * (boil - 1);
    const double d95 = 171 + 0.9 * (top - 118) + 6 * (boil - 1) - 3 * (rr - 1.5);
    const double col_feed = 215 + 0.15 * (Tho - 190);

    row[FEED_FLOW] = F;
    row[FEED_TEMP] = feed_temp;
    row[FEED_SULFUR] = S_in;
    row[H2_FLOW] = h2;
    row[AMBIENT_TEMP] = ambient;
    row[XC_OUT] = Tco;
    row[XH_OUT] = Tho;
    row[FUEL_FLOW] = fuel;
    row[FUEL_PRESSURE] = fuel_p;
    row[FUEL_VALVE] = valve;
    row[EXCESS_O2] = ex_o2;
    row[STACK_TEMP] = stack;
    row[COT] = cot;
    row[NOX] = nox;
    row[REACTOR_PRESSURE] = pressure;
    row[WABT] = wabt;
    row[REACTOR_OUT] = reactor_out;
    row[REACTOR_DP] = reactor_dp;
    row[PRODUCT_SULFUR] = S_out * 1e4;
    row[SEP_TEMP] = sep_temp;
    row[SEP_PRESSURE] = sep_p;
    row[SEP_LEVEL] = 50 + 4 * d_level.step(g, normal);
    row[SEP_LIQUID] = sep_liquid;
    row[H2_PURITY] = purity;
    row[COL_FEED_TEMP] = col_feed;
    row[REBOILER_DUTY] = duty;
    row[REFLUX_FLOW] = rr * D;
    row[COL_PRESSURE] = col_p;
    row[TOP_TEMP] = top;
    row[BOTTOM_TEMP] = bottom;
    row[OVERHEAD_FLOW] = D;
    row[BOTTOMS_FLOW] = B;
    row[BOTTOMS_LK] = lk_b;
    row[OVERHEAD_D95] = d95;
    for (int c = 0; c < N_COLS; ++c) {
      const TagDef& td = kTags[c];
      double v = row[c];
      if (p.noise > 0) v += p.noise * (td.sigma + td.rel_sigma * std::abs(v)) * normal(g);
      t.values(i, c) = std::clamp(v, td.min, td.max);
    }
  }

  // Sensor faults, then the lab schedule. Drawn after the process so that changing a fault
  // rate leaves the process itself unchanged.
  std::mt19937_64 gf(p.random_state * 0xD1B54A32D192ED03ULL + 0x7777);
  std::uniform_real_distribution<double> uf(0, 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // One lab schedule for every analysis: a sample every lab_interval rows, its exact time
  // jittered, a few samples never analysed, and now and then one analysis missing.
  std::vector<char> sampled(static_cast<std::size_t>(n), 0);
  {
    const long offset = static_cast<long>(uf(gf) * p.lab_interval);
    for (long s = offset; s < n; s += p.lab_interval) {
      const long at = std::clamp(s + static_cast<long>(std::floor((uf(gf) - 0.5) * 0.25 * p.lab_interval)), 0L, n - 1);
      if (uf(gf) > 0.02) sampled[static_cast<std::size_t>(at)] = 1;
    }
  }
  for (int c = 0; c < N_COLS; ++c) {
    if (is_lab(c)) {
      for (long i = 0; i < n; ++i)
        if (!sampled[static_cast<std::size_t>(i)] || uf(gf) < 0.01) t.values(i, c) = nan;
      continue;
    }
    long frozen_left = 0;
    double frozen_value = 0;
    for (long i = 0; i < n; ++i) {
      if (frozen_left > 0) {
        t.values(i, c) = frozen_value;
        --frozen_left;
      } else if (p.frozen_rate > 0 && uf(gf) < p.frozen_rate && i > 0) {
        frozen_value = t.values(i - 1, c);
        frozen_left = 6 + static_cast<long>(uf(gf) * 43);
        t.values(i, c) = frozen_value;
        --frozen_left;
      }
      if (p.missing_rate > 0 && uf(gf) < p.missing_rate) t.values(i, c) = nan;
    }
  }

  const std::time_t t0 = parse_start(p.start);
  const long step_s = std::lround(p.interval_minutes * 60);
  char buf[32];
  for (long i = 0; i < n; ++i) {
    const std::time_t ti = t0 + static_cast<std::time_t>(i) * step_s;
    std::tm tm{};
    gmtime_r(&ti, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    t.timestamps[static_cast<std::size_t>(i)] = buf;
  }
  return out;
}

}  // namespace dtwin
