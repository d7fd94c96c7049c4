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
  const std::size_t n = index.size(), d = index.dim();
  const std::size_t kb = std::min(bandwidth_rank, n);
  const double radius_factor = decay > 0 ? std::pow(-std::log(thresh), 1.0 / decay) : 1.0;

  std::vector<std::vector<int>> row_idx(m);
  std::vector<std::vector<S>> row_val(m);
  std::vector<std::size_t> todo(m);
  for (std::size_t i = 0; i < m; ++i) todo[i] = i;
  std::vector<S> bandwidth(m, S(0));
  std::size_t k = decay > 0 ? std::min(n, 2 * kb + 2) : kb;
  bool first = true;

  std::vector<int> idx;
  std::vector<S> dist;
  std::vector<S> qbuf;
  while (!todo.empty()) {
    qbuf.resize(todo.size() * d);
    for (std::size_t r = 0; r < todo.size(); ++r)
      std::copy(queries + todo[r] * d, queries + (todo[r] + 1) * d, qbuf.begin() + r * d);
    index.knn(qbuf.data(), todo.size(), k, idx, dist);
    std::vector<std::size_t> again;
    for (std::size_t r = 0; r < todo.size(); ++r) {
      const std::size_t q = todo[r];
      const S* dr = dist.data() + r * k;
      const int* ir = idx.data() + r * k;
      if (first) bandwidth[q] = std::max<S>(dr[kb - 1], std::numeric_limits<S>::epsilon());
      const S bw = bandwidth[q];
      const S radius = static_cast<S>(bw * radius_factor);
      if (decay > 0 && k < n && dr[k - 1] < radius) {  // affinities above thresh may lie further out
        again.push_back(q);
        continue;
      }
      auto& ri = row_idx[q];
      auto& rv = row_val[q];
      for (std::size_t j = 0; j < k; ++j) {
        S v;
        if (decay > 0) {
          v = static_cast<S>(std::exp(-std::pow(static_cast<double>(dr[j] / bw), decay)));
          if (!(v >= static_cast<S>(thresh))) continue;
        } else {
          v = 1;
        }
        ri.push_back(ir[j]);
        rv.push_back(v);
      }
    }
    todo.swap(again);
    first = false;
    k = std::min(n, 2 * k);
  }

  std::vector<Eigen::Triplet<S, int>> trip;
  std::size_t nnz = 0;
  for (auto& r : row_idx) nnz += r.size();
  trip.reserve(nnz);
  for (std::size_t q = 0; q < m; ++q)
    for (std::size_t j = 0; j < row_idx[q].size(); ++j)
      trip.emplace_back(static_cast<int>(q), row_idx[q][j], row_val[q][j]);
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
