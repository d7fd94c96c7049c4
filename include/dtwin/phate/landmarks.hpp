#pragma once
// PHATE's landmarks: spectral clustering of the diffusion operator (top singular vectors of the
// symmetric diffusion affinity, mapped through the operator, then k-means), as graphtools'
// LandmarkGraph builds them. Each cluster becomes one landmark.
#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/phate/kernel.hpp"

namespace dtwin::phate_detail {

// k-means of the rows of F (n x p) into k clusters. Centres are fitted by Lloyd's algorithm on
// a random subsample of about `fit_rows` rows (as mini-batch k-means in graphtools fits on
// batches), then every row is assigned once. Distances go through single-precision GEMM:
// cluster assignment needs no more, and it halves the dominant cost. Some clusters may be empty.
template <typename S>
std::vector<int> kmeans(const detail::Mat<S>& F, int k, int max_iter, Eigen::Index fit_rows, std::uint64_t seed) {
  using Matf = detail::Mat<float>;
  using RowMatf = detail::RowMat<float>;
  const Eigen::Index n = F.rows(), p = F.cols();
  std::mt19937_64 rng(seed);
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  const Eigen::Index m = std::max<Eigen::Index>(std::min(n, fit_rows), k);
  for (Eigen::Index i = 0; i < m; ++i) {  // partial Fisher-Yates: m distinct rows
    std::uniform_int_distribution<Eigen::Index> u(i, n - 1);
    std::swap(perm[i], perm[u(rng)]);
  }
  RowMatf sample(m, p);
  for (Eigen::Index i = 0; i < m; ++i) sample.row(i) = F.row(perm[i]).template cast<float>();
  RowMatf C = sample.topRows(k);  // k distinct random rows start the centres

  // Nearest centre of each row of X (row-major, float).
  auto assign = [&](const RowMatf& X, std::vector<int>& label) -> std::size_t {
    const Eigen::Index rows = X.rows(), block = 4096;
    Eigen::VectorXf cnorm = C.rowwise().squaredNorm();
    // Row-major X (rows x p) is column-major p x rows; likewise C.
    Eigen::Map<const Matf> Ct(C.data(), p, k);
    std::size_t changed = 0;
    label.resize(static_cast<std::size_t>(rows), -1);
    for (Eigen::Index r0 = 0; r0 < rows; r0 += block) {
      const Eigen::Index b = std::min(block, rows - r0);
      Eigen::Map<const Matf> Xb(X.data() + r0 * p, p, b);
      Matf G;  // k x b
      detail::gemm<float>(Ct, true, Xb, false, G);
      std::size_t ch = 0;
#pragma omp parallel for schedule(static) reduction(+ : ch)
      for (Eigen::Index i = 0; i < b; ++i) {
        const float* g = G.data() + i * k;
        int best = 0;
        float bd = std::numeric_limits<float>::max();
        for (int c = 0; c < k; ++c) {
          const float dd = cnorm[c] - 2 * g[c];
          if (dd < bd) { bd = dd; best = c; }
        }
        if (label[r0 + i] != best) { label[r0 + i] = best; ++ch; }
      }
      changed += ch;
    }
    return changed;
  };

  std::vector<int> slabel;
  for (int it = 0; it < max_iter; ++it) {
    const std::size_t changed = assign(sample, slabel);
    // Centres summed serially so the result does not depend on the thread count.
    RowMatf sum = RowMatf::Zero(k, p);
    std::vector<Eigen::Index> cnt(static_cast<std::size_t>(k), 0);
    for (Eigen::Index i = 0; i < m; ++i) {
      sum.row(slabel[i]) += sample.row(i);
      ++cnt[slabel[i]];
    }
    for (int c = 0; c < k; ++c)
      if (cnt[c] > 0) C.row(c) = sum.row(c) / static_cast<float>(cnt[c]);
    if (changed <= static_cast<std::size_t>(m / 1000)) break;
  }
  RowMatf all = F.template cast<float>();
  std::vector<int> label;
  assign(all, label);
  return label;
}

// diag(left) * K * diag(right) * X for a row-major sparse K and a column-major X, in parallel
// over rows. Eigen's own sparse x dense product is single-threaded and walks X column by
// column with scattered reads; through a row-major copy each nonzero reads one contiguous row
// (11.9 s -> about 1 s for the landmark stage's products at 10^6 samples, 2 threads). Each
// output row is summed in a fixed order, so the result does not depend on the thread count.
template <typename S>
detail::Mat<S> scaled_product(const SpMat<S>& K, const detail::Vec<S>& left, const detail::Vec<S>& right,
                              const detail::Mat<S>& X) {
  const Eigen::Index n = K.rows(), p = X.cols();
  detail::RowMat<S> Xr = right.asDiagonal() * X;
  detail::RowMat<S> Yr(n, p);
#pragma omp parallel for schedule(dynamic, 1024)
  for (Eigen::Index i = 0; i < n; ++i) {
    auto yi = Yr.row(i);
    yi.setZero();
    for (typename SpMat<S>::InnerIterator it(K, i); it; ++it) yi += it.value() * Xr.row(it.col());
    yi *= left[i];
  }
  return detail::Mat<S>(Yr);
}

// Cluster labels 0..L-1 (empty clusters removed) from the symmetric kernel K and its degrees.
template <typename S>
std::vector<int> spectral_landmarks(const SpMat<S>& K, const detail::Vec<S>& degree, int n_landmark, int n_svd,
                                    std::uint64_t seed) {
  using detail::Mat;
  const Eigen::Index n = K.rows();
  detail::Vec<S> dm12 = degree.array().rsqrt();
  auto apply = [&](const Mat<S>& X) -> Mat<S> { return scaled_product<S>(K, dm12, dm12, X); };
  const int k = static_cast<int>(std::min<Eigen::Index>(n_svd, n));
  Mat<S> V;
  detail::Vec<S> vals;
  // Two power iterations suffice to separate the leading subspace for clustering.
  detail::randomized_symmetric_eigs<S>(n, k, 10, 2, seed, apply, V, vals);
  // The operator applied to the singular vectors, as graphtools clusters diff_op @ V.
  Mat<S> F = scaled_product<S>(K, degree.cwiseInverse(), detail::Vec<S>::Ones(n), V);
  std::vector<int> label = kmeans<S>(F, n_landmark, 10, 10 * static_cast<Eigen::Index>(n_landmark), seed + 1);
  std::vector<int> remap(static_cast<std::size_t>(n_landmark), -1);
  int next = 0;
  for (int& l : label) {
    if (remap[l] < 0) remap[l] = next++;
    l = remap[l];
  }
  return label;
}

}  // namespace dtwin::phate_detail
