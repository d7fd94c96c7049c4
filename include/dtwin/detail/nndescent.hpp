#pragma once
// Approximate k nearest neighbours of every point of a set among the same set: NN-descent
// (Dong, Charikar and Li 2011) started from random-projection trees, the recipe of pynndescent.
// Exact search costs grow faster than n on data of high intrinsic dimension (a kd-tree in 20
// noisy dimensions visits most leaves; a full scan is n^2), while NN-descent stays near n log n.
//
// Determinism: every step reads the previous iteration's graph and writes only its own rows
// (a Jacobi sweep rather than pynndescent's shared heap updates), so the result depends on the
// seed alone, not on the thread count or scheduling.
#include <Eigen/Dense>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace dtwin::detail {

template <typename S>
class NNDescent {
 public:
  struct Options {
    std::size_t n_trees = 4;      // random-projection trees whose leaves seed the graph
    std::size_t leaf_size = 0;    // 0: max(2k, 24)
    int max_iter = 12;            // sweeps of neighbours-of-neighbours
    double delta = 1e-3;          // stop when fewer than delta * n * k entries changed in a sweep
  };

  // data: n x d row-major. k: neighbours per point, the point itself excluded.
  NNDescent(const S* data, std::size_t n, std::size_t d, std::size_t k, std::uint64_t seed, Options opt)
      : x_(data), n_(n), d_(d), k_(std::min(k, n > 0 ? n - 1 : 0)), opt_(opt) {
    if (opt_.leaf_size == 0) opt_.leaf_size = std::max<std::size_t>(2 * k_, 24);
    idx_.assign(n_ * k_, -1);
    dist_.assign(n_ * k_, std::numeric_limits<S>::infinity());
    fresh_.assign(n_ * k_, 0);
    if (k_ == 0) return;
    for (std::size_t t = 0; t < opt_.n_trees; ++t) seed_from_tree(seed + 0x9E3779B97F4A7C15ULL * (t + 1));
    fill_missing(seed ^ 0xD1B54A32D192ED03ULL);
    for (int it = 0; it < opt_.max_iter; ++it) {
      ++iterations_;
      if (static_cast<double>(sweep()) < opt_.delta * static_cast<double>(n_ * k_)) break;
    }
  }

  std::size_t k() const { return k_; }
  int iterations() const { return iterations_; }
  // Row i: the k approximate nearest neighbours of point i, nearest first; squared distances.
  const int* neighbors(std::size_t i) const { return idx_.data() + i * k_; }
  const S* squared_distances(std::size_t i) const { return dist_.data() + i * k_; }

 private:
  S sq(std::size_t a, std::size_t b) const {
    using V = Eigen::Matrix<S, Eigen::Dynamic, 1>;
    return (Eigen::Map<const V>(x_ + a * d_, d_) - Eigen::Map<const V>(x_ + b * d_, d_)).squaredNorm();
  }

  // Inserts (j, dj) into a sorted row (ids, squared distances, new flags) of length k if it
  // comes before the row's last entry by (distance, id); the caller has checked j is absent.
  static bool insert_sorted(int* ri, S* rd, unsigned char* rf, std::size_t k, int j, S dj) {
    if (!(dj < rd[k - 1]) && !(dj == rd[k - 1] && j < ri[k - 1])) return false;
    std::size_t pos = k - 1;
    while (pos > 0 && (rd[pos - 1] > dj || (rd[pos - 1] == dj && ri[pos - 1] > j))) {
      ri[pos] = ri[pos - 1];
      rd[pos] = rd[pos - 1];
      rf[pos] = rf[pos - 1];
      --pos;
    }
    ri[pos] = j;
    rd[pos] = dj;
    rf[pos] = 1;
    return true;
  }

  // Inserts (j, dj) into row i if it belongs there and is not already present.
  bool push(std::size_t i, int j, S dj) {
    int* ri = idx_.data() + i * k_;
    if (!(dj <= dist_[i * k_ + k_ - 1])) return false;
    for (std::size_t a = 0; a < k_; ++a)
      if (ri[a] == j) return false;
    return insert_sorted(ri, dist_.data() + i * k_, fresh_.data() + i * k_, k_, j, dj);
  }

  // One random-projection tree: split by the hyperplane halfway between two random points of
  // the node until leaves are small, then compare all pairs within each leaf. Leaves partition
  // the points, so leaves can be processed in parallel without sharing a row.
  void seed_from_tree(std::uint64_t seed) {
    std::vector<int> order(n_);
    std::iota(order.begin(), order.end(), 0);
    std::vector<std::pair<std::size_t, std::size_t>> leaves, stack{{0, n_}};
    std::mt19937_64 rng(seed);
    std::vector<S> side;
    while (!stack.empty()) {
      auto [lo, hi] = stack.back();
      stack.pop_back();
      const std::size_t m = hi - lo;
      if (m <= opt_.leaf_size) {
        leaves.emplace_back(lo, hi);
        continue;
      }
      const int a = order[lo + rng() % m];
      int b = order[lo + rng() % m];
      for (int tries = 0; b == a && tries < 8; ++tries) b = order[lo + rng() % m];
      std::size_t mid = lo;
      if (a != b) {
        // Sign of (x - (xa + xb)/2) . (xa - xb).
        side.resize(m);
        S offset = 0;
        for (std::size_t c = 0; c < d_; ++c) {
          const S w = x_[a * d_ + c] - x_[b * d_ + c];
          offset += w * (x_[a * d_ + c] + x_[b * d_ + c]) / 2;
        }
        for (std::size_t r = lo; r < hi; ++r) {
          const S* xr = x_ + static_cast<std::size_t>(order[r]) * d_;
          S s = -offset;
          for (std::size_t c = 0; c < d_; ++c) s += xr[c] * (x_[a * d_ + c] - x_[b * d_ + c]);
          side[r - lo] = s;
        }
        std::vector<int> left, right;
        for (std::size_t r = lo; r < hi; ++r) (side[r - lo] < 0 ? left : right).push_back(order[r]);
        if (!left.empty() && !right.empty()) {
          std::copy(left.begin(), left.end(), order.begin() + static_cast<std::ptrdiff_t>(lo));
          std::copy(right.begin(), right.end(), order.begin() + static_cast<std::ptrdiff_t>(lo + left.size()));
          mid = lo + left.size();
        }
      }
      if (mid == lo) mid = lo + m / 2;  // duplicates or a degenerate plane: split the node in two
      stack.emplace_back(lo, mid);
      stack.emplace_back(mid, hi);
    }
#pragma omp parallel for schedule(dynamic, 64)
    for (long long l = 0; l < static_cast<long long>(leaves.size()); ++l) {
      const auto [lo, hi] = leaves[static_cast<std::size_t>(l)];
      for (std::size_t r = lo; r < hi; ++r)
        for (std::size_t s2 = r + 1; s2 < hi; ++s2) {
          const S dd = sq(static_cast<std::size_t>(order[r]), static_cast<std::size_t>(order[s2]));
          push(static_cast<std::size_t>(order[r]), order[s2], dd);
          push(static_cast<std::size_t>(order[s2]), order[r], dd);
        }
    }
  }

  // Rows still short of k entries (tiny leaves) get random points, so every row is full.
  void fill_missing(std::uint64_t seed) {
    for (std::size_t i = 0; i < n_; ++i) {
      if (idx_[i * k_ + k_ - 1] >= 0) continue;
      std::mt19937_64 rng(seed + i);
      for (std::size_t tries = 0; idx_[i * k_ + k_ - 1] < 0 && tries < 64 * k_ + n_; ++tries) {
        const std::size_t j = rng() % n_;
        if (j != i) push(i, static_cast<int>(j), sq(i, j));
      }
    }
  }

  // One sweep: every point looks at the neighbours (forward and reverse) of its neighbours,
  // skipping pairs where neither hop is new since the last sweep. Returns the entries changed.
  std::size_t sweep() {
    // Reverse edges, at most k per point (the closest), in compressed rows.
    std::vector<std::size_t> start(n_ + 1, 0);
    for (std::size_t e = 0; e < n_ * k_; ++e) ++start[static_cast<std::size_t>(idx_[e]) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<int> rsrc(n_ * k_);
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t a = 0; a < k_; ++a) rsrc[fill[static_cast<std::size_t>(idx_[i * k_ + a])]++] = static_cast<int>(i * k_ + a);
    std::vector<std::size_t> rlen(n_);
#pragma omp parallel for schedule(static)
    for (long long j = 0; j < static_cast<long long>(n_); ++j) {
      int* b = rsrc.data() + start[static_cast<std::size_t>(j)];
      int* e = rsrc.data() + start[static_cast<std::size_t>(j) + 1];
      const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(e - b), k_);
      std::partial_sort(b, b + keep, e, [&](int x, int y) { return dist_[x] < dist_[y] || (dist_[x] == dist_[y] && x < y); });
      rlen[static_cast<std::size_t>(j)] = keep;
    }

    std::vector<int> nidx(idx_);
    std::vector<S> ndist(dist_);
    std::vector<unsigned char> nfresh(n_ * k_, 0);
    std::size_t changed = 0;
#pragma omp parallel reduction(+ : changed)
    {
      // seen[j] == i: j was already considered for point i (a stamp instead of sorting and
      // deduplicating each candidate list, which cost more than the distances).
      std::vector<int> seen(n_, -1);
#pragma omp for schedule(dynamic, 256)
      for (long long ii = 0; ii < static_cast<long long>(n_); ++ii) {
        const std::size_t i = static_cast<std::size_t>(ii);
        const int self = static_cast<int>(i);
        int* ri = nidx.data() + i * k_;
        S* rd = ndist.data() + i * k_;
        unsigned char* rf = nfresh.data() + i * k_;
        seen[i] = self;
        for (std::size_t a = 0; a < k_; ++a) seen[static_cast<std::size_t>(ri[a])] = self;
        auto consider = [&](int j) {
          if (seen[static_cast<std::size_t>(j)] == self) return;
          seen[static_cast<std::size_t>(j)] = self;
          if (insert_sorted(ri, rd, rf, k_, j, sq(i, static_cast<std::size_t>(j)))) ++changed;
        };
        // First hops of i with their "new" flags: forward edges, then reverse edges (edge id / k
        // is the source point). Rows are read from the previous graph (idx_), written to nidx.
        auto visit = [&](int u, bool un) {
          const std::size_t uu = static_cast<std::size_t>(u);
          if (un) consider(u);  // u itself is new to i when it came in as a reverse edge
          for (std::size_t a = 0; a < k_; ++a)
            if (un || fresh_[uu * k_ + a]) consider(idx_[uu * k_ + a]);
          for (std::size_t r = 0; r < rlen[uu]; ++r) {
            const int e = rsrc[start[uu] + r];
            if (un || fresh_[static_cast<std::size_t>(e)]) consider(e / static_cast<int>(k_));
          }
        };
        for (std::size_t a = 0; a < k_; ++a) visit(idx_[i * k_ + a], fresh_[i * k_ + a] != 0);
        for (std::size_t r = 0; r < rlen[i]; ++r) {
          const int e = rsrc[start[i] + r];
          visit(e / static_cast<int>(k_), fresh_[static_cast<std::size_t>(e)] != 0);
        }
      }
    }
    idx_.swap(nidx);
    dist_.swap(ndist);
    fresh_.swap(nfresh);
    return changed;
  }

  const S* x_;
  std::size_t n_, d_, k_;
  Options opt_;
  std::vector<int> idx_;
  std::vector<S> dist_;
  std::vector<unsigned char> fresh_;
  int iterations_ = 0;
};

}  // namespace dtwin::detail
