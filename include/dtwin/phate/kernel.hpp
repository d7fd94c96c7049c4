#pragma once
// The alpha-decaying kNN affinity of PHATE (Moon et al. 2019, as built by graphtools):
// bandwidth = distance to the knn-th neighbour, affinity exp(-(d / bandwidth)^decay), values
// below thresh dropped. Only neighbours within the radius where the affinity reaches thresh
// are searched, so the kernel stays sparse and exact.
#include <Eigen/Sparse>

#include <cmath>
#include <limits>
#include <vector>

#include "dtwin/detail/neighbors.hpp"

namespace dtwin::phate_detail {

template <typename S>
using SpMat = Eigen::SparseMatrix<S, Eigen::RowMajor, int>;

// Rows of affinities from m queries to the indexed points. `bandwidth_rank` is the 1-based rank
// of the neighbour whose distance is the bandwidth: knn + 1 when the queries are the indexed
// points themselves (the first neighbour is the point), knn for new points. decay <= 0 gives
// the plain kNN graph (affinity 1 to the bandwidth_rank nearest).
template <typename S>
SpMat<S> affinity_rows(const detail::NeighborIndex<S>& index, const S* queries, std::size_t m,
                       std::size_t bandwidth_rank, double decay, double thresh) {
  const std::size_t n = index.size();
  const std::size_t kb = std::min(bandwidth_rank, n);
  // Beyond this multiple of the bandwidth the affinity is below thresh.
  const double radius_factor = decay > 0 ? std::pow(-std::log(thresh), 1.0 / decay) : 1.0;
  std::vector<std::vector<int>> nbr;
  std::vector<std::vector<S>> dist;
  index.within_kth(queries, m, kb, radius_factor, nbr, dist);

  std::vector<Eigen::Triplet<S, int>> trip;
  std::size_t nnz = 0;
  for (auto& r : nbr) nnz += r.size();
  trip.reserve(nnz);
  for (std::size_t q = 0; q < m; ++q) {
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
