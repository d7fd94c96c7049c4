#include "dtwin/twin.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "dtwin/detail/neighbors.hpp"
#include "blas_threads.hpp"
#include "dtwin/gaussian_process.hpp"
#include "params_json.hpp"

namespace dtwin {

using json = nlohmann::json;
using Matrix = Table::Matrix;

// ---- options and report --------------------------------------------------------------------------
TwinOptions::TwinOptions() {
  phate.n_components = 3;
  sparse.target = "sparse";
}

void TwinOptions::validate() const {
  auto bad = [](const std::string& m) { throw InvalidArgument("TwinOptions: " + m); };
  phate.validate();
  pgan.validate();
  soft_sensor.validate();
  sparse.validate(phate.n_components);
  if (!(validation_fraction >= 0 && validation_fraction < 0.9))
    bad("validation_fraction must lie in [0, 0.9), got " + std::to_string(validation_fraction));
  if (virtual_ratios.empty()) bad("virtual_ratios needs at least one value (0 for real samples only)");
  for (double r : virtual_ratios)
    if (!(r >= 0 && r <= 100)) bad("virtual_ratios must lie in [0, 100], got " + std::to_string(r));
  if (validation_fraction == 0 && virtual_ratios.size() > 1)
    bad("with validation_fraction = 0 nothing can choose among several virtual_ratios; give one");
  if (bounds != "clip" && bounds != "reject") bad("bounds must be \"clip\" or \"reject\", got \"" + bounds + "\"");
  if (target_model != "gp" && target_model != "generator")
    bad("target_model must be \"gp\" or \"generator\", got \"" + target_model + "\"");
  if (n_jobs == 0 || n_jobs < -1) bad("n_jobs must be a positive number of threads or -1 for all cores");
}

std::string TwinOptions::to_json() const {
  return json{{"phate", detail::to_json(phate)},
              {"sparse", detail::to_json(sparse)},
              {"pgan", detail::to_json(pgan)},
              {"soft_sensor", detail::to_json(soft_sensor)},
              {"missing", {{"method", missing.method}, {"limit", missing.limit}}},
              {"validation_fraction", validation_fraction},
              {"virtual_ratios", virtual_ratios},
              {"bounds", bounds},
              {"target_model", target_model},
              {"random_state", random_state ? json(*random_state) : json(nullptr)},
              {"n_jobs", n_jobs}}
      .dump();
}

TwinOptions TwinOptions::from_json(const std::string& text) {
  TwinOptions o;
  try {
    const json j = json::parse(text);
    if (j.contains("phate")) o.phate = detail::phate_params(j.at("phate"));
    if (j.contains("sparse")) o.sparse = detail::sparse_params(j.at("sparse"));
    if (j.contains("pgan")) o.pgan = detail::pgan_params(j.at("pgan"));
    if (j.contains("soft_sensor")) o.soft_sensor = detail::soft_sensor_params(j.at("soft_sensor"));
    if (j.contains("missing")) {
      o.missing.method = j.at("missing").value("method", o.missing.method);
      o.missing.limit = detail::json_value(j.at("missing"), "limit", o.missing.limit);
    }
    o.validation_fraction = detail::json_value(j, "validation_fraction", o.validation_fraction);
    if (j.contains("virtual_ratios")) {
      o.virtual_ratios.clear();
      for (const auto& v : j.at("virtual_ratios")) o.virtual_ratios.push_back(detail::json_number<double>(v, "virtual_ratios"));
    }
    o.bounds = j.value("bounds", o.bounds);
    o.target_model = j.value("target_model", o.target_model);
    if (j.contains("random_state") && !j.at("random_state").is_null())
      o.random_state = detail::json_number<std::uint64_t>(j.at("random_state"), "random_state");
    o.n_jobs = detail::json_value(j, "n_jobs", o.n_jobs);
  } catch (const json::exception& ex) {
    throw InvalidArgument(std::string("TwinOptions: bad JSON: ") + ex.what());
  }
  o.validate();
  return o;
}

std::string TwinReport::to_json() const {
  return json{{"rows_in", rows_in}, {"rows_used", rows_used}, {"n_fit", n_fit}, {"n_validation", n_validation},
              {"missing_summary", missing_summary}, {"ignored_columns", ignored_columns}, {"constant_tags", constant_tags}, {"phate_t", phate_t},
              {"pgan_epochs", pgan_epochs}, {"pgan_l1", pgan_l1}, {"virtual_ratio", virtual_ratio},
              {"n_virtual_used", n_virtual_used}, {"ratios_tried", ratios_tried},
              {"validation_rmse", validation_rmse}, {"targets", targets}, {"rmse_real_only", rmse_real_only},
              {"rmse_chosen", rmse_chosen}, {"seconds_phate", seconds_phate}, {"seconds_pgan", seconds_pgan},
              {"seconds_soft_sensor", seconds_soft_sensor}}
      .dump();
}

TwinReport TwinReport::from_json(const std::string& text) {
  const json j = json::parse(text);
  TwinReport r;
  r.rows_in = detail::json_value(j, "rows_in", 0L);
  r.rows_used = detail::json_value(j, "rows_used", 0L);
  r.n_fit = detail::json_value(j, "n_fit", 0L);
  r.n_validation = detail::json_value(j, "n_validation", 0L);
  r.missing_summary = j.value("missing_summary", "");
  r.ignored_columns = j.value("ignored_columns", std::vector<std::string>{});
  r.constant_tags = j.value("constant_tags", std::vector<std::string>{});
  r.phate_t = detail::json_value(j, "phate_t", 0);
  r.pgan_epochs = detail::json_value(j, "pgan_epochs", 0);
  r.pgan_l1 = detail::json_value(j, "pgan_l1", 0.0);
  r.virtual_ratio = detail::json_value(j, "virtual_ratio", 0.0);
  r.n_virtual_used = detail::json_value(j, "n_virtual_used", 0L);
  r.ratios_tried = j.value("ratios_tried", std::vector<double>{});
  r.validation_rmse = j.value("validation_rmse", std::vector<double>{});
  r.targets = j.value("targets", std::vector<std::string>{});
  r.rmse_real_only = j.value("rmse_real_only", std::vector<double>{});
  r.rmse_chosen = j.value("rmse_chosen", std::vector<double>{});
  r.seconds_phate = detail::json_value(j, "seconds_phate", 0.0);
  r.seconds_pgan = detail::json_value(j, "seconds_pgan", 0.0);
  r.seconds_soft_sensor = detail::json_value(j, "seconds_soft_sensor", 0.0);
  return r;
}

// ---- EquipmentTwin ---------------------------------------------------------------------------
struct EquipmentTwin::Impl {
  EquipmentConfig config;
  TwinOptions options;
  TwinReport report;
  bool fitted = false;
  std::uint64_t seed = 0;
  Eigen::VectorXd mean, scale;      // per tag, config order
  Eigen::VectorXd z_mean, z_scale;  // of the raw PHATE embedding
  Matrix Z;                         // standardised embedding of the fitted rows
  Phate<double> phate;
  PGan pgan;
  SoftSensorMLP mlp;
  std::vector<Eigen::Index> in_idx, tg_idx;
  Progress progress;

  void index_tags() {
    in_idx.clear();
    tg_idx.clear();
    for (std::size_t k = 0; k < config.tags.size(); ++k)
      (config.tags[k].role == "input" ? in_idx : tg_idx).push_back(static_cast<Eigen::Index>(k));
  }
  const std::string& name() const { return config.name; }
  void require_fitted(const char* what) const {
    if (!fitted) throw RuntimeError("EquipmentTwin '" + name() + "': call fit before " + what);
  }
  Matrix scale_rows(const Matrix& X) const {
    return ((X.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array()).matrix();
  }
  Matrix unscale_rows(const Matrix& Xs) const {
    return ((Xs.array().rowwise() * scale.transpose().array()).rowwise() + mean.transpose().array()).matrix();
  }
  // Virtual samples in engineering units with their features, before bound checks.
  std::pair<Matrix, Matrix> draw(long n, const std::string& target, std::uint64_t seed_) const {
    SparseGenerationParams sp = options.sparse;
    sp.target = target;
    const long per_cycle = std::max<long>(1, Z.rows());
    sp.n_cycles = static_cast<int>(std::min<long>(1000, (n + per_cycle - 1) / per_cycle));
    Matrix F(0, Z.cols());
    for (int attempt = 0; attempt < 6 && F.rows() < n; ++attempt) {
      sp.random_state = seed_ + 7919ULL * static_cast<std::uint64_t>(attempt);
      auto res = SparseGenerator<double>(sp).generate(Z);
      Matrix G(F.rows() + res.features.rows(), Z.cols());
      G << F, res.features;
      F = std::move(G);
      sp.n_cycles = std::min(1000, sp.n_cycles * 2);
    }
    if (F.rows() == 0)
      throw RuntimeError("EquipmentTwin '" + name() + "': no virtual feature could be placed; try bounds=\"free\" in the sparse options");
    std::mt19937_64 rng(seed_ ^ 0xA5A5A5A5ULL);
    std::vector<Eigen::Index> order(static_cast<std::size_t>(F.rows()));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const long m = std::min<long>(n, F.rows());
    Matrix Zv(m, F.cols());
    for (long i = 0; i < m; ++i) Zv.row(i) = F.row(order[static_cast<std::size_t>(i)]);
    Matrix X = unscale_rows(pgan.generate(Zv));
    // A tag constant in the training rows stays constant: a slightly varying copy would be
    // standardised by a tiny spread downstream and blow up predictions on new data.
    for (const auto& c : report.constant_tags)
      for (std::size_t j = 0; j < config.tags.size(); ++j)
        if (config.tags[j].name == c) X.col(static_cast<Eigen::Index>(j)).setConstant(mean[static_cast<Eigen::Index>(j)]);
    return {X, Zv};
  }
};

EquipmentTwin::EquipmentTwin(EquipmentConfig config, TwinOptions options) : impl_(std::make_unique<Impl>()) {
  config.validate();
  options.validate();
  impl_->config = std::move(config);
  impl_->options = std::move(options);
  impl_->index_tags();
}
EquipmentTwin::EquipmentTwin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EquipmentTwin::~EquipmentTwin() = default;
EquipmentTwin::EquipmentTwin(EquipmentTwin&&) noexcept = default;
EquipmentTwin& EquipmentTwin::operator=(EquipmentTwin&&) noexcept = default;

const EquipmentConfig& EquipmentTwin::config() const { return impl_->config; }
const TwinOptions& EquipmentTwin::options() const { return impl_->options; }
const TwinReport& EquipmentTwin::report() const { return impl_->report; }
bool EquipmentTwin::is_fitted() const { return impl_->fitted; }
void EquipmentTwin::set_progress(Progress cb) { impl_->progress = std::move(cb); }
const Phate<double>& EquipmentTwin::phate() const { impl_->require_fitted("phate()"); return impl_->phate; }
const PGan& EquipmentTwin::pgan() const { impl_->require_fitted("pgan()"); return impl_->pgan; }
const SoftSensorMLP& EquipmentTwin::soft_sensor() const { impl_->require_fitted("soft_sensor()"); return impl_->mlp; }
const Matrix& EquipmentTwin::training_embedding() const { return impl_->Z; }
Eigen::VectorXd EquipmentTwin::scaler_mean() const { return impl_->mean; }
Eigen::VectorXd EquipmentTwin::scaler_scale() const { return impl_->scale; }

EquipmentTwin& EquipmentTwin::fit(const Table& data) {
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  Impl& s = *impl_;
  const auto names = s.config.tag_names();
  const std::string who = "EquipmentTwin '" + s.name() + "'";
  Table t;
  t.columns = names;
  t.values = data.select(names, "the data for " + s.name());
  for (Eigen::Index i = 0; i < t.values.size(); ++i)
    if (std::isinf(t.values.data()[i]))
      throw InvalidArgument(who + ": the data holds an infinite value (column \"" +
                            names[static_cast<std::size_t>(i % t.values.cols())] + "\"); remove or mark it as missing");
  auto fresh = std::make_unique<Impl>();  // fitted state replaces the old only when fit succeeds
  Impl& f = *fresh;
  f.config = s.config;
  f.options = s.options;
  f.progress = s.progress;
  f.index_tags();
  TwinReport& r = f.report;
  detail::ScopedBlasThreads blas_threads(detail::resolve_threads(f.options.n_jobs));
  const MissingReport mr = apply_missing(t, f.options.missing, f.config.inputs(), names);
  r.rows_in = mr.rows_in;
  r.rows_used = t.rows();
  r.missing_summary = mr.summary();
  const std::set<std::string> own(names.begin(), names.end());
  for (const auto& c : data.columns)
    if (!own.count(c)) r.ignored_columns.push_back(c);
  const long n = t.rows();
  const long min_rows = std::max(12, f.options.phate.knn + 3);
  if (n < min_rows)
    throw InvalidArgument(who + ": only " + std::to_string(n) + " of " + std::to_string(mr.rows_in) +
                          " rows are complete in its tags (at least " + std::to_string(min_rows) +
                          " needed). Gaps: " + mr.summary());
  f.seed = f.options.random_state ? *f.options.random_state : std::random_device{}();
  std::mt19937_64 rng(f.seed);
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  long n_val = f.options.validation_fraction > 0
                   ? std::max(2L, std::lround(f.options.validation_fraction * static_cast<double>(n)))
                   : 0;
  n_val = std::min(n_val, n - 10);
  const long n_fit = n - n_val;
  const Eigen::Index d = t.values.cols();
  Matrix X(n_fit, d), Xval(n_val, d);
  for (long i = 0; i < n; ++i)
    (i < n_val ? Xval.row(i) : X.row(i - n_val)) = t.values.row(perm[static_cast<std::size_t>(i)]);
  r.n_fit = n_fit;
  r.n_validation = n_val;

  f.mean = X.colwise().mean().transpose();
  f.scale = ((X.rowwise() - f.mean.transpose()).colwise().squaredNorm() / static_cast<double>(n_fit)).cwiseSqrt().transpose();
  for (Eigen::Index j = 0; j < d; ++j)
    if (!(f.scale[j] > 0 && f.scale[j] > 1e-12 * std::abs(f.mean[j]))) {  // relative: 1e-30 units still vary
      f.scale[j] = 1;
      r.constant_tags.push_back(names[static_cast<std::size_t>(j)]);
    }
  const Matrix Xs = f.scale_rows(X);

  // PHATE on the scaled tags.
  auto t0 = clock::now();
  if (f.progress) f.progress("phate", 0, 1);
  PhateParams pp = f.options.phate;
  pp.random_state = f.seed;
  pp.n_components = std::min<int>(pp.n_components, static_cast<int>(d));
  pp.knn = std::min<int>(pp.knn, static_cast<int>(n_fit) - 2);
  pp.n_jobs = f.options.n_jobs;
  f.phate = Phate<double>(pp);
  const Matrix Zraw = f.phate.fit_transform(Xs);
  f.z_mean = Zraw.colwise().mean().transpose();
  f.z_scale = ((Zraw.rowwise() - f.z_mean.transpose()).colwise().squaredNorm() / static_cast<double>(n_fit)).cwiseSqrt().transpose();
  for (Eigen::Index j = 0; j < f.z_scale.size(); ++j)
    if (!(f.z_scale[j] > 0)) f.z_scale[j] = 1;
  f.Z = ((Zraw.rowwise() - f.z_mean.transpose()).array().rowwise() / f.z_scale.transpose().array()).matrix();
  r.phate_t = f.phate.state().optimal_t;
  r.seconds_phate = secs(t0);
  if (f.progress) f.progress("phate", 1, 1);

  // PGAN: embedding -> all tags (scaled).
  t0 = clock::now();
  PGanParams gp = f.options.pgan;
  gp.random_state = f.seed + 1;
  gp.n_jobs = f.options.n_jobs;
  f.pgan = PGan(gp);
  if (f.progress) {
    const int total = gp.epochs;
    auto cb = f.progress;
    f.pgan.set_progress([cb, total](const PGanEpoch& e) {
      cb("pgan", e.epoch, total);
      return true;
    });
  }
  f.pgan.fit(f.Z, Xs);
  f.pgan.set_progress(nullptr);
  r.pgan_epochs = static_cast<int>(f.pgan.history().size());
  r.pgan_l1 = f.pgan.history().empty() ? 0 : f.pgan.history().back().l1;
  r.seconds_pgan = secs(t0);

  // Soft sensor on real (+ virtual) samples; the virtual amount chosen on the validation rows.
  t0 = clock::now();
  const double max_ratio = *std::max_element(f.options.virtual_ratios.begin(), f.options.virtual_ratios.end());
  Matrix V(0, d);
  if (max_ratio > 0) {
    const long nv = std::max(1L, std::lround(max_ratio * static_cast<double>(n_fit)));
    V = f.draw(nv, f.options.sparse.target, f.seed + 2).first;
    // Physical bounds hold for the sensor's training data as for generate().
    for (Eigen::Index j = 0; j < d; ++j) {
      const auto& tag = f.config.tags[static_cast<std::size_t>(j)];
      if (tag.min) V.col(j) = V.col(j).cwiseMax(*tag.min);
      if (tag.max) V.col(j) = V.col(j).cwiseMin(*tag.max);
    }
  }
  auto cols = [](const Matrix& M, const std::vector<Eigen::Index>& idx) {
    Matrix out(M.rows(), static_cast<Eigen::Index>(idx.size()));
    for (std::size_t k = 0; k < idx.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = M.col(idx[k]);
    return out;
  };
  const Matrix Xin = cols(X, f.in_idx), Y = cols(X, f.tg_idx);
  const Matrix Xin_v = cols(Xval, f.in_idx), Y_v = cols(Xval, f.tg_idx);
  const Matrix Vin = cols(V, f.in_idx);
  Matrix VY = cols(V, f.tg_idx);
  if (V.rows() > 0 && !f.tg_idx.empty() && f.options.target_model == "gp") {
    // The teacher: virtual targets follow the virtual inputs as a GP of the real rows says.
    GaussianProcessParams tp;
    tp.random_state = f.seed + 5;
    VY = GaussianProcess(tp).fit(Xin, Y).predict(Vin);
    for (std::size_t c = 0; c < f.tg_idx.size(); ++c) {
      const auto& tag = f.config.tags[static_cast<std::size_t>(f.tg_idx[c])];
      const auto col = static_cast<Eigen::Index>(c);
      if (tag.min) VY.col(col) = VY.col(col).cwiseMax(*tag.min);
      if (tag.max) VY.col(col) = VY.col(col).cwiseMin(*tag.max);
    }
  }
  for (Eigen::Index k : f.tg_idx) r.targets.push_back(names[static_cast<std::size_t>(k)]);
  SoftSensorParams sp = f.options.soft_sensor;
  sp.random_state = f.seed + 3;
  sp.n_jobs = f.options.n_jobs;
  auto rmse_per_target = [&](const SoftSensorMLP& m) {
    std::vector<double> out;
    const Matrix P = m.predict(Xin_v);
    for (Eigen::Index c = 0; c < P.cols(); ++c)
      out.push_back(std::sqrt((P.col(c) - Y_v.col(c)).squaredNorm() / static_cast<double>(std::max<Eigen::Index>(1, P.rows()))));
    return out;
  };
  double best = std::numeric_limits<double>::infinity();
  int step = 0;
  for (double ratio : f.options.virtual_ratios) {
    const long k = std::min<long>(V.rows(), std::lround(ratio * static_cast<double>(n_fit)));
    Matrix A(n_fit + k, Xin.cols()), B(n_fit + k, Y.cols());
    A << Xin, Vin.topRows(k);
    B << Y, VY.topRows(k);
    SoftSensorMLP m(sp);
    if (f.progress) {
      const int total = sp.epochs * static_cast<int>(f.options.virtual_ratios.size());
      const int base = step * sp.epochs;
      auto cb = f.progress;
      m.set_progress([cb, total, base](const SoftSensorEpoch& e) {
        cb("soft_sensor", base + e.epoch, total);
        return true;
      });
    }
    if (n_val > 0) m.fit(A, B, Xin_v, Y_v);
    else m.fit(A, B);
    m.set_progress(nullptr);
    double score = 0;
    std::vector<double> per = n_val > 0 ? rmse_per_target(m) : std::vector<double>{};
    for (std::size_t c = 0; c < per.size(); ++c) score += per[c] / f.scale[f.tg_idx[c]] / static_cast<double>(per.size());
    r.ratios_tried.push_back(ratio);
    r.validation_rmse.push_back(n_val > 0 ? score : -1);
    if (ratio == 0) r.rmse_real_only = per;
    if (score < best || step == 0) {
      best = score;
      f.mlp = std::move(m);
      r.virtual_ratio = ratio;
      r.n_virtual_used = k;
      r.rmse_chosen = per;
    }
    ++step;
  }
  r.seconds_soft_sensor = secs(t0);
  f.fitted = true;
  impl_ = std::move(fresh);
  return *this;
}

Generated EquipmentTwin::generate(long n, const std::string& target, std::optional<std::uint64_t> seed) const {
  const Impl& s = *impl_;
  s.require_fitted("generate");
  if (n < 1) throw InvalidArgument("EquipmentTwin '" + s.name() + "': n must be >= 1, got " + std::to_string(n));
  if (target != "sparse" && target != "all")
    throw InvalidArgument("EquipmentTwin '" + s.name() + "': target must be \"sparse\" or \"all\", got \"" + target + "\"");
  // As in fit: OpenBLAS results (the generator's products) change in the last digits with its
  // thread count, and a Dask worker runs one thread where the driver runs several.
  detail::ScopedBlasThreads blas_threads(detail::resolve_threads(s.options.n_jobs));
  const std::uint64_t base = seed ? *seed : s.seed + 4;
  const Eigen::Index d = static_cast<Eigen::Index>(s.config.tags.size());
  Generated out;
  out.data.columns = s.config.tag_names();
  Matrix X(0, d), Zs(0, s.Z.cols());
  for (int round = 0; round < 6 && X.rows() < n; ++round) {
    auto [V, Zv] = s.draw(n - X.rows(), target, base + 104729ULL * static_cast<std::uint64_t>(round));
    std::vector<Eigen::Index> keep;
    for (Eigen::Index i = 0; i < V.rows(); ++i) {
      bool ok = true;
      for (Eigen::Index j = 0; j < d; ++j) {
        const auto& tag = s.config.tags[static_cast<std::size_t>(j)];
        double& v = V(i, j);
        const bool low = tag.min && v < *tag.min, high = tag.max && v > *tag.max;
        if (!low && !high) continue;
        if (s.options.bounds == "clip") {
          v = low ? *tag.min : *tag.max;
          ++out.clipped_values;
        } else {
          ok = false;
        }
      }
      if (ok) keep.push_back(i);
      else ++out.rejected_rows;
    }
    Matrix X2(X.rows() + static_cast<Eigen::Index>(keep.size()), d), Z2(X2.rows(), s.Z.cols());
    X2.topRows(X.rows()) = X;
    Z2.topRows(Zs.rows()) = Zs;
    for (std::size_t k = 0; k < keep.size(); ++k) {
      X2.row(X.rows() + static_cast<Eigen::Index>(k)) = V.row(keep[k]);
      Z2.row(Zs.rows() + static_cast<Eigen::Index>(k)) = Zv.row(keep[k]);
    }
    X = std::move(X2);
    Zs = std::move(Z2);
  }
  out.data.values = std::move(X);
  out.embedding = std::move(Zs);
  return out;
}

Table EquipmentTwin::predict(const Table& inputs) const {
  const Impl& s = *impl_;
  s.require_fitted("predict");
  detail::ScopedBlasThreads blas_threads(detail::resolve_threads(s.options.n_jobs));
  const Matrix X = inputs.select(s.config.inputs(), "the inputs for " + s.name());
  Table out;
  out.columns = s.config.targets();
  out.timestamp_name = inputs.timestamp_name;
  out.timestamps = inputs.timestamps;
  out.values = Matrix::Constant(X.rows(), static_cast<Eigen::Index>(out.columns.size()),
                                std::numeric_limits<double>::quiet_NaN());
  std::vector<Eigen::Index> ok;
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    if (X.row(i).allFinite()) ok.push_back(i);
  if (ok.empty()) return out;
  Matrix C(static_cast<Eigen::Index>(ok.size()), X.cols());
  for (std::size_t k = 0; k < ok.size(); ++k) C.row(static_cast<Eigen::Index>(k)) = X.row(ok[k]);
  const Matrix P = s.mlp.predict(C);
  for (std::size_t k = 0; k < ok.size(); ++k) out.values.row(ok[k]) = P.row(static_cast<Eigen::Index>(k));
  return out;
}

Matrix EquipmentTwin::embed(const Table& data) const {
  const Impl& s = *impl_;
  s.require_fitted("embed");
  const Matrix X = data.select(s.config.tag_names(), "the data for " + s.name());
  const long gaps = static_cast<long>((!X.array().isFinite()).rowwise().any().count());
  if (gaps > 0)
    throw InvalidArgument("EquipmentTwin '" + s.name() + "': embed needs complete rows; " + std::to_string(gaps) +
                          " row(s) have gaps or infinite values in its tags");
  const Matrix Zraw = s.phate.transform(s.scale_rows(X));
  return ((Zraw.rowwise() - s.z_mean.transpose()).array().rowwise() / s.z_scale.transpose().array()).matrix();
}

// ---- archive ---------------------------------------------------------------------------------
namespace {

Archive::Array row_array(const Eigen::VectorXd& v) {
  return {{1, static_cast<std::int64_t>(v.size())}, std::vector<double>(v.data(), v.data() + v.size())};
}
Eigen::VectorXd vec_of(const Archive::Entry& e, const std::string& key, const std::string& name, Eigen::Index size) {
  auto it = e.arrays.find(key);
  if (it == e.arrays.end()) throw IOError("archive: twin '" + name + "' lacks its dataset '" + key + "'");
  if (static_cast<Eigen::Index>(it->second.values.size()) != size)
    throw IOError("archive: twin '" + name + "': dataset '" + key + "' has " + std::to_string(it->second.values.size()) +
                  " values, expected " + std::to_string(size));
  return Eigen::Map<const Eigen::VectorXd>(it->second.values.data(), size);
}

}  // namespace

void EquipmentTwin::put(Archive& archive, const std::string& name) const {
  const Impl& s = *impl_;
  s.require_fitted("saving");
  Archive::Entry e;
  e.kind = "equipment_twin";
  e.settings_json = json{{"config", json::parse(s.config.to_json())},
                         {"options", json::parse(s.options.to_json())},
                         {"report", json::parse(s.report.to_json())},
                         {"seed", s.seed}}
                        .dump();
  e.arrays["scaler_mean"] = row_array(s.mean);
  e.arrays["scaler_scale"] = row_array(s.scale);
  e.arrays["embedding_mean"] = row_array(s.z_mean);
  e.arrays["embedding_scale"] = row_array(s.z_scale);
  e.arrays["embedding"] = {{s.Z.rows(), s.Z.cols()}, std::vector<double>(s.Z.data(), s.Z.data() + s.Z.size())};
  archive.put_entry(name, std::move(e));
  archive.put(name + "/phate", s.phate);
  archive.put(name + "/pgan", s.pgan);
  archive.put(name + "/soft_sensor", s.mlp);
}

EquipmentTwin EquipmentTwin::get(const Archive& archive, const std::string& name) {
  const Archive::Entry& e = archive.get_entry(name);
  if (e.kind != "equipment_twin")
    throw InvalidArgument("archive: entry '" + name + "' is a " + e.kind + ", not an equipment twin");
  auto impl = std::make_unique<Impl>();
  try {
    const json j = json::parse(e.settings_json);
    impl->config = EquipmentConfig::from_json(j.at("config").dump());
    impl->options = TwinOptions::from_json(j.at("options").dump());
    impl->report = TwinReport::from_json(j.at("report").dump());
    impl->seed = detail::json_number<std::uint64_t>(j.at("seed"), "seed");
  } catch (const json::exception& ex) {
    throw IOError("archive: settings of twin '" + name + "' are damaged: " + ex.what());
  } catch (const InvalidArgument& ex) {
    throw IOError("archive: settings of twin '" + name + "' are inconsistent: " + ex.what());
  }
  impl->index_tags();
  const auto d = static_cast<Eigen::Index>(impl->config.tags.size());
  impl->mean = vec_of(e, "scaler_mean", name, d);
  impl->scale = vec_of(e, "scaler_scale", name, d);
  impl->phate = archive.get_phate(name + "/phate");
  const Eigen::Index k = impl->phate.state().embedding.cols();
  impl->z_mean = vec_of(e, "embedding_mean", name, k);
  impl->z_scale = vec_of(e, "embedding_scale", name, k);
  auto it = e.arrays.find("embedding");
  if (it == e.arrays.end() || it->second.shape.size() != 2 || it->second.shape[1] != k)
    throw IOError("archive: twin '" + name + "' lacks a valid 'embedding' dataset");
  impl->Z = Eigen::Map<const Matrix>(it->second.values.data(), it->second.shape[0], k);
  impl->pgan = archive.get_pgan(name + "/pgan");
  impl->mlp = archive.get_soft_sensor(name + "/soft_sensor");
  if (impl->pgan.x_dim() != d || impl->pgan.z_dim() != k || impl->mlp.n_inputs() != static_cast<int>(impl->in_idx.size()) ||
      impl->mlp.n_outputs() != static_cast<int>(impl->tg_idx.size()))
    throw IOError("archive: twin '" + name + "': its models do not match its tags (damaged or edited file)");
  impl->fitted = true;
  return EquipmentTwin(std::move(impl));
}

void EquipmentTwin::save(const std::string& path) const {
  Archive a;
  put(a, impl_->config.name);
  a.save(path);
}

EquipmentTwin EquipmentTwin::load(const std::string& path) {
  const Archive a = Archive::load(path);
  std::vector<std::string> twins;
  for (const auto& n : a.names())
    if (a.kind(n) == "equipment_twin") twins.push_back(n);
  if (twins.size() != 1)
    throw IOError("archive: '" + path + "' holds " + std::to_string(twins.size()) +
                  " equipment twins; load it with UnitTwin::load or pick one with EquipmentTwin::get");
  return get(a, twins.front());
}

std::string archive_content(const Archive& archive) {
  if (archive.contains("unit") && archive.kind("unit") == "unit_twin") return "unit_twin";
  for (const auto& n : archive.names())
    if (archive.kind(n) == "equipment_twin") return "equipment_twin";
  return "models";
}

// ---- UnitTwin ----------------------------------------------------------------------------------
UnitTwin::UnitTwin(UnitConfig config, TwinOptions options) : config_(std::move(config)), options_(std::move(options)) {
  config_.validate();
  options_.missing = config_.missing;
  options_.validate();
}

TwinOptions UnitTwin::options_for(const UnitConfig& config, const TwinOptions& options, std::size_t k) {
  if (k >= config.equipment.size())
    throw InvalidArgument("UnitTwin: equipment index " + std::to_string(k) + " out of range");
  TwinOptions o = options;
  o.missing = config.missing;
  if (o.random_state) o.random_state = *o.random_state + 1000 * k;
  return o;
}

UnitTwin UnitTwin::from_twins(UnitConfig config, TwinOptions options, std::vector<EquipmentTwin> twins) {
  UnitTwin u(std::move(config), std::move(options));
  if (twins.size() != u.config_.equipment.size())
    throw InvalidArgument("UnitTwin::from_twins: " + std::to_string(twins.size()) + " twins for " +
                          std::to_string(u.config_.equipment.size()) + " equipment");
  for (const auto& eq : u.config_.equipment) {
    auto it = std::find_if(twins.begin(), twins.end(), [&](const EquipmentTwin& t) { return t.config().name == eq.name; });
    if (it == twins.end()) throw InvalidArgument("UnitTwin::from_twins: no twin for equipment \"" + eq.name + "\"");
    if (!it->is_fitted()) throw InvalidArgument("UnitTwin::from_twins: the twin of \"" + eq.name + "\" is not fitted");
    if (it->config().to_json() != eq.to_json())
      throw InvalidArgument("UnitTwin::from_twins: the twin of \"" + eq.name + "\" was fitted with another config");
    u.twins_.push_back(std::move(*it));
    twins.erase(it);  // a moved-from twin has no state to compare with
  }
  return u;
}

UnitTwin& UnitTwin::fit(const Table& data) {
  std::vector<EquipmentTwin> fitted;
  for (std::size_t k = 0; k < config_.equipment.size(); ++k) {
    EquipmentTwin t(config_.equipment[k], options_for(config_, options_, k));
    if (progress_) {
      auto cb = progress_;
      const std::string name = config_.equipment[k].name;
      t.set_progress([cb, name](const std::string& stage, int step, int total) { cb(name, stage, step, total); });
    }
    t.fit(data);
    t.set_progress(nullptr);
    fitted.push_back(std::move(t));
  }
  twins_ = std::move(fitted);
  return *this;
}

const EquipmentTwin& UnitTwin::twin(const std::string& equipment) const {
  for (const auto& t : twins_)
    if (t.config().name == equipment) return t;
  config_.find(equipment);  // throws the message listing the equipment
  throw RuntimeError("UnitTwin: call fit before twin()");
}

Table UnitTwin::generate(long n, const std::string& target, std::optional<std::uint64_t> seed) const {
  if (!is_fitted()) throw RuntimeError("UnitTwin '" + config_.name + "': call fit before generate");
  const std::uint64_t base = seed ? *seed : 0x51ED;
  Table out;
  out.columns = config_.all_tags();
  std::map<std::string, Eigen::Index> col;
  for (std::size_t j = 0; j < out.columns.size(); ++j) col[out.columns[j]] = static_cast<Eigen::Index>(j);
  std::set<std::string> filled;
  for (std::size_t k = 0; k < twins_.size(); ++k) {
    const EquipmentTwin& tw = twins_[k];
    const auto names = tw.config().tag_names();
    std::vector<Eigen::Index> given, own;  // positions within the twin's tags
    for (std::size_t j = 0; j < names.size(); ++j) (filled.count(names[j]) ? given : own).push_back(static_cast<Eigen::Index>(j));
    const std::uint64_t s = base + 7777ULL * k;
    if (k == 0) {
      Generated g = tw.generate(n, target, s);
      out.values = Matrix::Constant(g.data.rows(), static_cast<Eigen::Index>(out.columns.size()),
                                    std::numeric_limits<double>::quiet_NaN());
      for (std::size_t j = 0; j < names.size(); ++j) out.values.col(col[names[j]]) = g.data.values.col(static_cast<Eigen::Index>(j));
    } else {
      const Eigen::Index rows = out.values.rows();
      const long pool_n = given.empty() ? rows : std::max<long>(4 * rows, 2000);
      Generated pool = tw.generate(pool_n, target, s);
      std::vector<Eigen::Index> pick(static_cast<std::size_t>(rows));
      if (given.empty()) {
        for (Eigen::Index i = 0; i < rows; ++i) pick[static_cast<std::size_t>(i)] = i % pool.data.rows();
      } else {
        // Nearest pool sample on the received tags, in the twin's scaling.
        const Eigen::VectorXd mu = tw.scaler_mean(), sd = tw.scaler_scale();
        const auto g = static_cast<Eigen::Index>(given.size());
        Matrix P(pool.data.rows(), g), Q(rows, g);
        for (Eigen::Index c = 0; c < g; ++c) {
          const Eigen::Index j = given[static_cast<std::size_t>(c)];
          P.col(c) = (pool.data.values.col(j).array() - mu[j]) / sd[j];
          Q.col(c) = (out.values.col(col[names[static_cast<std::size_t>(j)]]).array() - mu[j]) / sd[j];
        }
        detail::NeighborIndex<double> index(P.data(), static_cast<std::size_t>(P.rows()), static_cast<std::size_t>(g));
        std::vector<int> idx;
        std::vector<double> dist;
        index.knn(Q.data(), static_cast<std::size_t>(rows), 1, idx, dist);
        for (Eigen::Index i = 0; i < rows; ++i) pick[static_cast<std::size_t>(i)] = idx[static_cast<std::size_t>(i)];
      }
      for (Eigen::Index j : own) {
        const Eigen::Index c = col[names[static_cast<std::size_t>(j)]];
        for (Eigen::Index i = 0; i < rows; ++i) out.values(i, c) = pool.data.values(pick[static_cast<std::size_t>(i)], j);
      }
    }
    for (const auto& nm : names) filled.insert(nm);
  }
  return out;
}

Table UnitTwin::predict(const Table& data) const {
  if (!is_fitted()) throw RuntimeError("UnitTwin '" + config_.name + "': call fit before predict");
  Table out;
  out.timestamp_name = data.timestamp_name;
  out.timestamps = data.timestamps;
  out.values.resize(data.rows(), 0);
  for (const auto& t : twins_) {
    Table p = t.predict(data);
    Matrix M(data.rows(), out.values.cols() + p.values.cols());
    M << out.values, p.values;
    out.values = std::move(M);
    for (const auto& c : p.columns) out.columns.push_back(c);
  }
  return out;
}

void UnitTwin::put(Archive& archive) const {
  if (!is_fitted()) throw RuntimeError("UnitTwin '" + config_.name + "': call fit before saving");
  Archive::Entry e;
  e.kind = "unit_twin";
  e.settings_json = json{{"config", json::parse(config_.to_json())}, {"options", json::parse(options_.to_json())}}.dump();
  archive.put_entry("unit", std::move(e));
  for (const auto& t : twins_) t.put(archive, "equipment/" + t.config().name);
}

UnitTwin UnitTwin::get(const Archive& archive) {
  if (!archive.contains("unit") || archive.kind("unit") != "unit_twin")
    throw IOError("archive: no unit twin in this archive (it holds: " + archive_content(archive) + ")");
  UnitConfig cfg;
  TwinOptions opt;
  try {
    const json j = json::parse(archive.settings("unit"));
    cfg = UnitConfig::from_json(j.at("config").dump());
    opt = TwinOptions::from_json(j.at("options").dump());
  } catch (const json::exception& ex) {
    throw IOError(std::string("archive: the unit's settings are damaged: ") + ex.what());
  } catch (const InvalidArgument& ex) {
    throw IOError(std::string("archive: the unit's settings are inconsistent: ") + ex.what());
  }
  UnitTwin u(cfg, opt);
  for (const auto& eq : cfg.equipment) u.twins_.push_back(EquipmentTwin::get(archive, "equipment/" + eq.name));
  return u;
}

void UnitTwin::save(const std::string& path) const {
  Archive a;
  put(a);
  a.save(path);
}

UnitTwin UnitTwin::load(const std::string& path) { return get(Archive::load(path)); }

}  // namespace dtwin
