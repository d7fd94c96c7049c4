#include <gtest/gtest.h>

#include <dtwin/detail/neighbors.hpp>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "test_util.hpp"

using dtwin::detail::NeighborIndex;
using dtwin_test::RowMat;

namespace {

// Brute force: distances from query q to every point, ascending.
std::vector<std::pair<double, int>> by_distance(const RowMat& P, const double* q) {
  std::vector<std::pair<double, int>> all;
  for (Eigen::Index i = 0; i < P.rows(); ++i) {
    double s = 0;
    for (Eigen::Index k = 0; k < P.cols(); ++k) s += (P(i, k) - q[k]) * (P(i, k) - q[k]);
    all.emplace_back(std::sqrt(s), static_cast<int>(i));
  }
  std::sort(all.begin(), all.end());
  return all;
}

// within_kth and knn of the index against brute force, for the points themselves and new ones.
// tol: on distances; the GEMM scan loses digits to cancellation in |p|^2 + |q|^2 - 2 p.q.
void check_against_brute_force(const RowMat& P, const RowMat& Q, std::size_t k, double factor, double tol = 1e-12) {
  NeighborIndex<double> index(P.data(), static_cast<std::size_t>(P.rows()), static_cast<std::size_t>(P.cols()));
  for (const RowMat* queries : {&P, &Q}) {
    const auto m = static_cast<std::size_t>(queries->rows());
    std::vector<std::vector<int>> nbr;
    std::vector<std::vector<double>> dist;
    index.within_kth(queries->data(), m, k, factor, nbr, dist);
    std::vector<int> idx;
    std::vector<double> kd;
    index.knn(queries->data(), m, k, idx, kd);
    ASSERT_EQ(nbr.size(), m);
    for (std::size_t q = 0; q < m; ++q) {
      const auto truth = by_distance(P, queries->data() + q * P.cols());
      const double radius = truth[k - 1].first * factor;
      std::size_t expected = k;
      while (expected < truth.size() && truth[expected].first <= radius - 10 * tol) ++expected;
      ASSERT_GE(nbr[q].size(), expected) << "query " << q;
      std::size_t at_most = expected;  // more only within rounding of the radius
      while (at_most < truth.size() && truth[at_most].first <= radius + 10 * tol) ++at_most;
      ASSERT_LE(nbr[q].size(), at_most) << "query " << q;
      ASSERT_TRUE(std::is_sorted(dist[q].begin(), dist[q].end()));
      for (std::size_t j = 0; j < expected; ++j) {
        EXPECT_NEAR(dist[q][j], truth[j].first, tol) << "query " << q << " rank " << j;
        const double dj = std::sqrt((P.row(nbr[q][j]) - queries->row(static_cast<Eigen::Index>(q))).squaredNorm());
        EXPECT_NEAR(dj, dist[q][j], tol) << "index and distance disagree";
      }
      for (std::size_t j = 0; j < k; ++j) EXPECT_NEAR(kd[q * k + j], truth[j].first, tol);
    }
  }
}

}  // namespace

// The kd-tree (up to 20 dimensions) keeps a reordered copy of the points and answers in the
// caller's numbering: searched from the points themselves (visited in the tree's order) and from
// new points, in 3-D (leaves of 16) and 10-D (leaves of 64).
TEST(NeighborIndex, TreeMatchesBruteForce) {
  for (int d : {3, 10}) {
    SCOPED_TRACE(d);
    RowMat P = dtwin_test::blobs(1500, d, 4, 3);
    RowMat Q = dtwin_test::gaussian(200, d, 5) * 3.0;
    check_against_brute_force(P, Q, 6, 1.0571);  // PHATE's radius factor at decay 40
    check_against_brute_force(P, Q, 3, 1.0);     // plain k nearest
  }
}

// Above 20 dimensions the blocked GEMM scan answers the same questions.
TEST(NeighborIndex, ScanMatchesBruteForce) {
  RowMat P = dtwin_test::gaussian(800, 30, 9);
  RowMat Q = dtwin_test::gaussian(100, 30, 10);
  check_against_brute_force(P, Q, 6, 1.0571, 1e-6);
}

// Duplicated points: every copy within the radius is returned, whatever the tree visits first.
TEST(NeighborIndex, DuplicatesAllWithinTheRadius) {
  RowMat P(40, 2);
  for (Eigen::Index i = 0; i < 40; ++i) P.row(i) << static_cast<double>(i % 8), static_cast<double>(i % 3);
  NeighborIndex<double> index(P.data(), 40, 2);
  std::vector<std::vector<int>> nbr;
  std::vector<std::vector<double>> dist;
  index.within_kth(P.data(), 40, 2, 1.05, nbr, dist);
  for (std::size_t q = 0; q < 40; ++q) {
    // Row i is (i % 8, i % 3): rows 24 apart coincide, so rows 0-15 and 24-39 have a copy.
    std::size_t zeros = 0;
    for (std::size_t j = 0; j < nbr[q].size(); ++j) zeros += dist[q][j] == 0;
    const std::size_t copies = (q + 24 < 40 || q >= 24) ? 2 : 1;
    EXPECT_EQ(zeros, copies) << "query " << q;
  }
}
