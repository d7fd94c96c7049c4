#pragma once
// Virtual features in the sparse zones of an embedding (step 2 of PHATE + PGAN virtual sample
// generation). The published rule: R = mean nearest-neighbour distance; in each of Q cycles,
// around every embedded sample draw W candidates z + s*u (s ~ U(0, R), u a uniform random unit
// direction) and keep the candidate farthest from every point so far (the originals and the
// features already accepted). Beyond it: a "sparse" target that spends the budget where the
// embedding is thin, regions (a box or a mask of samples) where an engineer wants data, and a
// guard that keeps candidates inside the data's local hull.
//
//   dtwin::SparseGenerationParams p;  p.random_state = 0;
//   auto res = dtwin::SparseGenerator<double>(p).generate(Z);   // res.features: virtual features
#include <Eigen/Dense>
#include <nanoflann.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dtwin/detail/neighbors.hpp"
#include "dtwin/error.hpp"

namespace dtwin {

struct SparseGenerationParams {
  int n_cycles = 1;                    // Q
  int n_candidates = 10;               // W, candidates per virtual feature
  double radius = 0;                   // R; <= 0: the mean nearest-neighbour distance
  // "uniform": s ~ U(0, R), the published rule (denser near the centre);
  // "ball": uniform in the ball of radius R (s = R u^(1/d)).
  std::string radius_law = "uniform";
  // "all": every (eligible) sample is a centre once per cycle (the published rule);
  // "sparse": centres drawn with probability rising with the local kNN radius, and more
  // candidates around the sparser ones.
  std::string target = "all";
  int density_knn = 10;                // neighbours defining the local radius (density)
  double sparse_power = 2.0;           // "sparse": weight = (local radius)^(power)
  // "hull": a candidate must lie within some sample's local radius (a concave hull of the data);
  // "free": candidates may extend past the data by up to R.
  std::string bounds = "hull";
  std::vector<double> box_lo, box_hi;  // region in embedding space; empty: none
  std::vector<std::uint8_t> mask;      // samples allowed as centres; empty: all
  std::optional<std::uint64_t> random_state;

  void validate(Eigen::Index dim) const {
    auto bad = [](const std::string& m) { throw InvalidArgument("SparseGenerator: " + m); };
    if (n_cycles < 1) bad("n_cycles (Q) must be >= 1, got " + std::to_string(n_cycles));
    if (n_candidates < 1) bad("n_candidates (W) must be >= 1, got " + std::to_string(n_candidates));
    if (!std::isfinite(radius)) bad("radius must be finite (<= 0 for the mean nearest-neighbour distance)");
    if (radius_law != "uniform" && radius_law != "ball") bad("radius_law must be \"uniform\" or \"ball\", got \"" + radius_law + "\"");
    if (target != "all" && target != "sparse") bad("target must be \"all\" or \"sparse\", got \"" + target + "\"");
    if (bounds != "hull" && bounds != "free") bad("bounds must be \"hull\" or \"free\", got \"" + bounds + "\"");
    if (density_knn < 1) bad("density_knn must be >= 1");
    if (!(sparse_power >= 0) || !std::isfinite(sparse_power)) bad("sparse_power must be >= 0");
    if (box_lo.size() != box_hi.size()) bad("box_lo and box_hi must have the same length");
    if (!box_lo.empty()) {
      if (static_cast<Eigen::Index>(box_lo.size()) != dim)
        bad("the box has " + std::to_string(box_lo.size()) + " dimensions but the embedding has " + std::to_string(dim));
      for (std::size_t k = 0; k < box_lo.size(); ++k)
        if (!(box_lo[k] <= box_hi[k])) bad("box_lo must be <= box_hi in every dimension (dimension " + std::to_string(k) + ")");
    }
  }
};

template <typename Scalar>
class SparseGenerator {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  struct Result {
    Matrix features;           // n_virtual x dim
    std::vector<int> centres;  // the sample each virtual feature was drawn around
    double radius = 0;         // R used
    std::size_t rejected = 0;  // virtual features not placed: every candidate fell outside the hull or box
  };

  explicit SparseGenerator(SparseGenerationParams p = {}) : params_(std::move(p)) {}
  const SparseGenerationParams& params() const { return params_; }

  Result generate(const Eigen::Ref<const Matrix>& Z) const;

  // Mean distance of each sample to its nearest other sample: the published default R.
  static double mean_nn_distance(const Eigen::Ref<const Matrix>& Z) {
    Matrix Zc = Z;
    detail::NeighborIndex<Scalar> index(Zc.data(), static_cast<std::size_t>(Zc.rows()), static_cast<std::size_t>(Zc.cols()));
    std::vector<int> idx;
    std::vector<Scalar> dist;
    index.knn(Zc.data(), static_cast<std::size_t>(Zc.rows()), 2, idx, dist);
    double s = 0;
    for (Eigen::Index i = 0; i < Zc.rows(); ++i) s += dist[i * 2 + 1];
    return s / static_cast<double>(Zc.rows());
  }

 private:
  // Points stored flat and growing; nanoflann reads them through this adaptor.
  struct Cloud {
    std::vector<Scalar> pts;
    std::size_t d;
    std::size_t kdtree_get_point_count() const { return pts.size() / d; }
    Scalar kdtree_get_pt(std::size_t i, std::size_t k) const { return pts[i * d + k]; }
    template <class B>
    bool kdtree_get_bbox(B&) const { return false; }
  };
  // Nearest point closer than an initial bound: the search prunes everything beyond the bound,
  // which is what makes the farthest-candidate rule cheap (a candidate only matters when it can
  // beat the best gap so far, and no gap exceeds the distance to the nearest original).
  // Finding any point within `floor2` settles that the candidate cannot win, so the search
  // then collapses its bound to zero and ends.
  template <typename Index>
  struct BoundedNearest {
    using DistanceType = Scalar;
    using IndexType = Index;
    Scalar bound2;
    Scalar floor2 = -1;
    Index index = 0;
    bool found = false;
    bool beaten = false;
    std::size_t size() const { return found ? 1 : 0; }
    bool full() const { return true; }
    bool addPoint(Scalar d2, Index i) {
      if (d2 < bound2) {
        bound2 = d2;
        index = i;
        found = true;
        if (d2 <= floor2) { beaten = true; bound2 = 0; }
      }
      return true;
    }
    Scalar worstDist() const { return bound2; }
  };
  using StaticTree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<Scalar, detail::RowMajorPoints<Scalar>>,
                                                         detail::RowMajorPoints<Scalar>, -1, std::size_t>;
  using DynTree = nanoflann::KDTreeSingleIndexDynamicAdaptor<nanoflann::L2_Simple_Adaptor<Scalar, Cloud>, Cloud, -1,
                                                             std::uint32_t>;

  SparseGenerationParams params_;
};

template <typename Scalar>
typename SparseGenerator<Scalar>::Result SparseGenerator<Scalar>::generate(const Eigen::Ref<const Matrix>& Zin) const {
  const SparseGenerationParams& p = params_;
  const Eigen::Index n = Zin.rows(), d = Zin.cols();
  if (n < 2 || d < 1)
    throw InvalidArgument("SparseGenerator: need at least 2 embedded samples with >= 1 dimension, got " +
                          std::to_string(n) + " x " + std::to_string(d));
  if (!Zin.allFinite()) throw InvalidArgument("SparseGenerator: the embedding contains NaN or inf");
  p.validate(d);
  if (!p.mask.empty() && static_cast<Eigen::Index>(p.mask.size()) != n)
    throw InvalidArgument("SparseGenerator: mask has " + std::to_string(p.mask.size()) + " entries for " +
                          std::to_string(n) + " samples");
  const Matrix Z = Zin;
  std::mt19937_64 rng(p.random_state ? *p.random_state : std::random_device{}());

  // Local radius of every sample (distance to its density_knn-th neighbour) and R.
  detail::NeighborIndex<Scalar> index(Z.data(), static_cast<std::size_t>(n), static_cast<std::size_t>(d));
  const std::size_t kd = std::min<std::size_t>(static_cast<std::size_t>(p.density_knn) + 1, static_cast<std::size_t>(n));
  std::vector<int> nidx;
  std::vector<Scalar> ndist;
  index.knn(Z.data(), static_cast<std::size_t>(n), kd, nidx, ndist);
  std::vector<double> local(static_cast<std::size_t>(n));
  double mean_nn = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    local[i] = ndist[i * kd + kd - 1];
    mean_nn += ndist[i * kd + 1];
  }
  mean_nn /= static_cast<double>(n);
  Result res;
  res.radius = p.radius > 0 ? p.radius : mean_nn;
  if (!(res.radius > 0))
    throw InvalidArgument("SparseGenerator: all embedded samples coincide (mean nearest-neighbour distance 0); pass radius");
  const double R = res.radius;

  auto in_box = [&](const Scalar* z) {
    for (std::size_t k = 0; k < p.box_lo.size(); ++k)
      if (z[k] < p.box_lo[k] || z[k] > p.box_hi[k]) return false;
    return true;
  };

  // Eligible centres: the mask, and inside the box when one is given.
  std::vector<int> eligible;
  for (Eigen::Index i = 0; i < n; ++i)
    if ((p.mask.empty() || p.mask[i]) && in_box(Z.data() + i * d)) eligible.push_back(static_cast<int>(i));
  if (eligible.empty())
    throw InvalidArgument("SparseGenerator: no embedded sample lies in the requested region (mask/box); widen it");

  // Centres of one cycle and their candidate counts.
  std::vector<int> centres;
  std::vector<int> n_cand;
  if (p.target == "all") {
    centres = eligible;
    n_cand.assign(centres.size(), p.n_candidates);
  } else {
    std::vector<double> w(eligible.size());
    std::vector<double> r(eligible.size());
    for (std::size_t e = 0; e < eligible.size(); ++e) r[e] = local[eligible[e]];
    std::vector<double> sorted = r;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    const double med = std::max(sorted[sorted.size() / 2], 1e-300);
    for (std::size_t e = 0; e < eligible.size(); ++e) w[e] = std::pow(r[e] / med, p.sparse_power);
    // Systematic resampling: as many centres as eligible samples, drawn in proportion to w.
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    const std::size_t m = eligible.size();
    const double step = total / static_cast<double>(m);
    double u = std::uniform_real_distribution<double>(0, step)(rng), acc = 0;
    for (std::size_t e = 0; e < m; ++e) {
      acc += w[e];
      while (u < acc && centres.size() < m) {
        centres.push_back(eligible[e]);
        n_cand.push_back(std::clamp(static_cast<int>(std::lround(p.n_candidates * r[e] / med)), 1, 4 * p.n_candidates));
        u += step;
      }
    }
  }

  // Visit centres along a Z-order curve: consecutive candidates then touch the same tree
  // nodes (20-25% faster at 100,000 points here). The rule does not fix
  // the order of the samples, and the order is still a pure function of the data.
  {
    Eigen::Matrix<Scalar, 1, Eigen::Dynamic> lo = Z.colwise().minCoeff(), hi = Z.colwise().maxCoeff();
    const int dims = static_cast<int>(std::min<Eigen::Index>(d, 6));
    const int bits = 60 / dims;
    auto code = [&](int i) {
      std::uint64_t c = 0;
      for (int b = bits - 1; b >= 0; --b)
        for (int k = 0; k < dims; ++k) {
          const double span = std::max(double(hi[k] - lo[k]), 1e-300);
          const auto q = static_cast<std::uint64_t>(std::min(0.999999, (Z(i, k) - lo[k]) / span) * double(1ULL << bits));
          c = (c << 1) | ((q >> b) & 1ULL);
        }
      return c;
    };
    std::vector<std::pair<std::uint64_t, std::size_t>> order(centres.size());
    for (std::size_t c = 0; c < centres.size(); ++c) order[c] = {code(centres[c]), c};
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<int> cs(centres.size()), ws(centres.size());
    for (std::size_t c = 0; c < order.size(); ++c) {
      cs[c] = centres[order[c].second];
      ws[c] = n_cand[order[c].second];
    }
    centres.swap(cs);
    n_cand.swap(ws);
  }

  // Originals in a static tree, accepted features in a growing one.
  Cloud virt{{}, static_cast<std::size_t>(d)};
  const std::size_t total_virtual = centres.size() * static_cast<std::size_t>(p.n_cycles);
  virt.pts.reserve(total_virtual * static_cast<std::size_t>(d));
  DynTree vtree(static_cast<int>(d), virt, nanoflann::KDTreeSingleIndexAdaptorParams(16),
                std::max<std::size_t>(total_virtual, 2));

  std::normal_distribution<double> gauss;
  std::uniform_real_distribution<double> unif(0, 1);
  std::vector<Scalar> cand(static_cast<std::size_t>(d)), best(static_cast<std::size_t>(d));
  const detail::RowMajorPoints<Scalar> opts{Z.data(), static_cast<std::size_t>(n), static_cast<std::size_t>(d)};
  StaticTree otree(static_cast<int>(d), opts, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  const bool hull = p.bounds == "hull";
  const nanoflann::SearchParams sp;
  res.centres.reserve(total_virtual);

  for (int cycle = 0; cycle < p.n_cycles; ++cycle) {
    for (std::size_t c = 0; c < centres.size(); ++c) {
      const Scalar* z = Z.data() + static_cast<Eigen::Index>(centres[c]) * d;
      double best_gap = -1;
      for (int w = 0; w < n_cand[c]; ++w) {
        double norm = 0;
        for (Eigen::Index k = 0; k < d; ++k) {
          const double g = gauss(rng);
          cand[k] = static_cast<Scalar>(g);
          norm += g * g;
        }
        norm = std::sqrt(norm);
        const double s = p.radius_law == "uniform" ? R * unif(rng) : R * std::pow(unif(rng), 1.0 / static_cast<double>(d));
        for (Eigen::Index k = 0; k < d; ++k) cand[k] = static_cast<Scalar>(z[k] + s * cand[k] / norm);
        if (!in_box(cand.data())) continue;
        // Nearest original: the centre is an original, so it lies within |cand - centre|.
        double dc2 = 0;
        for (Eigen::Index k = 0; k < d; ++k) dc2 += double(cand[k] - z[k]) * double(cand[k] - z[k]);
        const Scalar floor2 = best_gap < 0 ? Scalar(-1) : static_cast<Scalar>(best_gap * best_gap);
        BoundedNearest<std::size_t> on{static_cast<Scalar>(dc2 * (1 + 1e-9) + 1e-30), floor2};
        otree.findNeighbors(on, cand.data(), sp);
        if (on.beaten) continue;  // an original lies closer than the best gap so far
        const std::size_t nearest = on.found ? on.index : static_cast<std::size_t>(centres[c]);
        const double d0 = std::sqrt(on.found ? static_cast<double>(on.bound2) : dc2);
        // The hull: within the local radius of the nearest sample.
        if (hull && d0 > local[nearest]) continue;
        if (d0 <= best_gap) continue;
        double gap = d0;
        if (!virt.pts.empty()) {
          BoundedNearest<std::uint32_t> vn{static_cast<Scalar>(d0 * d0), floor2};
          vtree.findNeighbors(vn, cand.data(), sp);
          if (vn.beaten) continue;
          if (vn.found) gap = std::sqrt(static_cast<double>(vn.bound2));
        }
        if (gap > best_gap) {
          best_gap = gap;
          best = cand;
        }
      }
      if (best_gap < 0) {
        ++res.rejected;
        continue;
      }
      const std::uint32_t id = static_cast<std::uint32_t>(virt.pts.size() / d);
      virt.pts.insert(virt.pts.end(), best.begin(), best.end());
      vtree.addPoints(id, id);
      res.centres.push_back(centres[c]);
    }
  }
  res.features = Eigen::Map<const Matrix>(virt.pts.data(), static_cast<Eigen::Index>(virt.pts.size() / d), d);
  return res;
}

}  // namespace dtwin
