#pragma once
// Exact k-nearest-neighbour search over a row-major point set: a nanoflann kd-tree in low
// dimension, a blocked GEMM scan in high dimension where kd-trees degrade to a slow full scan.
#include <nanoflann.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "dtwin/detail/linalg.hpp"

namespace dtwin::detail {

template <typename S>
struct RowMajorPoints {
  const S* data;
  std::size_t n, d;
  std::size_t kdtree_get_point_count() const { return n; }
  S kdtree_get_pt(std::size_t i, std::size_t k) const { return data[i * d + k]; }
  template <class BBox>
  bool kdtree_get_bbox(BBox&) const { return false; }
};

template <typename S>
class NeighborIndex {
 public:
  // Dimensions above this use the GEMM scan; measured break-even on 2 cores is near 16-24.
  static constexpr std::size_t kMaxTreeDim = 20;

  NeighborIndex(const S* data, std::size_t n, std::size_t d) : pts_{data, n, d} {
    if (d <= kMaxTreeDim) {
      tree_ = std::make_unique<Tree>(static_cast<int>(d), pts_, nanoflann::KDTreeSingleIndexAdaptorParams(16));
    } else {
      norms_.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const S* r = data + i * d;
        S s = 0;
        for (std::size_t k = 0; k < d; ++k) s += r[k] * r[k];
        norms_[i] = s;
      }
    }
  }

  std::size_t size() const { return pts_.n; }
  std::size_t dim() const { return pts_.d; }

  // For each of the m row-major queries, the k nearest points (k <= size()), sorted by distance.
  // idx and dist are m*k, row by row; distances are Euclidean (not squared).
  void knn(const S* queries, std::size_t m, std::size_t k, std::vector<int>& idx, std::vector<S>& dist) const {
    idx.assign(m * k, 0);
    dist.assign(m * k, S(0));
    if (m == 0 || k == 0) return;
    if (tree_) {
#pragma omp parallel for schedule(dynamic, 64)
      for (long long q = 0; q < static_cast<long long>(m); ++q) {
        std::vector<std::size_t> ii(k);
        std::vector<S> dd(k);
        tree_->knnSearch(queries + q * pts_.d, k, ii.data(), dd.data());
        for (std::size_t j = 0; j < k; ++j) {
          idx[q * k + j] = static_cast<int>(ii[j]);
          dist[q * k + j] = std::sqrt(std::max(dd[j], S(0)));
        }
      }
    } else {
      scan(queries, m, k, idx, dist);
    }
  }

 private:
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<S, RowMajorPoints<S>>,
                                                   RowMajorPoints<S>, -1, std::size_t>;

  void scan(const S* queries, std::size_t m, std::size_t k, std::vector<int>& idx, std::vector<S>& dist) const {
    const std::size_t n = pts_.n, d = pts_.d;
    // Points as a d x n column-major matrix is the same memory as the row-major n x d input.
    Eigen::Map<const Mat<S>> P(pts_.data, d, n);
    const std::size_t block = 64;
    for (std::size_t q0 = 0; q0 < m; q0 += block) {
      const std::size_t b = std::min(block, m - q0);
      Mat<S> Q = Eigen::Map<const Mat<S>>(queries + q0 * d, d, b);
      Mat<S> G;  // n x b inner products
      gemm<S>(P, true, Q, false, G);
#pragma omp parallel for schedule(static)
      for (long long j = 0; j < static_cast<long long>(b); ++j) {
        const S qn = Q.col(j).squaredNorm();
        std::vector<std::pair<S, int>> cand(n);
        for (std::size_t i = 0; i < n; ++i)
          cand[i] = {std::max(S(0), norms_[i] + qn - 2 * G(i, j)), static_cast<int>(i)};
        std::partial_sort(cand.begin(), cand.begin() + k, cand.end());
        for (std::size_t t = 0; t < k; ++t) {
          idx[(q0 + j) * k + t] = cand[t].second;
          dist[(q0 + j) * k + t] = std::sqrt(cand[t].first);
        }
      }
    }
  }

  RowMajorPoints<S> pts_;
  std::unique_ptr<Tree> tree_;
  std::vector<S> norms_;
};

}  // namespace dtwin::detail
