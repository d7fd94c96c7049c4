#pragma once
// SoftSensorMLP: the soft sensor itself, a multilayer perceptron from process inputs to one or
// several quality variables. Inputs and outputs are standardised inside (scalers learned in
// fit and saved with the weights); MSE loss, Adam with L2 weight decay, mini-batches, dropout,
// early stopping on a validation split or a given validation set. LibTorch stays in src/.
//
//   dtwin::SoftSensorParams p;  p.random_state = 0;
//   dtwin::SoftSensorMLP mlp(p);
//   mlp.fit(X, Y);                       // X: n x inputs, Y: n x targets (engineering units)
//   auto Yhat = mlp.predict(Xnew);
#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtwin/error.hpp"
#include "dtwin/pgan.hpp"  // NamedArray

namespace dtwin {

struct SoftSensorParams {
  std::vector<int> hidden = {64, 64};
  std::string activation = "relu";  // "relu", "tanh" or "leaky_relu"
  double dropout = 0.0;             // after each hidden layer, during training
  double weight_decay = 1e-4;       // L2 on the weights, as Adam's weight_decay
  double lr = 1e-3;
  int epochs = 500;
  int batch_size = 32;
  double validation_fraction = 0.15;  // held out for early stopping when no validation set is given; 0: none
  int patience = 40;                  // epochs without a better validation loss before stopping
  std::optional<std::uint64_t> random_state;
  int n_jobs = 1;

  void validate() const;
};

struct SoftSensorEpoch {
  int epoch = 0;
  double train_loss = 0;  // MSE on standardised outputs
  double val_loss = -1;   // -1 without validation
  double seconds = 0;
};

class SoftSensorMLP {
 public:
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Progress = std::function<bool(const SoftSensorEpoch&)>;

  explicit SoftSensorMLP(SoftSensorParams params = {});
  ~SoftSensorMLP();
  SoftSensorMLP(SoftSensorMLP&&) noexcept;
  SoftSensorMLP& operator=(SoftSensorMLP&&) noexcept;
  SoftSensorMLP(const SoftSensorMLP&) = delete;
  SoftSensorMLP& operator=(const SoftSensorMLP&) = delete;

  SoftSensorMLP& fit(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y);
  // With an explicit validation set (early stopping on it instead of a split of X).
  SoftSensorMLP& fit(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y,
                     const Eigen::Ref<const Matrix>& X_val, const Eigen::Ref<const Matrix>& Y_val);
  // With a weight per training row: the loss is the weighted mean squared error (virtual
  // samples can count less than real ones). X_val/Y_val may be null.
  SoftSensorMLP& fit_weighted(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y,
                              const Eigen::Ref<const Eigen::VectorXd>& sample_weight, const Matrix* X_val = nullptr,
                              const Matrix* Y_val = nullptr);
  Matrix predict(const Eigen::Ref<const Matrix>& X) const;
  // Coefficient of determination, averaged over the outputs (scikit-learn's uniform average).
  double score(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y) const;

  void set_progress(Progress cb);
  const SoftSensorParams& params() const;
  bool is_fitted() const;
  int n_inputs() const;
  int n_outputs() const;
  const std::vector<SoftSensorEpoch>& history() const;
  int best_epoch() const;

  // Weights and the scalers ("scaler.x_mean", "scaler.x_scale", "scaler.y_mean", "scaler.y_scale").
  std::vector<NamedArray> weights() const;
  static SoftSensorMLP from_weights(SoftSensorParams params, int n_inputs, int n_outputs,
                                    const std::vector<NamedArray>& weights, std::vector<SoftSensorEpoch> history = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SoftSensorMLP& fit_impl(const Eigen::Ref<const Matrix>& X, const Eigen::Ref<const Matrix>& Y, const Matrix* Xv,
                          const Matrix* Yv, const Eigen::VectorXd* w = nullptr);
};

}  // namespace dtwin
