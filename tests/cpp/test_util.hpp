#pragma once
// Small helpers shared by the C++ tests: CSV loading, rank correlation, kNN accuracy.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace dtwin_test {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Root mean squared difference of two matrices (any Eigen expressions of the same shape).
template <typename A, typename B>
double rmse(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  return std::sqrt((a - b).array().square().mean());
}

inline RowMat load_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> r;
    while (std::getline(ss, cell, ',')) r.push_back(std::stod(cell));
    rows.push_back(std::move(r));
  }
  RowMat m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  return m;
}

inline std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> o(v.size());
  std::iota(o.begin(), o.end(), 0);
  std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < o.size();) {  // average ranks over ties
    std::size_t j = i;
    while (j + 1 < o.size() && v[o[j + 1]] == v[o[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[o[k]] = 0.5 * (i + j);
    i = j + 1;
  }
  return r;
}

inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

template <typename M>
std::vector<double> pair_distances(const M& Y, const std::vector<Eigen::Index>& rows) {
  std::vector<double> d;
  for (std::size_t j = 1; j < rows.size(); ++j)
    for (std::size_t i = 0; i < j; ++i) d.push_back((Y.row(rows[i]) - Y.row(rows[j])).norm());
  return d;
}

// Spearman correlation of pairwise distances of A and B over at most max_rows random rows.
template <typename MA, typename MB>
double distance_spearman(const MA& A, const MB& B, std::size_t max_rows = 1500, unsigned seed = 0) {
  std::vector<Eigen::Index> rows(static_cast<std::size_t>(A.rows()));
  std::iota(rows.begin(), rows.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(std::min(rows.size(), max_rows));
  return pearson(ranks(pair_distances(A, rows)), ranks(pair_distances(B, rows)));
}

// Leave-one-out accuracy of a k-nearest-neighbour majority vote on the embedding.
template <typename M>
double knn_accuracy(const M& Y, const std::vector<int>& labels, int k = 10) {
  const Eigen::Index n = Y.rows();
  int correct = 0;
  std::vector<std::pair<double, int>> d(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) d[j] = {j == i ? 1e300 : (Y.row(i) - Y.row(j)).squaredNorm(), labels[j]};
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    std::vector<int> votes;
    for (int t = 0; t < k; ++t) votes.push_back(d[t].second);
    std::sort(votes.begin(), votes.end());
    int best = votes[0], bc = 0;
    for (std::size_t a = 0; a < votes.size();) {
      std::size_t b = a;
      while (b < votes.size() && votes[b] == votes[a]) ++b;
      if (static_cast<int>(b - a) > bc) { bc = static_cast<int>(b - a); best = votes[a]; }
      a = b;
    }
    correct += best == labels[i];
  }
  return static_cast<double>(correct) / n;
}

// n x d independent standard normal values.
inline RowMat gaussian(int n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  RowMat X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = g(rng);
  return X;
}

// Gaussian blobs in `dim` dimensions around `centers` random centres.
inline RowMat blobs(int n, int dim, int centers, unsigned seed, std::vector<int>* labels = nullptr) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-10, 10);
  std::normal_distribution<double> g;
  RowMat C(centers, dim);
  for (int c = 0; c < centers; ++c)
    for (int j = 0; j < dim; ++j) C(c, j) = u(rng);
  RowMat X(n, dim);
  if (labels) labels->resize(n);
  for (int i = 0; i < n; ++i) {
    const int c = i % centers;
    if (labels) (*labels)[i] = c;
    for (int j = 0; j < dim; ++j) X(i, j) = C(c, j) + g(rng);
  }
  return X;
}

// Noisy 3-D swiss roll (scikit-learn's recipe).
inline RowMat swiss_roll(int n, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> g;
  RowMat X(n, 3);
  for (int i = 0; i < n; ++i) {
    const double t = 1.5 * M_PI * (1 + 2 * u(rng));
    X(i, 0) = t * std::cos(t) + noise * g(rng);
    X(i, 1) = 21 * u(rng) + noise * g(rng);
    X(i, 2) = t * std::sin(t) + noise * g(rng);
  }
  return X;
}

}  // namespace dtwin_test
