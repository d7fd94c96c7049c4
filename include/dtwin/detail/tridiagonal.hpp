#pragma once
// Eigenvalues of a symmetric tridiagonal matrix by bisection on Sturm counts, many eigenvalues
// at a time in vector lanes.
//
// LAPACK's sterf (implicit QL/QR) chases one bulge at a time: every step waits on a division
// of the step before, and on the 1,000 x 1,000 tridiagonal form of PHATE's operator it took
// 8-9 ms here, a fifth of the entropy's eigenvalues. A Sturm count is a chain of divisions too,
// but the counts for different shifts are independent, so a vector holds one shift per lane and
// several vectors hide the division's latency: all 1,000 eigenvalues in 2.7 ms, and closer to
// those of the same matrix in double precision (6e-8 against sterf's 3e-6). Each is found to
// within eps * |T|. In double precision bisection needs three times the halvings with half the
// lanes a vector, and sterf is the faster (12.7 against 17-18 ms): SymmetricEigen uses this for
// float only.
//
// The count is the classical recurrence q_1 = d_1 - s, q_i = (d_i - s) - e_(i-1)^2 / q_(i-1),
// counting negative q: with IEEE arithmetic it is monotone in s (Demmel, Dhillon and Ren 1995),
// so bisection cannot go astray. Every lane does the same operations in the same order in every
// instruction-set variant, so the values do not depend on the machine.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "dtwin/detail/simd.hpp"

namespace dtwin::detail {

namespace tridiagonal_detail {

// How many eigenvalues lie below each of the NV * L shifts in `shift` (V holds L lanes; V = S:
// scalars), written as S to `below`. `e2` holds the squared off-diagonal, pivmin the smallest
// magnitude a pivot may take (LAPACK's pivmin: a zero pivot becomes -pivmin).
template <typename S, typename V, int NV>
[[gnu::always_inline]] inline void sturm_counts(const S* d, const S* e2, int n, S pivmin, const S* shift, S* below) {
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(S));
  const V zero = V{}, one = V{} + S(1), piv = V{} + pivmin, negpiv = V{} - pivmin;
  V s[NV], q[NV], c[NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    std::memcpy(&s[v], shift + v * L, sizeof(V));
    q[v] = (V{} + d[0]) - s[v];
    q[v] = (q[v] < piv) & (q[v] > negpiv) ? negpiv : q[v];
    c[v] = q[v] < zero ? one : zero;
  }
  for (int i = 1; i < n; ++i) {
    const V di = V{} + d[i], ei = V{} + e2[i - 1];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      q[v] = (di - s[v]) - ei / q[v];
      q[v] = (q[v] < piv) & (q[v] > negpiv) ? negpiv : q[v];
      c[v] += q[v] < zero ? one : zero;
    }
  }
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) std::memcpy(below + v * L, &c[v], sizeof(V));
}

// Bisection of the eigenvalues numbered k[0..lanes) (0-based, ascending) from their brackets
// [lo, hi): `steps` halvings, then the midpoint, written to lo.
template <typename S, typename V, int NV>
[[gnu::always_inline]] inline void bisect(const S* d, const S* e2, int n, S pivmin, const S* k, S* lo, S* hi,
                                          int steps) {
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(S)), W = NV * L;
  const V half = V{} + S(0.5);
  S mid[W], below[W];
  for (int step = 0; step < steps; ++step) {
    for (int v = 0; v < NV; ++v) {
      V a, b;
      std::memcpy(&a, lo + v * L, sizeof(V));
      std::memcpy(&b, hi + v * L, sizeof(V));
      const V m = (a + b) * half;
      std::memcpy(mid + v * L, &m, sizeof(V));
    }
    sturm_counts<S, V, NV>(d, e2, n, pivmin, mid, below);
    for (int v = 0; v < NV; ++v) {
      V a, b, m, c, kv;
      std::memcpy(&a, lo + v * L, sizeof(V));
      std::memcpy(&b, hi + v * L, sizeof(V));
      std::memcpy(&m, mid + v * L, sizeof(V));
      std::memcpy(&c, below + v * L, sizeof(V));
      std::memcpy(&kv, k + v * L, sizeof(V));
      b = c > kv ? m : b;  // more than k below the midpoint: eigenvalue k lies below it
      a = c > kv ? a : m;
      std::memcpy(lo + v * L, &a, sizeof(V));
      std::memcpy(hi + v * L, &b, sizeof(V));
    }
  }
  for (int v = 0; v < NV; ++v) {
    V a, b;
    std::memcpy(&a, lo + v * L, sizeof(V));
    std::memcpy(&b, hi + v * L, sizeof(V));
    const V m = (a + b) * half;
    std::memcpy(lo + v * L, &m, sizeof(V));
  }
}

// Lanes handled per call: enough independent division chains to cover the division's latency
// (eight 32-byte vectors; 16, 32, 64 and 128 lanes took 6.4, 3.6, 2.7 and 2.8 ms on the 1,000
// eigenvalues of the tree's operator).
template <typename S>
constexpr int kLanes = 64;

#ifdef DTWIN_SIMD_X86
template <typename S>
[[gnu::target("avx2")]] void sturm_counts_avx2(const S* d, const S* e2, int n, S pivmin, const S* shift, S* below) {
  using V = typename simd::Vectors<S>::v32;
  sturm_counts<S, V, kLanes<S> * sizeof(S) / sizeof(V)>(d, e2, n, pivmin, shift, below);
}
template <typename S>
void sturm_counts_sse2(const S* d, const S* e2, int n, S pivmin, const S* shift, S* below) {
  using V = typename simd::Vectors<S>::v16;
  sturm_counts<S, V, kLanes<S> * sizeof(S) / sizeof(V)>(d, e2, n, pivmin, shift, below);
}
template <typename S>
[[gnu::target("avx2")]] void bisect_avx2(const S* d, const S* e2, int n, S pivmin, const S* k, S* lo, S* hi,
                                         int steps) {
  using V = typename simd::Vectors<S>::v32;
  bisect<S, V, kLanes<S> * sizeof(S) / sizeof(V)>(d, e2, n, pivmin, k, lo, hi, steps);
}
template <typename S>
void bisect_sse2(const S* d, const S* e2, int n, S pivmin, const S* k, S* lo, S* hi, int steps) {
  using V = typename simd::Vectors<S>::v16;
  bisect<S, V, kLanes<S> * sizeof(S) / sizeof(V)>(d, e2, n, pivmin, k, lo, hi, steps);
}
#endif

template <typename S>
void sturm_counts_any(const S* d, const S* e2, int n, S pivmin, const S* shift, S* below) {
#ifdef DTWIN_SIMD_X86
  if (simd::has_avx2()) sturm_counts_avx2<S>(d, e2, n, pivmin, shift, below);
  else sturm_counts_sse2<S>(d, e2, n, pivmin, shift, below);
#else
  sturm_counts<S, S, kLanes<S>>(d, e2, n, pivmin, shift, below);
#endif
}

template <typename S>
void bisect_any(const S* d, const S* e2, int n, S pivmin, const S* k, S* lo, S* hi, int steps) {
#ifdef DTWIN_SIMD_X86
  if (simd::has_avx2()) bisect_avx2<S>(d, e2, n, pivmin, k, lo, hi, steps);
  else bisect_sse2<S>(d, e2, n, pivmin, k, lo, hi, steps);
#else
  bisect<S, S, kLanes<S>>(d, e2, n, pivmin, k, lo, hi, steps);
#endif
}

}  // namespace tridiagonal_detail

// The n eigenvalues, ascending, of the symmetric tridiagonal matrix with diagonal d[0..n) and
// off-diagonal e[0..n-1), written to w.
template <typename S>
void tridiagonal_eigenvalues(const S* d, const S* e, int n, S* w) {
  namespace td = tridiagonal_detail;
  if (n <= 0) return;
  if (n == 1) {
    w[0] = d[0];
    return;
  }
  constexpr int W = td::kLanes<S>;
  const S eps = std::numeric_limits<S>::epsilon();
  std::vector<S> e2(static_cast<std::size_t>(n - 1));
  S e2max = 0;
  for (int i = 0; i + 1 < n; ++i) {
    e2[i] = e[i] * e[i];
    e2max = std::max(e2max, e2[i]);
  }
  const S pivmin = std::numeric_limits<S>::min() * std::max(S(1), e2max);
  // Gerschgorin's interval, widened as LAPACK's stebz widens it.
  S gl = d[0], gu = d[0];
  for (int i = 0; i < n; ++i) {
    const S r = (i > 0 ? std::abs(e[i - 1]) : S(0)) + (i + 1 < n ? std::abs(e[i]) : S(0));
    gl = std::min(gl, d[i] - r);
    gu = std::max(gu, d[i] + r);
  }
  const S tnorm = std::max(std::abs(gl), std::abs(gu));
  const S pad = S(2.1) * tnorm * eps * static_cast<S>(n) + S(4.2) * pivmin;
  gl -= pad;
  gu += pad;
  if (!(gu > gl)) {  // a zero matrix
    std::fill(w, w + n, S(0));
    return;
  }
  // Counts on a grid of about n shifts bracket every eigenvalue in a cell of (gu - gl) / cells;
  // then each is bisected alone to a width of eps * tnorm.
  const int cells = std::max(W, (n + W - 1) / W * W);
  std::vector<S> grid(static_cast<std::size_t>(cells + W)), below(grid.size());
  const S h = (gu - gl) / static_cast<S>(cells);
  for (int j = 0; j < cells; ++j) grid[j] = gl + h * static_cast<S>(j);
  for (int j = cells; j < static_cast<int>(grid.size()); ++j) grid[j] = gu;
  for (int j = 0; j <= cells; j += W) td::sturm_counts_any<S>(d, e2.data(), n, pivmin, grid.data() + j, below.data() + j);
  below[0] = 0;                      // nothing lies below gl
  below[cells] = static_cast<S>(n);  // nor above gu
  const S width = std::max(h, S(0));
  const S tol = std::max(eps * tnorm, std::numeric_limits<S>::min());
  const int steps = width > tol ? static_cast<int>(std::ceil(std::log2(static_cast<double>(width / tol)))) : 0;
  S k[W], lo[W], hi[W];
  int cell = 0;
  for (int k0 = 0; k0 < n; k0 += W) {
    for (int l = 0; l < W; ++l) {
      const int kk = std::min(k0 + l, n - 1);  // the last group is padded with the last eigenvalue
      while (cell + 1 < cells && below[cell + 1] <= static_cast<S>(kk)) ++cell;
      k[l] = static_cast<S>(kk);
      lo[l] = grid[cell];
      hi[l] = grid[cell + 1];
    }
    td::bisect_any<S>(d, e2.data(), n, pivmin, k, lo, hi, steps);
    for (int l = 0; l < W && k0 + l < n; ++l) w[k0 + l] = lo[l];
  }
}

}  // namespace dtwin::detail
