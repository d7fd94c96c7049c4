// dtwin quickstart in C++: simulate the hydrotreater, train the twin of reactor R-101 on the
// first 60% of the time, compare its soft sensor with a real-only one on the rest, generate
// virtual samples, save the twin and reload it. Built against the installed package by
// examples/cpp/CMakeLists.txt (find_package(dtwin)).
#include <dtwin/csv.hpp>
#include <dtwin/simulate.hpp>
#include <dtwin/twin.hpp>

#include <cmath>
#include <cstdio>

namespace {

// RMSE over the rows where both are present.
double rmse(const dtwin::Table::Matrix& p, const dtwin::Table::Matrix& y) {
  double s = 0;
  long n = 0;
  for (Eigen::Index i = 0; i < y.rows(); ++i)
    if (std::isfinite(y(i, 0)) && std::isfinite(p(i, 0))) s += (p(i, 0) - y(i, 0)) * (p(i, 0) - y(i, 0)), ++n;
  return n ? std::sqrt(s / static_cast<double>(n)) : NAN;
}

dtwin::Table rows(const dtwin::Table& t, Eigen::Index from, Eigen::Index to) {
  dtwin::Table out = t;
  out.values = t.values.middleRows(from, to - from);
  out.timestamps.assign(t.timestamps.begin() + from, t.timestamps.begin() + to);
  return out;
}

}  // namespace

int main() {
  try {
    dtwin::SimulationParams sp;
    sp.n_rows = 30000;
    const auto sim = dtwin::simulate(sp);
    const Eigen::Index cut = static_cast<Eigen::Index>(0.6 * static_cast<double>(sim.data.rows()));
    const auto train = rows(sim.data, 0, cut), test = rows(sim.data, cut, sim.data.rows());

    dtwin::TwinOptions opt;
    opt.random_state = 0;
    opt.missing = sim.config.missing;
    dtwin::EquipmentTwin twin(sim.config.find("R-101"), opt);
    twin.fit(train);
    const auto& r = twin.report();
    std::printf("trained R-101 on %ld rows; kept %.1f virtual sample(s) per real one; validation RMSE %.2f -> %.2f wppm\n",
                r.rows_used, r.virtual_ratio, r.rmse_real_only.at(0), r.rmse_chosen.at(0));

    const auto y = test.select({"product_sulfur"});
    std::printf("test RMSE of product sulfur (later operation): twin %.2f wppm\n", rmse(twin.predict(test).values, y));

    const auto virtual_samples = twin.generate(2000, "sparse", 1);
    dtwin::write_csv("r101_virtual_cpp.csv", virtual_samples.data);
    twin.save("r101_twin_cpp.h5");
    const auto back = dtwin::EquipmentTwin::load("r101_twin_cpp.h5");
    const bool same = back.generate(100, "sparse", 3).data.values == twin.generate(100, "sparse", 3).data.values;
    std::printf("generated %ld virtual samples; reloaded twin generates the same: %s\n",
                static_cast<long>(virtual_samples.data.rows()), same ? "yes" : "no");
    return same ? 0 : 1;
  } catch (const dtwin::Error& e) {
    std::fprintf(stderr, "quickstart: %s\n", e.what());
    return 1;
  }
}
