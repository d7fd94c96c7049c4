#pragma once
// PHATE (Moon et al., Nature Biotechnology 2019): a low-dimensional embedding that keeps the
// local and the global structure of data, through potential distances between the rows of a
// powered diffusion operator. Header-only (Eigen + nanoflann, LAPACK through dtwin::headers),
// for float and double, with the parameter names and defaults of the official Python package.
//
//   dtwin::Phate<double> phate({.knn = 5, .random_state = 0});
//   auto Y = phate.fit_transform(X);          // X: samples x features, row-major
//   auto Ynew = phate.transform(Xnew);         // samples never seen, placed by their affinities
#include <Eigen/Dense>
#include <Eigen/Sparse>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dtwin/detail/heap.hpp"
#include "dtwin/detail/linalg.hpp"
#include "dtwin/detail/neighbors.hpp"
#include "dtwin/detail/threads.hpp"
#include "dtwin/error.hpp"
#include "dtwin/phate/diffusion.hpp"
#include "dtwin/phate/entropy.hpp"
#include "dtwin/phate/kernel.hpp"
#include "dtwin/phate/landmarks.hpp"
#include "dtwin/phate/mds.hpp"
#include "dtwin/phate/potential.hpp"

namespace dtwin {

struct PhateParams {
  int n_components = 2;
  int knn = 5;                        // neighbours defining each sample's bandwidth
  double decay = 40;                  // alpha of the kernel; <= 0 means PHATE's decay=None (plain kNN graph)
  int n_landmark = 2000;              // landmarks when there are more samples; <= 0: never (PHATE's None)
  int t = -1;                         // diffusion time; -1 is PHATE's t="auto" (knee of the entropy curve)
  double gamma = 1;                   // 1: log potential; -1: raw powered operator; between: power transform
  int n_pca = 100;                    // PCA to this many dimensions first when the data is wider; <= 0: never
  std::string mds = "metric";         // "metric" or "classic"
  // "smacof" (default) or "sgd". Official PHATE defaults to SGD; SMACOF agreed better with its
  // reference embeddings here (docs/phate.md) and was as fast at the landmark count.
  std::string mds_solver = "smacof";
  std::string knn_dist = "euclidean";
  std::optional<std::uint64_t> random_state;  // none: a fresh seed each fit
  int n_jobs = 1;                     // threads of the neighbour search and kernel; -1: all cores
  int t_max = 100;                    // longest diffusion time tried by t="auto"
  double thresh = 1e-4;               // affinities below this are dropped (graphtools' thresh)
  int n_svd = 100;                    // singular vectors used to cluster landmarks
  // Neighbour search of fit: "exact", "nndescent" (approximate, near n log n) or "auto": exact
  // up to knn_exact_max samples or up to knn_exact_max_dim features (after PCA), NN-descent
  // beyond both. Exact search grows faster than n in many dimensions: 1,000,000 noisy 20-tag
  // rows took over 12 minutes exactly, 45 s by NN-descent; 20,000 rows of the 100-D tree 2.75 s
  // against 0.31 s, with the same embedding quality. In 3 to 10 dimensions the kd-tree stays
  // faster (docs/phate.md).
  std::string knn_method = "auto";
  static constexpr Eigen::Index knn_exact_max = 10000;
  static constexpr Eigen::Index knn_exact_max_dim = 10;

  void validate() const {
    auto bad = [](const std::string& m) { throw InvalidArgument("Phate: " + m); };
    if (n_components < 1) bad("n_components must be >= 1, got " + std::to_string(n_components));
    if (n_components > 8) bad("n_components must be <= 8, got " + std::to_string(n_components));
    if (knn < 1) bad("knn must be >= 1, got " + std::to_string(knn));
    if (!std::isfinite(decay)) bad("decay must be finite (use 0 or None for a plain kNN graph)");
    if (t != -1 && t < 1) bad("t must be a positive integer or \"auto\", got " + std::to_string(t));
    if (!std::isfinite(gamma) || gamma < -1 || gamma > 1) bad("gamma must lie in [-1, 1], got " + std::to_string(gamma));
    if (mds != "metric" && mds != "classic")
      bad("mds must be \"metric\" or \"classic\" (non-metric MDS is not supported), got \"" + mds + "\"");
    if (mds_solver != "sgd" && mds_solver != "smacof")
      bad("mds_solver must be \"sgd\" or \"smacof\", got \"" + mds_solver + "\"");
    if (knn_dist != "euclidean") bad("knn_dist must be \"euclidean\" (the only metric supported), got \"" + knn_dist + "\"");
    if (n_jobs == 0 || n_jobs < -1) bad("n_jobs must be a positive number of threads or -1 for all cores");
    if (t_max < 3) bad("t_max must be >= 3, got " + std::to_string(t_max));
    if (!(thresh > 0 && thresh < 1)) bad("thresh must lie in (0, 1)");
    if (n_svd < 1) bad("n_svd must be >= 1");
    if (knn_method != "auto" && knn_method != "exact" && knn_method != "nndescent")
      bad("knn_method must be \"auto\", \"exact\" or \"nndescent\", got \"" + knn_method + "\"");
  }
};

template <typename Scalar>
class Phate {
 public:
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>, "Phate<float> or Phate<double>");
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  // Called after each stage with its name and the seconds it took.
  using Progress = std::function<void(const std::string& stage, double seconds)>;

  // Everything fit() learns: enough to transform new samples and to save and reload a model.
  struct State {
    PhateParams params;
    Eigen::Index n_features_in = 0;
    Vector pca_mean;        // empty when no PCA was applied
    Matrix pca_components;  // n_features_in x n_pca, empty when no PCA was applied
    Matrix data;            // fitted samples after PCA: the points new samples are compared with
    Matrix embedding;       // n_samples x n_components
    std::vector<int> clusters;   // landmark of each sample; empty without landmarks
    Matrix landmark_embedding;   // n_landmarks x n_components; empty without landmarks
    int optimal_t = 0;           // t used (chosen or given)
    std::vector<double> entropy; // Von Neumann entropy for t = 1..t_max (empty when t was given)
    Matrix diff_potential;       // potential of the operator (landmarks or samples); may be empty after load
    std::uint64_t seed = 0;      // the seed actually used
  };

  explicit Phate(PhateParams params = {}) : params_(std::move(params)) { params_.validate(); }

  // Rebuilds a fitted model from a saved state; checks the shapes agree.
  static Phate from_state(State s) {
    s.params.validate();
    const auto n = s.data.rows();
    auto bad = [](const std::string& m) { throw InvalidArgument("Phate state: " + m); };
    if (n < 2) bad("needs at least 2 fitted samples");
    if (s.embedding.rows() != n || s.embedding.cols() != s.params.n_components)
      bad("embedding must be n_samples x n_components");
    if (s.pca_components.size() > 0) {
      if (s.pca_components.rows() != s.n_features_in || s.pca_components.cols() != s.data.cols() ||
          s.pca_mean.size() != s.n_features_in)
        bad("PCA mean/components do not match n_features_in and the data width");
    } else if (s.data.cols() != s.n_features_in) {
      bad("data width must equal n_features_in when no PCA is stored");
    }
    if (!s.clusters.empty() && static_cast<Eigen::Index>(s.clusters.size()) != n)
      bad("clusters must have one entry per fitted sample");
    Phate p(s.params);
    p.install(std::make_shared<State>(std::move(s)));
    return p;
  }

  const PhateParams& params() const { return params_; }
  void set_params(PhateParams p) { p.validate(); params_ = std::move(p); }
  void set_progress(Progress cb) { progress_ = std::move(cb); }

  Phate& fit(const Eigen::Ref<const Matrix>& X);
  Matrix transform(const Eigen::Ref<const Matrix>& X) const;
  Matrix fit_transform(const Eigen::Ref<const Matrix>& X) {
    fit(X);
    return fitted_->embedding;
  }

  bool is_fitted() const { return static_cast<bool>(fitted_); }
  const State& state() const { return require_fitted(); }
  // The fitted state, shared: it never changes (a new fit installs a new one), so a holder may
  // keep reading it after this object refits or is destroyed (the Python binding's views).
  std::shared_ptr<const State> shared_state() const {
    require_fitted();
    return fitted_;
  }
  const Matrix& embedding() const { return require_fitted().embedding; }
  const Matrix& diff_potential() const { return require_fitted().diff_potential; }
  int optimal_t() const { return require_fitted().optimal_t; }
  const std::vector<double>& entropy() const { return require_fitted().entropy; }
  const std::vector<int>& clusters() const { return require_fitted().clusters; }

 private:
  using SpMat = phate_detail::SpMat<Scalar>;
  using Mat = detail::Mat<Scalar>;
  using Vec = detail::Vec<Scalar>;

  const State& require_fitted() const {
    if (!fitted_) throw RuntimeError("Phate: not fitted yet; call fit(X) first");
    return *fitted_;
  }

  static std::shared_ptr<const detail::NeighborIndex<Scalar>> make_index(const State& s) {
    return std::make_shared<detail::NeighborIndex<Scalar>>(s.data.data(), static_cast<std::size_t>(s.data.rows()),
                                                           static_cast<std::size_t>(s.data.cols()));
  }
  void install(std::shared_ptr<State> s) {
    index_ = make_index(*s);
    fitted_ = std::move(s);
  }

  static void check_finite(const Eigen::Ref<const Matrix>& X, const char* what) {
    if (X.allFinite()) return;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      for (Eigen::Index j = 0; j < X.cols(); ++j)
        if (!std::isfinite(X(i, j)))
          throw InvalidArgument(std::string("Phate: ") + what + " contains NaN or inf (first at row " +
                                std::to_string(i) + ", column " + std::to_string(j) +
                                "); remove or impute those values first");
  }

  Matrix project(const State& s, const Eigen::Ref<const Matrix>& X) const {
    if (s.pca_components.size() == 0) return X;
    Matrix Xc = X.rowwise() - s.pca_mean.transpose();
    return Xc * s.pca_components;
  }

  struct Timer {
    const Progress& cb;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    void lap(const char* stage) {
      auto t1 = std::chrono::steady_clock::now();
      if (cb) cb(stage, std::chrono::duration<double>(t1 - t0).count());
      t0 = t1;
    }
  };

  PhateParams params_;
  Progress progress_;
  std::shared_ptr<const State> fitted_;
  std::shared_ptr<const detail::NeighborIndex<Scalar>> index_;
};

// ---------------------------------------------------------------------------------------------

template <typename Scalar>
Phate<Scalar>& Phate<Scalar>::fit(const Eigen::Ref<const Matrix>& X) {
  const PhateParams& p = params_;
  const Eigen::Index n = X.rows(), dim = X.cols();
  if (n == 0 || dim == 0)
    throw InvalidArgument("Phate: X is empty (" + std::to_string(n) + " x " + std::to_string(dim) +
                          "); pass a samples x features array");
  if (n < p.knn + 1)
    throw InvalidArgument("Phate: " + std::to_string(n) + " samples are fewer than knn + 1 = " +
                          std::to_string(p.knn + 1) + "; lower knn or pass more samples");
  check_finite(X, "X");
  if (((X.rowwise() - X.row(0)).array().abs() == 0).all())
    throw InvalidArgument("Phate: all samples are identical (constant data); there is no structure to embed");
  const bool use_landmarks = p.n_landmark > 0 && n > p.n_landmark;
  if (!use_landmarks && n > 20000)
    throw InvalidArgument("Phate: " + std::to_string(n) +
                          " samples without landmarks need a dense n x n operator (" +
                          std::to_string(n * n * 8 / (1 << 20)) + " MB per copy); set n_landmark (e.g. 2000)");

  detail::ScopedThreads scoped_threads(params_.n_jobs);
  // Large temporaries reuse the heap and fault in by huge pages (detail/heap.hpp). About what
  // they take at once: the copies of the data around PCA, the landmark stage's tall blocks,
  // the dense operator's powers, potential and distances.
  const double m_dense = static_cast<double>(use_landmarks ? p.n_landmark : n);
  const double expected = sizeof(Scalar) * (2.0 * n * dim + 6.0 * m_dense * m_dense +
                                            (use_landmarks ? 8.0 * n * (p.n_svd + 10) : 0.0)) + (64 << 20);
  detail::ScopedHeapReuse heap_reuse(static_cast<std::size_t>(std::min(expected, 1e9)));

  auto s = std::make_shared<State>();
  s->params = p;
  s->n_features_in = dim;
  s->seed = p.random_state ? *p.random_state : std::random_device{}();
  const std::uint64_t seed = s->seed;
  Timer timer{progress_};

  // PCA when the data is wider than n_pca, as graphtools does (centred, top right singular vectors).
  if (p.n_pca > 0 && p.n_pca < std::min(n, dim)) {
    s->pca_mean = X.colwise().mean().transpose();
    Mat Xc = (X.rowwise() - s->pca_mean.transpose());
    Mat V;
    Vec vals;
    if (dim <= 2000) {
      Mat C;
      detail::gemm<Scalar>(Xc, true, Xc, false, C);
      detail::symmetric_eigen<Scalar>(C, vals, true);
      V = C.rightCols(p.n_pca).rowwise().reverse();
    } else {
      auto apply = [&](const Mat& Z) -> Mat {
        Mat T, R;
        detail::gemm<Scalar>(Xc, false, Z, false, T);
        detail::gemm<Scalar>(Xc, true, T, false, R);
        return R;
      };
      detail::randomized_symmetric_eigs<Scalar>(dim, p.n_pca, 10, 4, seed + 7, apply, V, vals);
    }
    s->pca_components = V;
    s->data = Xc * V;
  } else {
    s->data = X;
  }
  timer.lap("pca");

  // The model is replaced only when fit succeeds: a failure leaves the previous one intact.
  auto index = make_index(*s);
  const bool approximate =
      p.knn_method == "nndescent" || (p.knn_method == "auto" && n > PhateParams::knn_exact_max &&
                                      s->data.cols() > PhateParams::knn_exact_max_dim);
  // NN-descent numbers graph edges with int.
  if (approximate && static_cast<double>(n) * (2 * p.knn + 6) >= 2147483647.0)
    throw InvalidArgument("Phate: " + std::to_string(n) + " samples are too many for knn_method=\"nndescent\" with knn=" +
                          std::to_string(p.knn) + "; subsample the rows");
  const auto kb = static_cast<std::size_t>(p.knn) + 1;
  SpMat K = phate_detail::symmetric_kernel(
      approximate ? phate_detail::self_affinity_rows_approximate<Scalar>(s->data.data(), static_cast<std::size_t>(n),
                                                                         static_cast<std::size_t>(s->data.cols()), kb,
                                                                         p.decay, p.thresh, seed + 19)
                  : phate_detail::affinity_rows<Scalar>(*index, s->data.data(), static_cast<std::size_t>(n), kb,
                                                        p.decay, p.thresh));
  Vec degree(n);
  for (Eigen::Index i = 0; i < n; ++i) degree[i] = K.row(i).sum();
  timer.lap("kernel");

  // The operator as a reversible random walk P = W^-1 B with B symmetric: on the samples
  // (B = K) or on the landmarks (B = (KC)^T D^-1 (KC), which is graphtools' pmn @ pnm).
  SpMat B;            // on the landmarks; without them B is K itself
  SpMat transitions;  // samples -> landmarks
  if (use_landmarks) {
    s->clusters = phate_detail::spectral_landmarks<Scalar>(K, degree, p.n_landmark, std::min(p.n_svd, p.n_landmark),
                                                           seed + 11);
    const int L = 1 + *std::max_element(s->clusters.begin(), s->clusters.end());
    std::vector<Eigen::Triplet<Scalar, int>> trip;
    trip.reserve(static_cast<std::size_t>(K.nonZeros()));
    for (Eigen::Index i = 0; i < n; ++i)
      for (typename SpMat::InnerIterator it(K, i); it; ++it)
        trip.emplace_back(static_cast<int>(i), s->clusters[it.col()], it.value());
    SpMat KC(n, L);
    KC.setFromTriplets(trip.begin(), trip.end());
    SpMat KCw = degree.cwiseInverse().asDiagonal() * KC;
    SpMat Bs = SpMat(KC.transpose()) * KCw;
    B = (SpMat(Bs.transpose()) + Bs) * Scalar(0.5);
    transitions = phate_detail::row_normalized<Scalar>(KC);
    timer.lap("landmarks");
  }
  // Two routes to P^t (diffusion.hpp, PowerRoute): sparse products (and squarings), or the
  // eigen-decomposition of the symmetric conjugate A = W^-1/2 B W^-1/2.
  const SpMat& Bsym = use_landmarks ? B : K;
  const Eigen::Index m = Bsym.rows();
  std::vector<int> component;
  const int components = phate_detail::connected_components(Bsym, component);
  const double step_work = phate_detail::product_step_work(Bsym, component, components);
  Vec w(m);
  for (Eigen::Index i = 0; i < m; ++i) w[i] = Bsym.row(i).sum();
  Vec wm12 = w.array().rsqrt();
  const SpMat A = wm12.asDiagonal() * Bsym * wm12.asDiagonal();
  Mat U;
  Vec lambda;
  // For t="auto" the eigenvalues first: one component at a time where the graph falls apart,
  // else through a reduction kept for the eigenvectors, should P^t want them.
  std::optional<detail::SymmetricEigen<Scalar>> eig;
  if (p.t == -1) {
    if (components > 1) {
      lambda = phate_detail::symmetric_eigenvalues<Scalar>(A, component, components);
    } else {
      eig.emplace(Mat(A));
      lambda = eig->values();
    }
  }
  timer.lap("eigen");

  if (p.t == -1) {
    std::vector<double> spec(static_cast<std::size_t>(m));
    for (Eigen::Index i = 0; i < m; ++i) spec[i] = std::abs(static_cast<double>(lambda[i]));
    s->entropy = phate_detail::von_neumann_entropy(spec, p.t_max);
    s->optimal_t = phate_detail::find_knee(s->entropy);
  } else {
    s->optimal_t = p.t;
  }
  const int t = s->optimal_t;
  timer.lap("optimal_t");

  const bool by_products = phate_detail::PowerRoute::products(step_work, t, p.t == -1);
  if (!by_products) {
    if (eig) {
      U = eig->vectors(lambda);
    } else {
      U = Mat(A);
      detail::symmetric_eigen<Scalar>(U, lambda, true);
    }
    timer.lap("eigen");
  }
  eig.reset();
  // The potential of P^t (row-major, as the fitted state keeps it); `to` may be P itself.
  auto potential = [&](const auto& P, Matrix& to) {
    if (p.gamma == 1) {
      phate_detail::log_potential<Scalar>(P, to);
    } else if (p.gamma == -1) {
      to = P;
    } else {
      const Scalar c = static_cast<Scalar>((1 - p.gamma) / 2);
      to = P.array().max(Scalar(0)).pow(c) / c;
    }
  };
  const Vec wp12 = w.array().sqrt();
  Matrix pot;
  if (by_products) {
    // A^t as (A^s)^(2^k), t = s 2^k, then P^t = W^-1/2 A^t W^1/2.
    const int k = phate_detail::PowerRoute::squarings(step_work, t);
    pot = phate_detail::dense_power<Scalar>(A, t >> k);
    for (int q = 0; q < k; ++q) phate_detail::square_symmetric<Scalar>(pot);
    for (Eigen::Index i = 0; i < m; ++i) pot.row(i).array() *= wm12[i] * wp12.transpose().array();
    potential(pot, pot);
  } else {
    // P^t = W^-1/2 U diag(lambda^t) U^T W^1/2, keeping the eigenvalues whose power still
    // matters at the 1e-7 offset of the log potential. The symmetric middle is G G^T - N N^T,
    // with G and N the kept eigenvectors scaled by |lambda|^(t/2) (N those whose lambda^t is
    // negative: odd t): rank-k updates, half the arithmetic of a general product.
    std::vector<Eigen::Index> pos, neg;
    for (Eigen::Index i = 0; i < m; ++i) {
      const double l = static_cast<double>(lambda[i]);
      if (std::pow(std::abs(l), t) > 1e-12) (l < 0 && t % 2 == 1 ? neg : pos).push_back(i);
    }
    auto scaled = [&](const std::vector<Eigen::Index>& cols) {
      Mat M(m, static_cast<Eigen::Index>(cols.size()));
      for (std::size_t c = 0; c < cols.size(); ++c)
        M.col(static_cast<Eigen::Index>(c)) =
            U.col(cols[c]) * static_cast<Scalar>(std::pow(std::abs(static_cast<double>(lambda[cols[c]])), 0.5 * t));
      return M;
    };
    // (P^t)^T in column-major storage is P^t row by row: read as the row-major P^t, with no
    // transposing copy of m^2.
    Mat PtT;
    {
      const Mat G = scaled(pos), N = scaled(neg);
      U.resize(0, 0);
      detail::gram<Scalar>(G, false, PtT);
      if (!neg.empty()) detail::gram<Scalar>(N, false, PtT, Scalar(-1), true);
    }
    PtT = wp12.asDiagonal() * PtT * wm12.asDiagonal();
    potential(Eigen::Map<const Matrix>(PtT.data(), m, m), pot);
  }
  B = SpMat();
  timer.lap("potential");

  // Euclidean distances between potential rows, from their Gram matrix (pot as column-major
  // storage is pot^T, whose columns are the rows).
  const Vec sq = pot.rowwise().squaredNorm();
  Mat D;
  detail::gram<Scalar>(Eigen::Map<const Mat>(pot.data(), m, m), true, D);
  // sq_i + sq_j is commutative, so D comes out exactly symmetric (smacof_mds relies on it).
  for (Eigen::Index j = 0; j < m; ++j)
    D.col(j) = ((sq.array() + sq[j]) - Scalar(2) * D.col(j).array()).max(Scalar(0)).sqrt().matrix();
  D.diagonal().setZero();
  s->diff_potential = std::move(pot);
  timer.lap("potential_distances");

  // As the start of metric MDS, three power iterations do: SMACOF took as many iterations to
  // the same stress on the reference sets as from six (docs/phate.md).
  Mat Y = phate_detail::classical_mds<Scalar>(D, p.n_components, seed + 13, p.mds == "metric" ? 3 : 6);
  if (p.mds == "metric") {
    if (p.mds_solver == "sgd") phate_detail::sgd_mds<Scalar>(D, Y, seed + 17);
    else phate_detail::smacof_mds<Scalar>(D, Y);
  }
  if (!Y.allFinite())
    throw RuntimeError("Phate: " + p.mds_solver + " MDS produced non-finite coordinates; try mds_solver=\"" +
                       (p.mds_solver == "sgd" ? "smacof" : "sgd") + "\" or double precision");
  timer.lap("mds");

  if (use_landmarks) {
    s->landmark_embedding = Y;
    s->embedding = transitions * Y;
  } else {
    s->embedding = Y;
  }
  timer.lap("embedding");
  index_ = std::move(index);
  fitted_ = std::move(s);
  return *this;
}

template <typename Scalar>
typename Phate<Scalar>::Matrix Phate<Scalar>::transform(const Eigen::Ref<const Matrix>& X) const {
  const State& s = require_fitted();
  if (X.cols() != s.n_features_in)
    throw InvalidArgument("Phate: X has " + std::to_string(X.cols()) + " features but the model was fitted on " +
                          std::to_string(s.n_features_in));
  if (X.rows() == 0) return Matrix(0, s.params.n_components);
  check_finite(X, "X");
  detail::ScopedThreads scoped_threads(params_.n_jobs);
  Matrix Z = project(s, X);
  const std::size_t knn = static_cast<std::size_t>(std::min<Eigen::Index>(s.params.knn, s.data.rows()));
  SpMat T = phate_detail::row_normalized<Scalar>(phate_detail::affinity_rows<Scalar>(
      *index_, Z.data(), static_cast<std::size_t>(Z.rows()), knn, s.params.decay, s.params.thresh));
  // Through the landmarks the fitted embedding already is transitions @ landmark_embedding,
  // so the same weighted mean over fitted samples serves both cases.
  return T * s.embedding;
}

}  // namespace dtwin
