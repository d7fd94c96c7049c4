#include <gtest/gtest.h>

#include <dtwin/sparse_generation.hpp>

#include "test_util.hpp"

using dtwin::SparseGenerationParams;
using dtwin::SparseGenerator;
using dtwin_test::RowMat;
using dtwin_test::gaussian;

namespace {

double nearest(const RowMat& Z, const Eigen::RowVectorXd& x) { return std::sqrt((Z.rowwise() - x).rowwise().squaredNorm().minCoeff()); }

// A dense cluster and a long sparse arm: the arm is the sparse zone.
RowMat cluster_and_arm(std::vector<double>* local_radius = nullptr) {
  std::mt19937 rng(3);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> u(0, 1);
  RowMat Z(600, 2);
  for (int i = 0; i < 500; ++i) Z.row(i) << 0.3 * g(rng), 0.3 * g(rng);
  for (int i = 500; i < 600; ++i) {
    const double t = 1 + 6 * u(rng);
    Z.row(i) << t, 0.2 * g(rng);
  }
  if (local_radius) {
    local_radius->resize(600);
    for (int i = 0; i < 600; ++i) {
      std::vector<double> d;
      for (int j = 0; j < 600; ++j) d.push_back((Z.row(i) - Z.row(j)).norm());
      std::nth_element(d.begin(), d.begin() + 10, d.end());
      (*local_radius)[i] = d[10];
    }
  }
  return Z;
}

}  // namespace

TEST(SparseGeneration, EveryFeatureWithinRAndFartherThanRandomCandidates) {
  RowMat Z = gaussian(400, 2, 1);
  SparseGenerationParams p;
  p.random_state = 0;
  p.bounds = "free";
  auto res = SparseGenerator<double>(p).generate(Z);
  ASSERT_EQ(res.features.rows(), 400);
  ASSERT_EQ(res.centres.size(), 400u);
  EXPECT_NEAR(res.radius, SparseGenerator<double>::mean_nn_distance(Z), 1e-12);
  double gap_sel = 0, gap_rand = 0;
  std::mt19937 rng(7);
  std::normal_distribution<double> g;
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < res.features.rows(); ++i) {
    const double dc = (res.features.row(i) - Z.row(res.centres[i])).norm();
    EXPECT_LE(dc, res.radius * (1 + 1e-9));
    gap_sel += nearest(Z, res.features.row(i));
    Eigen::RowVector2d dir(g(rng), g(rng));
    gap_rand += nearest(Z, Z.row(res.centres[i]) + res.radius * u(rng) * dir.normalized());
  }
  // The farthest of W candidates lies farther from the data than a random candidate.
  EXPECT_GT(gap_sel, 1.5 * gap_rand);
}

TEST(SparseGeneration, SameSeedSameFeaturesAndCycles) {
  RowMat Z = gaussian(300, 3, 2);
  SparseGenerationParams p;
  p.random_state = 5;
  p.n_cycles = 3;
  auto a = SparseGenerator<double>(p).generate(Z);
  auto b = SparseGenerator<double>(p).generate(Z);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.centres, b.centres);
  EXPECT_EQ(a.features.rows() + static_cast<Eigen::Index>(a.rejected), 900);
}

TEST(SparseGeneration, SparseTargetFavoursTheSparseArm) {
  std::vector<double> local;
  RowMat Z = cluster_and_arm(&local);
  std::vector<double> sorted = local;
  std::sort(sorted.begin(), sorted.end());
  const double decile = sorted[sorted.size() * 9 / 10];  // lowest-density decile: largest radius
  auto share = [&](const std::string& target) {
    SparseGenerationParams p;
    p.random_state = 0;
    p.target = target;
    auto res = SparseGenerator<double>(p).generate(Z);
    int in = 0;
    for (int i = 0; i < res.features.rows(); ++i) {
      Eigen::Index j;
      (Z.rowwise() - res.features.row(i)).rowwise().squaredNorm().minCoeff(&j);
      in += local[j] >= decile;
    }
    return static_cast<double>(in) / res.features.rows();
  };
  const double plain = share("all"), sparse = share("sparse");
  EXPECT_GT(sparse, 1.5 * plain) << "plain " << plain << " sparse " << sparse;
}

TEST(SparseGeneration, BoxAndMaskRestrictTheRegion) {
  RowMat Z = cluster_and_arm();
  SparseGenerationParams p;
  p.random_state = 0;
  p.box_lo = {3.0, -1.0};
  p.box_hi = {7.0, 1.0};
  auto res = SparseGenerator<double>(p).generate(Z);
  ASSERT_GT(res.features.rows(), 10);
  for (int i = 0; i < res.features.rows(); ++i) {
    EXPECT_GE(res.features(i, 0), 3.0);
    EXPECT_LE(res.features(i, 0), 7.0);
  }
  SparseGenerationParams q;
  q.random_state = 0;
  q.mask.assign(600, 0);
  for (int i = 500; i < 600; ++i) q.mask[i] = 1;
  auto rm = SparseGenerator<double>(q).generate(Z);
  for (int c : rm.centres) EXPECT_GE(c, 500);
  q.mask.assign(600, 0);
  EXPECT_THROW(SparseGenerator<double>(q).generate(Z), dtwin::InvalidArgument);
}

TEST(SparseGeneration, HullKeepsFeaturesNearTheData) {
  RowMat Z = cluster_and_arm();
  SparseGenerationParams p;
  p.random_state = 0;
  p.radius = 1.5;  // large radius: free candidates wander off
  auto hull = SparseGenerator<double>(p).generate(Z);
  p.bounds = "free";
  auto free = SparseGenerator<double>(p).generate(Z);
  double mh = 0, mf = 0;
  for (int i = 0; i < hull.features.rows(); ++i) mh += nearest(Z, hull.features.row(i));
  for (int i = 0; i < free.features.rows(); ++i) mf += nearest(Z, free.features.row(i));
  EXPECT_LT(mh / hull.features.rows(), 0.5 * mf / free.features.rows());
}

TEST(SparseGeneration, BadInput) {
  SparseGenerationParams p;
  EXPECT_THROW(SparseGenerator<double>(p).generate(RowMat(1, 2)), dtwin::InvalidArgument);
  RowMat nan = gaussian(10, 2, 1);
  nan(3, 1) = std::nan("");
  EXPECT_THROW(SparseGenerator<double>(p).generate(nan), dtwin::InvalidArgument);
  p.n_candidates = 0;
  EXPECT_THROW(SparseGenerator<double>(p).generate(gaussian(10, 2, 1)), dtwin::InvalidArgument);
  SparseGenerationParams q;
  q.box_lo = {0};
  q.box_hi = {1};
  EXPECT_THROW(SparseGenerator<double>(q).generate(gaussian(10, 2, 1)), dtwin::InvalidArgument);
  EXPECT_THROW(SparseGenerator<double>(SparseGenerationParams{}).generate(RowMat::Zero(10, 2)), dtwin::InvalidArgument);
}
