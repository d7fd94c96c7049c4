#pragma once
// PHATE's landmarks: spectral clustering of the diffusion operator (top singular vectors of the
// symmetric diffusion affinity, mapped through the operator, then k-means), as graphtools'
// LandmarkGraph builds them. Each cluster becomes one landmark.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/phate/kernel.hpp"

namespace dtwin::phate_detail {

// The P nearest of k centres to one row, ordered by (distance, centre) as a stable scan keeps
// them, from the row's k distances. The P-th smallest of the minima of runs of 16 centres bounds
// the P-th smallest distance from above, and only runs whose minimum is within it can hold one
// of the P: a few hundred distances are compared instead of all k. (Keeping the P smallest
// sorted while scanning all k had cost 0.08 s per pass at 20,000 rows into 2,000 centres, more
// than the GEMM; k-means of those rows went from 0.28-0.30 to 0.25-0.27 s.) Buffers are kept
// between rows.
class NearestCentres {
 public:
  // Returns the P nearest (distance, centre), nearest first; valid until the next call.
  const std::vector<std::pair<float, int>>& select(const Eigen::Ref<const Eigen::VectorXf>& dist, int P) {
    const int k = static_cast<int>(dist.size());
    const int runs = (k + kRun - 1) / kRun;
    run_min_.resize(static_cast<std::size_t>(runs));
    for (int r = 0; r < k / kRun; ++r) run_min_[static_cast<std::size_t>(r)] = dist.segment<kRun>(r * kRun).minCoeff();
    if (k % kRun) run_min_.back() = dist.tail(k % kRun).minCoeff();
    float bound = std::numeric_limits<float>::infinity();
    if (runs > P) {
      scratch_ = run_min_;
      std::nth_element(scratch_.begin(), scratch_.begin() + (P - 1), scratch_.end());
      bound = scratch_[static_cast<std::size_t>(P - 1)];
    }
    pool_.clear();
    for (int r = 0; r < runs; ++r) {
      if (!(run_min_[static_cast<std::size_t>(r)] <= bound)) continue;
      for (int c = r * kRun; c < std::min(k, (r + 1) * kRun); ++c)
        if (dist[c] <= bound) pool_.emplace_back(dist[c], c);
    }
    if (pool_.size() < static_cast<std::size_t>(P)) {  // only with NaN distances: all, NaN last
      pool_.clear();
      for (int c = 0; c < k; ++c)
        pool_.emplace_back(std::isnan(dist[c]) ? std::numeric_limits<float>::infinity() : dist[c], c);
    }
    std::partial_sort(pool_.begin(), pool_.begin() + P, pool_.end());
    return pool_;
  }

 private:
  static constexpr int kRun = 16;
  std::vector<float> run_min_, scratch_;
  std::vector<std::pair<float, int>> pool_;
};

// k-means of the rows of F (n x p) into k clusters. Centres are fitted by Lloyd's algorithm on
// a random subsample of about `fit_rows` rows (as mini-batch k-means in graphtools fits on
// batches), then every row is assigned once. Some clusters may be empty.
//
// Most of Lloyd's passes are restricted to candidates. A full pass (one single-precision GEMM
// against all centres: assignment needs no more) also keeps each row's `candidates` nearest
// centres; the passes after it compare the row with those alone, exactly. Centres move less
// and less, and a row's nearest centre almost always stays among the few that were nearest
// shortly before; a full pass every `refresh` rounds catches the rest. At 20,000 rows into
// 2,000 clusters the ten full GEMM passes had taken 2.4 s of a 4.3 s fit here (docs/phate.md).
// An exact pruning (a Hamerly bound with the largest centre move) settled only 4-75% of rows
// per round at that size and was slower. candidates >= k is plain Lloyd (a test compares).
// Every fifth round (0 and 5 of 10), 16 candidates: every fourth round and 32 candidates had
// cost a third full pass and twice the selection, 0.3 s more at 20,000 samples, for the same
// agreement with the reference embeddings (docs/phate.md).
template <typename S, typename Derived>
std::vector<int> kmeans(const Eigen::MatrixBase<Derived>& F, int k, int max_iter, Eigen::Index fit_rows, std::uint64_t seed,
                        int candidates = 16, int refresh = 5) {
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
  const int P = std::max(1, std::min(candidates, k));
  const bool restricted = P < k;

  // Nearest centre of each row of X (row-major, float) and, with cand, its P nearest centres
  // (row-major rows x P, nearest first).
  auto full_pass = [&](const RowMatf& X, std::vector<int>& label, std::vector<int>* cand) {
    const Eigen::Index rows = X.rows(), block = 4096;
    Eigen::VectorXf cnorm = C.rowwise().squaredNorm();
    Eigen::Map<const Matf> Ct(C.data(), p, k);  // row-major C is column-major p x k
    label.resize(static_cast<std::size_t>(rows));
    if (cand) cand->resize(static_cast<std::size_t>(rows * P));
    for (Eigen::Index r0 = 0; r0 < rows; r0 += block) {
      const Eigen::Index b = std::min(block, rows - r0);
      Eigen::Map<const Matf> Xb(X.data() + r0 * p, p, b);
      Matf G;  // k x b
      detail::gemm<float>(Ct, true, Xb, false, G);
#pragma omp parallel
      {
        NearestCentres nearest;
        Eigen::VectorXf dist(k);
#pragma omp for schedule(static)
        for (Eigen::Index i = 0; i < b; ++i) {
          dist = cnorm - 2 * Eigen::Map<const Eigen::VectorXf>(G.data() + i * k, k);
          if (!cand) {
            // The first centre at the smallest distance, as a scan with < finds it: the
            // minimum by a vectorised reduction, then its first position (a scan that only
            // compares had taken 0.2 s for the 80,000 rows left out of the fit at 100,000).
            const float bd = dist.minCoeff();
            int best = 0;
            while (best + 1 < k && !(dist[best] == bd)) ++best;
            label[static_cast<std::size_t>(r0 + i)] = best;
            continue;
          }
          const auto& near = nearest.select(dist, P);
          label[static_cast<std::size_t>(r0 + i)] = near[0].second;
          for (int j = 0; j < P; ++j) (*cand)[static_cast<std::size_t>((r0 + i) * P + j)] = near[static_cast<std::size_t>(j)].second;
        }
      }
    }
  };

  // Nearest of each sample row's candidates, by exact distance.
  auto candidate_pass = [&](const std::vector<int>& cand, std::vector<int>& label) {
#pragma omp parallel for schedule(static)
    for (Eigen::Index r = 0; r < m; ++r) {
      int best = -1;
      float bd = std::numeric_limits<float>::max();
      for (int j = 0; j < P; ++j) {
        const int c = cand[static_cast<std::size_t>(r * P + j)];
        const float d2 = (sample.row(r) - C.row(c)).squaredNorm();
        if (d2 < bd) { bd = d2; best = c; }
      }
      label[static_cast<std::size_t>(r)] = best;
    }
  };

  std::vector<int> slabel(static_cast<std::size_t>(m), -1), cand;
  for (int it = 0; it < max_iter; ++it) {
    const std::vector<int> before = slabel;
    if (!restricted || it % refresh == 0) full_pass(sample, slabel, restricted ? &cand : nullptr);
    else candidate_pass(cand, slabel);
    std::size_t changed = 0;
    for (Eigen::Index i = 0; i < m; ++i) changed += slabel[static_cast<std::size_t>(i)] != before[static_cast<std::size_t>(i)];
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
  // Every row against the final centres: the sample's from their candidates, the rest in full.
  std::vector<int> out(static_cast<std::size_t>(n), -1);
  if (restricted) candidate_pass(cand, slabel);
  else full_pass(sample, slabel, nullptr);
  for (Eigen::Index i = 0; i < m; ++i) out[static_cast<std::size_t>(perm[i])] = slabel[static_cast<std::size_t>(i)];
  if (m < n) {
    RowMatf rest(n - m, p);
    for (Eigen::Index i = m; i < n; ++i) rest.row(i - m) = F.row(perm[i]).template cast<float>();
    std::vector<int> label;
    full_pass(rest, label, nullptr);
    for (Eigen::Index i = m; i < n; ++i) out[static_cast<std::size_t>(perm[i])] = label[static_cast<std::size_t>(i - m)];
  }
  return out;
}

// (K X)^T for a row-major sparse K and a block X stored transposed (Xt, p x n, as
// detail::randomized_symmetric_eigs_rows keeps its blocks): each nonzero adds one contiguous
// column of Xt. Eigen's own sparse x dense product is single-threaded and walks a column-major X
// column by column with scattered reads (11.9 s -> about 1 s for the landmark stage's products
// at 10^6 samples, 2 threads). Each output is summed in a fixed order, so the result does not
// depend on the thread count.
template <typename S>
detail::Mat<S> product_rows(const SpMat<S>& K, const detail::Mat<S>& Xt) {
  const Eigen::Index n = K.rows();
  detail::Mat<S> Yt(Xt.rows(), n);
#pragma omp parallel for schedule(dynamic, 1024)
  for (Eigen::Index i = 0; i < n; ++i) {
    auto yi = Yt.col(i);
    yi.setZero();
    for (typename SpMat<S>::InnerIterator it(K, i); it; ++it) yi += it.value() * Xt.col(it.col());
  }
  return Yt;
}

// A breadth-first order of the graph of K: new position of each vertex. Every component starts
// from its vertex of fewest neighbours (near its end, as Cuthill-McKee starts), so neighbours
// land close together in the order.
template <typename S>
std::vector<int> breadth_first_order(const SpMat<S>& K) {
  const Eigen::Index n = K.rows();
  std::vector<int> by_degree(static_cast<std::size_t>(n)), position(static_cast<std::size_t>(n), -1);
  std::iota(by_degree.begin(), by_degree.end(), 0);
  std::stable_sort(by_degree.begin(), by_degree.end(),
                   [&](int a, int b) { return K.outerIndexPtr()[a + 1] - K.outerIndexPtr()[a] <
                                              K.outerIndexPtr()[b + 1] - K.outerIndexPtr()[b]; });
  std::vector<int> queue;
  queue.reserve(static_cast<std::size_t>(n));
  for (int root : by_degree) {
    if (position[root] >= 0) continue;
    std::size_t head = queue.size();
    position[root] = static_cast<int>(queue.size());
    queue.push_back(root);
    for (; head < queue.size(); ++head)
      for (typename SpMat<S>::InnerIterator it(K, queue[head]); it; ++it)
        if (position[it.col()] < 0) {
          position[it.col()] = static_cast<int>(queue.size());
          queue.push_back(static_cast<int>(it.col()));
        }
  }
  return position;
}

// Cluster labels 0..L-1 (empty clusters removed) from the symmetric kernel K and its degrees.
//
// The samples are first renumbered in a breadth-first order of the graph. The products with
// the kernel read, for each nonzero, the row of its neighbour in a tall block (100,000 x 110
// floats, 44 MB, far beyond the caches); in the samples' own order those reads jump across the
// block, in graph order neighbours are mostly near in memory. At 100,000 samples of the swiss
// roll this took the landmark stage from 3.3 to 2.3 s here (docs/phate.md).
template <typename S>
std::vector<int> spectral_landmarks(const SpMat<S>& K_in, const detail::Vec<S>& degree_in, int n_landmark, int n_svd,
                                    std::uint64_t seed) {
  using detail::Mat;
  const Eigen::Index n = K_in.rows();
  const std::vector<int> position = breadth_first_order(K_in);
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> P(static_cast<int>(n));
  for (Eigen::Index i = 0; i < n; ++i) P.indices()[i] = position[static_cast<std::size_t>(i)];
  const detail::Vec<S> dm12 = (P * degree_in).array().rsqrt();
  // One permuted copy of the kernel, rescaled in place: first the symmetric diffusion affinity
  // D^-1/2 K D^-1/2, later the operator D^-1 K (at 10^5 samples of 100-D data each copy is 18 MB).
  SpMat<S> A;
  A = K_in.twistedBy(P);
  auto rescale = [&](auto&& factor) {
    for (Eigen::Index i = 0; i < n; ++i)
      for (typename SpMat<S>::InnerIterator it(A, i); it; ++it) it.valueRef() *= factor(i, it.col());
  };
  rescale([&](Eigen::Index i, Eigen::Index j) { return dm12[i] * dm12[j]; });
  auto apply = [&](const Mat<S>& Xt) -> Mat<S> { return product_rows<S>(A, Xt); };
  const int k = static_cast<int>(std::min<Eigen::Index>(n_svd, n));
  Mat<S> V;
  detail::Vec<S> vals;
  // Seven power iterations, as graphtools gets from sklearn's randomized_svd (n_iter="auto").
  // Two had been used for speed, and sufficed up to 20,000 samples; on 10 separate 10-D blobs
  // of 50,000 and 100,000 samples the unconverged subspace mixed blobs in the landmark
  // clusters, and the embedding's 10-NN label accuracy fell to 0.71 and 0.14 (docs/phate.md).
  // Its top eigenvalues lie close to 1, so the block is re-orthonormalised every second product.
  detail::randomized_symmetric_eigs_rows<S>(n, k, 10, 7, seed, apply, V, vals, 2);
  // The operator applied to the singular vectors, as graphtools clusters diff_op @ V.
  rescale([&](Eigen::Index i, Eigen::Index j) { return dm12[i] / dm12[j]; });  // D^-1 K = D^-1/2 A D^1/2
  const Mat<S> Ft = product_rows<S>(A, Mat<S>(V.transpose()));
  V.resize(0, 0);
  const std::vector<int> label_bfs = kmeans<S>(Ft.transpose(), n_landmark, 10, 10 * static_cast<Eigen::Index>(n_landmark), seed + 1);
  // Back to the samples' order; landmarks numbered by first appearance in it.
  std::vector<int> label(static_cast<std::size_t>(n)), remap(static_cast<std::size_t>(n_landmark), -1);
  int next = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int l = label_bfs[static_cast<std::size_t>(position[static_cast<std::size_t>(i)])];
    if (remap[l] < 0) remap[l] = next++;
    label[static_cast<std::size_t>(i)] = remap[l];
  }
  return label;
}

}  // namespace dtwin::phate_detail
