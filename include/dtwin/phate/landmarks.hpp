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

// Lloyd's k-means on the rows of F (n x p, column-major), starting from k distinct random rows.
// Returns labels in 0..k-1 (some clusters may end up empty).
template <typename S>
std::vector<int> kmeans(const detail::Mat<S>& F, int k, int max_iter, std::uint64_t seed) {
  using detail::Mat;
  const Eigen::Index n = F.rows(), p = F.cols();
  std::mt19937_64 rng(seed);
  std::vector<int> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  for (int i = 0; i < k; ++i) {  // partial Fisher-Yates: k distinct rows
    std::uniform_int_distribution<Eigen::Index> u(i, n - 1);
    std::swap(perm[i], perm[u(rng)]);
  }
  Mat<S> C(k, p);
  for (int c = 0; c < k; ++c) C.row(c) = F.row(perm[c]);

  std::vector<int> label(static_cast<std::size_t>(n), -1);
  const Eigen::Index block = 4096;
  for (int it = 0; it < max_iter; ++it) {
    detail::Vec<S> cnorm = C.rowwise().squaredNorm();
    std::size_t changed = 0;
    for (Eigen::Index r0 = 0; r0 < n; r0 += block) {
      const Eigen::Index b = std::min(block, n - r0);
      Mat<S> Fb = F.middleRows(r0, b);
      Mat<S> G;  // b x k
      detail::gemm<S>(Fb, false, C, true, G);
      std::size_t ch = 0;
#pragma omp parallel for schedule(static) reduction(+ : ch)
      for (Eigen::Index i = 0; i < b; ++i) {
        int best = 0;
        S bd = std::numeric_limits<S>::max();
        for (int c = 0; c < k; ++c) {
          const S dd = cnorm[c] - 2 * G(i, c);
          if (dd < bd) { bd = dd; best = c; }
        }
        if (label[r0 + i] != best) { label[r0 + i] = best; ++ch; }
      }
      changed += ch;
    }
    // Centroids summed serially so the result does not depend on the thread count.
    Mat<S> sum = Mat<S>::Zero(k, p);
    std::vector<Eigen::Index> cnt(k, 0);
    for (Eigen::Index i = 0; i < n; ++i) {
      sum.row(label[i]) += F.row(i);
      ++cnt[label[i]];
    }
    for (int c = 0; c < k; ++c)
      if (cnt[c] > 0) C.row(c) = sum.row(c) / static_cast<S>(cnt[c]);
    if (changed <= static_cast<std::size_t>(n / 1000)) break;
  }
  return label;
}

// Cluster labels 0..L-1 (empty clusters removed) from the symmetric kernel K and its degrees.
template <typename S>
std::vector<int> spectral_landmarks(const SpMat<S>& K, const detail::Vec<S>& degree, int n_landmark, int n_svd,
                                    std::uint64_t seed) {
  using detail::Mat;
  const Eigen::Index n = K.rows();
  detail::Vec<S> dm12 = degree.array().rsqrt();
  auto apply = [&](const Mat<S>& X) -> Mat<S> {
    Mat<S> Y = dm12.asDiagonal() * X;
    Mat<S> Z = K * Y;
    return dm12.asDiagonal() * Z;
  };
  const int k = static_cast<int>(std::min<Eigen::Index>(n_svd, n));
  Mat<S> V;
  detail::Vec<S> vals;
  detail::randomized_symmetric_eigs<S>(n, k, 10, 4, seed, apply, V, vals);
  // The operator applied to the singular vectors, as graphtools clusters diff_op @ V.
  Mat<S> F = degree.cwiseInverse().asDiagonal() * (K * V);
  std::vector<int> label = kmeans<S>(F, n_landmark, 12, seed + 1);
  std::vector<int> remap(static_cast<std::size_t>(n_landmark), -1);
  int next = 0;
  for (int& l : label) {
    if (remap[l] < 0) remap[l] = next++;
    l = remap[l];
  }
  return label;
}

}  // namespace dtwin::phate_detail
