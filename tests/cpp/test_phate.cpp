#include <gtest/gtest.h>

#include <dtwin/phate.hpp>

#include <cstring>

#include "test_util.hpp"

using dtwin::Phate;
using dtwin::PhateParams;
using dtwin_test::RowMat;

namespace {

PhateParams seeded(int seed = 0) {
  PhateParams p;
  p.random_state = seed;
  return p;
}

}  // namespace

// Three points on a line, 0, 1 and 3, knn = 1, decay = 2: every affinity by hand.
TEST(PhateKernel, KnownValuesOnALine) {
  RowMat X(3, 1);
  X << 0, 1, 3;
  dtwin::detail::NeighborIndex<double> index(X.data(), 3, 1);
  auto K = dtwin::phate_detail::symmetric_kernel(dtwin::phate_detail::affinity_rows<double>(index, X.data(), 3, 2, 2.0, 1e-4));
  Eigen::MatrixXd D(K);
  // bandwidths: 1, 1, 2 (distance to the nearest other point)
  const double k01 = std::exp(-1.0);
  const double k02 = (std::exp(-9.0) + std::exp(-2.25)) / 2;  // 3/1 and 3/2, squared
  const double k12 = (std::exp(-4.0) + std::exp(-1.0)) / 2;   // 2/1 and 2/2
  EXPECT_NEAR(D(0, 0), 1.0, 1e-12);
  EXPECT_NEAR(D(0, 1), k01, 1e-12);
  EXPECT_NEAR(D(0, 2), k02, 1e-12);
  EXPECT_NEAR(D(1, 2), k12, 1e-12);
  EXPECT_NEAR(D(2, 1), k12, 1e-12);
  auto P = dtwin::phate_detail::row_normalized<double>(K);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(P.row(i).sum(), 1.0, 1e-12);
}

TEST(PhateKernel, ThresholdDropsSmallAffinities) {
  RowMat X(3, 1);
  X << 0, 1, 3;
  dtwin::detail::NeighborIndex<double> index(X.data(), 3, 1);
  // exp(-9) = 1.2e-4 survives thresh 1e-4 but not 1e-3.
  auto K = dtwin::phate_detail::affinity_rows<double>(index, X.data(), 3, 2, 2.0, 1e-3);
  EXPECT_EQ(Eigen::MatrixXd(K)(0, 2), 0.0);
}

TEST(PhateEntropy, KnownSpectra) {
  auto h = dtwin::phate_detail::von_neumann_entropy({1.0, 1.0}, 3);
  ASSERT_EQ(h.size(), 3u);
  for (double v : h) EXPECT_NEAR(v, std::log(2.0), 1e-9);
  auto h2 = dtwin::phate_detail::von_neumann_entropy({1.0, 0.5}, 2);
  const double p = 1 / 1.5, q = 0.5 / 1.5;
  EXPECT_NEAR(h2[0], -(p * std::log(p) + q * std::log(q)), 1e-9);
  const double p2 = 1 / 1.25, q2 = 0.25 / 1.25;  // squared spectrum
  EXPECT_NEAR(h2[1], -(p2 * std::log(p2) + q2 * std::log(q2)), 1e-9);
}

TEST(PhateEntropy, KneeOfTwoLines) {
  std::vector<double> y;
  for (int x = 0; x < 100; ++x) y.push_back(x < 20 ? 10.0 - 0.4 * x : 2.0 - 0.01 * (x - 20));
  const int knee = dtwin::phate_detail::find_knee(y);
  EXPECT_GE(knee, 19);
  EXPECT_LE(knee, 21);
}

namespace {

// A random walk on a graph with a symmetric pattern: a ring of `ring` nodes with random
// chords, and, apart from it, a path of `path` nodes (a second component).
template <typename S>
dtwin::phate_detail::SpMat<S> random_walk(int ring, int path, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.05, 1.0);
  const int m = ring + path;
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(m, m);
  auto link = [&](int a, int b) { K(a, b) = K(b, a) = u(rng); };
  for (int i = 0; i < ring; ++i) link(i, (i + 1) % ring);
  for (int c = 0; c < ring / 3; ++c) link(static_cast<int>(rng() % ring), static_cast<int>(rng() % ring));
  for (int i = ring; i + 1 < m; ++i) link(i, i + 1);
  for (int i = 0; i < m; ++i) K(i, i) = 1;
  dtwin::phate_detail::SpMat<S> A = K.cast<S>().sparseView();
  return A;
}

// The symmetric conjugate W^-1/2 K W^-1/2 of such a random walk.
template <typename S>
dtwin::phate_detail::SpMat<S> conjugate_walk(int ring, int path) {
  auto K = random_walk<S>(ring, path, static_cast<unsigned>(ring));
  Eigen::Matrix<S, -1, 1> wm12(K.rows());
  for (Eigen::Index i = 0; i < K.rows(); ++i) wm12[i] = S(1) / std::sqrt(K.row(i).sum());
  dtwin::phate_detail::SpMat<S> A = wm12.asDiagonal() * K * wm12.asDiagonal();
  return A;
}

}  // namespace

// A^t by sparse products, column group by column group, against dense matrix products: sizes
// that leave a short last group, a second component, t = 1 and longer walks.
TEST(PhateDiffusion, PowerMatchesDenseProducts) {
  for (int ring : {5, 70, 301}) {
    auto A = conjugate_walk<double>(ring, 9);
    const Eigen::MatrixXd Ad(A);
    for (int t : {1, 2, 7, 30}) {
      Eigen::MatrixXd expect = Eigen::MatrixXd::Identity(Ad.rows(), Ad.cols());
      for (int s = 0; s < t; ++s) expect = Ad * expect;
      const auto got = dtwin::phate_detail::dense_power<double>(A, t);
      EXPECT_LT((got - expect).cwiseAbs().maxCoeff(), 1e-13) << "ring " << ring << " t " << t;
      // Single precision: the sums have nonnegative terms, so the error is relative (down to
      // where float underflows).
      const Eigen::MatrixXd gotf = dtwin::phate_detail::dense_power<float>(conjugate_walk<float>(ring, 9), t).cast<double>();
      EXPECT_LT(((gotf - expect).array().abs() / expect.array().max(1e-20)).maxCoeff(), 1e-4)
          << "float, ring " << ring << " t " << t;
      // Nothing leaks between components.
      EXPECT_EQ(got.block(0, ring, ring, 9).cwiseAbs().maxCoeff(), 0.0);
    }
  }
}

// A^t as (A^s)^(2^k): sparse products, then squarings of the dense symmetric power, against
// dense products; in single precision the error stays relative (every sum has nonnegative
// terms) down to the entries the squaring drops (below 1e-18 before a squaring).
TEST(PhateDiffusion, SquaredPowerMatchesDenseProducts) {
  for (int ring : {5, 70, 301}) {
    auto A = conjugate_walk<double>(ring, 9);
    const Eigen::MatrixXd Ad(A);
    for (int k : {1, 2, 3}) {
      const int t = 3 << k;
      Eigen::MatrixXd expect = Eigen::MatrixXd::Identity(Ad.rows(), Ad.cols());
      for (int s = 0; s < t; ++s) expect = Ad * expect;
      auto got = dtwin::phate_detail::dense_power<double>(A, t >> k);
      for (int q = 0; q < k; ++q) dtwin::phate_detail::square_symmetric<double>(got);
      EXPECT_LT((got - expect).cwiseAbs().maxCoeff(), 1e-13) << "ring " << ring << " t " << t;
      auto gotf = dtwin::phate_detail::dense_power<float>(conjugate_walk<float>(ring, 9), t >> k);
      for (int q = 0; q < k; ++q) dtwin::phate_detail::square_symmetric<float>(gotf);
      const Eigen::MatrixXd g = gotf.cast<double>();
      EXPECT_LT(((g - expect).array().abs() / expect.array().max(1e-15)).maxCoeff(), 1e-4)
          << "float, ring " << ring << " t " << t;
      EXPECT_EQ(got.block(0, ring, ring, 9).cwiseAbs().maxCoeff(), 0.0);
    }
  }
}

#if defined(DTWIN_SIMD_X86)
// The AVX2 and SSE2 variants of the product give the same bits (no FMA, same order), so a
// result does not depend on the machine it was computed on.
TEST(PhateDiffusion, InstructionSetsGiveTheSameBits) {
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "no AVX2 here";
  namespace pd = dtwin::phate_detail::power_detail;
  auto P = dtwin::phate_detail::row_normalized<float>(random_walk<float>(200, 0, 4));
  P.makeCompressed();
  constexpr int W = pd::kLanes<float>;
  std::vector<float> x(200 * W);
  std::mt19937 rng(5);
  for (float& v : x) v = std::uniform_real_distribution<float>(0, 1)(rng);
  std::vector<int> rows(200);
  std::iota(rows.begin(), rows.end(), 0);
  alignas(128) static float xa[200 * W], ya[200 * W], yb[200 * W];
  std::copy(x.begin(), x.end(), xa);
  pd::product_rows_sse2<float>(P.outerIndexPtr(), P.innerIndexPtr(), P.valuePtr(), rows.data(), rows.size(), xa, ya);
  pd::product_rows_avx2<float>(P.outerIndexPtr(), P.innerIndexPtr(), P.valuePtr(), rows.data(), rows.size(), xa, yb);
  EXPECT_EQ(std::memcmp(ya, yb, sizeof(ya)), 0);
}

// The Guttman transform's vector variants give the same bits, and agree with the scalar loop
// to rounding (row lengths that leave a scalar tail, two and three coordinates).
template <typename S, int C>
void check_guttman_variants(Eigen::Index n) {
  namespace md = dtwin::phate_detail::mds_detail;
  std::mt19937 rng(static_cast<unsigned>(n));
  std::uniform_real_distribution<S> u(0, 1);
  std::vector<S> X(static_cast<std::size_t>(C * n));
  for (S& v : X) v = u(rng);
  for (int k = 0; k < C; ++k) X[k * n + n - 1] = X[k * n + n - 2];  // a coincident pair
  Eigen::Matrix<S, -1, -1> D(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j <= i; ++j) D(i, j) = D(j, i) = i == j ? S(0) : u(rng);
  std::vector<S> a_sse(X.size(), S(0)), a_avx(X.size(), S(0)), a_scalar(X.size(), S(0));
  const double s_scalar = md::guttman_rows<S, C, S, 1, 1>(D.data(), X.data(), a_scalar.data(), 0, n, n,
                                                         [](S& v) { v = std::sqrt(v); });
  const double s_sse = md::guttman_rows_sse2<S, C>(D.data(), X.data(), a_sse.data(), 0, n, n);
  EXPECT_NEAR(s_sse, s_scalar, 1e-4 * s_scalar);
  for (std::size_t q = 0; q < X.size(); ++q) EXPECT_NEAR(a_sse[q], a_scalar[q], 1e-3) << q;
  if (!dtwin::detail::simd::has_avx2()) return;
  const double s_avx = md::guttman_rows_avx2<S, C>(D.data(), X.data(), a_avx.data(), 0, n, n);
  EXPECT_EQ(s_sse, s_avx);
  EXPECT_EQ(std::memcmp(a_sse.data(), a_avx.data(), sizeof(S) * X.size()), 0) << "n " << n << " C " << C;
}

TEST(PhateMds, GuttmanVariantsGiveTheSameBits) {
  for (Eigen::Index n : {3, 17, 200}) {
    check_guttman_variants<float, 2>(n);
    check_guttman_variants<float, 3>(n);
    check_guttman_variants<double, 2>(n);
  }
}
#endif

// The log potential -log(max(p, 0) + 1e-7) of single precision, against the logarithm in double
// of the same float sum: within one unit in the last place, for negative, zero, tiny, unit and
// large entries, a length that leaves a partial last vector (1,044 = 130 x 8 + 4: whole for
// SSE2, not for AVX2), written in place or to another matrix.
TEST(PhatePotential, LogPotentialWithinAnUlp) {
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  M P(36, 29);
  std::mt19937 rng(4);
  for (Eigen::Index i = 0; i < P.size(); ++i)
    P.data()[i] = std::exp(std::uniform_real_distribution<float>(-40, 3)(rng)) * (i % 7 == 0 ? -1.0f : 1.0f);
  const float special[] = {0.0f, -0.0f, 1.0f, 1e-7f, 1e-30f, 0.70710677f, 0.7071067f, 3e38f};
  for (int k = 0; k < 8; ++k) P.data()[k] = special[k];
  M to;
  dtwin::phate_detail::log_potential<float>(P, to);
  M in_place = P;
  dtwin::phate_detail::log_potential<float>(in_place, in_place);
  EXPECT_EQ(std::memcmp(to.data(), in_place.data(), sizeof(float) * P.size()), 0);
  for (Eigen::Index i = 0; i < P.size(); ++i) {
    const float sum = std::max(P.data()[i], 0.0f) + 1e-7f;
    const double ref = -std::log(static_cast<double>(sum));
    const float r = static_cast<float>(ref);
    const double ulp = std::nextafter(std::abs(r), INFINITY) - std::abs(r);
    EXPECT_LE(std::abs(to.data()[i] - ref), ulp) << "entry " << P.data()[i];
  }
#ifdef DTWIN_SIMD_X86
  if (!dtwin::detail::simd::has_avx2()) return;
  namespace pd = dtwin::phate_detail::potential_detail;
  std::vector<float> a(P.data(), P.data() + P.size()), b = a;
  pd::neg_log_offset_sse2(a.data(), a.size());
  pd::neg_log_offset_avx2(b.data(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(float) * a.size()), 0);
#endif
}

// A step's work counts each component's nonzeros times its size; the route follows it.
TEST(PhateDiffusion, StepWorkAndRoute) {
  auto K = random_walk<double>(40, 25, 8);
  std::vector<int> component;
  const int count = dtwin::phate_detail::connected_components(K, component);
  double ring_nnz = 0, path_nnz = 0;
  for (int i = 0; i < 65; ++i) (i < 40 ? ring_nnz : path_nnz) += static_cast<double>(K.row(i).nonZeros());
  EXPECT_NEAR(dtwin::phate_detail::product_step_work(K, component, count),
              (40 * ring_nnz + 25 * path_nnz) / (65.0 * 65 * 65), 1e-15);
  using Route = dtwin::phate_detail::PowerRoute;
  EXPECT_TRUE(Route::products(0.02, 30, true));    // against the eigenvectors: up to 0.6
  EXPECT_FALSE(Route::products(0.02, 31, true));
  EXPECT_TRUE(Route::products(0.02, 60, false));   // against a whole decomposition: up to 1.2
  EXPECT_FALSE(Route::products(0.02, 61, false));
  // Squarings where t = s 2^k and they cost less than the steps they save: 2,000 landmarks of
  // the swiss roll at 100,000 samples (t = 52) take 13 steps and two squarings.
  EXPECT_EQ(Route::squarings(0.0211, 52), 2);
  EXPECT_TRUE(Route::products(0.0211, 52, true));
  EXPECT_EQ(Route::squarings(0.0211, 51), 0);       // odd t: none
  EXPECT_EQ(Route::squarings(0.001, 64), 0);        // cheap steps: none
  EXPECT_EQ(Route::squarings(0.02, 32), 2);         // 8 steps and two squarings: 0.46
  EXPECT_TRUE(Route::products(0.02, 32, true));
}

// The two-step eigen-decomposition: values first, then vectors from the kept reduction.
TEST(PhateDiffusion, SymmetricEigenInTwoSteps) {
  for (int n : {1, 2, 57}) {
    std::mt19937 rng(static_cast<unsigned>(n));
    std::normal_distribution<double> g;
    Eigen::MatrixXd M(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) M(i, j) = g(rng);
    const Eigen::MatrixXd A = M + M.transpose();
    dtwin::detail::SymmetricEigen<double> eig(A);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
    EXPECT_LT((eig.values() - es.eigenvalues()).cwiseAbs().maxCoeff(), 1e-10) << n;
    Eigen::VectorXd w;
    const Eigen::MatrixXd V = eig.vectors(w);
    EXPECT_LT((w - es.eigenvalues()).cwiseAbs().maxCoeff(), 1e-10) << n;
    EXPECT_LT((V.transpose() * V - Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff(), 1e-10) << n;
    EXPECT_LT((A * V - V * w.asDiagonal()).cwiseAbs().maxCoeff(), 1e-9) << n;
  }
}

// The spectrum through the connected components is the spectrum of the whole.
TEST(PhateDiffusion, EigenvaluesByComponents) {
  auto K = random_walk<double>(40, 25, 8);
  std::vector<int> component;
  ASSERT_EQ(dtwin::phate_detail::connected_components(K, component), 2);
  EXPECT_EQ(component[0], 0);
  EXPECT_EQ(component[40], 1);
  auto lambda = dtwin::phate_detail::symmetric_eigenvalues<double>(K, component, 2);
  std::sort(lambda.data(), lambda.data() + lambda.size());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es{Eigen::MatrixXd(K)};
  EXPECT_LT((lambda - es.eigenvalues()).cwiseAbs().maxCoeff(), 1e-10);
}

// Every route to P^t gives the potential of the dense operator raised by plain matrix products:
// a short given t by sparse products, t = 80 = 10 x 2^3 by ten products and three squarings, a
// long odd one through the whole eigen-decomposition, and t="auto" on a denser kernel (knn 30)
// through the eigenvectors of the kept reduction.
TEST(Phate, PotentialOfEitherRouteIsThatOfTheDenseOperator) {
  RowMat X = dtwin_test::swiss_roll(300, 0.3, 4);
  dtwin::detail::NeighborIndex<double> index(X.data(), 300, 3);
  struct Case { int knn, t; bool products; int squarings; };
  for (auto [knn, t, products, squarings] : {Case{5, 4, true, 0}, Case{5, 80, true, 3}, Case{5, 81, false, 0},
                                             Case{30, -1, false, 0}}) {
    auto K = dtwin::phate_detail::symmetric_kernel(
        dtwin::phate_detail::affinity_rows<double>(index, X.data(), 300, knn + 1, 40, 1e-4));
    std::vector<int> component;
    const int count = dtwin::phate_detail::connected_components(K, component);
    const double work = dtwin::phate_detail::product_step_work(K, component, count);
    ASSERT_EQ(count, 1);  // one component: t="auto" keeps the reduction for the eigenvectors
    PhateParams p = seeded();
    p.knn = knn;
    p.t = t;
    p.mds = "classic";
    Phate<double> ph(p);
    ph.fit(X);
    const int used = ph.optimal_t();
    using Route = dtwin::phate_detail::PowerRoute;
    ASSERT_EQ(Route::products(work, used, t == -1), products) << "work " << work << " t " << used;
    if (products) ASSERT_EQ(Route::squarings(work, used), squarings) << "work " << work << " t " << used;
    const Eigen::MatrixXd P(dtwin::phate_detail::row_normalized<double>(K));
    Eigen::MatrixXd Pt = Eigen::MatrixXd::Identity(300, 300);
    for (int s = 0; s < used; ++s) Pt = P * Pt;
    const Eigen::MatrixXd expect = -(Pt.array().max(0.0) + 1e-7).log();
    EXPECT_LT((ph.diff_potential() - expect).cwiseAbs().maxCoeff(), 1e-6) << "knn " << knn << " t " << used;
  }
}

TEST(Phate, DeterministicForASeed) {
  RowMat X = dtwin_test::swiss_roll(400, 0.3, 1);
  Phate<double> a(seeded(3)), b(seeded(3));
  RowMat Ya = a.fit_transform(X), Yb = b.fit_transform(X);
  EXPECT_EQ(Ya, Yb);
  EXPECT_EQ(a.optimal_t(), b.optimal_t());
}

// Every parallel loop sums in an order fixed by the data (rows, fixed blocks), not by threads.
TEST(Phate, SameResultForAnyThreadCount) {
  RowMat X = dtwin_test::swiss_roll(1500, 0.3, 4);
  dtwin::PhateParams p = seeded(5);
  p.n_landmark = 300;  // the landmark stage and k-means run too
  Phate<double> one(p);
  p.n_jobs = 2;
  Phate<double> two(p);
  RowMat Y1 = one.fit_transform(X), Y2 = two.fit_transform(X);
  EXPECT_EQ(Y1, Y2);
  EXPECT_EQ(one.clusters(), two.clusters());
}

TEST(Phate, InvariantToRowPermutation) {
  RowMat X = dtwin_test::swiss_roll(500, 0.3, 2);
  std::vector<int> perm(500);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937 rng(5);
  std::shuffle(perm.begin(), perm.end(), rng);
  RowMat Xp(500, 3);
  for (int i = 0; i < 500; ++i) Xp.row(i) = X.row(perm[i]);
  Phate<double> a(seeded()), b(seeded());
  RowMat Y = a.fit_transform(X), Yp = b.fit_transform(Xp);
  RowMat Yback(500, 2);
  for (int i = 0; i < 500; ++i) Yback.row(perm[i]) = Yp.row(i);
  EXPECT_EQ(a.optimal_t(), b.optimal_t());
  EXPECT_GT(dtwin_test::distance_spearman(Y, Yback), 0.99);
}

TEST(Phate, FloatAgreesWithDouble) {
  RowMat X = dtwin_test::swiss_roll(500, 0.3, 3);
  Phate<double> d(seeded());
  Phate<float> f(seeded());
  RowMat Yd = d.fit_transform(X);
  Phate<float>::Matrix Yf = f.fit_transform(X.cast<float>());
  EXPECT_NEAR(d.optimal_t(), f.optimal_t(), 1);
  EXPECT_GT(dtwin_test::distance_spearman(Yd, Yf), 0.99);
}

TEST(Phate, SeparatesBlobsThroughLandmarks) {
  std::vector<int> labels;
  RowMat X = dtwin_test::blobs(1500, 10, 5, 4, &labels);
  PhateParams p = seeded();
  p.n_landmark = 300;
  Phate<double> ph(p);
  RowMat Y = ph.fit_transform(X);
  ASSERT_EQ(ph.clusters().size(), 1500u);
  int L = 1 + *std::max_element(ph.clusters().begin(), ph.clusters().end());
  EXPECT_LE(L, 300);
  EXPECT_GT(L, 100);
  EXPECT_EQ(ph.state().landmark_embedding.rows(), L);
  EXPECT_GE(dtwin_test::knn_accuracy(Y, labels), 0.99);
}

// Many samples per landmark and a spectrum with many eigenvalues near 1 (ten disconnected
// blobs): the landmark clustering needs a converged leading subspace. With two power
// iterations instead of seven, clusters mixed blobs and the accuracy here was 0.95 or lower.
TEST(Phate, LandmarksKeepManyLargeBlobsApart) {
  std::vector<int> labels;
  RowMat X = dtwin_test::blobs(10000, 10, 10, 7, &labels);
  PhateParams p = seeded();
  p.n_landmark = 500;
  Phate<float> ph(p);
  Eigen::MatrixXf Y = ph.fit_transform(X.cast<float>());
  EXPECT_GE(dtwin_test::knn_accuracy(Y, labels), 0.99);
}

TEST(Phate, TransformPlacesTrainingSamplesNearTheirEmbedding) {
  std::vector<int> labels;
  RowMat X = dtwin_test::blobs(600, 5, 3, 6, &labels);
  Phate<double> ph(seeded());
  RowMat Y = ph.fit_transform(X);
  RowMat T = ph.transform(X);
  ASSERT_EQ(T.rows(), 600);
  EXPECT_GT(dtwin_test::distance_spearman(Y, T), 0.95);
  // New samples from the blobs land among their own blob.
  std::vector<int> new_labels;
  RowMat Xn = dtwin_test::blobs(60, 5, 3, 6, &new_labels);  // same centres (same seed), new noise below
  std::mt19937 rng(9);
  std::normal_distribution<double> g(0, 0.3);
  for (int i = 0; i < Xn.rows(); ++i)
    for (int j = 0; j < Xn.cols(); ++j) Xn(i, j) += g(rng);
  RowMat Yn = ph.transform(Xn);
  int correct = 0;
  for (int i = 0; i < Yn.rows(); ++i) {
    Eigen::Index best = 0;
    (Y.rowwise() - Yn.row(i)).rowwise().squaredNorm().minCoeff(&best);
    correct += labels[best] == new_labels[i];
  }
  EXPECT_GE(correct, 58);
}

TEST(Phate, StateRoundTripTransformsIdentically) {
  RowMat X = dtwin_test::swiss_roll(300, 0.3, 7);
  Phate<double> ph(seeded());
  ph.fit(X);
  auto copy = Phate<double>::from_state(ph.state());
  RowMat Xn = dtwin_test::swiss_roll(20, 0.3, 8);
  EXPECT_EQ(ph.transform(Xn), copy.transform(Xn));
  EXPECT_EQ(copy.optimal_t(), ph.optimal_t());
}

TEST(Phate, PcaWhenWiderThanNPca) {
  std::vector<int> labels;
  RowMat X = dtwin_test::blobs(400, 30, 4, 10, &labels);
  PhateParams p = seeded();
  p.n_pca = 5;
  Phate<double> ph(p);
  RowMat Y = ph.fit_transform(X);
  EXPECT_EQ(ph.state().pca_components.rows(), 30);
  EXPECT_EQ(ph.state().pca_components.cols(), 5);
  EXPECT_EQ(ph.state().data.cols(), 5);
  EXPECT_GE(dtwin_test::knn_accuracy(Y, labels), 0.99);
  EXPECT_EQ(ph.transform(X.topRows(5)).rows(), 5);
}

TEST(Phate, GivenTAndGammaAndClassicMds) {
  RowMat X = dtwin_test::swiss_roll(300, 0.3, 11);
  for (double gamma : {1.0, 0.0, -1.0}) {
    PhateParams p = seeded();
    p.t = 10;
    p.gamma = gamma;
    p.mds = "classic";
    Phate<double> ph(p);
    RowMat Y = ph.fit_transform(X);
    EXPECT_EQ(ph.optimal_t(), 10);
    EXPECT_TRUE(ph.entropy().empty());
    EXPECT_TRUE(Y.allFinite()) << gamma;
  }
  PhateParams p = seeded();
  p.mds_solver = "sgd";
  EXPECT_TRUE(Phate<double>(p).fit_transform(X).allFinite());
}

TEST(PhateErrors, BadInputSaysWhatIsWrong) {
  Phate<double> ph(seeded());
  auto expect_msg = [](auto&& f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "no exception, expected one mentioning: " << part;
    } catch (const dtwin::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  expect_msg([&] { ph.fit(RowMat(0, 3)); }, "empty");
  expect_msg([&] { ph.fit(RowMat::Random(5, 3)); }, "fewer than knn + 1");
  RowMat nan = RowMat::Random(50, 3);
  nan(7, 2) = std::numeric_limits<double>::quiet_NaN();
  expect_msg([&] { ph.fit(nan); }, "row 7, column 2");
  expect_msg([&] { ph.fit(RowMat::Constant(50, 3, 2.0)); }, "constant");
  expect_msg([&] { PhateParams p; p.knn = 0; Phate<double> bad(p); }, "knn");
  expect_msg([&] { PhateParams p; p.gamma = 2; Phate<double> bad(p); }, "gamma");
  expect_msg([&] { PhateParams p; p.knn_dist = "cosine"; Phate<double> bad(p); }, "knn_dist");
  expect_msg([&] { PhateParams p; p.knn_method = "hnsw"; Phate<double> bad(p); }, "knn_method");
  EXPECT_THROW(ph.transform(RowMat::Random(3, 3)), dtwin::RuntimeError);
  ph.fit(dtwin_test::swiss_roll(100, 0.3, 1));
  expect_msg([&] { ph.transform(RowMat::Random(3, 4)); }, "4 features");
  // Every dtwin exception is a dtwin::Error.
  try {
    ph.transform(RowMat::Random(3, 4));
  } catch (const dtwin::Error& e) {
    SUCCEED();
  }
}

TEST(PhateErrors, FailedFitKeepsThePreviousModel) {
  RowMat X = dtwin_test::swiss_roll(200, 0.3, 13);
  Phate<double> ph(seeded());
  ph.fit(X);
  const RowMat before = ph.transform(X.topRows(5));
  RowMat bad = X;
  bad(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(ph.fit(bad), dtwin::InvalidArgument);
  EXPECT_EQ(ph.transform(X.topRows(5)), before);
}

TEST(PhateErrors, DuplicatedRowsStillEmbed) {
  RowMat X = dtwin_test::swiss_roll(200, 0.3, 12);
  RowMat D(400, 3);
  D << X, X;
  Phate<double> ph(seeded());
  EXPECT_TRUE(ph.fit_transform(D).allFinite());
}

// Found by the Hypothesis property test: six copies of one value and one outlier. SMACOF pulls
// the copies together until their squared distances are subnormal, where Eigen's vectorised
// float sqrt returns 0; the update then divided 0 by 0.
TEST(PhateErrors, CollapsingDuplicatesStayFiniteInFloat) {
  Eigen::MatrixXf X(7, 1);
  X << 0, 1, 1, 1, 1, 1, 1;
  for (const char* solver : {"smacof", "sgd"}) {
    PhateParams p = seeded();
    p.knn = 5;
    p.mds_solver = solver;
    Phate<float> ph(p);
    EXPECT_TRUE(ph.fit_transform(X).allFinite()) << solver;
  }
}

// The k-means candidates: the P nearest centres by (distance, centre), ties included, whatever
// k is (runs of 16 and a shorter last run, fewer runs than P).
TEST(PhateLandmarks, NearestCentresAreTheSortedFirstP) {
  std::mt19937 rng(3);
  dtwin::phate_detail::NearestCentres nearest;
  for (int k : {5, 16, 40, 100, 2000, 2003}) {
    for (int ties : {0, 1}) {
      Eigen::VectorXf dist(k);
      // With ties, distances take few values, so many centres share the P-th distance.
      for (int c = 0; c < k; ++c)
        dist[c] = ties ? static_cast<float>(rng() % 7) : std::uniform_real_distribution<float>(-5, 5)(rng);
      std::vector<std::pair<float, int>> all;
      for (int c = 0; c < k; ++c) all.emplace_back(dist[c], c);
      std::sort(all.begin(), all.end());
      for (int P : {1, 3, 16}) {
        if (P > k) continue;
        const auto& got = nearest.select(dist, P);
        ASSERT_GE(got.size(), static_cast<std::size_t>(P));
        for (int j = 0; j < P; ++j) EXPECT_EQ(got[j], all[j]) << "k " << k << " P " << P << " rank " << j;
      }
    }
  }
  // NaN distances (which finite data does not produce) come last instead of breaking the order.
  Eigen::VectorXf dist = Eigen::VectorXf::Constant(40, std::numeric_limits<float>::quiet_NaN());
  dist[7] = 2;
  dist[30] = 1;
  const auto& got = nearest.select(dist, 3);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got[0].second, 30);
  EXPECT_EQ(got[1].second, 7);
}

// The landmark stage's k-means restricts most Lloyd passes to each row's 16 nearest centres
// of the last full pass; it must land where plain Lloyd (candidates >= k) does. Measured: all
// but 0.02% of rows agree; restricting to 8 candidates without refreshing them agreed on 98.1%
// and 99.3% of rows, 4 candidates on 92.8% and 97.0%.
TEST(PhateLandmarks, CandidateKMeansAgreesWithPlainLloyd) {
  RowMat X = dtwin_test::swiss_roll(6000, 0.3, 21);
  dtwin::detail::Mat<double> F(X.rows(), 6);
  F << X, X.array().square().matrix();
  const int k = 400;
  for (Eigen::Index fit_rows : {Eigen::Index(6000), Eigen::Index(2500)}) {
    std::vector<int> fast = dtwin::phate_detail::kmeans<double>(F, k, 10, fit_rows, 5);
    std::vector<int> plain = dtwin::phate_detail::kmeans<double>(F, k, 10, fit_rows, 5, k);
    ASSERT_EQ(fast.size(), plain.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < plain.size(); ++i) {
      ASSERT_GE(fast[i], 0);
      ASSERT_LT(fast[i], k);
      same += fast[i] == plain[i];
    }
    EXPECT_GE(static_cast<double>(same) / plain.size(), 0.995) << "fit_rows " << fit_rows;
  }
}
