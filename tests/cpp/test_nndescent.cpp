#include <gtest/gtest.h>

#include <dtwin/detail/nndescent.hpp>
#include <dtwin/detail/neighbors.hpp>
#include <dtwin/detail/threads.hpp>

#include <random>
#include <set>

#include "test_util.hpp"

using dtwin::detail::NeighborIndex;
using dtwin::detail::NNDescent;
using dtwin_test::RowMat;
using dtwin_test::gaussian;

namespace {

// Share of the exact k nearest (self excluded) that NN-descent found.
double recall(const RowMat& X, const NNDescent<double>& g) {
  const auto n = static_cast<std::size_t>(X.rows()), d = static_cast<std::size_t>(X.cols()), k = g.k();
  NeighborIndex<double> exact(X.data(), n, d);
  std::vector<int> idx;
  std::vector<double> dist;
  exact.knn(X.data(), n, k + 1, idx, dist);
  std::size_t hit = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::set<int> found(g.neighbors(i), g.neighbors(i) + k);
    for (std::size_t a = 1; a <= k; ++a) hit += found.count(idx[i * (k + 1) + a]);
  }
  return static_cast<double>(hit) / static_cast<double>(n * k);
}

}  // namespace

// 20 independent Gaussian dimensions are the hard case: the intrinsic dimension is the full 20.
TEST(NNDescent, FindsAlmostAllTrueNeighboursIn20Dimensions) {
  RowMat X = gaussian(4000, 20, 1);
  NNDescent<double> g(X.data(), 4000, 20, 16, 7, {});
  const double r = recall(X, g);
  std::cout << "recall 4,000 x 20 Gaussian, k = 16: " << r << " after " << g.iterations() << " sweeps\n";
  EXPECT_GT(r, 0.97);
}

TEST(NNDescent, ExactOnLowDimensionalBlobs) {
  RowMat X = dtwin_test::blobs(3000, 3, 5, 2);
  NNDescent<double> g(X.data(), 3000, 3, 10, 3, {});
  EXPECT_GT(recall(X, g), 0.99);
}

TEST(NNDescent, RowsAreSortedWithoutSelfOrRepeats) {
  RowMat X = gaussian(1500, 8, 4);
  NNDescent<double> g(X.data(), 1500, 8, 10, 5, {});
  for (std::size_t i = 0; i < 1500; ++i) {
    std::set<int> seen;
    for (std::size_t a = 0; a < g.k(); ++a) {
      const int j = g.neighbors(i)[a];
      ASSERT_GE(j, 0);
      ASSERT_NE(static_cast<std::size_t>(j), i);
      ASSERT_TRUE(seen.insert(j).second);
      EXPECT_NEAR(g.squared_distances(i)[a], (X.row(i) - X.row(j)).squaredNorm(), 1e-9);
      if (a > 0) EXPECT_LE(g.squared_distances(i)[a - 1], g.squared_distances(i)[a]);
    }
  }
}

// Same seed, same graph, whatever the thread count: every sweep reads the previous graph only.
TEST(NNDescent, SameSeedSameGraphOnAnyThreadCount) {
  RowMat X = gaussian(3000, 12, 6);
  auto graph = [&](int threads, std::uint64_t seed) {
    dtwin::detail::ScopedThreads t(threads);
    NNDescent<double> g(X.data(), 3000, 12, 8, seed, {});
    return std::vector<int>(g.neighbors(0), g.neighbors(0) + 3000 * 8);
  };
  const auto a = graph(1, 11);
  EXPECT_EQ(a, graph(2, 11));
  EXPECT_EQ(a, graph(1, 11));
  EXPECT_NE(a, graph(1, 12));
}

TEST(NNDescent, DuplicatesAndTinySets) {
  RowMat X = RowMat::Zero(500, 4);  // all identical: distances tie everywhere
  X.row(499).setOnes();
  NNDescent<double> g(X.data(), 500, 4, 6, 1, {});
  for (std::size_t i = 0; i < 499; ++i) EXPECT_EQ(g.squared_distances(i)[5], 0.0);
  RowMat T(3, 2);
  T << 0, 0, 1, 0, 5, 5;
  NNDescent<double> t(T.data(), 3, 2, 10, 1, {});  // k is capped at n - 1
  ASSERT_EQ(t.k(), 2u);
  EXPECT_EQ(t.neighbors(0)[0], 1);
  EXPECT_EQ(t.neighbors(0)[1], 2);
}
