#include <gtest/gtest.h>

#include <dtwin/pgan.hpp>

#include <cmath>
#include <random>

using dtwin::PGan;
using dtwin::PGanParams;
using M = PGan::Matrix;

namespace {

// x = (cos a, sin a, a / 3) with a little noise: a curve the generator should learn from z = a.
void arc(int n, unsigned seed, M& Z, M& X, double noise = 0.02) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, M_PI);
  std::normal_distribution<double> g(0, noise);
  Z.resize(n, 1);
  X.resize(n, 3);
  for (int i = 0; i < n; ++i) {
    const double a = u(rng);
    Z(i, 0) = a - M_PI / 2;
    X.row(i) << std::cos(a) + g(rng), std::sin(a) + g(rng), a / 3 + g(rng);
  }
}

PGanParams quick(int epochs = 150) {
  PGanParams p;
  p.random_state = 0;
  p.epochs = epochs;
  p.generator_hidden = {32, 32};
  p.branch_hidden = 16;
  p.discriminator_hidden = {16};
  return p;
}

}  // namespace

TEST(PGan, LearnsTheArcAndGeneralises) {
  M Z, X, Zt, Xt;
  arc(400, 1, Z, X);
  arc(100, 2, Zt, Xt);
  PGan gan(quick());
  gan.fit(Z, X);
  M G = gan.generate(Zt);
  ASSERT_EQ(G.rows(), 100);
  ASSERT_EQ(G.cols(), 3);
  const double mae = (G - Xt).cwiseAbs().mean();
  EXPECT_LT(mae, 0.08);
  EXPECT_EQ(static_cast<int>(gan.history().size()), 150);
}

TEST(PGan, SameSeedSameWeightsBitForBit) {
  M Z, X;
  arc(200, 3, Z, X);
  PGan a(quick(20)), b(quick(20));
  a.fit(Z, X);
  b.fit(Z, X);
  EXPECT_EQ(a.generate(Z), b.generate(Z));
  PGanParams other = quick(20);
  other.random_state = 1;
  PGan c(other);
  c.fit(Z, X);
  EXPECT_NE(a.generate(Z), c.generate(Z));
}

TEST(PGan, WeightsRoundTrip) {
  M Z, X;
  arc(200, 4, Z, X);
  PGan a(quick(10));
  a.fit(Z, X);
  auto w = a.weights();
  EXPECT_GE(w.size(), 8u);
  PGan b = PGan::from_weights(a.params(), a.z_dim(), a.x_dim(), w, a.history());
  EXPECT_EQ(a.generate(Z), b.generate(Z));
  w[0].values.pop_back();
  EXPECT_THROW(PGan::from_weights(a.params(), 1, 3, w), dtwin::InvalidArgument);
  EXPECT_THROW(PGan::from_weights(a.params(), 2, 3, a.weights()), dtwin::InvalidArgument);
}

TEST(PGan, EarlyStoppingAndProgress) {
  M Z, X;
  arc(300, 5, Z, X);
  PGanParams p = quick(400);
  p.validation_fraction = 0.2;
  p.patience = 10;
  PGan gan(p);
  int calls = 0;
  gan.set_progress([&](const dtwin::PGanEpoch& e) {
    ++calls;
    EXPECT_GE(e.val_l1, 0);
    return true;
  });
  gan.fit(Z, X);
  EXPECT_EQ(calls, static_cast<int>(gan.history().size()));
  EXPECT_LE(gan.best_epoch(), static_cast<int>(gan.history().size()));
  // The progress callback can stop training.
  PGan stopped(quick(50));
  stopped.set_progress([](const dtwin::PGanEpoch& e) { return e.epoch < 5; });
  stopped.fit(Z, X);
  EXPECT_EQ(stopped.history().size(), 5u);
}

TEST(PGan, WganGpTrains) {
  M Z, X;
  arc(200, 6, Z, X);
  PGanParams p = quick(30);
  p.loss = "wgan-gp";
  PGan gan(p);
  gan.fit(Z, X);
  EXPECT_TRUE(gan.generate(Z).allFinite());
}

TEST(PGan, BadInput) {
  M Z, X;
  arc(50, 7, Z, X);
  PGan gan(quick(2));
  EXPECT_THROW(gan.generate(Z), dtwin::RuntimeError);
  EXPECT_THROW(gan.fit(Z.topRows(10), X), dtwin::InvalidArgument);
  M bad = X;
  bad(2, 1) = std::nan("");
  EXPECT_THROW(gan.fit(Z, bad), dtwin::InvalidArgument);
  gan.fit(Z, X);
  EXPECT_THROW(gan.generate(M::Zero(3, 2)), dtwin::InvalidArgument);
  PGanParams p;
  p.loss = "hinge";
  EXPECT_THROW(PGan{p}, dtwin::InvalidArgument);
}
