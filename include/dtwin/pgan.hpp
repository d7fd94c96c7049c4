#pragma once
// PGAN: the generator of PHATE + PGAN virtual sample generation. It learns the map from an
// embedding z to the full sample x (inputs and quality variables, scaled); a discriminator
// judges (z, x) pairs through two branches fused into one verdict. Loss: adversarial BCE with
// label smoothing plus l1_weight * |G(z) - x| (or WGAN-GP plus the same L1). Virtual features
// through G give virtual samples. LibTorch stays inside src/pgan.cpp.
//
//   dtwin::PGanParams p;  p.random_state = 0;
//   dtwin::PGan gan(p);
//   gan.fit(Z, X);                       // Z: n x z_dim embedding, X: n x x_dim scaled samples
//   auto X_virtual = gan.generate(Z_virtual);
#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtwin/error.hpp"

namespace dtwin {

struct PGanParams {
  std::vector<int> generator_hidden = {128, 128};
  int branch_hidden = 64;                     // width of each discriminator branch (z and x)
  std::vector<int> discriminator_hidden = {64};  // layers after the branches are fused
  std::string loss = "bce";                   // "bce" (default, see docs/pgan.md) or "wgan-gp"
  double l1_weight = 10.0;                    // lambda of the L1 term
  double label_smoothing = 0.1;               // real pairs labelled 1 - label_smoothing (bce)
  double gp_weight = 10.0;                    // wgan-gp gradient penalty
  int n_critic = 5;                           // wgan-gp critic steps per generator step
  int epochs = 300;
  int batch_size = 64;
  double lr_generator = 2e-4;
  double lr_discriminator = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;
  double validation_fraction = 0.0;           // > 0: hold out this share of pairs for early stopping
  int patience = 30;                          // epochs without a better validation L1 before stopping
  std::optional<std::uint64_t> random_state;
  int n_jobs = 1;                             // LibTorch threads during fit/generate (OpenBLAS pinned to 1 meanwhile)

  void validate() const;
};

struct PGanEpoch {
  int epoch = 0;
  double d_loss = 0, g_loss = 0, l1 = 0;
  double val_l1 = -1;  // -1 without validation
  double seconds = 0;
};

// A tensor flattened for saving: name, shape and float32 values (row-major).
struct NamedArray {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

class PGan {
 public:
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // Called after every epoch; return false to stop training early.
  using Progress = std::function<bool(const PGanEpoch&)>;

  explicit PGan(PGanParams params = {});
  ~PGan();
  PGan(PGan&&) noexcept;
  PGan& operator=(PGan&&) noexcept;
  PGan(const PGan&) = delete;
  PGan& operator=(const PGan&) = delete;

  PGan& fit(const Eigen::Ref<const Matrix>& Z, const Eigen::Ref<const Matrix>& X);
  // Samples (scaled space) for the given embeddings. Safe to call from several threads.
  Matrix generate(const Eigen::Ref<const Matrix>& Z) const;

  void set_progress(Progress cb);
  const PGanParams& params() const;
  bool is_fitted() const;
  int z_dim() const;
  int x_dim() const;
  const std::vector<PGanEpoch>& history() const;
  int best_epoch() const;  // epoch whose generator was kept (last epoch without validation)

  // All weights and buffers of both networks, for archives; and the way back.
  std::vector<NamedArray> weights() const;
  static PGan from_weights(PGanParams params, int z_dim, int x_dim, const std::vector<NamedArray>& weights,
                           std::vector<PGanEpoch> history = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtwin
