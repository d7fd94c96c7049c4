#pragma once
// Small-network machinery shared by PGan and SoftSensorMLP (internal to libdtwin): MLPs built
// from torch::nn::Linear, Adam on one flat parameter buffer, and hand-written forward/backward
// passes. With networks this small, LibTorch's per-operation overhead, not arithmetic, sets the
// step time; these pieces keep the operation count low.
#include <torch/nn.h>
#include <ATen/CPUGeneratorImpl.h>

#include <Eigen/Dense>

#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "dtwin/error.hpp"

namespace dtwin::nn {

using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Activation { LeakyRelu, Relu, Tanh };

inline Activation parse_activation(const std::string& name, const std::string& who) {
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "leaky_relu") return Activation::LeakyRelu;
  throw InvalidArgument(who + ": activation must be \"relu\", \"tanh\" or \"leaky_relu\", got \"" + name + "\"");
}

// Linear layers with the activation after every hidden layer; out <= 0 leaves the last hidden
// layer as the output (a branch).
inline torch::nn::Sequential make_mlp(int in, const std::vector<int>& hidden, int out,
                                      Activation act = Activation::LeakyRelu) {
  torch::nn::Sequential s;
  int prev = in;
  for (int h : hidden) {
    s->push_back(torch::nn::Linear(prev, h));
    switch (act) {
      case Activation::LeakyRelu: s->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2))); break;
      case Activation::Relu: s->push_back(torch::nn::ReLU()); break;
      case Activation::Tanh: s->push_back(torch::nn::Tanh()); break;
    }
    prev = h;
  }
  if (out > 0) s->push_back(torch::nn::Linear(prev, out));
  return s;
}

// nn::Linear draws its initial weights from the global generator: seed it under this lock so
// concurrent constructions stay reproducible.
inline std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

inline torch::Tensor to_tensor(const Eigen::Ref<const RowMatD>& M) {
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> f = M.cast<float>();
  return torch::from_blob(f.data(), {f.rows(), f.cols()}, torch::kFloat32).clone();
}

inline RowMatD to_matrix(const torch::Tensor& t) {
  auto c = t.contiguous();
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(c.data_ptr<float>(), c.size(0),
                                                                                             c.size(1));
  return m.cast<double>();
}

inline void check_finite(const Eigen::Ref<const RowMatD>& M, const std::string& who, const char* name) {
  if (M.allFinite()) return;
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      if (!std::isfinite(M(i, j)))
        throw InvalidArgument(who + ": " + name + " contains NaN or inf (first at row " + std::to_string(i) +
                              ", column " + std::to_string(j) + "); remove or impute those values first");
}

// All parameters of a module as views into one flat buffer, their gradients likewise, and Adam
// on the flat buffers: a handful of tensor operations per step instead of ten per parameter
// tensor. Same update as torch::optim::Adam with coupled L2 weight decay, no amsgrad.
class FlatAdam {
 public:
  FlatAdam(torch::nn::Module& m, double lr, double b1, double b2, double weight_decay = 0)
      : lr_(lr), b1_(b1), b2_(b2), wd_(weight_decay) {
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
    if (wd_ > 0) g_.add_(p_, wd_);
    const double bc1 = 1 - std::pow(b1_, t_), bc2 = 1 - std::pow(b2_, t_);
    m_.mul_(b1_).add_(g_, 1 - b1_);
    v_.mul_(b2_).addcmul_(g_, g_, 1 - b2_);
    auto denom = (v_.sqrt() / std::sqrt(bc2)).add_(1e-8);
    p_.addcdiv_(m_, denom, -lr_ / bc1);
  }
  torch::Tensor& values() { return p_; }

 private:
  torch::Tensor p_, g_, m_, v_;
  double lr_, b1_, b2_, wd_;
  int t_ = 0;
};

// The layers of an MLP built by make_mlp() with hand-written backward passes. Gradients
// accumulate into the parameters' .grad views (the flat buffers of FlatAdam). Optional
// inverted dropout after each hidden activation, with masks from a private generator.
class ManualMlp {
 public:
  explicit ManualMlp(const torch::nn::Sequential& seq, Activation act = Activation::LeakyRelu) : act_(act) {
    for (const auto& child : seq->children()) {
      if (auto lin = std::dynamic_pointer_cast<torch::nn::LinearImpl>(child)) {
        layers_.push_back({lin->weight, lin->bias, false});
      } else if (!layers_.empty()) {
        layers_.back().act = true;
      }
    }
  }
  struct Cache {
    std::vector<torch::Tensor> in, pre, mask;
  };
  // dropout > 0 with a generator: training pass with dropout after hidden activations.
  torch::Tensor forward(const torch::Tensor& x, Cache& c, double dropout = 0, at::Generator* gen = nullptr) const {
    c.in.clear();
    c.pre.clear();
    c.mask.clear();
    torch::Tensor h = x;
    for (const auto& l : layers_) {
      c.in.push_back(h);
      auto pre = torch::addmm(l.b, h, l.W.t());
      c.pre.push_back(pre);
      h = l.act ? activate(pre) : pre;
      if (l.act && dropout > 0 && gen) {
        auto mask = (torch::rand(h.sizes(), *gen) >= dropout).to(torch::kFloat32) / (1 - dropout);
        c.mask.push_back(mask);
        h = h * mask;
      } else {
        c.mask.emplace_back();
      }
    }
    return h;
  }
  // Back-propagates dy; accumulates parameter gradients when `accumulate`; returns d input.
  torch::Tensor backward(torch::Tensor dy, const Cache& c, bool accumulate, bool need_dx) const {
    for (std::size_t i = layers_.size(); i-- > 0;) {
      const auto& l = layers_[i];
      if (c.mask[i].defined()) dy = dy * c.mask[i];
      if (l.act) dy = activate_backward(dy, c.pre[i]);
      if (accumulate) {
        l.W.mutable_grad().addmm_(dy.t(), c.in[i]);
        l.b.mutable_grad().add_(dy.sum(0));
      }
      if (i > 0 || need_dx) dy = dy.mm(l.W);
    }
    return dy;
  }

 private:
  torch::Tensor activate(const torch::Tensor& pre) const {
    switch (act_) {
      case Activation::LeakyRelu: return torch::leaky_relu(pre, 0.2);
      case Activation::Relu: return torch::relu(pre);
      case Activation::Tanh: return torch::tanh(pre);
    }
    return pre;
  }
  torch::Tensor activate_backward(const torch::Tensor& dy, const torch::Tensor& pre) const {
    switch (act_) {
      case Activation::LeakyRelu: return at::leaky_relu_backward(dy, pre, 0.2, false);
      case Activation::Relu: return at::threshold_backward(dy, pre, 0);
      case Activation::Tanh: return at::tanh_backward(dy, torch::tanh(pre));
    }
    return dy;
  }
  struct Layer {
    torch::Tensor W, b;
    bool act;
  };
  Activation act_;
  std::vector<Layer> layers_;
};

// Flattens a module's parameters and buffers to named float arrays (for archives) and back.
template <typename NamedArrayT>
void export_module(const std::string& prefix, const torch::nn::Module& mod, std::vector<NamedArrayT>& out) {
  auto add = [&](const std::string& key, const torch::Tensor& value) {
    auto t = value.detach().cpu().contiguous().to(torch::kFloat32);
    NamedArrayT a{prefix + key, t.sizes().vec(), {}};
    a.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.push_back(std::move(a));
  };
  for (const auto& item : mod.named_parameters()) add(item.key(), item.value());
  for (const auto& item : mod.named_buffers()) add(item.key(), item.value());
}

template <typename NamedArrayT>
void import_module(const std::string& prefix, torch::nn::Module& mod, const std::vector<NamedArrayT>& arrays,
                   const std::string& who) {
  torch::NoGradGuard ng;
  auto assign = [&](const std::string& key, torch::Tensor t) {
    const NamedArrayT* found = nullptr;
    for (const auto& a : arrays)
      if (a.name == prefix + key) found = &a;
    if (!found) throw InvalidArgument(who + " weights: missing '" + prefix + key + "'");
    if (found->shape != t.sizes().vec() || static_cast<std::int64_t>(found->values.size()) != t.numel())
      throw InvalidArgument(who + " weights: '" + prefix + key + "' has the wrong shape for these settings");
    t.copy_(torch::from_blob(const_cast<float*>(found->values.data()), t.sizes(), torch::kFloat32));
  };
  for (auto& item : mod.named_parameters()) assign(item.key(), item.value());
  for (auto& item : mod.named_buffers()) assign(item.key(), item.value());
}

}  // namespace dtwin::nn
