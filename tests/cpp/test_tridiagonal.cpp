#include <gtest/gtest.h>

#include <dtwin/detail/linalg.hpp>  // LAPACK's dsterf, the reference below
#include <dtwin/detail/tridiagonal.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using dtwin::detail::tridiagonal_eigenvalues;

namespace {

// The eigenvalues of (d, e) in double precision by a method of its own: Jacobi rotations on the
// dense matrix, slow and sure (its thousands of rotations leave errors of some 1e-14 |T|).
std::vector<double> jacobi_eigenvalues(const std::vector<double>& d, const std::vector<double>& e) {
  const int n = static_cast<int>(d.size());
  std::vector<double> a(static_cast<std::size_t>(n) * n, 0.0);
  auto at = [&](int i, int j) -> double& { return a[static_cast<std::size_t>(i) * n + j]; };
  for (int i = 0; i < n; ++i) at(i, i) = d[i];
  for (int i = 0; i + 1 < n; ++i) at(i, i + 1) = at(i + 1, i) = e[i];
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) off += at(i, j) * at(i, j);
    if (off < 1e-30) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        if (at(p, q) == 0) continue;
        const double theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq;
          at(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk;
          at(q, k) = s * apk + c * aqk;
        }
      }
  }
  std::vector<double> w(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) w[i] = at(i, i);
  std::sort(w.begin(), w.end());
  return w;
}

// Checks the bisection in S against the reference, to within a few eps * |T| plus the
// reference's own error (relative to |T|), and ascending.
template <typename S>
void check(const std::vector<double>& d, const std::vector<double>& e, const std::vector<double>& truth,
           const char* what, double reference_error = 0) {
  SCOPED_TRACE(what);
  const int n = static_cast<int>(d.size());
  std::vector<S> ds(d.begin(), d.end()), es(e.begin(), e.end()), w(d.size());
  tridiagonal_eigenvalues<S>(ds.data(), es.data(), n, w.data());
  double norm = 0;
  for (int i = 0; i < n; ++i)
    norm = std::max(norm, std::abs(d[i]) + (i > 0 ? std::abs(e[i - 1]) : 0.0) + (i + 1 < n ? std::abs(e[i]) : 0.0));
  // The input rounded to S moves the eigenvalues by up to about 2 eps |T| already.
  const double tol = (4 * std::numeric_limits<S>::epsilon() + reference_error) * std::max(norm, 1e-30);
  EXPECT_TRUE(std::is_sorted(w.begin(), w.end()));
  for (int i = 0; i < n; ++i) EXPECT_NEAR(w[i], truth[i], tol) << "eigenvalue " << i << " of " << n;
}

}  // namespace

// The second-difference matrix (2 on the diagonal, -1 beside it) has the eigenvalues
// 2 - 2 cos(k pi / (n + 1)), k = 1..n.
TEST(Tridiagonal, SecondDifferenceKnownAnswer) {
  for (int n : {1, 2, 3, 63, 64, 65, 200}) {
    std::vector<double> d(n, 2.0), e(std::max(n - 1, 0), -1.0), truth(n);
    for (int k = 1; k <= n; ++k) truth[k - 1] = 2 - 2 * std::cos(k * M_PI / (n + 1));
    std::sort(truth.begin(), truth.end());
    check<float>(d, e, truth, "float");
    check<double>(d, e, truth, "double");
  }
}

// Random matrices, with the cases bisection must not trip over: zero off-diagonals (the
// matrix splits), equal eigenvalues (the identity; Wilkinson's W21+ with its close pairs), a
// zero matrix, and tiny entries next to large ones.
TEST(Tridiagonal, AgreesWithJacobi) {
  std::mt19937 rng(7);
  std::normal_distribution<double> g;
  for (int n : {5, 64, 150}) {
    std::vector<double> d(n), e(n - 1);
    for (double& v : d) v = g(rng);
    for (double& v : e) v = g(rng);
    check<float>(d, e, jacobi_eigenvalues(d, e), "random");
    check<double>(d, e, jacobi_eigenvalues(d, e), "random, double", 1e-12);
    for (int i = 0; i + 1 < n; i += 4) e[i] = 0;
    check<float>(d, e, jacobi_eigenvalues(d, e), "split");
    for (int i = 0; i + 1 < n; i += 3) e[i] *= 1e-20;
    check<double>(d, e, jacobi_eigenvalues(d, e), "tiny", 1e-12);
  }
  std::vector<double> ones(70, 1.0), zeros(69, 0.0);
  check<float>(ones, zeros, ones, "identity");
  check<float>(std::vector<double>(70, 0.0), zeros, std::vector<double>(70, 0.0), "zero");
  std::vector<double> w21(21), e21(20, 1.0);
  for (int i = 0; i < 21; ++i) w21[i] = std::abs(10 - i);
  check<float>(w21, e21, jacobi_eigenvalues(w21, e21), "Wilkinson");
  check<double>(w21, e21, jacobi_eigenvalues(w21, e21), "Wilkinson, double", 1e-12);
}

#ifdef DTWIN_HAVE_LAPACK
// On a larger matrix, against LAPACK's dsterf of the same matrix (whose QL sweeps leave
// errors of some 10 eps |T| at this size).
TEST(Tridiagonal, AgreesWithSterf) {
  const int n = 1000;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> d(n), e(n - 1);
  for (double& v : d) v = u(rng) - 0.5;
  for (double& v : e) v = 0.3 * u(rng);
  std::vector<double> truth = d, work = e;
  int info = 0;
  dsterf_(&n, truth.data(), work.data(), &info);
  ASSERT_EQ(info, 0);
  check<float>(d, e, truth, "float");
  check<double>(d, e, truth, "double", 1e-13);
}
#endif

#ifdef DTWIN_SIMD_X86
// The SSE2 and AVX2 variants give the same bits (and so the same eigenvalues on any x86).
TEST(Tridiagonal, VariantsGiveTheSameBits) {
  if (!dtwin::detail::simd::has_avx2()) GTEST_SKIP() << "no AVX2 here";
  namespace td = dtwin::detail::tridiagonal_detail;
  constexpr int W = td::kLanes<float>;
  const int n = 300;
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  std::vector<float> d(n), e2(n - 1);
  for (float& v : d) v = g(rng);
  for (float& v : e2) v = g(rng) * g(rng);
  float shift[W], a[W], b[W], k[W], lo1[W], hi1[W], lo2[W], hi2[W];
  for (int l = 0; l < W; ++l) {
    shift[l] = -4 + 8.0f * l / W;
    k[l] = static_cast<float>(l * n / W);
    lo1[l] = lo2[l] = -10;
    hi1[l] = hi2[l] = 10;
  }
  td::sturm_counts_sse2<float>(d.data(), e2.data(), n, 1e-30f, shift, a);
  td::sturm_counts_avx2<float>(d.data(), e2.data(), n, 1e-30f, shift, b);
  EXPECT_EQ(std::memcmp(a, b, sizeof(a)), 0);
  EXPECT_TRUE(std::is_sorted(a, a + W));  // counts grow with the shift
  td::bisect_sse2<float>(d.data(), e2.data(), n, 1e-30f, k, lo1, hi1, 30);
  td::bisect_avx2<float>(d.data(), e2.data(), n, 1e-30f, k, lo2, hi2, 30);
  EXPECT_EQ(std::memcmp(lo1, lo2, sizeof(lo1)), 0);
}
#endif
