#include "dtwin/pgan.hpp"

#include <torch/nn.h>
#include <torch/csrc/autograd/autograd.h>
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <map>
#include <random>

#include "dtwin/error.hpp"
#include "nn.hpp"
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

// Two branches, one for the embedding and one for the sample, fused into a single logit.
struct DiscriminatorImpl : torch::nn::Module {
  DiscriminatorImpl(int z_dim, int x_dim, const PGanParams& p)
      : zb(register_module("z_branch", nn::make_mlp(z_dim, {p.branch_hidden}, 0))),
        xb(register_module("x_branch", nn::make_mlp(x_dim, {p.branch_hidden}, 0))),
        head(register_module("head", nn::make_mlp(2 * p.branch_hidden, p.discriminator_hidden, 1))) {}
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& x) {
    return head->forward(torch::cat({zb->forward(z), xb->forward(x)}, 1));
  }
  torch::nn::Sequential zb, xb, head;
};
TORCH_MODULE(Discriminator);

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
    std::lock_guard<std::mutex> lock(nn::init_mutex());
    torch::manual_seed(seed);
    gen = nn::make_mlp(z_dim, p.generator_hidden, x_dim);
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
  nn::check_finite(Z, "PGan", "Z");
  nn::check_finite(X, "PGan", "X");
  detail::TorchThreads threads(p.n_jobs);

  const std::uint64_t seed = p.random_state ? *p.random_state : std::random_device{}();
  impl_->build(static_cast<int>(Z.cols()), static_cast<int>(X.cols()), seed);
  auto gen_rng = at::make_generator<at::CPUGeneratorImpl>(seed + 1);

  torch::Tensor Zt = nn::to_tensor(Z), Xt = nn::to_tensor(X);
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
  nn::FlatAdam optG(*G, p.lr_generator, p.beta1, p.beta2);
  nn::FlatAdam optD(*D, p.lr_discriminator, p.beta1, p.beta2);
  const float real_label = static_cast<float>(1.0 - p.label_smoothing);
  torch::Tensor d_target = torch::empty({0}), g_target;
  auto d_params = D->parameters();
  const nn::ManualMlp gm(G), zm(D->zb), xm(D->xb), hm(D->head);
  nn::ManualMlp::Cache gc, zc, xc, hc;
  const std::int64_t bh = p.branch_hidden;

  impl_->history.clear();
  double best_val = std::numeric_limits<double>::infinity();
  int since_best = 0;
  torch::Tensor best_state;
  auto snapshot = [&] { best_state = optG.values().clone(); };
  impl_->best_epoch = 0;

  for (int epoch = 1; epoch <= p.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    G->train();
    D->train();
    // Shuffle once per epoch; batches are then contiguous slices.
    auto perm = torch::randperm(ntr, gen_rng, torch::kLong);
    auto Zs = Ztr.index_select(0, perm), Xs = Xtr.index_select(0, perm);
    std::vector<torch::Tensor> d_losses, g_losses, l1s;
    for (std::int64_t b0 = 0; b0 < ntr; b0 += bs) {
      const std::int64_t b1 = std::min(ntr, b0 + bs);
      if (b1 - b0 < 2 && b0 > 0) break;  // a lone sample makes a noisy step
      auto z = Zs.slice(0, b0, b1), x = Xs.slice(0, b0, b1);
      const std::int64_t m = z.size(0);

      // One generator pass per step: the discriminator learns from it detached, then the
      // generator is updated through the updated discriminator (as pix2pix does).
      torch::Tensor d_loss, g_loss, l1;
      if (wgan) {
        auto fake = G->forward(z);
        auto fake_d = fake.detach();
        for (int s = 0; s < p.n_critic; ++s) {
          optD.zero_grad();
          auto eps = torch::rand({m, 1}, gen_rng);
          auto xhat = (eps * x + (1 - eps) * fake_d).requires_grad_(true);
          auto hout = D->forward(z, xhat);
          auto grad = torch::autograd::grad({hout}, {xhat}, {torch::ones_like(hout)}, true, true)[0];
          auto gp = (grad.norm(2, 1) - 1).pow(2).mean();
          d_loss = D->forward(z, fake_d).mean() - D->forward(z, x).mean() + p.gp_weight * gp;
          d_loss.backward();
          optD.step();
        }
        optG.zero_grad();
        for (auto& t : d_params) t.set_requires_grad(false);  // their gradients would be discarded
        l1 = torch::l1_loss(fake, x);
        g_loss = -D->forward(z, fake).mean() + p.l1_weight * l1;
        g_loss.backward();
        for (auto& t : d_params) t.set_requires_grad(true);
        optG.step();
      } else {
        torch::NoGradGuard ng;
        if (d_target.size(0) != 2 * m) {  // targets are reused while the batch size stays
          d_target = torch::cat({torch::full({m, 1}, real_label), torch::zeros({m, 1})}, 0);
          g_target = torch::ones({m, 1});
        }
        auto fake = gm.forward(z, gc);
        // Discriminator: real and fake pairs in one pass; the loss is mean(real) + mean(fake)
        // BCE, i.e. twice the BCE over both halves, whose gradient is (sigmoid(o) - t) / m.
        optD.zero_grad();
        auto zz = torch::cat({z, z}, 0);
        auto hz = zm.forward(zz, zc), hx = xm.forward(torch::cat({x, fake}, 0), xc);
        auto out = hm.forward(torch::cat({hz, hx}, 1), hc);
        d_loss = 2 * torch::binary_cross_entropy_with_logits(out, d_target);
        auto dh = hm.backward((torch::sigmoid(out) - d_target) / static_cast<double>(m), hc, true, true);
        zm.backward(dh.narrow(1, 0, bh), zc, true, false);
        xm.backward(dh.narrow(1, bh, bh), xc, true, false);
        optD.step();
        // Generator: adversarial BCE against "real" through the updated discriminator, plus L1.
        optG.zero_grad();
        hz = zm.forward(z, zc);
        hx = xm.forward(fake, xc);
        out = hm.forward(torch::cat({hz, hx}, 1), hc);
        auto diff = fake - x;
        l1 = diff.abs().mean();
        g_loss = torch::binary_cross_entropy_with_logits(out, g_target) + p.l1_weight * l1;
        dh = hm.backward((torch::sigmoid(out) - 1) / static_cast<double>(m), hc, false, true);
        auto dfake = xm.backward(dh.narrow(1, bh, bh), xc, false, true);
        dfake.add_(diff.sign(), p.l1_weight / static_cast<double>(diff.numel()));
        gm.backward(dfake, gc, true, false);
        optG.step();
      }

      d_losses.push_back(d_loss.detach());
      g_losses.push_back(g_loss.detach());
      l1s.push_back(l1.detach());
    }
    PGanEpoch rec;
    rec.epoch = epoch;
    rec.d_loss = torch::stack(d_losses).mean().item<double>();
    rec.g_loss = torch::stack(g_losses).mean().item<double>();
    rec.l1 = torch::stack(l1s).mean().item<double>();
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
  if (best_state.defined()) {
    torch::NoGradGuard ng;
    optG.values().copy_(best_state);
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
  nn::check_finite(Z, "PGan", "Z");
  if (Z.rows() == 0) return Matrix(0, impl_->xd);
  torch::NoGradGuard ng;
  // The eval-mode generator has no state that a forward pass changes, so concurrent calls are safe.
  return nn::to_matrix(impl_->gen->forward(nn::to_tensor(Z)));
}

std::vector<NamedArray> PGan::weights() const {
  if (!is_fitted()) throw RuntimeError("PGan: not fitted yet; nothing to save");
  std::vector<NamedArray> out;
  nn::export_module("generator.", *impl_->gen, out);
  nn::export_module("discriminator.", *impl_->disc, out);
  return out;
}

PGan PGan::from_weights(PGanParams params, int z_dim, int x_dim, const std::vector<NamedArray>& weights,
                        std::vector<PGanEpoch> history) {
  if (z_dim < 1 || x_dim < 1) throw InvalidArgument("PGan: z_dim and x_dim must be >= 1");
  PGan g(std::move(params));
  g.impl_->build(z_dim, x_dim, 0);
  nn::import_module("generator.", *g.impl_->gen, weights, "PGan");
  nn::import_module("discriminator.", *g.impl_->disc, weights, "PGan");
  g.impl_->gen->eval();
  g.impl_->disc->eval();
  g.impl_->history = std::move(history);
  g.impl_->best_epoch = g.impl_->history.empty() ? 0 : g.impl_->history.back().epoch;
  return g;
}

}  // namespace dtwin
