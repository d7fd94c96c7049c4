#pragma once
// The diffusion operator raised to the power t, P^t, as a dense matrix computed by t sparse
// products instead of through an eigen-decomposition (of its symmetric conjugate A, whose
// columns are its rows).
//
// P is a kNN random walk: a few to a few tens of nonzeros a row. Its t-th power costs
// t * nnz(P) * m multiply-adds this way, against the O(m^3) of the eigenvectors; on the
// kernel of 1,000 samples (8-24 nonzeros a row, t 12-22) that is 7-25 ms against 40 ms for the
// eigenvectors alone (docs/phate.md). The sums have nonnegative terms only, so the small
// entries that the log potential magnifies keep their relative precision, where the eigen
// route leaves them with errors of the order of the largest entry times the rounding unit
// (the official PHATE raises its dense operator by matrix_power, which is the same sum).
//
// The columns are computed in groups of kLanes: every step reads, for each nonzero, one
// 128-byte row of the group's previous iterate, and two iterates of m rows stay in the L2
// cache. A group's columns are samples that are neighbours on the graph, so the rows that can
// be nonzero (those within s steps of the group) are few for the first steps; only they are
// computed.
#include <Eigen/Sparse>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/detail/simd.hpp"
#include "dtwin/phate/kernel.hpp"

namespace dtwin::phate_detail {

namespace power_detail {

template <typename S>
constexpr int kLanes = static_cast<int>(128 / sizeof(S));  // columns per group: one 128-byte row

// The columns of the power in groups of `width`, each group grown breadth-first on the graph
// from a sample next to the previous group, so its columns' supports overlap as they grow.
template <typename S>
std::vector<int> neighbour_groups(const SpMat<S>& A, int width) {
  const int n = static_cast<int>(A.rows());
  const int* outer = A.outerIndexPtr();
  const int* inner = A.innerIndexPtr();
  std::vector<int> order;
  order.reserve(static_cast<std::size_t>(n));
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  std::vector<int> queue, next_seeds;
  int scan = 0;
  while (static_cast<int>(order.size()) < n) {
    int seed = -1;
    for (int c : next_seeds)
      if (!taken[c]) { seed = c; break; }
    if (seed < 0) {
      while (taken[scan]) ++scan;
      seed = scan;
    }
    queue.assign(1, seed);
    taken[seed] = 1;
    std::size_t head = 0;
    for (int in_group = 0; head < queue.size() && in_group < width; ++in_group) {
      const int u = queue[head++];
      order.push_back(u);
      for (int p = outer[u]; p < outer[u + 1]; ++p)
        if (!taken[inner[p]]) {
          taken[inner[p]] = 1;
          queue.push_back(inner[p]);
        }
    }
    // Reached but not taken: free again, and where the next group starts.
    next_seeds.assign(queue.begin() + static_cast<std::ptrdiff_t>(head), queue.end());
    for (int c : next_seeds) taken[c] = 0;
  }
  return order;
}

// y[i] = sum_p A(i, p) x[p] for the rows i in `rows`, rows of x and y kLanes<S> wide, through
// vectors of V (V = S: scalars). Inlined into each instruction-set variant below.
template <typename S, typename V>
[[gnu::always_inline]] inline void product_rows(const int* outer, const int* inner, const S* val, const int* rows,
                                                std::size_t n_rows, const S* x, S* y) {
  constexpr int W = kLanes<S>;
  constexpr int NV = static_cast<int>(W * sizeof(S) / sizeof(V));
  for (std::size_t r = 0; r < n_rows; ++r) {
    const int i = rows[r];
    V acc[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[v] = V{};
    for (int p = outer[i]; p < outer[i + 1]; ++p) {
      const S a = val[p];
      const V* xr = reinterpret_cast<const V*>(x + static_cast<std::size_t>(inner[p]) * W);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[v] += a * xr[v];
    }
    V* yr = reinterpret_cast<V*>(y + static_cast<std::size_t>(i) * W);
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) yr[v] = acc[v];
  }
}

#ifdef DTWIN_SIMD_X86
template <typename S>
[[gnu::target("avx2")]] void product_rows_avx2(const int* outer, const int* inner, const S* val, const int* rows,
                                                std::size_t n_rows, const S* x, S* y) {
  product_rows<S, typename detail::simd::Vectors<S>::v32>(outer, inner, val, rows, n_rows, x, y);
}
template <typename S>
void product_rows_sse2(const int* outer, const int* inner, const S* val, const int* rows, std::size_t n_rows,
                       const S* x, S* y) {
  product_rows<S, typename detail::simd::Vectors<S>::v16>(outer, inner, val, rows, n_rows, x, y);
}

// Entries far out on a group's support underflow towards subnormals within a few steps (a
// product of small transition probabilities), and arithmetic on subnormals is slow on many
// x86 cores. Below 1e-38 an entry is lost in the potential's 1e-7 offset anyway.
class FlushSubnormals {
 public:
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushSubnormals() { _mm_setcsr(saved_); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
  unsigned saved_;
};
#endif

template <typename S>
void product_rows_any(const int* outer, const int* inner, const S* val, const int* rows, std::size_t n_rows,
                      const S* x, S* y) {
#ifdef DTWIN_SIMD_X86
  if (detail::simd::has_avx2()) product_rows_avx2<S>(outer, inner, val, rows, n_rows, x, y);
  else product_rows_sse2<S>(outer, inner, val, rows, n_rows, x, y);
#else
  product_rows<S, S>(outer, inner, val, rows, n_rows, x, y);  // scalars
#endif
}

}  // namespace power_detail

// Connected components of the graph of a sparse matrix with a symmetric pattern: the
// component of each row (numbered in order of first row), and how many there are.
template <typename S>
int connected_components(const SpMat<S>& A, std::vector<int>& component) {
  const int n = static_cast<int>(A.rows());
  component.assign(static_cast<std::size_t>(n), -1);
  std::vector<int> stack;
  int count = 0;
  for (int r = 0; r < n; ++r) {
    if (component[r] >= 0) continue;
    component[r] = count;
    stack.assign(1, r);
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      for (typename SpMat<S>::InnerIterator it(A, u); it; ++it)
        if (component[it.col()] < 0) {
          component[it.col()] = count;
          stack.push_back(static_cast<int>(it.col()));
        }
    }
    ++count;
  }
  return count;
}

// The multiply-adds of one product step of dense_power, over m^3 (about what one dense
// eigen-decomposition of the m x m operator costs): a group of columns only ever reaches its
// own component, so a component of size c with z nonzeros costs z c.
template <typename S>
double product_step_work(const SpMat<S>& A, const std::vector<int>& component, int count) {
  std::vector<double> size(static_cast<std::size_t>(count), 0.0), nonzeros(size);
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    size[component[i]] += 1;
    nonzeros[component[i]] += static_cast<double>(A.outerIndexPtr()[i + 1] - A.outerIndexPtr()[i]);
  }
  double work = 0;
  for (int c = 0; c < count; ++c) work += size[c] * nonzeros[c];
  const double m = static_cast<double>(A.rows());
  return work / (m * m * m);
}

// Whether P^t goes by sparse products rather than through eigenvectors, for `step_work`
// from product_step_work. The products cost t times a step's work, or, where t = s 2^k,
// s steps and k squarings of the dense symmetric power (square_symmetric: a rank-m update
// through BLAS, about kSquaring units); against them stand the eigenvectors alone when the
// eigenvalues are known already (t="auto" needs them, and detail::SymmetricEigen keeps their
// reduction), or the whole decomposition when t was given. The limits are measured
// (docs/phate.md): at 1,000 samples the products cost about 35 ms a unit of work and the
// eigenvectors 35-40 ms, at 2,000 landmarks 0.42 s and 0.2 s; a squaring of 2,000 x 2,000
// 60-65 ms.
struct PowerRoute {
  static constexpr double kAgainstVectors = 0.6;
  static constexpr double kAgainstDecomposition = 1.2;
  static constexpr double kSquaring = 0.15;
  // The number of squarings k (2^k dividing t) that makes the products cheapest.
  static int squarings(double step_work, int t) {
    int best = 0;
    for (int k = 1; k < 30 && t % (1 << k) == 0; ++k)
      if (cost(step_work, t, k) < cost(step_work, t, best)) best = k;
    return best;
  }
  static double cost(double step_work, int t, int k) { return step_work * (t >> k) + k * kSquaring; }
  static bool products(double step_work, int t, bool values_known) {
    return cost(step_work, t, squarings(step_work, t)) <= (values_known ? kAgainstVectors : kAgainstDecomposition);
  }
};

// M <- M^2 for a symmetric M with nonnegative entries (a power of A, row-major), by one rank-m
// update: every sum has nonnegative terms, so the small entries keep their relative precision,
// as they do through the sparse products. Entries below 1e-18 are dropped first: their share
// of any entry of the square is below m * 1e-18, far under the log potential's 1e-7 offset,
// and products of them would be subnormal numbers, slow on many x86 cores.
template <typename S>
void square_symmetric(detail::RowMat<S>& M) {
  const Eigen::Index m = M.rows();
  M = (M.array() < S(1e-18)).select(S(0), M);
  detail::Mat<S> Q;
  detail::gram<S>(Eigen::Map<const detail::Mat<S>>(M.data(), m, m), true, Q);
  // Q is symmetric: its column-major storage read row by row is Q itself.
  M = Eigen::Map<const detail::RowMat<S>>(Q.data(), m, m);
}

// Eigenvalues of a sparse symmetric matrix, in no particular order: one dense decomposition
// per connected component of its graph (connected_components). Separate clusters (blobs)
// give a block-diagonal operator, and ten blocks of 100 cost a hundredth of one of 1,000.
template <typename S>
detail::Vec<S> symmetric_eigenvalues(const SpMat<S>& A, const std::vector<int>& component, int count) {
  if (count == 1) return detail::SymmetricEigen<S>(detail::Mat<S>(A)).values();
  const Eigen::Index m = A.rows();
  detail::Vec<S> values(m);
  std::vector<std::vector<int>> members(static_cast<std::size_t>(count));
  for (Eigen::Index i = 0; i < m; ++i) members[component[i]].push_back(static_cast<int>(i));
  std::vector<int> local(static_cast<std::size_t>(m));  // a row's position within its component
  for (const auto& rows : members)
    for (std::size_t k = 0; k < rows.size(); ++k) local[rows[k]] = static_cast<int>(k);
  Eigen::Index filled = 0;
  detail::Mat<S> D;
  for (const auto& rows : members) {
    const auto size = static_cast<Eigen::Index>(rows.size());
    D.setZero(size, size);
    for (Eigen::Index k = 0; k < size; ++k)
      for (typename SpMat<S>::InnerIterator it(A, rows[k]); it; ++it) D(k, local[it.col()]) = it.value();
    values.segment(filled, size) = detail::SymmetricEigen<S>(D).values();
    filled += size;
  }
  return values;
}

// A^t (m x m, row-major) of a symmetric sparse matrix A, t >= 1. For the random walk
// P = W^-1 B (B symmetric) pass A = W^-1/2 B W^-1/2: P^t = W^-1/2 A^t W^1/2.
template <typename S>
detail::RowMat<S> dense_power(const SpMat<S>& A, int t) {
  using namespace power_detail;
  constexpr int W = kLanes<S>;
  const int m = static_cast<int>(A.rows());
  detail::RowMat<S> out(m, m);
  SpMat<S> Ac = A;
  Ac.makeCompressed();
  const int* outer = Ac.outerIndexPtr();
  const int* inner = Ac.innerIndexPtr();
  const S* val = Ac.valuePtr();
  const std::vector<int> order = neighbour_groups(Ac, W);
  const int groups = (m + W - 1) / W;
#pragma omp parallel
  {
#ifdef DTWIN_SIMD_X86
    FlushSubnormals flush;
#endif
    // Two iterates of m rows, each row on its own 128 bytes (the vectors' loads are aligned).
    const std::size_t len = static_cast<std::size_t>(m) * W;
    std::vector<S> store(2 * len + W, S(0));
    S* const xa = store.data() + (W - (reinterpret_cast<std::uintptr_t>(store.data()) % 128) / sizeof(S)) % W;
    S* const xb = xa + len;
    std::vector<int> rows;  // rows reached so far: the only ones that can be nonzero
    std::vector<char> reached(static_cast<std::size_t>(m), 0);
#pragma omp for schedule(dynamic, 1)
    for (int g = 0; g < groups; ++g) {
      const int c0 = g * W, width = std::min(W, m - c0);
      // Both iterates are zero outside the rows the previous group reached.
      for (int i : rows) {
        std::fill_n(xa + static_cast<std::size_t>(i) * W, W, S(0));
        std::fill_n(xb + static_cast<std::size_t>(i) * W, W, S(0));
        reached[i] = 0;
      }
      rows.clear();
      for (int j = 0; j < width; ++j) {
        const int c = order[static_cast<std::size_t>(c0 + j)];
        xa[static_cast<std::size_t>(c) * W + j] = 1;
        reached[c] = 1;
        rows.push_back(c);
      }
      S* x = xa;
      S* y = xb;
      std::size_t frontier = 0;  // rows[frontier..] were reached by the last step
      for (int s = 0; s < t; ++s) {
        // Row i of the next iterate can be nonzero only if a column of row i is reached;
        // A's pattern is symmetric, so these are the neighbours of reached rows
        // (of those reached last, the others' neighbours being in already).
        const std::size_t before = rows.size();
        if (before < static_cast<std::size_t>(m))
          for (std::size_t a = frontier; a < before; ++a)
            for (int p = outer[rows[a]]; p < outer[rows[a] + 1]; ++p)
              if (!reached[inner[p]]) {
                reached[inner[p]] = 1;
                rows.push_back(inner[p]);
              }
        frontier = before;
        product_rows_any<S>(outer, inner, val, rows.data(), rows.size(), x, y);
        std::swap(x, y);
      }
      // Column c of A^t is its row c: written whole, where scattering the columns into
      // every row touched all m rows for each group.
      for (int j = 0; j < width; ++j) {
        S* o = out.row(order[static_cast<std::size_t>(c0 + j)]).data();
        for (int i = 0; i < m; ++i) o[i] = x[static_cast<std::size_t>(i) * W + j];
      }
    }
  }
  return out;
}

}  // namespace dtwin::phate_detail
