#pragma once
// Exact k-nearest-neighbour search over a row-major point set: in low dimension a kd-tree built
// by nanoflann and searched here, a blocked GEMM scan in high dimension where kd-trees degrade
// to a slow full scan.
#include <nanoflann.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/detail/simd.hpp"

namespace dtwin::detail {

namespace scan_detail {

constexpr std::size_t kLanes = 64;  // interleaved minima kept by a scan pass

// d2[i] = max(0, norms[i] + qn - 2 d2[i]) (d2 holds the inner products on entry) and
// minima[l] = min of d2[i] over i = l mod kLanes (+inf where there is none), through vectors
// of V (V = S: scalars). Every variant computes each d2[i] with the same operations, so the
// distances, and with them the neighbours, do not depend on the instruction set; the minima
// only bound the search.
template <typename S, typename V>
[[gnu::always_inline]] inline void distances(const S* norms, S qn, S* d2, std::size_t n, S* minima) {
  constexpr std::size_t L = sizeof(V) / sizeof(S), NV = kLanes / L;
  V lo[NV], qv, two, zero;
  const V inf = V{} + std::numeric_limits<S>::infinity();
  for (std::size_t v = 0; v < NV; ++v) lo[v] = inf;
  qv = V{} + qn;
  two = V{} + S(2);
  zero = V{};
  const std::size_t whole = n - n % kLanes;
  for (std::size_t i0 = 0; i0 < whole; i0 += kLanes) {
#pragma GCC unroll 32
    for (std::size_t v = 0; v < NV; ++v) {
      V a, g;
      std::memcpy(&a, norms + i0 + v * L, sizeof(V));
      std::memcpy(&g, d2 + i0 + v * L, sizeof(V));
      V x = (a + qv) - two * g;
      x = zero < x ? x : zero;  // std::max(S(0), x), NaN and -0 included
      lo[v] = x < lo[v] ? x : lo[v];
      std::memcpy(d2 + i0 + v * L, &x, sizeof(V));
    }
  }
  for (std::size_t v = 0; v < NV; ++v) std::memcpy(minima + v * L, &lo[v], sizeof(V));
  for (std::size_t i = whole; i < n; ++i) {
    d2[i] = std::max(S(0), norms[i] + qn - 2 * d2[i]);
    minima[i - whole] = std::min(minima[i - whole], d2[i]);
  }
}

#ifdef DTWIN_SIMD_X86
template <typename S>
[[gnu::target("avx2")]] void distances_avx2(const S* norms, S qn, S* d2, std::size_t n, S* minima) {
  distances<S, typename simd::Vectors<S>::v32>(norms, qn, d2, n, minima);
}
template <typename S>
void distances_sse2(const S* norms, S qn, S* d2, std::size_t n, S* minima) {
  distances<S, typename simd::Vectors<S>::v16>(norms, qn, d2, n, minima);
}
#endif

template <typename S>
void distances_any(const S* norms, S qn, S* d2, std::size_t n, S* minima) {
#ifdef DTWIN_SIMD_X86
  if (simd::has_avx2()) distances_avx2<S>(norms, qn, d2, n, minima);
  else distances_sse2<S>(norms, qn, d2, n, minima);
#else
  distances<S, S>(norms, qn, d2, n, minima);
#endif
}

}  // namespace scan_detail

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

  NeighborIndex(const S* data, std::size_t n, std::size_t d) : data_(data), pts_{data, n, d} {
    if (d <= kMaxTreeDim) {
      // Bigger leaves where the tree prunes poorly: 14 neighbours of 100,000 samples took 4.7 s
      // with leaves of 16, 3.7 s with 64 in 10-D; in 3-D 16 and 32 tie and 64 is 10% slower.
      const std::size_t leaf = d <= 5 ? 16 : 64;
      tree_ = std::make_unique<Tree>(static_cast<int>(d), pts_, nanoflann::KDTreeSingleIndexAdaptorParams(leaf));
      // nanoflann builds the tree; dtwin searches it (search_node). nanoflann reads a leaf's
      // points one by one through its index permutation, scattered across the data; here each
      // leaf is one contiguous block stored dimension by dimension, so a leaf's distances are
      // computed together by vector instructions. Kernel of 100,000 10-D samples, interleaved
      // runs here: 3.3-3.9 s with the leaves merely contiguous, 1.5-2.0 s stored by dimension
      // (4.2-5.1 s through nanoflann's own search).
      order_.assign(tree_->vAcc.begin(), tree_->vAcc.end());
      leaf_points_.resize(n * d);
      store_leaves(tree_->root_node);
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
  // The tree holds a reference to pts_: the index stays where it was built.
  NeighborIndex(const NeighborIndex&) = delete;
  NeighborIndex& operator=(const NeighborIndex&) = delete;

  std::size_t size() const { return pts_.n; }
  std::size_t dim() const { return pts_.d; }

  // The k nearest points of one query, sorted, without the per-batch machinery (for callers
  // that interleave queries with updates). Returns the number found.
  std::size_t knn_one(const S* query, std::size_t k, std::size_t* idx, S* dist) const {
    k = std::min(k, pts_.n);
    if (tree_) {
      nanoflann::KNNResultSet<S, std::size_t, std::size_t> found_set(k);
      found_set.init(idx, dist);
      std::vector<S> cell(pts_.d);
      search(found_set, query, cell);
      const std::size_t found = found_set.size();
      for (std::size_t j = 0; j < found; ++j) {
        idx[j] = order_[idx[j]];
        dist[j] = std::sqrt(std::max(dist[j], S(0)));
      }
      return found;
    }
    std::vector<int> ii;
    std::vector<S> dd;
    scan(query, 1, k, &ii, &dd, 0.0, nullptr, nullptr);
    for (std::size_t j = 0; j < k; ++j) { idx[j] = static_cast<std::size_t>(ii[j]); dist[j] = dd[j]; }
    return k;
  }

  // For each of the m row-major queries, every point within `factor` times the distance to its
  // k-th nearest point (at least the k nearest), sorted by distance; written to nbr_idx /
  // nbr_dist per query. Both the GEMM scan and the kd-tree find them in the same pass as the k
  // nearest.
  void within_kth(const S* queries, std::size_t m, std::size_t k, double factor, std::vector<std::vector<int>>& nbr_idx,
                  std::vector<std::vector<S>>& nbr_dist) const {
    nbr_idx.assign(m, {});
    nbr_dist.assign(m, {});
    k = std::min(k, pts_.n);
    if (m == 0 || k == 0) return;
    if (!tree_) {
      scan(queries, m, k, nullptr, nullptr, factor, &nbr_idx, &nbr_dist);
      return;
    }
    // One search per query: the k nearest kept sorted, and every point within factor x the
    // current k-th distance kept aside (that bound only shrinks), pruned by the same bound. A
    // search for 2k + 2 neighbours, repeated wider where they did not reach the radius, had
    // taken 9-10% longer in 10-D.
    const bool wide = factor > 1;
    // Pruning only needs to keep a superset: the margin covers the rounding of factor^2.
    const S prune2 = static_cast<S>(wide ? factor * factor * (1 + 1e-4) : 1.0);
    const bool self = queries == data_ && m == pts_.n;
#pragma omp parallel
    {
      WithinSet found(k, prune2);
      std::vector<S> cell(pts_.d);
#pragma omp for schedule(dynamic, 64)
      for (long long i = 0; i < static_cast<long long>(m); ++i) {
        // The indexed points themselves are visited in the tree's order, so consecutive searches
        // walk the same branches while they are in cache (3.7-4.0 -> 2.8-3.0 s at 100,000 in 10-D).
        const std::size_t q = self ? order_[static_cast<std::size_t>(i)] : static_cast<std::size_t>(i);
        found.clear();
        search(found, queries + q * pts_.d, cell);
        const S radius = std::sqrt(std::max(found.top.back().first, S(0))) * static_cast<S>(factor);
        std::stable_sort(found.extra.begin(), found.extra.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
        auto& oi = nbr_idx[q];
        auto& od = nbr_dist[q];
        for (const auto& h : found.top) {
          oi.push_back(static_cast<int>(order_[h.second]));
          od.push_back(std::sqrt(std::max(h.first, S(0))));
        }
        if (!wide) continue;
        for (const auto& e : found.extra) {
          const S de = std::sqrt(std::max(e.first, S(0)));
          if (de > radius) break;
          oi.push_back(static_cast<int>(order_[e.second]));
          od.push_back(de);
        }
      }
    }
  }

  // For each of the m row-major queries, the k nearest points (k <= size()), sorted by distance.
  // idx and dist are m*k, row by row; distances are Euclidean (not squared).
  void knn(const S* queries, std::size_t m, std::size_t k, std::vector<int>& idx, std::vector<S>& dist) const {
    idx.assign(m * k, 0);
    dist.assign(m * k, S(0));
    if (m == 0 || k == 0) return;
    if (tree_) {
      const bool self = queries == data_ && m == pts_.n;
#pragma omp parallel
      {
        std::vector<std::size_t> ii(k);
        std::vector<S> dd(k), cell(pts_.d);
#pragma omp for schedule(dynamic, 64)
        for (long long i = 0; i < static_cast<long long>(m); ++i) {
          // The indexed points themselves in the tree's order, as within_kth visits them.
          const std::size_t q = self ? order_[static_cast<std::size_t>(i)] : static_cast<std::size_t>(i);
          nanoflann::KNNResultSet<S, std::size_t, std::size_t> found(k);
          found.init(ii.data(), dd.data());
          search(found, queries + q * pts_.d, cell);
          for (std::size_t j = 0; j < k; ++j) {
            idx[q * k + j] = static_cast<int>(order_[ii[j]]);
            dist[q * k + j] = std::sqrt(std::max(dd[j], S(0)));
          }
        }
      }
    } else {
      scan(queries, m, k, &idx, &dist, 0.0, nullptr, nullptr);
    }
  }

 private:
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<S, RowMajorPoints<S>>,
                                                   RowMajorPoints<S>, -1, std::size_t>;

  using Node = typename Tree::Node;
  static constexpr std::size_t kMaxLeaf = 64;
  static constexpr std::size_t kScanLanes = scan_detail::kLanes;

  // Copies each leaf's points into leaf_points_ at the leaf's range, dimension by dimension.
  void store_leaves(const Node* node) {
    if (node->child1 || node->child2) {
      if (node->child1) store_leaves(node->child1);
      if (node->child2) store_leaves(node->child2);
      return;
    }
    const std::size_t left = node->node_type.lr.left, len = node->node_type.lr.right - left, d = pts_.d;
    S* block = leaf_points_.data() + left * d;
    for (std::size_t i = 0; i < len; ++i)
      for (std::size_t j = 0; j < d; ++j) block[j * len + i] = data_[order_[left + i] * d + j];
  }

  // nanoflann's search (KDTreeSingleIndexAdaptor::searchLevel, exact: eps = 0) with the leaf
  // distances computed a leaf at a time. Results are positions in the tree's order (order_
  // maps them back). cell: d entries of scratch.
  template <class ResultSet>
  void search(ResultSet& result, const S* q, std::vector<S>& cell) const {
    S dist2 = 0;
    for (std::size_t j = 0; j < pts_.d; ++j) {
      const auto& box = tree_->root_bbox[j];
      cell[j] = q[j] < box.low ? (q[j] - box.low) * (q[j] - box.low)
                               : q[j] > box.high ? (q[j] - box.high) * (q[j] - box.high) : S(0);
      dist2 += cell[j];
    }
    search_node(result, q, tree_->root_node, dist2, cell);
  }

  template <class ResultSet>
  void search_node(ResultSet& result, const S* q, const Node* node, S dist2, std::vector<S>& cell) const {
    if (!node->child1 && !node->child2) {
      const std::size_t left = node->node_type.lr.left, len = node->node_type.lr.right - left;
      const S* block = leaf_points_.data() + left * pts_.d;
      // Leaves hold at most the leaf size (64) points; chunks only guard that bound.
      for (std::size_t c0 = 0; c0 < len; c0 += kMaxLeaf) {
        const std::size_t cn = std::min(kMaxLeaf, len - c0);
        S acc[kMaxLeaf];
        for (std::size_t i = 0; i < cn; ++i) acc[i] = (block[c0 + i] - q[0]) * (block[c0 + i] - q[0]);
        for (std::size_t j = 1; j < pts_.d; ++j) {
          const S qj = q[j];
          const S* row = block + j * len + c0;
          for (std::size_t i = 0; i < cn; ++i) acc[i] += (row[i] - qj) * (row[i] - qj);
        }
        // Most leaves the search visits hold no point within the bound: one vectorised count
        // settles them.
        const S bound = result.worstDist();
        int within = 0;
        for (std::size_t i = 0; i < cn; ++i) within += acc[i] < bound;
        if (within == 0) continue;
        for (std::size_t i = 0; i < cn; ++i)
          if (acc[i] < result.worstDist()) result.addPoint(acc[i], left + c0 + i);
      }
      return;
    }
    const auto& split = node->node_type.sub;
    const S v = q[split.divfeat];
    const bool low_first = (v - split.divlow) + (v - split.divhigh) < 0;
    const S cut = low_first ? (v - split.divhigh) * (v - split.divhigh) : (v - split.divlow) * (v - split.divlow);
    search_node(result, q, low_first ? node->child1 : node->child2, dist2, cell);
    // The other side is at least as far as the cell's box moved to the splitting plane.
    const S before = cell[split.divfeat];
    dist2 += cut - before;
    cell[split.divfeat] = cut;
    if (dist2 <= result.worstDist()) search_node(result, q, low_first ? node->child2 : node->child1, dist2, cell);
    cell[split.divfeat] = before;
  }

  // Exact scan by blocks of queries: inner products by GEMM, then per query its squared
  // distances in one vector pass that also keeps the minimum of each of 64 interleaved lanes.
  // The k-th smallest of those minima bounds the k-th nearest distance from above (k lane
  // minima are k distinct points), so only the few points within that bound (times factor^2
  // when the neighbours within factor x the k-th distance are wanted) are sorted. A bounded
  // heap over every point had spent 5 of the 9 ms of 1,000 100-D queries in its comparisons
  // and insertions (points in generation order approach the query one after another).
  void scan(const S* queries, std::size_t m, std::size_t k, std::vector<int>* idx, std::vector<S>* dist, double factor,
            std::vector<std::vector<int>>* nbr_idx, std::vector<std::vector<S>>* nbr_dist) const {
    const std::size_t n = pts_.n, d = pts_.d;
    // Points as a d x n column-major matrix is the same memory as the row-major n x d input.
    Eigen::Map<const Mat<S>> P(pts_.data, d, n);
    const std::size_t block = 256;
    const S f2 = static_cast<S>(factor * factor);
    for (std::size_t q0 = 0; q0 < m; q0 += block) {
      const std::size_t b = std::min(block, m - q0);
      Mat<S> Q = Eigen::Map<const Mat<S>>(queries + q0 * d, d, b);
      Mat<S> G;  // n x b inner products, then squared distances
      gemm<S>(P, true, Q, false, G);
#pragma omp parallel
      {
        std::vector<std::pair<S, int>> near;
#pragma omp for schedule(static)
        for (long long j = 0; j < static_cast<long long>(b); ++j) {
          S* d2 = G.data() + j * n;
          S minima[kScanLanes];
          scan_detail::distances_any<S>(norms_.data(), Q.col(j).squaredNorm(), d2, n, minima);
          S bound = std::numeric_limits<S>::infinity();
          if (k <= kScanLanes) {
            std::nth_element(minima, minima + (k - 1), minima + kScanLanes);
            bound = minima[k - 1];
          }
          const S limit = nbr_idx && f2 > 1 ? bound * f2 : bound;
          near.clear();
          for (std::size_t i = 0; i < n; ++i)
            if (d2[i] <= limit) near.emplace_back(d2[i], static_cast<int>(i));
          // Ordered by distance, then number: the k nearest first.
          std::partial_sort(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(k), near.end());
          if (idx) {
            for (std::size_t t = 0; t < k; ++t) {
              (*idx)[(q0 + j) * k + t] = near[t].second;
              (*dist)[(q0 + j) * k + t] = std::sqrt(near[t].first);
            }
          }
          if (nbr_idx) {
            const S r2 = near[k - 1].first * f2;
            auto last = std::remove_if(near.begin() + static_cast<std::ptrdiff_t>(k), near.end(),
                                       [&](const auto& e) { return e.first > r2; });
            std::sort(near.begin() + static_cast<std::ptrdiff_t>(k), last);
            auto& oi = (*nbr_idx)[q0 + j];
            auto& od = (*nbr_dist)[q0 + j];
            for (auto it = near.begin(); it != last; ++it) {
              oi.push_back(it->second);
              od.push_back(std::sqrt(it->first));
            }
          }
        }
      }
    }
  }

  // Result set of within_kth (the interface of nanoflann's result sets, which search() also
  // takes): the k nearest (sorted, squared distances) and the points within prune2 x the k-th
  // squared distance found so far; worstDist() is that bound once k are found, which is what
  // the tree prunes by.
  struct WithinSet {
    std::size_t k;
    S prune2;
    std::vector<std::pair<S, std::size_t>> top, extra;
    S worst = std::numeric_limits<S>::max();
    WithinSet(std::size_t k_, S prune2_) : k(k_), prune2(prune2_) { top.reserve(k + 1); }
    void clear() {
      top.clear();
      extra.clear();
      worst = std::numeric_limits<S>::max();
    }
    S worstDist() const { return worst; }
    std::size_t size() const { return top.size(); }
    bool full() const { return top.size() == k; }
    bool addPoint(S d2, std::size_t i) {  // called only for d2 < worstDist()
      if (top.size() < k || d2 < top.back().first) {
        if (top.size() == k) {
          extra.push_back(top.back());
          top.pop_back();
        }
        auto at = std::upper_bound(top.begin(), top.end(), d2, [](S v, const auto& e) { return v < e.first; });
        top.insert(at, {d2, i});
        if (top.size() == k) worst = top.back().first * prune2;
      } else {
        extra.emplace_back(d2, i);
      }
      return true;
    }
  };

  const S* data_;               // the points as given (results are numbered by it)
  RowMajorPoints<S> pts_;       // what nanoflann builds the tree from
  std::unique_ptr<Tree> tree_;
  std::vector<std::size_t> order_;  // original number of the point at each position of the tree
  std::vector<S> leaf_points_;      // the points by leaf, each leaf dimension by dimension
  std::vector<S> norms_;
};

}  // namespace dtwin::detail
