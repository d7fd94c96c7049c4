#pragma once
// Automatic choice of the diffusion time t: the knee of the Von Neumann entropy of the
// diffusion operator's powers, computed the way the official PHATE does (phate.vne).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace dtwin::phate_detail {

// Entropy of the normalised spectrum of P^t for t = 1..t_max (entry t-1). `spectrum` holds the
// magnitudes of the operator's eigenvalues (official PHATE uses singular values; for the
// reversible random walk PHATE builds these coincide when the degrees are equal, and the knee
// lands in the same place in the reference tests).
inline std::vector<double> von_neumann_entropy(const std::vector<double>& spectrum, int t_max) {
  std::vector<double> h;
  h.reserve(static_cast<std::size_t>(std::max(t_max, 0)));
  std::vector<double> s(spectrum.begin(), spectrum.end());
  for (double& v : s) v = std::abs(v);
  std::vector<double> st = s;
  const double eps = std::numeric_limits<double>::epsilon();
  for (int t = 0; t < t_max; ++t) {
    double total = 0;
    for (double v : st) total += v;
    double e = 0;
    for (double v : st) {
      const double p = (total > 0 ? v / total : 0.0) + eps;
      e -= p * std::log(p);
    }
    h.push_back(e);
    for (std::size_t i = 0; i < st.size(); ++i) st[i] *= s[i];
  }
  return h;
}

// Knee of y over x = 0..n-1: the break point minimising the summed absolute error of two
// least-squares lines, one through the points left of it and one through those right of it
// (phate.vne.find_knee, including its quirk that the right line is fitted from the point
// before the break). Returns the x of the knee; PHATE uses it directly as t.
inline int find_knee(const std::vector<double>& y) {
  const int n = static_cast<int>(y.size());
  if (n < 3) return std::max(n - 1, 1);
  auto fit = [&](int lo, int hi, double& m, double& b) {  // points lo..hi inclusive
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double cnt = hi - lo + 1;
    for (int i = lo; i <= hi; ++i) {
      sx += i; sy += y[i]; sxx += double(i) * i; sxy += i * y[i];
    }
    const double det = cnt * sxx - sx * sx;
    m = (cnt * sxy - sx * sy) / det;
    b = -(sx * sxy - sxx * sy) / det;
  };
  double best = std::numeric_limits<double>::infinity();
  int loc = 1;
  for (int bp = 1; bp <= n - 2; ++bp) {
    double mf, bf, mb, bb;
    fit(0, bp, mf, bf);
    fit(bp - 1, n - 1, mb, bb);
    double err = 0;
    for (int i = 0; i <= bp; ++i) err += std::abs(mf * i + bf - y[i]);
    for (int i = bp; i < n; ++i) err += std::abs(mb * i + bb - y[i]);
    if (err < best) { best = err; loc = bp; }
  }
  return loc;
}

}  // namespace dtwin::phate_detail
