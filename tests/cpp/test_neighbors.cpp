#include <gtest/gtest.h>

#include <dtwin/detail/neighbors.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
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

// The scan's edges: fewer points than its 64 lanes, more neighbours wanted than lanes, a
// point count that leaves a partial last round of lanes.
TEST(NeighborIndex, ScanEdgesMatchBruteForce) {
  check_against_brute_force(dtwin_test::gaussian(40, 25, 3), dtwin_test::gaussian(7, 25, 4), 6, 1.0571, 1e-6);
  check_against_brute_force(dtwin_test::gaussian(300, 25, 5), dtwin_test::gaussian(9, 25, 6), 70, 1.0571, 1e-6);
  check_against_brute_force(dtwin_test::gaussian(131, 25, 7), dtwin_test::gaussian(9, 25, 8), 1, 1.0, 1e-6);
}

// The scan in single precision against a sort of its own distances: the same neighbours in
// the same order (ties by number), whether the points approach the query one after another
// (a random walk, as generated trees are ordered) or come in any order, with duplicates.
TEST(NeighborIndex, ScanSelectsExactlyInSinglePrecision) {
  using F = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index n = 700, d = 32;
  F walk(n, d), noise = dtwin_test::gaussian(n, d, 11).cast<float>();
  walk.row(0) = noise.row(0);
  for (Eigen::Index i = 1; i < n; ++i) walk.row(i) = walk.row(i - 1) + 0.1f * noise.row(i);
  for (Eigen::Index i = 0; i < 40; ++i) noise.row(n - 1 - i) = noise.row(i);  // duplicates
  for (const F* P : {&walk, &noise}) {
    NeighborIndex<float> index(P->data(), n, d);
    std::vector<std::vector<int>> nbr;
    std::vector<std::vector<float>> dist;
    const double factor = 1.0571;
    index.within_kth(P->data(), n, 6, factor, nbr, dist);
    // The scan's own squared distances, |p|^2 + |q|^2 - 2 p.q, computed as it does (p.q by the
    // same GEMM call on the same blocks of 256 queries), so that ties and near-ties are its own.
    Eigen::Map<const Eigen::MatrixXf> cols(P->data(), d, n);
    std::vector<float> norms(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      float s = 0;
      for (Eigen::Index k = 0; k < d; ++k) s += (*P)(i, k) * (*P)(i, k);
      norms[i] = s;
    }
    Eigen::MatrixXf G, Q;
    for (Eigen::Index q = 0; q < n; ++q) {
      if (q % 256 == 0) {
        Q = cols.middleCols(q, std::min<Eigen::Index>(256, n - q));
        dtwin::detail::gemm<float>(cols, true, Q, false, G);
      }
      const float qn = Q.col(q % 256).squaredNorm();
      std::vector<std::pair<float, int>> all;
      for (Eigen::Index i = 0; i < n; ++i)
        all.emplace_back(std::max(0.0f, norms[i] + qn - 2 * G(i, q % 256)), static_cast<int>(i));
      std::sort(all.begin(), all.end());
      const float r2 = all[5].first * static_cast<float>(factor * factor);
      std::size_t within = 6;
      while (within < all.size() && all[within].first <= r2) ++within;
      ASSERT_EQ(nbr[q].size(), within) << "query " << q;
      for (std::size_t j = 0; j < within; ++j) {
        EXPECT_EQ(nbr[q][j], all[j].second) << "query " << q << " rank " << j;
        EXPECT_EQ(dist[q][j], std::sqrt(all[j].first));
      }
    }
  }
}

#ifdef DTWIN_SIMD_X86
// The scan's distance pass gives the same bits with AVX2 as with SSE2.
TEST(NeighborIndex, ScanVariantsGiveTheSameBits) {
  if (!dtwin::detail::simd::has_avx2()) GTEST_SKIP() << "no AVX2 here";
  namespace sd = dtwin::detail::scan_detail;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (std::size_t n : {5, 64, 200, 1000}) {
    std::vector<float> norms(n), g(n);
    for (std::size_t i = 0; i < n; ++i) { norms[i] = 1 + u(rng); g[i] = u(rng); }
    g[0] = 1.2f;  // a negative difference, clamped to 0
    std::vector<float> a = g, b = g;
    float ma[sd::kLanes], mb[sd::kLanes];
    sd::distances_sse2<float>(norms.data(), 0.7f, a.data(), n, ma);
    sd::distances_avx2<float>(norms.data(), 0.7f, b.data(), n, mb);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(float)), 0) << n;
    EXPECT_EQ(std::memcmp(ma, mb, sizeof(ma)), 0) << n;
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(a[i], std::max(0.0f, norms[i] + 0.7f - 2 * g[i])) << i;
    for (std::size_t l = 0; l < sd::kLanes; ++l) {
      float m = std::numeric_limits<float>::infinity();
      for (std::size_t i = l; i < n; i += sd::kLanes) m = std::min(m, a[i]);
      EXPECT_EQ(ma[l], m) << "lane " << l;
    }
  }
}
#endif

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
