#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dtwin/simulate.hpp"
#include "dtwin/twin.hpp"

namespace {

dtwin::TwinOptions quick_options() {
  dtwin::TwinOptions o;
  o.pgan.epochs = 40;
  o.soft_sensor.epochs = 60;
  o.soft_sensor.patience = 20;
  o.random_state = 3;
  return o;
}

const dtwin::Simulation& sim() {
  static const dtwin::Simulation s = [] {
    dtwin::SimulationParams p;
    p.n_rows = 8000;
    p.random_state = 1;
    return dtwin::simulate(p);
  }();
  return s;
}

}  // namespace

TEST(EquipmentTwin, FitGeneratePredictEmbed) {
  dtwin::EquipmentTwin twin(sim().config.find("R-101"), quick_options());
  EXPECT_THROW(twin.generate(10), dtwin::RuntimeError);
  int pgan_steps = 0;
  twin.set_progress([&](const std::string& stage, int, int) { pgan_steps += stage == "pgan"; });
  twin.fit(sim().data);
  EXPECT_EQ(pgan_steps, 40);
  const auto& r = twin.report();
  EXPECT_EQ(r.rows_in, 8000);
  EXPECT_GT(r.rows_used, 250);  // lab samples every 24 rows
  EXPECT_LT(r.rows_used, 340);
  EXPECT_EQ(r.ratios_tried.size(), 3u);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"product_sulfur"}));
  EXPECT_EQ(r.ignored_columns.size(), sim().data.columns.size() - 9);  // the other equipment's tags

  const auto g = twin.generate(500);
  ASSERT_EQ(g.data.rows(), 500);
  EXPECT_EQ(g.data.columns, twin.config().tag_names());
  EXPECT_TRUE(g.data.values.allFinite());
  // Physical bounds hold (clip is the default).
  const auto s = g.data.values.col(g.data.find("product_sulfur"));
  EXPECT_GE(s.minCoeff(), 0.0);
  // Same seed, same samples.
  EXPECT_EQ(twin.generate(50, "sparse", 9).data.values, twin.generate(50, "sparse", 9).data.values);
  EXPECT_NE(twin.generate(50, "sparse", 9).data.values, twin.generate(50, "sparse", 10).data.values);

  const auto p = twin.predict(sim().data);
  ASSERT_EQ(p.rows(), 8000);
  EXPECT_EQ(p.columns, (std::vector<std::string>{"product_sulfur"}));
  const auto Z = twin.embed(g.data);
  EXPECT_EQ(Z.rows(), 500);
  EXPECT_EQ(Z.cols(), 3);
  EXPECT_THROW(twin.embed(sim().data), dtwin::InvalidArgument);  // lab gaps
}

TEST(EquipmentTwin, SaveLoadGivesIdenticalOutputs) {
  dtwin::EquipmentTwin twin(sim().config.find("F-101"), quick_options());
  twin.fit(sim().data);
  const std::string path = testing::TempDir() + "dtwin_twin_f101.h5";
  twin.save(path);
  const auto back = dtwin::EquipmentTwin::load(path);
  EXPECT_EQ(back.config().to_json(), twin.config().to_json());
  EXPECT_EQ(back.generate(200, "sparse", 5).data.values, twin.generate(200, "sparse", 5).data.values);
  const auto a = twin.predict(sim().data).values, b = back.predict(sim().data).values;
  EXPECT_TRUE(((a.array() == b.array()) || (a.array().isNaN() && b.array().isNaN())).all());
  EXPECT_EQ(back.report().to_json(), twin.report().to_json());
  std::remove(path.c_str());
}

TEST(EquipmentTwin, ClearErrors) {
  dtwin::EquipmentTwin twin(sim().config.find("R-101"), quick_options());
  dtwin::Table t;
  t.columns = {"feed_flow"};
  t.values = Eigen::MatrixXd::Ones(20, 1);
  try {
    twin.fit(t);
    FAIL();
  } catch (const dtwin::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("lacks the column(s)"), std::string::npos);
  }
  dtwin::Table few = sim().data;
  few.values.conservativeResize(60, Eigen::NoChange);
  few.timestamps.resize(60);
  EXPECT_THROW(twin.fit(few), dtwin::InvalidArgument);
  dtwin::TwinOptions bad = quick_options();
  bad.bounds = "wrap";
  EXPECT_THROW(dtwin::EquipmentTwin(sim().config.find("R-101"), bad), dtwin::InvalidArgument);
  bad = quick_options();
  bad.target_model = "oracle";
  EXPECT_THROW(dtwin::EquipmentTwin(sim().config.find("R-101"), bad), dtwin::InvalidArgument);
}

TEST(EquipmentTwin, TargetModelIsKeptAndChangesOnlyTheSensor) {
  // The teacher relabels the sensor's virtual training rows; the generator, and so generate(),
  // is the same whichever model labels them.
  dtwin::TwinOptions o = quick_options();
  o.virtual_ratios = {1.0};
  o.validation_fraction = 0.0;
  EXPECT_EQ(dtwin::TwinOptions::from_json(o.to_json()).target_model, "gp");
  dtwin::TwinOptions g = o;
  g.target_model = "generator";
  EXPECT_EQ(dtwin::TwinOptions::from_json(g.to_json()).target_model, "generator");
  dtwin::EquipmentTwin a(sim().config.find("R-101"), o), b(sim().config.find("R-101"), g);
  a.fit(sim().data);
  b.fit(sim().data);
  EXPECT_EQ(a.generate(100, "sparse", 4).data.values, b.generate(100, "sparse", 4).data.values);
  const auto pa = a.predict(sim().data).values, pb = b.predict(sim().data).values;
  EXPECT_FALSE(((pa.array() == pb.array()) || pa.array().isNaN()).all());
}

TEST(UnitTwin, ChainsSharedTagsDownstream) {
  dtwin::UnitTwin unit(sim().config, quick_options());
  unit.fit(sim().data);
  const auto v = unit.generate(300, "sparse", 4);
  ASSERT_EQ(v.rows(), 300);
  EXPECT_EQ(v.columns, sim().config.all_tags());
  EXPECT_TRUE(v.values.allFinite());
  // heater_outlet_temp comes from F-101 and is kept by R-101: the reactor's own samples were
  // matched to it, so WABT stays close to the heater outlet plus a plausible exotherm.
  const auto cot = v.values.col(v.find("heater_outlet_temp")), wabt = v.values.col(v.find("reactor_wabt"));
  const double mean_gap = (wabt - cot).mean();
  EXPECT_GT(mean_gap, 5);
  EXPECT_LT(mean_gap, 50);
  const std::string path = testing::TempDir() + "dtwin_unit.h5";
  unit.save(path);
  const auto back = dtwin::UnitTwin::load(path);
  EXPECT_EQ(back.generate(100, "sparse", 4).values, unit.generate(100, "sparse", 4).values);
  EXPECT_EQ(dtwin::archive_content(dtwin::Archive::load(path)), "unit_twin");
  EXPECT_THROW(dtwin::EquipmentTwin::load(path), dtwin::IOError);  // five twins: ambiguous
  const auto p = back.predict(sim().data);
  EXPECT_EQ(p.columns.size(), 9u);  // every target of the unit
  std::remove(path.c_str());
}
