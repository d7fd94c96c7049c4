#include <gtest/gtest.h>

#include <dtwin/soft_sensor.hpp>

#include <cmath>
#include <random>

#include "test_util.hpp"

using dtwin::SoftSensorMLP;
using dtwin::SoftSensorParams;
using M = SoftSensorMLP::Matrix;
using dtwin_test::rmse;

namespace {

void data(int n, unsigned seed, bool nonlinear, M& X, M& Y) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-2, 2);
  X.resize(n, 3);
  Y.resize(n, 2);
  for (int i = 0; i < n; ++i) {
    const double a = u(rng), b = u(rng), c = u(rng);
    // Engineering units: a temperature around 350 and a flow around 80.
    X.row(i) << 350 + 10 * a, 80 + 5 * b, c;
    if (nonlinear) Y.row(i) << std::sin(a) * b + 0.5 * c * c, std::exp(0.5 * a) - b;
    else Y.row(i) << 2 * a - b + 0.5 * c, -a + 3 * c;
  }
}

SoftSensorParams seeded() {
  SoftSensorParams p;
  p.random_state = 0;
  return p;
}

}  // namespace

TEST(SoftSensor, LearnsALinearFunction) {
  M X, Y, Xt, Yt;
  data(400, 1, false, X, Y);
  data(200, 2, false, Xt, Yt);
  SoftSensorMLP mlp(seeded());
  mlp.fit(X, Y);
  EXPECT_LT(rmse(mlp.predict(Xt), Yt), 0.1);  // targets span about +-6
  EXPECT_GT(mlp.score(Xt, Yt), 0.998);
}

TEST(SoftSensor, LearnsANonlinearFunction) {
  M X, Y, Xt, Yt;
  data(1000, 3, true, X, Y);
  data(300, 4, true, Xt, Yt);
  SoftSensorMLP mlp(seeded());
  mlp.fit(X, Y);
  EXPECT_LT(rmse(mlp.predict(Xt), Yt), 0.15);
  EXPECT_GT(mlp.score(Xt, Yt), 0.98);
}

TEST(SoftSensor, DeterministicAndRoundTrips) {
  M X, Y;
  data(200, 5, true, X, Y);
  SoftSensorParams p = seeded();
  p.epochs = 30;
  p.dropout = 0.1;
  SoftSensorMLP a(p), b(p);
  a.fit(X, Y);
  b.fit(X, Y);
  EXPECT_EQ(a.predict(X), b.predict(X));
  auto c = SoftSensorMLP::from_weights(a.params(), a.n_inputs(), a.n_outputs(), a.weights(), a.history());
  EXPECT_EQ(a.predict(X), c.predict(X));
}

TEST(SoftSensor, EarlyStoppingOnAGivenValidationSet) {
  M X, Y, Xv, Yv;
  data(200, 6, true, X, Y);
  data(50, 7, true, Xv, Yv);
  SoftSensorParams p = seeded();
  p.epochs = 2000;
  p.patience = 10;
  SoftSensorMLP mlp(p);
  int calls = 0;
  mlp.set_progress([&](const dtwin::SoftSensorEpoch& e) {
    ++calls;
    return e.val_loss >= 0;
  });
  mlp.fit(X, Y, Xv, Yv);
  EXPECT_LT(mlp.history().size(), 2000u);
  EXPECT_EQ(calls, static_cast<int>(mlp.history().size()));
  EXPECT_GE(mlp.best_epoch(), 1);
}

TEST(SoftSensor, ConstantInputColumnIsHarmless) {
  M X, Y;
  data(200, 8, false, X, Y);
  X.col(2).setConstant(7.0);
  SoftSensorParams p = seeded();
  p.epochs = 50;
  SoftSensorMLP mlp(p);
  mlp.fit(X, Y);
  EXPECT_TRUE(mlp.predict(X).allFinite());
}

TEST(SoftSensor, BadInput) {
  M X, Y;
  data(50, 9, false, X, Y);
  SoftSensorMLP mlp(seeded());
  EXPECT_THROW(mlp.predict(X), dtwin::RuntimeError);
  EXPECT_THROW(mlp.fit(X.topRows(10), Y), dtwin::InvalidArgument);
  M bad = X;
  bad(1, 1) = std::nan("");
  EXPECT_THROW(mlp.fit(bad, Y), dtwin::InvalidArgument);
  SoftSensorParams p;
  p.activation = "swish";
  EXPECT_THROW(SoftSensorMLP{p}, dtwin::InvalidArgument);
  SoftSensorParams q = seeded();
  q.epochs = 2;
  SoftSensorMLP ok(q);
  ok.fit(X, Y);
  EXPECT_THROW(ok.predict(M::Zero(2, 4)), dtwin::InvalidArgument);
}
