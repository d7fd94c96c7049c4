#include "dtwin/pgan.hpp"

#include <torch/nn.h>
#include <torch/optim/adam.h>
#include <torch/csrc/autograd/autograd.h>
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <map>
#include <random>

#include "dtwin/error.hpp"
#include "threads.hpp"

namespace dtwin {

void PGanParams::validate() const {
  auto bad = [](const std::string& m) { throw InvalidArgument("PGan: " + m); };
  if (generator_hidden.empty()) bad("generator_hidden needs at least one layer");
  for (int h : generator_hidden)
    if (h < 1) bad("generator_hidden sizes must be >= 1");
  if (branch_hidden < 1) bad("branch_hidden must be >= 1");
  for (int h : discriminator_hidden)
    if (h < 1) bad("discriminator_hidden sizes must be >= 1");
  if (loss != "bce" && loss != "wgan-gp") bad("loss must be \"bce\" or \"wgan-gp\", got \"" + loss + "\"");
  if (!(l1_weight >= 0)) bad("l1_weight must be >= 0");
  if (!(label_smoothing >= 0 && label_smoothing < 0.5)) bad("label_smoothing must lie in [0, 0.5)");
  if (!(gp_weight >= 0)) bad("gp_weight must be >= 0");
  if (n_critic < 1) bad("n_critic must be >= 1");
  if (epochs < 1) bad("epochs must be >= 1, got " + std::to_string(epochs));
  if (batch_size < 1) bad("batch_size must be >= 1, got " + std::to_string(batch_size));
  if (!(lr_generator > 0) || !(lr_discriminator > 0)) bad("learning rates must be > 0");
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) bad("beta1 and beta2 must lie in [0, 1)");
  if (!(validation_fraction >= 0 && validation_fraction < 1)) bad("validation_fraction must lie in [0, 1)");
  if (patience < 1) bad("patience must be >= 1");
  if (n_jobs == 0 || n_jobs < -1) bad("n_jobs must be a positive number of threads or -1 for all cores");
}

namespace {

torch::nn::Sequential mlp(int in, const std::vector<int>& hidden, int out) {
  torch::nn::Sequential s;
  int prev = in;
  for (int h : hidden) {
    s->push_back(torch::nn::Linear(prev, h));
    s->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
    prev = h;
  }
  if (out > 0) s->push_back(torch::nn::Linear(prev, out));
  return s;
}

// Two branches, one for the embedding and one for the sample, fused into a single logit.
struct DiscriminatorImpl : torch::nn::Module {
  DiscriminatorImpl(int z_dim, int x_dim, const PGanParams& p)
      : zb(register_module("z_branch", mlp(z_dim, {p.branch_hidden}, 0))),
        xb(register_module("x_branch", mlp(x_dim, {p.branch_hidden}, 0))),
        head(register_module("head", mlp(2 * p.branch_hidden, p.discriminator_hidden, 1))) {}
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& x) {
    return head->forward(torch::cat({zb->forward(z), xb->forward(x)}, 1));
  }
  torch::nn::Sequential zb, xb, head;
};
TORCH_MODULE(Discriminator);

// nn::Linear draws its initial weights from the global generator: seed it under a lock so
// concurrent constructions stay reproducible.
std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

torch::Tensor to_tensor(const Eigen::Ref<const PGan::Matrix>& M) {
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> f = M.cast<float>();
  return torch::from_blob(f.data(), {f.rows(), f.cols()}, torch::kFloat32).clone();
}

void check_matrix(const Eigen::Ref<const PGan::Matrix>& M, const char* name) {
  if (!M.allFinite()) {
    for (Eigen::Index i = 0; i < M.rows(); ++i)
      for (Eigen::Index j = 0; j < M.cols(); ++j)
        if (!std::isfinite(M(i, j)))
          throw InvalidArgument(std::string("PGan: ") + name + " contains NaN or inf (first at row " + std::to_string(i) +
                                ", column " + std::to_string(j) + ")");
  }
}

}  // namespace

struct PGan::Impl {
  PGanParams p;
  int zd = 0, xd = 0;
  torch::nn::Sequential gen{nullptr};
  Discriminator disc{nullptr};
  std::vector<PGanEpoch> history;
  int best_epoch = 0;
  Progress progress;

  void build(int z_dim, int x_dim, std::uint64_t seed) {
    zd = z_dim;
    xd = x_dim;
    std::lock_guard<std::mutex> lock(init_mutex());
    torch::manual_seed(seed);
    gen = mlp(z_dim, p.generator_hidden, x_dim);
    disc = Discriminator(z_dim, x_dim, p);
  }
};

PGan::PGan(PGanParams params) : impl_(std::make_unique<Impl>()) {
  params.validate();
  impl_->p = std::move(params);
}
PGan::~PGan() = default;
PGan::PGan(PGan&&) noexcept = default;
PGan& PGan::operator=(PGan&&) noexcept = default;

void PGan::set_progress(Progress cb) { impl_->progress = std::move(cb); }
const PGanParams& PGan::params() const { return impl_->p; }
bool PGan::is_fitted() const { return static_cast<bool>(impl_->gen); }
int PGan::z_dim() const { return impl_->zd; }
int PGan::x_dim() const { return impl_->xd; }
const std::vector<PGanEpoch>& PGan::history() const { return impl_->history; }
int PGan::best_epoch() const { return impl_->best_epoch; }

PGan& PGan::fit(const Eigen::Ref<const Matrix>& Z, const Eigen::Ref<const Matrix>& X) {
  const PGanParams& p = impl_->p;
  if (Z.rows() != X.rows())
    throw InvalidArgument("PGan: Z has " + std::to_string(Z.rows()) + " rows but X has " + std::to_string(X.rows()) +
                          "; pass one embedding row per sample");
  if (Z.cols() < 1 || X.cols() < 1) throw InvalidArgument("PGan: Z and X need at least one column");
  if (Z.rows() < 4) throw InvalidArgument("PGan: need at least 4 samples to train, got " + std::to_string(Z.rows()));
  check_matrix(Z, "Z");
  check_matrix(X, "X");
  detail::TorchThreads threads(p.n_jobs);

  const std::uint64_t seed = p.random_state ? *p.random_state : std::random_device{}();
  impl_->build(static_cast<int>(Z.cols()), static_cast<int>(X.cols()), seed);
  auto gen_rng = at::make_generator<at::CPUGeneratorImpl>(seed + 1);

  torch::Tensor Zt = to_tensor(Z), Xt = to_tensor(X);
  const std::int64_t n = Zt.size(0);
  std::int64_t n_val = p.validation_fraction > 0 ? static_cast<std::int64_t>(std::round(n * p.validation_fraction)) : 0;
  if (p.validation_fraction > 0 && (n_val < 1 || n - n_val < 4))
    throw InvalidArgument("PGan: validation_fraction leaves too few samples for training or validation");
  torch::Tensor Ztr = Zt, Xtr = Xt, Zva, Xva;
  if (n_val > 0) {
    auto perm = torch::randperm(n, gen_rng, torch::kLong);
    auto vi = perm.slice(0, 0, n_val), ti = perm.slice(0, n_val, n);
    Zva = Zt.index_select(0, vi);
    Xva = Xt.index_select(0, vi);
    Ztr = Zt.index_select(0, ti);
    Xtr = Xt.index_select(0, ti);
  }
  const std::int64_t ntr = Ztr.size(0);
  const std::int64_t bs = std::min<std::int64_t>(p.batch_size, ntr);

  auto& G = impl_->gen;
  auto& D = impl_->disc;
  const bool wgan = p.loss == "wgan-gp";
  torch::optim::Adam optG(G->parameters(), torch::optim::AdamOptions(p.lr_generator).betas({p.beta1, p.beta2}));
  torch::optim::Adam optD(D->parameters(), torch::optim::AdamOptions(p.lr_discriminator).betas({p.beta1, p.beta2}));
  const float real_label = static_cast<float>(1.0 - p.label_smoothing);

  impl_->history.clear();
  double best_val = std::numeric_limits<double>::infinity();
  int since_best = 0;
  std::vector<torch::Tensor> best_state;
  auto snapshot = [&] {
    best_state.clear();
    for (auto& t : G->parameters()) best_state.push_back(t.detach().clone());
  };
  impl_->best_epoch = 0;

  for (int epoch = 1; epoch <= p.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    G->train();
    D->train();
    auto perm = torch::randperm(ntr, gen_rng, torch::kLong);
    double sd = 0, sg = 0, sl1 = 0;
    std::int64_t batches = 0;
    for (std::int64_t b0 = 0; b0 < ntr; b0 += bs) {
      const std::int64_t b1 = std::min(ntr, b0 + bs);
      if (b1 - b0 < 2 && b0 > 0) break;  // a lone sample makes a noisy step
      auto idx = perm.slice(0, b0, b1);
      auto z = Ztr.index_select(0, idx), x = Xtr.index_select(0, idx);
      const std::int64_t m = z.size(0);

      // Discriminator (critic) step(s).
      torch::Tensor d_loss;
      const int d_steps = wgan ? p.n_critic : 1;
      for (int s = 0; s < d_steps; ++s) {
        optD.zero_grad();
        torch::Tensor fake;
        {
          torch::NoGradGuard ng;
          fake = G->forward(z);
        }
        auto real_out = D->forward(z, x), fake_out = D->forward(z, fake);
        if (wgan) {
          auto eps = torch::rand({m, 1}, gen_rng);
          auto xhat = (eps * x + (1 - eps) * fake).requires_grad_(true);
          auto out = D->forward(z, xhat);
          auto grad = torch::autograd::grad({out}, {xhat}, {torch::ones_like(out)}, true, true)[0];
          auto gp = (grad.norm(2, 1) - 1).pow(2).mean();
          d_loss = fake_out.mean() - real_out.mean() + p.gp_weight * gp;
        } else {
          d_loss = torch::binary_cross_entropy_with_logits(real_out, torch::full_like(real_out, real_label)) +
                   torch::binary_cross_entropy_with_logits(fake_out, torch::zeros_like(fake_out));
        }
        d_loss.backward();
        optD.step();
      }

      // Generator step: fool the discriminator and stay close to the paired sample.
      optG.zero_grad();
      auto fake = G->forward(z);
      auto out = D->forward(z, fake);
      auto adv = wgan ? -out.mean() : torch::binary_cross_entropy_with_logits(out, torch::ones_like(out));
      auto l1 = torch::l1_loss(fake, x);
      auto g_loss = adv + p.l1_weight * l1;
      g_loss.backward();
      optG.step();

      sd += d_loss.item<double>();
      sg += g_loss.item<double>();
      sl1 += l1.item<double>();
      ++batches;
    }
    PGanEpoch rec;
    rec.epoch = epoch;
    rec.d_loss = sd / std::max<std::int64_t>(batches, 1);
    rec.g_loss = sg / std::max<std::int64_t>(batches, 1);
    rec.l1 = sl1 / std::max<std::int64_t>(batches, 1);
    bool stop = false;
    if (n_val > 0) {
      torch::NoGradGuard ng;
      G->eval();
      rec.val_l1 = torch::l1_loss(G->forward(Zva), Xva).item<double>();
      if (rec.val_l1 < best_val) {
        best_val = rec.val_l1;
        since_best = 0;
        impl_->best_epoch = epoch;
        snapshot();
      } else if (++since_best >= p.patience) {
        stop = true;
      }
    } else {
      impl_->best_epoch = epoch;
    }
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    impl_->history.push_back(rec);
    if (!std::isfinite(rec.g_loss) || !std::isfinite(rec.d_loss))
      throw RuntimeError("PGan: training diverged at epoch " + std::to_string(epoch) +
                         " (loss is NaN or inf); lower the learning rates or scale the data");
    if (impl_->progress && !impl_->progress(rec)) break;
    if (stop) break;
  }
  if (!best_state.empty()) {
    torch::NoGradGuard ng;
    auto params = G->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(best_state[i]);
  }
  G->eval();
  D->eval();
  return *this;
}

PGan::Matrix PGan::generate(const Eigen::Ref<const Matrix>& Z) const {
  if (!is_fitted()) throw RuntimeError("PGan: not fitted yet; call fit(Z, X) first");
  if (Z.cols() != impl_->zd)
    throw InvalidArgument("PGan: Z has " + std::to_string(Z.cols()) + " columns but the generator takes " +
                          std::to_string(impl_->zd));
  check_matrix(Z, "Z");
  if (Z.rows() == 0) return Matrix(0, impl_->xd);
  torch::NoGradGuard ng;
  // The eval-mode generator has no state that a forward pass changes, so concurrent calls are safe.
  auto out = impl_->gen->forward(to_tensor(Z)).contiguous();
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      out.data_ptr<float>(), out.size(0), out.size(1));
  return m.cast<double>();
}

std::vector<NamedArray> PGan::weights() const {
  if (!is_fitted()) throw RuntimeError("PGan: not fitted yet; nothing to save");
  std::vector<NamedArray> out;
  auto add = [&](const std::string& prefix, const torch::nn::Module& mod) {
    for (const auto& item : mod.named_parameters()) {
      auto t = item.value().detach().cpu().contiguous().to(torch::kFloat32);
      NamedArray a{prefix + item.key(), t.sizes().vec(), {}};
      a.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      out.push_back(std::move(a));
    }
    for (const auto& item : mod.named_buffers()) {
      auto t = item.value().detach().cpu().contiguous().to(torch::kFloat32);
      NamedArray a{prefix + item.key(), t.sizes().vec(), {}};
      a.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      out.push_back(std::move(a));
    }
  };
  add("generator.", *impl_->gen);
  add("discriminator.", *impl_->disc);
  return out;
}

PGan PGan::from_weights(PGanParams params, int z_dim, int x_dim, const std::vector<NamedArray>& weights,
                        std::vector<PGanEpoch> history) {
  if (z_dim < 1 || x_dim < 1) throw InvalidArgument("PGan: z_dim and x_dim must be >= 1");
  PGan g(std::move(params));
  g.impl_->build(z_dim, x_dim, 0);
  std::map<std::string, const NamedArray*> by_name;
  for (const auto& w : weights) by_name[w.name] = &w;
  torch::NoGradGuard ng;
  auto load = [&](const std::string& prefix, torch::nn::Module& mod) {
    auto assign = [&](const std::string& key, torch::Tensor t) {
      auto it = by_name.find(prefix + key);
      if (it == by_name.end()) throw InvalidArgument("PGan weights: missing '" + prefix + key + "'");
      const NamedArray& a = *it->second;
      if (a.shape != t.sizes().vec() || static_cast<std::int64_t>(a.values.size()) != t.numel())
        throw InvalidArgument("PGan weights: '" + prefix + key + "' has the wrong shape for these settings");
      t.copy_(torch::from_blob(const_cast<float*>(a.values.data()), t.sizes(), torch::kFloat32));
    };
    for (auto& item : mod.named_parameters()) assign(item.key(), item.value());
    for (auto& item : mod.named_buffers()) assign(item.key(), item.value());
  };
  load("generator.", *g.impl_->gen);
  load("discriminator.", *g.impl_->disc);
  g.impl_->gen->eval();
  g.impl_->disc->eval();
  g.impl_->history = std::move(history);
  g.impl_->best_epoch = g.impl_->history.empty() ? 0 : g.impl_->history.back().epoch;
  return g;
}

}  // namespace dtwin
