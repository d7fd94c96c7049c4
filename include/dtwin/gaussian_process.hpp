#pragma once
// Gaussian-process regression, the teacher that labels virtual samples. A generator's target
// output is a conditional mean given the embedding, so where the embedding leaves the inputs
// vague the virtual target drifts from what the inputs imply (docs/benchmark.md). A GP fitted
// on the real rows gives each virtual input the target a smooth model of the real data
// predicts for it, with an uncertainty; on tens to a few thousand rows it is the regression
// model that needs no tuning by hand, which is why it, and not a second network, is the teacher.
//
// Kernel on standardised inputs: s_f^2 exp(-1/2 sum_d (x_d - x'_d)^2 / l_d^2) (one length
// scale per input: irrelevant inputs get long ones) + s_l^2 x.x' (a linear trend, so that
// predictions away from the data follow the trend instead of falling back to the mean) +
// s_n^2 on the diagonal. The hyperparameters maximise the log marginal likelihood (with a
// weak log-normal prior, so that forty rows cannot drive them to a degenerate corner), by
// L-BFGS, on a random subset of at most max_fit_samples rows; the posterior then uses all rows
// up to max_samples. Each target column gets its own GP.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dtwin/detail/linalg.hpp"
#include "dtwin/error.hpp"

namespace dtwin {

struct GaussianProcessParams {
  int max_iter = 60;                 // L-BFGS steps on the log marginal likelihood
  long max_fit_samples = 600;        // rows the hyperparameters are fitted on (random subset above)
  long max_samples = 3000;           // rows the posterior conditions on (random subset above)
  bool linear = true;                // add the linear kernel term s_l^2 x.x'
  double min_noise = 1e-4;           // lower bound on s_n^2 / var(y): the data is never noise-free
  std::optional<std::uint64_t> random_state;

  void validate() const {
    auto bad = [](const std::string& m) { throw InvalidArgument("GaussianProcess: " + m); };
    if (max_iter < 0) bad("max_iter must be >= 0, got " + std::to_string(max_iter));
    if (max_fit_samples < 2) bad("max_fit_samples must be >= 2, got " + std::to_string(max_fit_samples));
    if (max_samples < max_fit_samples)
      bad("max_samples (" + std::to_string(max_samples) + ") must be >= max_fit_samples (" +
          std::to_string(max_fit_samples) + ")");
    if (!(min_noise > 0 && min_noise < 1)) bad("min_noise must lie in (0, 1), got " + std::to_string(min_noise));
  }
};

class GaussianProcess {
 public:
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::VectorXd;

  // Hyperparameters of one target's GP, natural scale, in standardised units.
  struct Kernel {
    Vector length_scales;
    double signal_var = 1, linear_var = 0, noise_var = 0.1;
  };
  // Everything predict needs; complete enough to save and load without refitting.
  struct State {
    GaussianProcessParams params;
    Vector x_mean, x_std, y_mean, y_std;  // standardisation of inputs and targets
    Matrix X;                             // standardised training inputs the posterior uses
    std::vector<Kernel> kernels;          // one per target
    Matrix alpha;                         // K^-1 y per target (rows x targets)
    std::vector<double> log_marginal_likelihood;  // per target, on the hyperparameter subset
  };

  explicit GaussianProcess(GaussianProcessParams p = {}) : params_(std::move(p)) { params_.validate(); }

  static GaussianProcess from_state(State s) {
    GaussianProcess g(s.params);
    const auto d = s.X.cols();
    if (s.x_mean.size() != d || s.x_std.size() != d || s.kernels.size() != static_cast<std::size_t>(s.alpha.cols()) ||
        s.alpha.rows() != s.X.rows() || s.y_mean.size() != s.alpha.cols() || s.y_std.size() != s.alpha.cols())
      throw InvalidArgument("GaussianProcess: inconsistent saved state (shapes of X, alpha and scalers disagree)");
    for (const auto& k : s.kernels)
      if (k.length_scales.size() != d) throw InvalidArgument("GaussianProcess: saved length scales do not match X");
    g.state_ = std::make_shared<const State>(std::move(s));
    return g;
  }

  // X: n x inputs, Y: n x targets. Returns *this.
  GaussianProcess& fit(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) {
    const Eigen::Index n = X.rows(), d = X.cols(), m = Y.cols();
    if (n < 2 || d == 0 || m == 0)
      throw InvalidArgument("GaussianProcess: need at least 2 rows, 1 input and 1 target, got X " + shape(X) +
                            " and y " + shape(Y));
    if (Y.rows() != n)
      throw InvalidArgument("GaussianProcess: X has " + std::to_string(n) + " rows but y has " + std::to_string(Y.rows()));
    if (!X.allFinite() || !Y.allFinite())
      throw InvalidArgument("GaussianProcess: X or y contains NaN or inf; remove or impute those rows first");
    auto s = std::make_shared<State>();
    s->params = params_;
    standardise(X, s->x_mean, s->x_std);
    standardise(Y, s->y_mean, s->y_std);
    std::mt19937_64 rng(params_.random_state ? *params_.random_state : std::random_device{}());
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    if (n > params_.max_fit_samples) std::shuffle(order.begin(), order.end(), rng);
    const Eigen::Index n_post = std::min<Eigen::Index>(n, params_.max_samples);
    const Eigen::Index n_hyp = std::min<Eigen::Index>(n, params_.max_fit_samples);
    s->X.resize(n_post, d);
    Matrix Ys(n_post, m);
    for (Eigen::Index r = 0; r < n_post; ++r) {
      const Eigen::Index i = order[static_cast<std::size_t>(r)];
      s->X.row(r) = ((X.row(i).transpose() - s->x_mean).array() / s->x_std.array()).transpose();
      Ys.row(r) = ((Y.row(i).transpose() - s->y_mean).array() / s->y_std.array()).transpose();
    }
    // The first n_hyp rows of the shuffled order are a random subset for the hyperparameters.
    const Matrix Xh = s->X.topRows(n_hyp);
    s->alpha.resize(n_post, m);
    for (Eigen::Index c = 0; c < m; ++c) {
      double lml = 0;
      Kernel k = optimise(Xh, Ys.col(c).head(n_hyp), lml);
      s->kernels.push_back(k);
      s->log_marginal_likelihood.push_back(lml);
      Eigen::LLT<Eigen::MatrixXd> llt(gram(s->X, s->X, k, true));
      if (llt.info() != Eigen::Success)
        throw RuntimeError("GaussianProcess: the kernel matrix is not positive definite; duplicate rows with "
                           "different targets and no noise? raise min_noise");
      s->alpha.col(c) = llt.solve(Ys.col(c));
    }
    state_ = std::move(s);
    return *this;
  }

  // Posterior mean, n x targets, in the units of y.
  Matrix predict(const Eigen::Ref<const Matrix>& X) const { return predict_impl(X, nullptr); }
  // Posterior mean and standard deviation of the latent function (without the noise).
  Matrix predict(const Eigen::Ref<const Matrix>& X, Matrix& stddev) const { return predict_impl(X, &stddev); }

  bool is_fitted() const { return static_cast<bool>(state_); }
  const State& state() const { return require_fitted(); }
  const GaussianProcessParams& params() const { return params_; }

 private:
  static std::string shape(const Eigen::Ref<const Matrix>& A) {
    return "(" + std::to_string(A.rows()) + ", " + std::to_string(A.cols()) + ")";
  }

  const State& require_fitted() const {
    if (!state_) throw RuntimeError("GaussianProcess: call fit before predict");
    return *state_;
  }

  static void standardise(const Eigen::Ref<const Matrix>& A, Vector& mean, Vector& stddev) {
    mean = A.colwise().mean().transpose();
    stddev = ((A.rowwise() - mean.transpose()).array().square().colwise().mean()).sqrt().transpose();
    // A constant column carries nothing; dividing by 1 keeps it harmless (zero after centring).
    for (Eigen::Index j = 0; j < stddev.size(); ++j)
      if (!(stddev[j] > 1e-12 * std::max(1.0, std::abs(mean[j])))) stddev[j] = 1;
  }

  // Kernel matrix between the rows of A and B (standardised), with the noise on the diagonal
  // when `noise` (A and B the same rows).
  static Eigen::MatrixXd gram(const Matrix& A, const Matrix& B, const Kernel& k, bool noise) {
    const Vector inv = k.length_scales.cwiseInverse();
    const Eigen::MatrixXd As = A * inv.asDiagonal(), Bs = B * inv.asDiagonal();
    const Vector a2 = As.rowwise().squaredNorm(), b2 = Bs.rowwise().squaredNorm();
    Eigen::MatrixXd G = As * Bs.transpose();
    Eigen::MatrixXd K(A.rows(), B.rows());
    for (Eigen::Index j = 0; j < K.cols(); ++j)
      for (Eigen::Index i = 0; i < K.rows(); ++i)
        K(i, j) = k.signal_var * std::exp(-0.5 * std::max(0.0, a2[i] + b2[j] - 2 * G(i, j)));
    if (k.linear_var > 0) K.noalias() += k.linear_var * (A * B.transpose());
    if (noise) K.diagonal().array() += k.noise_var;
    return K;
  }

  // Hyperparameters in log space: [log l_1..l_d, log s_f^2, log s_n^2, (log s_l^2)].
  Kernel unpack(const Vector& th, Eigen::Index d) const {
    Kernel k;
    k.length_scales = th.head(d).array().exp();
    k.signal_var = std::exp(th[d]);
    k.noise_var = std::exp(th[d + 1]);
    k.linear_var = params_.linear ? std::exp(th[d + 2]) : 0.0;
    return k;
  }

  // Negative log marginal likelihood plus the prior's negative log density, and its gradient.
  double objective(const Matrix& X, const Eigen::Ref<const Vector>& y, const Vector& th, const Vector& prior_mean,
                   Vector& grad) const {
    const Eigen::Index n = X.rows(), d = X.cols();
    const Kernel k = unpack(th, d);
    const Vector inv = k.length_scales.cwiseInverse();
    const Eigen::MatrixXd Xs = X * inv.asDiagonal();
    const Vector x2 = Xs.rowwise().squaredNorm();
    const Eigen::MatrixXd G = Xs * Xs.transpose();
    Eigen::MatrixXd E(n, n);  // the squared-exponential part without s_f^2
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i) E(i, j) = std::exp(-0.5 * std::max(0.0, x2[i] + x2[j] - 2 * G(i, j)));
    Eigen::MatrixXd L;
    if (k.linear_var > 0) L = X * X.transpose();
    Eigen::MatrixXd K = k.signal_var * E;
    if (k.linear_var > 0) K += k.linear_var * L;
    K.diagonal().array() += k.noise_var;
    double logdet = 0;
    Eigen::MatrixXd W = std::move(K);
    if (!detail::spd_inverse(W, logdet)) return std::numeric_limits<double>::infinity();
    const Vector alpha = W * y;
    double f = 0.5 * y.dot(alpha) + 0.5 * logdet + 0.5 * static_cast<double>(n) * std::log(2 * 3.141592653589793);
    // W = alpha alpha^T - K^-1; dNLL/dtheta = -1/2 tr(W dK/dtheta).
    W = alpha * alpha.transpose() - W;
    grad.resize(th.size());
    const Eigen::MatrixXd M = W.cwiseProduct(E) * k.signal_var;  // W o dK/dlog s_f^2
    // dK_ij/dlog l_d = s_f^2 E_ij (x_id - x_jd)^2 / l_d^2; the sum over i, j of M_ij times it
    // is 2 sum_i r_i z_id^2 - 2 z_d^T M z_d with z = X / l and r = M 1.
    const Vector r = M.rowwise().sum();
    const Eigen::MatrixXd MZ = M * Xs;
    for (Eigen::Index c = 0; c < d; ++c)
      grad[c] = -0.5 * (2 * r.dot(Xs.col(c).cwiseAbs2()) - 2 * Xs.col(c).dot(MZ.col(c)));
    grad[d] = -0.5 * M.sum();
    grad[d + 1] = -0.5 * k.noise_var * W.trace();
    if (params_.linear) grad[d + 2] = -0.5 * k.linear_var * W.cwiseProduct(L).sum();
    // Weak log-normal prior (sd 2 in log space) around the starting point.
    const Vector dev = th - prior_mean;
    f += 0.5 * dev.squaredNorm() / 4.0;
    grad += dev / 4.0;
    return f;
  }

  // L-BFGS with a backtracking line search, within box bounds that keep the kernel sane.
  Kernel optimise(const Matrix& X, const Eigen::Ref<const Vector>& y, double& lml) const {
    const Eigen::Index d = X.cols();
    const Eigen::Index np = d + 2 + (params_.linear ? 1 : 0);
    Vector th(np), lo(np), hi(np);
    th.head(d).setConstant(std::log(std::sqrt(static_cast<double>(d))));
    lo.head(d).setConstant(std::log(1e-2));
    hi.head(d).setConstant(std::log(1e3));
    th[d] = 0;  // s_f^2 = var(y) = 1 after standardisation
    lo[d] = std::log(1e-3);
    hi[d] = std::log(1e2);
    th[d + 1] = std::log(0.1);
    lo[d + 1] = std::log(params_.min_noise);
    hi[d + 1] = std::log(10.0);
    if (params_.linear) {
      th[d + 2] = std::log(0.1 / static_cast<double>(d));
      lo[d + 2] = std::log(1e-6);
      hi[d + 2] = std::log(10.0);
    }
    const Vector prior = th;
    auto clamp = [&](Vector v) { return v.cwiseMax(lo).cwiseMin(hi).eval(); };
    Vector g;
    double f = objective(X, y, th, prior, g);
    if (!std::isfinite(f)) throw RuntimeError("GaussianProcess: the starting kernel is not positive definite");
    std::deque<std::pair<Vector, Vector>> hist;  // (s, y) pairs
    for (int it = 0; it < params_.max_iter; ++it) {
      // Two-loop recursion for the search direction.
      Vector q = g;
      std::vector<double> a(hist.size());
      for (std::size_t i = hist.size(); i-- > 0;) {
        a[i] = hist[i].first.dot(q) / hist[i].second.dot(hist[i].first);
        q -= a[i] * hist[i].second;
      }
      if (!hist.empty()) q *= hist.back().first.dot(hist.back().second) / hist.back().second.squaredNorm();
      for (std::size_t i = 0; i < hist.size(); ++i) {
        const double b = hist[i].second.dot(q) / hist[i].second.dot(hist[i].first);
        q += (a[i] - b) * hist[i].first;
      }
      Vector dir = -q;
      if (dir.dot(g) >= 0) { dir = -g; hist.clear(); }
      // Steps of more than a factor e^2 on any hyperparameter are never needed in one go.
      double step = std::min(1.0, 2.0 / std::max(1e-12, dir.cwiseAbs().maxCoeff()));
      Vector th_new, g_new;
      double f_new = f;
      bool moved = false;
      for (int ls = 0; ls < 20; ++ls, step *= 0.5) {
        th_new = clamp(th + step * dir);
        f_new = objective(X, y, th_new, prior, g_new);
        if (std::isfinite(f_new) && f_new <= f + 1e-4 * g.dot(th_new - th)) { moved = true; break; }
      }
      if (!moved) break;
      Vector s = th_new - th, yy = g_new - g;
      const bool converged = std::abs(f - f_new) < 1e-6 * std::max(1.0, std::abs(f));
      if (s.dot(yy) > 1e-10) {
        hist.emplace_back(s, yy);
        if (hist.size() > 8) hist.pop_front();
      }
      th = th_new;
      g = g_new;
      f = f_new;
      if (converged) break;
    }
    lml = -f;
    return unpack(th, d);
  }

  Matrix predict_impl(const Eigen::Ref<const Matrix>& X, Matrix* stddev) const {
    const State& s = require_fitted();
    const Eigen::Index d = s.X.cols(), m = s.alpha.cols();
    if (X.cols() != d)
      throw InvalidArgument("GaussianProcess: X has " + std::to_string(X.cols()) + " features but the model was fitted on " +
                            std::to_string(d));
    if (!X.allFinite()) throw InvalidArgument("GaussianProcess: X contains NaN or inf");
    Matrix Z = (X.rowwise() - s.x_mean.transpose()).array().rowwise() / s.x_std.transpose().array();
    Matrix out(X.rows(), m);
    if (stddev) stddev->resize(X.rows(), m);
    for (Eigen::Index c = 0; c < m; ++c) {
      const Eigen::MatrixXd Ks = gram(Z, s.X, s.kernels[static_cast<std::size_t>(c)], false);
      out.col(c) = (Ks * s.alpha.col(c)).array() * s.y_std[c] + s.y_mean[c];
      if (stddev) {
        // The Cholesky factor is recomputed per call rather than kept: the state (and whatever
        // saves it) stays free of an n x n matrix, and the mean alone does not need it.
        const Kernel& k = s.kernels[static_cast<std::size_t>(c)];
        Eigen::LLT<Eigen::MatrixXd> llt(gram(s.X, s.X, k, true));
        const Eigen::MatrixXd V = llt.matrixL().solve(Ks.transpose());
        for (Eigen::Index i = 0; i < X.rows(); ++i) {
          const double prior = k.signal_var + k.linear_var * Z.row(i).squaredNorm();
          (*stddev)(i, c) = std::sqrt(std::max(0.0, prior - V.col(i).squaredNorm())) * s.y_std[c];
        }
      }
    }
    return out;
  }

  GaussianProcessParams params_;
  std::shared_ptr<const State> state_;
};

}  // namespace dtwin
