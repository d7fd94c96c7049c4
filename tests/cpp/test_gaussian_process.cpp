#include <gtest/gtest.h>

#include <dtwin/gaussian_process.hpp>

#include <cmath>
#include <random>

#include "test_util.hpp"

using dtwin::GaussianProcess;
using dtwin::GaussianProcessParams;
using dtwin_test::RowMat;
using dtwin_test::rmse;

namespace {

// y = sin(3 x0) + 0.5 x1 + noise, and a third input that does not matter.
void sine_data(int n, std::uint64_t seed, RowMat& X, RowMat& Y, double noise = 0.05) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> g;
  X.resize(n, 3);
  Y.resize(n, 1);
  for (int i = 0; i < n; ++i) {
    X.row(i) << u(rng), u(rng), u(rng);
    Y(i, 0) = std::sin(3 * X(i, 0)) + 0.5 * X(i, 1) + noise * g(rng);
  }
}

GaussianProcessParams seeded() {
  GaussianProcessParams p;
  p.random_state = 1;
  return p;
}

}  // namespace

TEST(GaussianProcess, KnownAnswerWithStartingHyperparameters) {
  // max_iter = 0 keeps the starting kernel (length sqrt(d), s_f^2 = 1, s_n^2 = 0.1,
  // s_l^2 = 0.1 / d in standardised units); the posterior mean is then k*^T K^-1 y, by hand.
  RowMat X(4, 1), Y(4, 1);
  X << 0, 1, 2, 3;
  Y << 1, 3, 2, 5;
  GaussianProcessParams p = seeded();
  p.max_iter = 0;
  GaussianProcess gp(p);
  gp.fit(X, Y);
  const double xm = 1.5, xs = std::sqrt(1.25), ym = 2.75, ys = std::sqrt(2.1875);
  auto k = [](double a, double b) { return std::exp(-0.5 * (a - b) * (a - b)) + 0.1 * a * b; };
  Eigen::Matrix4d K;
  Eigen::Vector4d y;
  for (int i = 0; i < 4; ++i) {
    y[i] = (Y(i, 0) - ym) / ys;
    for (int j = 0; j < 4; ++j) K(i, j) = k((X(i, 0) - xm) / xs, (X(j, 0) - xm) / xs) + (i == j ? 0.1 : 0.0);
  }
  const Eigen::Vector4d alpha = K.ldlt().solve(y);
  RowMat Q(1, 1);
  Q << 1.7;
  double expect = 0;
  for (int i = 0; i < 4; ++i) expect += k((1.7 - xm) / xs, (X(i, 0) - xm) / xs) * alpha[i];
  expect = expect * ys + ym;
  EXPECT_NEAR(gp.predict(Q)(0, 0), expect, 1e-10);
}

TEST(GaussianProcess, LearnsASmoothFunctionAndIgnoresAnIrrelevantInput) {
  RowMat X, Y, Xt, Yt;
  sine_data(200, 1, X, Y);
  sine_data(500, 2, Xt, Yt, 0.0);
  GaussianProcess gp(seeded());
  gp.fit(X, Y);
  EXPECT_LT(rmse(gp.predict(Xt), Yt), 0.05);  // noise sd 0.05, signal sd about 0.8
  const auto& k = gp.state().kernels[0];
  EXPECT_GT(k.length_scales[2], 5 * k.length_scales[0]) << "the unused input should get a long length scale";
  EXPECT_NEAR(k.noise_var * gp.state().y_std[0] * gp.state().y_std[0], 0.0025, 0.002);
  // Optimising raised the marginal likelihood above the starting kernel's.
  GaussianProcessParams p0 = seeded();
  p0.max_iter = 0;
  GaussianProcess start(p0);
  start.fit(X, Y);
  EXPECT_GT(gp.state().log_marginal_likelihood[0], start.state().log_marginal_likelihood[0] + 10);
}

TEST(GaussianProcess, UncertaintyGrowsAwayFromTheData) {
  RowMat X, Y;
  sine_data(100, 3, X, Y);
  GaussianProcess gp(seeded());
  gp.fit(X, Y);
  RowMat Q(2, 3), sd;
  Q << 0.1, 0.1, 0.1, 6, 6, 6;
  gp.predict(Q, sd);
  EXPECT_LT(sd(0, 0), 0.1);
  EXPECT_GT(sd(1, 0), 5 * sd(0, 0));
}

TEST(GaussianProcess, SameSeedSameModelAndStateRoundTrip) {
  RowMat X, Y, Q, Yq;
  sine_data(900, 4, X, Y);  // above max_fit_samples: the subset is random
  sine_data(50, 5, Q, Yq);
  GaussianProcess a(seeded()), b(seeded());
  a.fit(X, Y);
  b.fit(X, Y);
  EXPECT_EQ(a.predict(Q), b.predict(Q));
  GaussianProcess c = GaussianProcess::from_state(a.state());
  EXPECT_EQ(a.predict(Q), c.predict(Q));
}

TEST(GaussianProcess, SeveralTargetsGetTheirOwnKernels) {
  RowMat X, Y;
  sine_data(150, 6, X, Y);
  RowMat Y2(150, 2);
  Y2.col(0) = Y.col(0);
  Y2.col(1) = 100 * X.col(2);  // a different input, a different scale
  GaussianProcess gp(seeded());
  gp.fit(X, Y2);
  ASSERT_EQ(gp.state().kernels.size(), 2u);
  EXPECT_LT(rmse(gp.predict(X).col(1), Y2.col(1)), 1.0);
  EXPECT_GT(gp.state().kernels[1].length_scales[0], gp.state().kernels[0].length_scales[0]);
}

TEST(GaussianProcess, BadInputRaises) {
  GaussianProcess gp(seeded());
  RowMat X(1, 2), Y(1, 1);
  X << 1, 2;
  Y << 3;
  EXPECT_THROW(gp.fit(X, Y), dtwin::InvalidArgument);
  RowMat X2 = RowMat::Random(10, 2), Y2 = RowMat::Random(9, 1);
  EXPECT_THROW(gp.fit(X2, Y2), dtwin::InvalidArgument);
  RowMat Y3 = RowMat::Random(10, 1);
  Y3(4, 0) = std::nan("");
  EXPECT_THROW(gp.fit(X2, Y3), dtwin::InvalidArgument);
  EXPECT_THROW(gp.predict(X2), dtwin::RuntimeError);
  gp.fit(X2, RowMat::Random(10, 1));
  EXPECT_THROW(gp.predict(RowMat::Random(3, 5)), dtwin::InvalidArgument);
  GaussianProcessParams p;
  p.max_fit_samples = 1;
  EXPECT_THROW(GaussianProcess{p}, dtwin::InvalidArgument);
}
