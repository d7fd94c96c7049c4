#include "dtwin/soft_sensor.hpp"

#include <chrono>
#include <limits>
#include <cmath>
#include <random>

#include "nn.hpp"
#include "threads.hpp"

namespace dtwin {

void SoftSensorParams::validate() const {
  auto bad = [](const std::string& m) { throw InvalidArgument("SoftSensorMLP: " + m); };
  for (int h : hidden)
    if (h < 1) bad("hidden layer sizes must be >= 1");
  nn::parse_activation(activation, "SoftSensorMLP");
  if (!(dropout >= 0 && dropout < 1)) bad("dropout must lie in [0, 1)");
  if (!(weight_decay >= 0)) bad("weight_decay must be >= 0");
  if (!(lr > 0)) bad("lr must be > 0");
  if (epochs < 1) bad("epochs must be >= 1, got " + std::to_string(epochs));
  if (batch_size < 1) bad("batch_size must be >= 1, got " + std::to_string(batch_size));
  if (!(validation_fraction >= 0 && validation_fraction < 1)) bad("validation_fraction must lie in [0, 1)");
  if (patience < 1) bad("patience must be >= 1");
  if (n_jobs == 0 || n_jobs < -1) bad("n_jobs must be a positive number of threads or -1 for all cores");
}

struct SoftSensorMLP::Impl {
  SoftSensorParams p;
  int nin = 0, nout = 0;
  torch::nn::Sequential net{nullptr};
  Eigen::RowVectorXd x_mean, x_scale, y_mean, y_scale;
  std::vector<SoftSensorEpoch> history;
  int best_epoch = 0;
  Progress progress;

  void build(int n_in, int n_out, std::uint64_t seed) {
    nin = n_in;
    nout = n_out;
    std::lock_guard<std::mutex> lock(nn::init_mutex());
    torch::manual_seed(seed);
    net = nn::make_mlp(n_in, p.hidden, n_out, nn::parse_activation(p.activation, "SoftSensorMLP"));
  }
  torch::Tensor scale_x(const Eigen::Ref<const Matrix>& X) const {
    Matrix s = (X.rowwise() - x_mean).array().rowwise() / x_scale.array();
    return nn::to_tensor(s);
  }
  torch::Tensor scale_y(const Eigen::Ref<const Matrix>& Y) const {
    Matrix s = (Y.rowwise() - y_mean).array().rowwise() / y_scale.array();
    return nn::to_tensor(s);
  }
};

SoftSensorMLP::SoftSensorMLP(SoftSensorParams params) : impl_(std::make_unique<Impl>()) {
  params.validate();
  impl_->p = std::move(params);
}
SoftSensorMLP::~SoftSensorMLP() = default;
SoftSensorMLP::SoftSensorMLP(SoftSensorMLP&&) noexcept = default;
SoftSensorMLP& SoftSensorMLP::operator=(SoftSensorMLP&&) noexcept = default;

void SoftSensorMLP::set_progress(Progress cb) { impl_->progress = std::move(cb); }
const SoftSensorParams& SoftSensorMLP::params() const { return impl_->p; }
bool SoftSensorMLP::is_fitted() const { return static_cast<bool>(impl_->net); }
int SoftSensorMLP::n_inputs() const { return impl_->nin; }
int SoftSensorMLP::n_outputs() const { return impl_->nout; }
const std::vector<SoftSensorEpoch>& SoftSensorMLP::history() const { return impl_->history; }
int SoftSensorMLP::best_epoch() const { return impl_->best_epoch; }

SoftSensorMLP& SoftSensorMLP::fit(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) {
  return fit_impl(X, Y, nullptr, nullptr);
}

SoftSensorMLP& SoftSensorMLP::fit(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y,
                                  const Eigen::Ref<const Matrix>& X_val, const Eigen::Ref<const Matrix>& Y_val) {
  const Matrix xv = X_val, yv = Y_val;
  return fit_impl(X, Y, &xv, &yv);
}

namespace {

void check_xy(const Eigen::Ref<const SoftSensorMLP::Matrix>& X, const Eigen::Ref<const SoftSensorMLP::Matrix>& Y,
              const char* xn, const char* yn) {
  if (X.rows() != Y.rows())
    throw InvalidArgument(std::string("SoftSensorMLP: ") + xn + " has " + std::to_string(X.rows()) + " rows but " + yn +
                          " has " + std::to_string(Y.rows()));
  if (X.cols() < 1 || Y.cols() < 1) throw InvalidArgument("SoftSensorMLP: inputs and targets need at least one column");
  nn::check_finite(X, "SoftSensorMLP", xn);
  nn::check_finite(Y, "SoftSensorMLP", yn);
}

}  // namespace

SoftSensorMLP& SoftSensorMLP::fit_weighted(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y,
                                           const Eigen::Ref<const Eigen::VectorXd>& sample_weight, const Matrix* X_val,
                                           const Matrix* Y_val) {
  if (sample_weight.size() != X.rows())
    throw InvalidArgument("SoftSensorMLP: " + std::to_string(sample_weight.size()) + " sample weights for " +
                          std::to_string(X.rows()) + " rows");
  if (!sample_weight.allFinite() || (sample_weight.array() < 0).any() || !(sample_weight.sum() > 0))
    throw InvalidArgument("SoftSensorMLP: sample weights must be finite, >= 0 and not all 0");
  if ((X_val == nullptr) != (Y_val == nullptr)) throw InvalidArgument("SoftSensorMLP: give both X_val and Y_val, or neither");
  const Eigen::VectorXd w = sample_weight;
  return fit_impl(X, Y, X_val, Y_val, &w);
}

SoftSensorMLP& SoftSensorMLP::fit_impl(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y,
                                       const Matrix* Xv, const Matrix* Yv, const Eigen::VectorXd* w) {
  const SoftSensorParams& p = impl_->p;
  check_xy(X, Y, "X", "y");
  if (X.rows() < 3) throw InvalidArgument("SoftSensorMLP: need at least 3 samples to train, got " + std::to_string(X.rows()));
  if (Xv) {
    check_xy(*Xv, *Yv, "X_val", "y_val");
    if (Xv->cols() != X.cols() || Yv->cols() != Y.cols())
      throw InvalidArgument("SoftSensorMLP: the validation set has other columns than the training set");
    if (Xv->rows() < 1) throw InvalidArgument("SoftSensorMLP: the validation set is empty");
  }
  detail::TorchThreads threads(p.n_jobs);
  const std::uint64_t seed = p.random_state ? *p.random_state : std::random_device{}();
  impl_->build(static_cast<int>(X.cols()), static_cast<int>(Y.cols()), seed);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(seed + 1);

  // Scalers from the training samples; a constant column keeps scale 1 (it carries no signal).
  // With sample weights the scalers are weighted too, so rows of weight 0 do not shape them.
  auto scaler = [w](const Eigen::Ref<const Matrix>& M, Eigen::RowVectorXd& mean, Eigen::RowVectorXd& scale) {
    if (w) {
      const double total = w->sum();
      mean = (w->transpose() * M) / total;
      scale = ((w->transpose() * (M.rowwise() - mean).array().square().matrix()) / total).array().sqrt();
    } else {
      mean = M.colwise().mean();
      scale = ((M.rowwise() - mean).array().square().colwise().sum() / static_cast<double>(M.rows())).sqrt();
    }
    for (Eigen::Index j = 0; j < scale.size(); ++j)
      // Relative, so data in 1e-30 units still varies; but not below float32's normal range,
      // where the scaled values the network sees would overflow (found by hypothesis).
      if (!(scale[j] > 1e3 * std::numeric_limits<float>::min() && scale[j] > 1e-12 * std::abs(mean[j]))) scale[j] = 1.0;
    // Rounded to float32, the precision they are saved in, so a reloaded model predicts the same.
    mean = mean.cast<float>().cast<double>();
    scale = scale.cast<float>().cast<double>();
  };
  scaler(X, impl_->x_mean, impl_->x_scale);
  scaler(Y, impl_->y_mean, impl_->y_scale);
  torch::Tensor Xt = impl_->scale_x(X), Yt = impl_->scale_y(Y), Xva, Yva, Wt;
  if (w) Wt = torch::from_blob(const_cast<double*>(w->data()), {w->size(), 1}, torch::kDouble).to(torch::kFloat);
  const std::int64_t n = Xt.size(0);
  if (Xv) {
    Xva = impl_->scale_x(*Xv);
    Yva = impl_->scale_y(*Yv);
  } else if (p.validation_fraction > 0) {
    const std::int64_t nv = static_cast<std::int64_t>(std::round(n * p.validation_fraction));
    if (nv >= 1 && n - nv >= 2) {
      auto perm = torch::randperm(n, rng, torch::kLong);
      Xva = Xt.index_select(0, perm.slice(0, 0, nv));
      Yva = Yt.index_select(0, perm.slice(0, 0, nv));
      Xt = Xt.index_select(0, perm.slice(0, nv, n));
      Yt = Yt.index_select(0, perm.slice(0, nv, n));
      if (Wt.defined()) Wt = Wt.index_select(0, perm.slice(0, nv, n));
    }
  }
  const std::int64_t ntr = Xt.size(0);
  const std::int64_t bs = std::min<std::int64_t>(p.batch_size, ntr);
  const nn::ManualMlp mlp(impl_->net, nn::parse_activation(p.activation, "SoftSensorMLP"));
  nn::ManualMlp::Cache cache;
  nn::FlatAdam opt(*impl_->net, p.lr, 0.9, 0.999, p.weight_decay);

  impl_->history.clear();
  impl_->best_epoch = 0;
  double best = std::numeric_limits<double>::infinity();
  int since = 0;
  torch::Tensor best_state;
  torch::NoGradGuard ng;  // gradients are written by hand
  for (int epoch = 1; epoch <= p.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    auto perm = torch::randperm(ntr, rng, torch::kLong);
    auto Xs = Xt.index_select(0, perm), Ys = Yt.index_select(0, perm);
    torch::Tensor Ws = Wt.defined() ? Wt.index_select(0, perm) : torch::Tensor();
    std::vector<torch::Tensor> losses;
    for (std::int64_t b0 = 0; b0 < ntr; b0 += bs) {
      const std::int64_t b1 = std::min(ntr, b0 + bs);
      auto x = Xs.slice(0, b0, b1), y = Ys.slice(0, b0, b1);
      opt.zero_grad();
      auto out = mlp.forward(x, cache, p.dropout, p.dropout > 0 ? &rng : nullptr);
      auto diff = out - y;
      if (Ws.defined()) {
        // Weighted mean over the batch: sum(w * diff^2) / (sum(w) * outputs).
        auto wb = Ws.slice(0, b0, b1);
        const double norm = std::max(wb.sum().item<double>(), 1e-12) * static_cast<double>(diff.size(1));
        losses.push_back((wb * diff.square()).sum() / norm);
        mlp.backward(wb * diff * (2.0 / norm), cache, true, false);
      } else {
        losses.push_back(diff.square().mean());
        mlp.backward(diff * (2.0 / static_cast<double>(diff.numel())), cache, true, false);
      }
      opt.step();
    }
    SoftSensorEpoch rec;
    rec.epoch = epoch;
    rec.train_loss = torch::stack(losses).mean().item<double>();
    bool stop = false;
    if (Xva.defined()) {
      rec.val_loss = (mlp.forward(Xva, cache) - Yva).square().mean().item<double>();
      if (rec.val_loss < best) {
        best = rec.val_loss;
        since = 0;
        impl_->best_epoch = epoch;
        best_state = opt.values().clone();
      } else if (++since >= p.patience) {
        stop = true;
      }
    } else {
      impl_->best_epoch = epoch;
    }
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    impl_->history.push_back(rec);
    if (!std::isfinite(rec.train_loss))
      throw RuntimeError("SoftSensorMLP: training diverged at epoch " + std::to_string(epoch) + "; lower lr");
    if (impl_->progress && !impl_->progress(rec)) break;
    if (stop) break;
  }
  if (best_state.defined()) opt.values().copy_(best_state);
  return *this;
}

SoftSensorMLP::Matrix SoftSensorMLP::predict(const Eigen::Ref<const Matrix>& X) const {
  if (!is_fitted()) throw RuntimeError("SoftSensorMLP: not fitted yet; call fit(X, y) first");
  if (X.cols() != impl_->nin)
    throw InvalidArgument("SoftSensorMLP: X has " + std::to_string(X.cols()) + " columns but the model was fitted on " +
                          std::to_string(impl_->nin));
  nn::check_finite(X, "SoftSensorMLP", "X");
  if (X.rows() == 0) return Matrix(0, impl_->nout);
  torch::NoGradGuard ng;
  Matrix out = nn::to_matrix(impl_->net->forward(impl_->scale_x(X)));
  return (out.array().rowwise() * impl_->y_scale.array()).rowwise() + impl_->y_mean.array();
}

double SoftSensorMLP::score(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) const {
  if (Y.rows() != X.rows() || Y.cols() != impl_->nout)
    throw InvalidArgument("SoftSensorMLP: y must have one row per sample of X and " + std::to_string(impl_->nout) +
                          " columns");
  if (Y.rows() < 2) throw InvalidArgument("SoftSensorMLP: R^2 needs at least 2 samples");
  const Matrix P = predict(X);
  double total = 0;
  for (Eigen::Index j = 0; j < Y.cols(); ++j) {
    const double ss_res = (Y.col(j) - P.col(j)).squaredNorm();
    const double ss_tot = (Y.col(j).array() - Y.col(j).mean()).square().sum();
    total += ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
  }
  return total / static_cast<double>(Y.cols());
}

std::vector<NamedArray> SoftSensorMLP::weights() const {
  if (!is_fitted()) throw RuntimeError("SoftSensorMLP: not fitted yet; nothing to save");
  std::vector<NamedArray> out;
  nn::export_module("net.", *impl_->net, out);
  auto add = [&](const char* name, const Eigen::RowVectorXd& v) {
    NamedArray a{name, {v.size()}, {}};
    for (Eigen::Index i = 0; i < v.size(); ++i) a.values.push_back(static_cast<float>(v[i]));
    out.push_back(std::move(a));
  };
  add("scaler.x_mean", impl_->x_mean);
  add("scaler.x_scale", impl_->x_scale);
  add("scaler.y_mean", impl_->y_mean);
  add("scaler.y_scale", impl_->y_scale);
  return out;
}

SoftSensorMLP SoftSensorMLP::from_weights(SoftSensorParams params, int n_inputs, int n_outputs,
                                          const std::vector<NamedArray>& weights, std::vector<SoftSensorEpoch> history) {
  if (n_inputs < 1 || n_outputs < 1) throw InvalidArgument("SoftSensorMLP: n_inputs and n_outputs must be >= 1");
  SoftSensorMLP m(std::move(params));
  m.impl_->build(n_inputs, n_outputs, 0);
  nn::import_module("net.", *m.impl_->net, weights, "SoftSensorMLP");
  auto get = [&](const std::string& name, int size) {
    for (const auto& a : weights)
      if (a.name == name) {
        if (static_cast<int>(a.values.size()) != size)
          throw InvalidArgument("SoftSensorMLP weights: '" + name + "' has the wrong length");
        Eigen::RowVectorXd v(size);
        for (int i = 0; i < size; ++i) v[i] = a.values[i];
        return v;
      }
    throw InvalidArgument("SoftSensorMLP weights: missing '" + name + "'");
  };
  m.impl_->x_mean = get("scaler.x_mean", n_inputs);
  m.impl_->x_scale = get("scaler.x_scale", n_inputs);
  m.impl_->y_mean = get("scaler.y_mean", n_outputs);
  m.impl_->y_scale = get("scaler.y_scale", n_outputs);
  m.impl_->history = std::move(history);
  m.impl_->best_epoch = m.impl_->history.empty() ? 0 : m.impl_->history.back().epoch;
  return m;
}

}  // namespace dtwin
