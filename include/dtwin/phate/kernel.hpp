#pragma once
// The alpha-decaying kNN affinity of PHATE (Moon et al. 2019, as built by graphtools):
// bandwidth = distance to the knn-th neighbour, affinity exp(-(d / bandwidth)^decay), values
// below thresh dropped. Only neighbours within the radius where the affinity reaches thresh
// are searched, so the kernel stays sparse; the search is exact, or NN-descent for large data.
#include <Eigen/Sparse>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "dtwin/detail/neighbors.hpp"
#include "dtwin/detail/nndescent.hpp"

namespace dtwin::phate_detail {

template <typename S>
using SpMat = Eigen::SparseMatrix<S, Eigen::RowMajor, int>;

// Affinity rows from each query's neighbours (sorted by distance, at least `bandwidth_rank` of
// them). `bandwidth_rank` is the 1-based rank of the neighbour whose distance is the bandwidth:
// knn + 1 when the queries are the indexed points themselves (the first neighbour is the
// point), knn for new points. decay <= 0 gives the plain kNN graph (affinity 1 to the
// bandwidth_rank nearest).
template <typename S>
SpMat<S> affinities_from_neighbors(const std::vector<std::vector<int>>& nbr, const std::vector<std::vector<S>>& dist,
                                   std::size_t n, std::size_t bandwidth_rank, double decay, double thresh) {
  const std::size_t m = nbr.size();
  std::vector<Eigen::Triplet<S, int>> trip;
  std::size_t nnz = 0;
  for (auto& r : nbr) nnz += r.size();
  trip.reserve(nnz);
  for (std::size_t q = 0; q < m; ++q) {
    const std::size_t kb = std::min(bandwidth_rank, dist[q].size());
    const S bw = std::max<S>(dist[q][kb - 1], std::numeric_limits<S>::epsilon());
    for (std::size_t j = 0; j < nbr[q].size(); ++j) {
      S v = 1;
      if (decay > 0) {
        v = static_cast<S>(std::exp(-std::pow(static_cast<double>(dist[q][j] / bw), decay)));
        if (!(v >= static_cast<S>(thresh))) continue;
      } else if (j >= kb) {
        break;
      }
      trip.emplace_back(static_cast<int>(q), nbr[q][j], v);
    }
  }
  SpMat<S> K(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(n));
  K.setFromTriplets(trip.begin(), trip.end());
  return K;
}

// Beyond this multiple of the bandwidth the affinity is below thresh.
inline double affinity_radius_factor(double decay, double thresh) {
  return decay > 0 ? std::pow(-std::log(thresh), 1.0 / decay) : 1.0;
}

// Affinity rows from m queries to the indexed points, by exact search: only neighbours within
// the radius where the affinity reaches thresh are searched, so the kernel stays sparse.
template <typename S>
SpMat<S> affinity_rows(const detail::NeighborIndex<S>& index, const S* queries, std::size_t m,
                       std::size_t bandwidth_rank, double decay, double thresh) {
  const std::size_t kb = std::min(bandwidth_rank, index.size());
  std::vector<std::vector<int>> nbr;
  std::vector<std::vector<S>> dist;
  index.within_kth(queries, m, kb, affinity_radius_factor(decay, thresh), nbr, dist);
  return affinities_from_neighbors<S>(nbr, dist, index.size(), kb, decay, thresh);
}

// The data's own affinity rows from approximate neighbours (NN-descent): each point keeps
// itself first, then 2 * bandwidth_rank + 4 approximate neighbours, of which those within the
// affinity radius count. Denser neighbourhoods than that (many near-duplicates) are cut at
// that count, as a kNN graph would be. The 4 spare entries matter: on 20-D Gaussian noise a
// graph of 12 found 95% of the 6 nearest, one of 16 98%.
template <typename S>
SpMat<S> self_affinity_rows_approximate(const S* data, std::size_t n, std::size_t d, std::size_t bandwidth_rank,
                                        double decay, double thresh, std::uint64_t seed) {
  const std::size_t kb = std::min(bandwidth_rank, n);
  detail::NNDescent<S> g(data, n, d, 2 * kb + 4, seed, {});
  const double factor = affinity_radius_factor(decay, thresh);
  std::vector<std::vector<int>> nbr(n);
  std::vector<std::vector<S>> dist(n);
#pragma omp parallel for schedule(static)
  for (long long ii = 0; ii < static_cast<long long>(n); ++ii) {
    const std::size_t i = static_cast<std::size_t>(ii);
    const int* gi = g.neighbors(i);
    const S* gd = g.squared_distances(i);
    auto& oi = nbr[i];
    auto& od = dist[i];
    oi.reserve(g.k() + 1);
    od.reserve(g.k() + 1);
    oi.push_back(static_cast<int>(i));
    od.push_back(S(0));
    const S radius = kb >= 2 ? static_cast<S>(std::sqrt(gd[kb - 2]) * factor) : S(0);
    for (std::size_t j = 0; j < g.k(); ++j) {
      const S dj = std::sqrt(gd[j]);
      if (j + 1 >= kb && dj > radius) break;
      oi.push_back(gi[j]);
      od.push_back(dj);
    }
  }
  return affinities_from_neighbors<S>(nbr, dist, n, kb, decay, thresh);
}

// (K + K^T) / 2 of the data's own affinity rows: PHATE's default kernel_symm="+".
template <typename S>
SpMat<S> symmetric_kernel(const SpMat<S>& K) {
  SpMat<S> Kt = K.transpose();
  SpMat<S> out = (K + Kt) * S(0.5);
  out.makeCompressed();
  return out;
}

// Divides each row by its sum.
template <typename S>
SpMat<S> row_normalized(SpMat<S> M) {
  for (Eigen::Index i = 0; i < M.outerSize(); ++i) {
    S s = 0;
    for (typename SpMat<S>::InnerIterator it(M, i); it; ++it) s += it.value();
    if (s > 0)
      for (typename SpMat<S>::InnerIterator it(M, i); it; ++it) it.valueRef() /= s;
  }
  return M;
}

}  // namespace dtwin::phate_detail
