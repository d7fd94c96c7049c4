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

// All parameters of a module as views into one flat buffer, their gradients likewise, and Adam
// on the flat buffers: a handful of tensor operations per step instead of ten per parameter
// tensor, which is what a small GAN's step time is made of. Same update as torch::optim::Adam
// (no weight decay, no amsgrad).
class FlatAdam {
 public:
  FlatAdam(torch::nn::Module& m, double lr, double b1, double b2) : lr_(lr), b1_(b1), b2_(b2) {
    std::int64_t total = 0;
    for (auto& t : m.parameters()) total += t.numel();
    p_ = torch::empty({total}, torch::kFloat32);
    g_ = torch::zeros({total}, torch::kFloat32);
    m_ = torch::zeros({total}, torch::kFloat32);
    v_ = torch::zeros({total}, torch::kFloat32);
    torch::NoGradGuard ng;
    std::int64_t off = 0;
    for (auto& t : m.parameters()) {
      const auto n = t.numel();
      auto pv = p_.narrow(0, off, n).view(t.sizes());
      pv.copy_(t);
      t.set_data(pv);
      t.mutable_grad() = g_.narrow(0, off, n).view(t.sizes());
      off += n;
    }
  }
  void zero_grad() { g_.zero_(); }
  void step() {
    torch::NoGradGuard ng;
    ++t_;
    const double bc1 = 1 - std::pow(b1_, t_), bc2 = 1 - std::pow(b2_, t_);
    m_.mul_(b1_).add_(g_, 1 - b1_);
    v_.mul_(b2_).addcmul_(g_, g_, 1 - b2_);
    auto denom = (v_.sqrt() / std::sqrt(bc2)).add_(1e-8);
    p_.addcdiv_(m_, denom, -lr_ / bc1);
  }
  torch::Tensor& values() { return p_; }

 private:
  torch::Tensor p_, g_, m_, v_;
  double lr_, b1_, b2_;
  int t_ = 0;
};

// The layers of an MLP built by mlp() with hand-written backward passes: with networks this
// small, building and walking the autograd graph costs more than the arithmetic, and the
// default BCE + L1 loss needs only first derivatives. Gradients accumulate into the parameters'
// .grad views (the flat buffers of FlatAdam).
class ManualMlp {
 public:
  explicit ManualMlp(const torch::nn::Sequential& seq) {
    for (const auto& child : seq->children()) {
      if (auto lin = std::dynamic_pointer_cast<torch::nn::LinearImpl>(child)) {
        layers_.push_back({lin->weight, lin->bias, false});
      } else if (!layers_.empty()) {
        layers_.back().act = true;  // LeakyReLU(0.2) after the previous Linear
      }
    }
  }
  struct Cache {
    std::vector<torch::Tensor> in, pre;
  };
  torch::Tensor forward(const torch::Tensor& x, Cache& c) const {
    c.in.clear();
    c.pre.clear();
    torch::Tensor h = x;
    for (const auto& l : layers_) {
      c.in.push_back(h);
      auto pre = torch::addmm(l.b, h, l.W.t());
      c.pre.push_back(pre);
      h = l.act ? torch::leaky_relu(pre, 0.2) : pre;
    }
    return h;
  }
  // Back-propagates dy; accumulates parameter gradients when `accumulate`; returns d input.
  torch::Tensor backward(torch::Tensor dy, const Cache& c, bool accumulate, bool need_dx) const {
    for (std::size_t i = layers_.size(); i-- > 0;) {
      const auto& l = layers_[i];
      if (l.act) dy = at::leaky_relu_backward(dy, c.pre[i], 0.2, false);
      if (accumulate) {
        l.W.mutable_grad().addmm_(dy.t(), c.in[i]);
        l.b.mutable_grad().add_(dy.sum(0));
      }
      if (i > 0 || need_dx) dy = dy.mm(l.W);
    }
    return dy;
  }

 private:
  struct Layer {
    torch::Tensor W, b;
    bool act;
  };
  std::vector<Layer> layers_;
};

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
  FlatAdam optG(*G, p.lr_generator, p.beta1, p.beta2);
  FlatAdam optD(*D, p.lr_discriminator, p.beta1, p.beta2);
  const float real_label = static_cast<float>(1.0 - p.label_smoothing);
  torch::Tensor d_target = torch::empty({0}), g_target;
  auto d_params = D->parameters();
  const ManualMlp gm(G), zm(D->zb), xm(D->xb), hm(D->head);
  ManualMlp::Cache gc, zc, xc, hc;
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
