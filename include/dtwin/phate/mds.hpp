#pragma once
// Multidimensional scaling of PHATE's potential distances: classical MDS for the start, then
// metric MDS by stochastic gradient descent (Zheng, Pawar & Goodman 2018, the solver official
// PHATE uses by default) or by SMACOF (de Leeuw's majorisation, sklearn's solver).
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/detail/simd.hpp"

namespace dtwin::phate_detail {

// Classical (Torgerson) MDS of a symmetric distance matrix D (n x n), its eigenvectors by
// `iters` power iterations of a randomized block.
template <typename S>
detail::Mat<S> classical_mds(const detail::Mat<S>& D, int n_components, std::uint64_t seed, int iters = 6) {
  using detail::Mat;
  const Eigen::Index n = D.rows();
  Mat<S> B = D.array().square().matrix();
  detail::Vec<S> rmean = B.rowwise().mean();
  const S gmean = rmean.mean();
  // B = -1/2 J D^2 J, written out since D^2 is symmetric.
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) B(i, j) = S(-0.5) * (B(i, j) - rmean[i] - rmean[j] + gmean);
  Mat<S> V;
  detail::Vec<S> vals;
  auto apply = [&](const Mat<S>& X) -> Mat<S> {
    Mat<S> Y;
    detail::gemm<S>(B, false, X, false, Y);
    return Y;
  };
  detail::randomized_symmetric_eigs<S>(n, n_components + 1, 10, iters, seed, apply, V, vals);
  // Largest positive eigenvalues first: the randomized solver orders by magnitude.
  std::vector<int> order(static_cast<std::size_t>(vals.size()));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return vals[a] > vals[b]; });
  Mat<S> Y(n, n_components);
  for (int c = 0; c < n_components; ++c) {
    const int o = order[std::min<std::size_t>(c, order.size() - 1)];
    Y.col(c) = V.col(o) * std::sqrt(std::max(vals[o], S(0)));
  }
  return Y;
}

struct SgdMdsOptions {
  int t_max = 30;       // epochs
  double eps = 0.1;     // final step size as a share of the smallest weight's natural step
  double delta = 0.03;  // stop when no point moved more than delta * the smallest distance
};

// Metric MDS by SGD over all pairs, starting at Y (n x c, updated in place).
template <typename S>
void sgd_mds(const detail::Mat<S>& D, detail::Mat<S>& Y, std::uint64_t seed, const SgdMdsOptions& opt = {}) {
  const Eigen::Index n = D.rows();
  const int c = static_cast<int>(Y.cols());
  if (n < 2) return;
  struct Pair { std::uint32_t i, j; float d; };
  std::vector<Pair> pairs;
  pairs.reserve(static_cast<std::size_t>(n) * (n - 1) / 2);
  double dmin = std::numeric_limits<double>::infinity(), dmax = 0;
  for (Eigen::Index j = 1; j < n; ++j)
    for (Eigen::Index i = 0; i < j; ++i) {
      const double d = D(i, j);
      if (!(d > 0)) continue;  // duplicates carry no direction
      pairs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), static_cast<float>(d)});
      dmin = std::min(dmin, d);
      dmax = std::max(dmax, d);
    }
  if (pairs.empty()) return;
  const double eta_max = dmax * dmax;           // 1 / w_min with w = d^-2
  const double eta_min = opt.eps * dmin * dmin;  // eps / w_max
  const double lambda = opt.t_max > 1 ? std::log(eta_max / eta_min) / (opt.t_max - 1) : 0.0;
  std::mt19937_64 rng(seed);
  // One full shuffle, then per epoch a shuffle of blocks and within blocks: random enough for
  // SGD and cache friendly, where a full reshuffle per epoch is dominated by memory misses.
  std::shuffle(pairs.begin(), pairs.end(), rng);
  const std::size_t block = 8192;
  const std::size_t nblocks = (pairs.size() + block - 1) / block;
  std::vector<std::size_t> border(nblocks);
  std::iota(border.begin(), border.end(), 0);
  // Row-major copy of Y so a point's coordinates are adjacent.
  std::vector<double> X(static_cast<std::size_t>(n) * c);
  for (Eigen::Index i = 0; i < n; ++i)
    for (int k = 0; k < c; ++k) X[i * c + k] = Y(i, k);
  const double stop = opt.delta * dmin;
  for (int t = 0; t < opt.t_max; ++t) {
    const double eta = eta_max * std::exp(-lambda * t);
    std::shuffle(border.begin(), border.end(), rng);
    double max_move = 0;
    for (std::size_t b : border) {
      auto first = pairs.begin() + static_cast<std::ptrdiff_t>(b * block);
      auto last = pairs.begin() + static_cast<std::ptrdiff_t>(std::min(pairs.size(), (b + 1) * block));
      std::shuffle(first, last, rng);
      for (auto it = first; it != last; ++it) {
        double* xi = &X[it->i * static_cast<std::size_t>(c)];
        double* xj = &X[it->j * static_cast<std::size_t>(c)];
        const double d = it->d;
        const double mu = std::min(eta / (d * d), 1.0);
        double diff[8];
        double mag2 = 0;
        for (int k = 0; k < c; ++k) { diff[k] = xi[k] - xj[k]; mag2 += diff[k] * diff[k]; }
        const double mag = std::sqrt(mag2);
        if (mag == 0) continue;
        const double r = mu * (mag - d) / (2 * mag);
        for (int k = 0; k < c; ++k) { xi[k] -= r * diff[k]; xj[k] += r * diff[k]; }
        max_move = std::max(max_move, std::abs(r) * mag);
      }
    }
    if (max_move < stop) break;
  }
  for (Eigen::Index i = 0; i < n; ++i)
    for (int k = 0; k < c; ++k) Y(i, k) = static_cast<S>(X[i * c + k]);
}

namespace mds_detail {

// Loads and stores at any alignment (memcpy becomes one unaligned vector move).
template <typename V, typename S>
[[gnu::always_inline]] inline void load(V& v, const S* p) { __builtin_memcpy(&v, p, sizeof(V)); }
template <typename V, typename S>
[[gnu::always_inline]] inline void store(S* p, const V& v) { __builtin_memcpy(p, &v, sizeof(V)); }

// The lanes of Q vectors of VL lanes each, added in lane order.
template <typename V, int VL, int Q>
[[gnu::always_inline]] inline double lane_sum(const V (&v)[Q]) {
  double s = 0;
  for (int q = 0; q < Q; ++q) {
    if constexpr (VL == 1) {
      s += static_cast<double>(v[q]);
    } else {
      for (int l = 0; l < VL; ++l) s += static_cast<double>(v[q][l]);
    }
  }
  return s;
}

// Rows first..last of a Guttman transform (see guttman_step), Q vectors V of VL lanes (8
// floats or 4 doubles in all: one 32-byte AVX2 vector or two SSE2 ones, lane by lane the same
// arithmetic) at a time, the rest one by one. VL = 1 is the scalar loop. Returns their stress.
template <typename S, int C, typename V, int VL, int Q, typename Sqrt>
[[gnu::always_inline]] inline double guttman_rows(const S* D, const S* X, S* a, Eigen::Index first, Eigen::Index last,
                                                  Eigen::Index n, Sqrt sqrt_in_place) {
  constexpr int L = VL * Q;
  double stress = 0;
  for (Eigen::Index i = first; i < last; ++i) {
    const S* d = D + i * n;
    S xi[C];
    for (int k = 0; k < C; ++k) xi[k] = X[k * n + i];
    V sum[C][Q], st[Q];
    for (int q = 0; q < Q; ++q) {
      st[q] = V{};
      for (int k = 0; k < C; ++k) sum[k][q] = V{};
    }
    Eigen::Index j = i + 1;
    for (; j + L <= n; j += L) {
#pragma GCC unroll 4
      for (int q = 0; q < Q; ++q) {
        const Eigen::Index jq = j + q * VL;
        V dx[C];
        V d2{};
#pragma GCC unroll 8
        for (int k = 0; k < C; ++k) {
          load(dx[k], X + k * n + jq);
          dx[k] = xi[k] - dx[k];
          d2 += dx[k] * dx[k];
        }
        V dist = d2;
        sqrt_in_place(dist);
        V delta;
        load(delta, d + jq);
        const V e = dist - delta;
        st[q] += e * e;
        // 0 for coincident points (no direction); the other lanes' quotient is discarded.
        const V w = dist > S(0) ? delta / dist : V{};
#pragma GCC unroll 8
        for (int k = 0; k < C; ++k) {
          const V wd = w * dx[k];
          sum[k][q] += wd;
          V ak;
          load(ak, a + k * n + jq);
          store(a + k * n + jq, V(ak - wd));
        }
      }
    }
    double row_sum[C];
    for (int k = 0; k < C; ++k) row_sum[k] = lane_sum<V, VL, Q>(sum[k]);
    stress += lane_sum<V, VL, Q>(st);
    for (; j < n; ++j) {
      S dx[C], d2 = 0;
      for (int k = 0; k < C; ++k) {
        dx[k] = xi[k] - X[k * n + j];
        d2 += dx[k] * dx[k];
      }
      const S dist = std::sqrt(d2), delta = d[j];
      stress += static_cast<double>((dist - delta) * (dist - delta));
      const S w = dist > S(0) ? delta / dist : S(0);
      for (int k = 0; k < C; ++k) {
        row_sum[k] += static_cast<double>(w * dx[k]);
        a[k * n + j] -= w * dx[k];
      }
    }
    for (int k = 0; k < C; ++k) a[k * n + i] += static_cast<S>(row_sum[k]);
  }
  return stress;
}

#ifdef DTWIN_SIMD_X86
template <typename S, int C>
double guttman_rows_sse2(const S* D, const S* X, S* a, Eigen::Index first, Eigen::Index last, Eigen::Index n) {
  using V = typename detail::simd::Vectors<S>::v16;
  return guttman_rows<S, C, V, static_cast<int>(16 / sizeof(S)), 2>(D, X, a, first, last, n,
                                                                    [](V& v) { detail::simd::sqrt_sse2(v); });
}
template <typename S, int C>
[[gnu::target("avx2")]] double guttman_rows_avx2(const S* D, const S* X, S* a, Eigen::Index first, Eigen::Index last,
                                                 Eigen::Index n) {
  using V = typename detail::simd::Vectors<S>::v32;
  return guttman_rows<S, C, V, static_cast<int>(32 / sizeof(S)), 1>(
      D, X, a, first, last, n, [](V& v) __attribute__((target("avx2"))) { detail::simd::sqrt_avx2(v); });
}
#endif

}  // namespace mds_detail

// One Guttman transform for C coordinates (structure of arrays, x[k][j]) of the symmetric
// distances D (n x n, contiguous). Returns the stress.
//
// With b_ij = delta_ij / d_ij (0 for coincident points) the transform is
// x_i <- (1/n) sum_j b_ij (x_i - x_j): each pair gives row i and row j the same term with
// opposite signs, so every pair i < j is visited once, its square root and division (the
// slowest operations of the step) done once where the row-by-row form did them twice. Row i
// runs over j > i in one pass of 32 bytes at a time (detail/simd.hpp: the SSE2 and AVX2
// variants give the same bits); the pairs' share of the other rows goes to accumulators of a fixed set
// of row blocks, added up in a fixed order, so the result does not depend on the thread count.
template <typename S, int C>
double guttman_step(const S* D, const std::vector<S>& X, std::vector<S>& Xn, Eigen::Index n) {
  using Arr = Eigen::Array<S, Eigen::Dynamic, 1>;
  // Blocks of rows with about equal numbers of pairs (row i has n - 1 - i).
  constexpr int kBlocks = 8;
  std::vector<Eigen::Index> first(kBlocks + 1, n);
  first[0] = 0;
  {
    const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
    double seen = 0;
    int b = 1;
    for (Eigen::Index i = 0; i < n && b < kBlocks; ++i) {
      seen += static_cast<double>(n - 1 - i);
      if (seen >= pairs * b / kBlocks) first[b++] = i + 1;
    }
  }
  std::vector<Arr> acc(kBlocks, Arr::Zero(C * n));  // block b's terms for every row, x[k][j] layout
  std::vector<double> stress(kBlocks, 0.0);
#pragma omp parallel for schedule(dynamic, 1)
  for (int blk = 0; blk < kBlocks; ++blk) {
    S* a = acc[static_cast<std::size_t>(blk)].data();
#ifdef DTWIN_SIMD_X86
    stress[static_cast<std::size_t>(blk)] =
        detail::simd::has_avx2()
            ? mds_detail::guttman_rows_avx2<S, C>(D, X.data(), a, first[blk], first[blk + 1], n)
            : mds_detail::guttman_rows_sse2<S, C>(D, X.data(), a, first[blk], first[blk + 1], n);
#else
    stress[static_cast<std::size_t>(blk)] = mds_detail::guttman_rows<S, C, S, 1, 1>(
        D, X.data(), a, first[blk], first[blk + 1], n, [](S& v) { v = std::sqrt(v); });
#endif
  }
  Arr total = acc[0];
  double st = stress[0];
  for (int blk = 1; blk < kBlocks; ++blk) {
    total += acc[static_cast<std::size_t>(blk)];
    st += stress[static_cast<std::size_t>(blk)];
  }
  Eigen::Map<Arr>(Xn.data(), C * n) = total / static_cast<S>(n);
  return st;
}

// Metric MDS by SMACOF (Guttman transform with unit weights), from Y (updated in place). Stops
// when an iteration lowers the stress by less than tol of it, as sklearn's smacof does.
template <typename S>
void smacof_mds(const detail::Mat<S>& D, detail::Mat<S>& Y, int max_iter = 300, double tol = 1e-3) {
  const Eigen::Index n = D.rows();
  const int c = static_cast<int>(Y.cols());
  std::vector<S> X(static_cast<std::size_t>(n) * c), Xn(X.size());
  for (int k = 0; k < c; ++k)
    for (Eigen::Index i = 0; i < n; ++i) X[static_cast<std::size_t>(k * n + i)] = Y(i, k);
  // D is symmetric: its column-major storage, read by rows, is D itself (no copy of n^2).
  const S* Dr = D.data();
  auto step = [&]() -> double {
    switch (c) {
      case 1: return guttman_step<S, 1>(Dr, X, Xn, n);
      case 2: return guttman_step<S, 2>(Dr, X, Xn, n);
      case 3: return guttman_step<S, 3>(Dr, X, Xn, n);
      case 4: return guttman_step<S, 4>(Dr, X, Xn, n);
      case 5: return guttman_step<S, 5>(Dr, X, Xn, n);
      case 6: return guttman_step<S, 6>(Dr, X, Xn, n);
      case 7: return guttman_step<S, 7>(Dr, X, Xn, n);
      default: return guttman_step<S, 8>(Dr, X, Xn, n);
    }
  };
  double prev = std::numeric_limits<double>::infinity();
  for (int it = 0; it < max_iter; ++it) {
    const double stress = step();
    X.swap(Xn);
    if (prev - stress < tol * prev) break;
    prev = stress;
  }
  for (int k = 0; k < c; ++k)
    for (Eigen::Index i = 0; i < n; ++i) Y(i, k) = X[static_cast<std::size_t>(k * n + i)];
}

}  // namespace dtwin::phate_detail
