#include "params_json.hpp"

namespace dtwin::detail {

using json = nlohmann::json;

namespace {

json seed_json(const std::optional<std::uint64_t>& s) { return s ? json(*s) : json(nullptr); }
void read_seed(const json& j, std::optional<std::uint64_t>& s) {
  if (j.contains("random_state")) {
    if (j.at("random_state").is_null()) s.reset();
    else s = json_number<std::uint64_t>(j.at("random_state"), "random_state");
  }
}
template <typename T>
void read(const json& j, const char* key, T& field) {
  if (!j.contains(key)) return;
  if constexpr (std::is_arithmetic_v<T>) {
    field = json_number<T>(j.at(key), key);
  } else if constexpr (std::is_same_v<T, std::vector<int>> || std::is_same_v<T, std::vector<double>>) {
    const json& a = j.at(key);
    if (!a.is_array()) throw InvalidArgument(std::string(key) + " must be a list");
    field.clear();
    for (const auto& v : a) field.push_back(json_number<typename T::value_type>(v, key));
  } else {
    field = j.at(key).get<T>();
  }
}

}  // namespace

// Each struct's fields are listed twice below (out and in); keep the two lists in step.
json to_json(const PhateParams& p) {
  return {{"n_components", p.n_components}, {"knn", p.knn}, {"decay", p.decay}, {"n_landmark", p.n_landmark},
          {"t", p.t}, {"gamma", p.gamma}, {"n_pca", p.n_pca}, {"mds", p.mds}, {"mds_solver", p.mds_solver},
          {"knn_dist", p.knn_dist}, {"random_state", seed_json(p.random_state)},
          {"n_jobs", p.n_jobs}, {"t_max", p.t_max}, {"thresh", p.thresh}, {"n_svd", p.n_svd},
          {"knn_method", p.knn_method}};
}
PhateParams phate_params(const json& j) {
  PhateParams p;
  read(j, "n_components", p.n_components);
  read(j, "knn", p.knn);
  read(j, "decay", p.decay);
  read(j, "n_landmark", p.n_landmark);
  read(j, "t", p.t);
  read(j, "gamma", p.gamma);
  read(j, "n_pca", p.n_pca);
  read(j, "mds", p.mds);
  read(j, "mds_solver", p.mds_solver);
  read(j, "knn_dist", p.knn_dist);
  read_seed(j, p.random_state);
  read(j, "n_jobs", p.n_jobs);
  read(j, "t_max", p.t_max);
  read(j, "thresh", p.thresh);
  read(j, "n_svd", p.n_svd);
  read(j, "knn_method", p.knn_method);
  return p;
}

json to_json(const PGanParams& p) {
  return {{"generator_hidden", p.generator_hidden}, {"branch_hidden", p.branch_hidden},
          {"discriminator_hidden", p.discriminator_hidden}, {"loss", p.loss}, {"l1_weight", p.l1_weight},
          {"label_smoothing", p.label_smoothing}, {"gp_weight", p.gp_weight}, {"n_critic", p.n_critic},
          {"epochs", p.epochs}, {"batch_size", p.batch_size}, {"lr_generator", p.lr_generator},
          {"lr_discriminator", p.lr_discriminator}, {"beta1", p.beta1}, {"beta2", p.beta2},
          {"validation_fraction", p.validation_fraction}, {"patience", p.patience},
          {"random_state", seed_json(p.random_state)}, {"n_jobs", p.n_jobs}};
}
PGanParams pgan_params(const json& j) {
  PGanParams p;
  read(j, "generator_hidden", p.generator_hidden);
  read(j, "branch_hidden", p.branch_hidden);
  read(j, "discriminator_hidden", p.discriminator_hidden);
  read(j, "loss", p.loss);
  read(j, "l1_weight", p.l1_weight);
  read(j, "label_smoothing", p.label_smoothing);
  read(j, "gp_weight", p.gp_weight);
  read(j, "n_critic", p.n_critic);
  read(j, "epochs", p.epochs);
  read(j, "batch_size", p.batch_size);
  read(j, "lr_generator", p.lr_generator);
  read(j, "lr_discriminator", p.lr_discriminator);
  read(j, "beta1", p.beta1);
  read(j, "beta2", p.beta2);
  read(j, "validation_fraction", p.validation_fraction);
  read(j, "patience", p.patience);
  read_seed(j, p.random_state);
  read(j, "n_jobs", p.n_jobs);
  return p;
}

json to_json(const SoftSensorParams& p) {
  return {{"hidden", p.hidden}, {"activation", p.activation}, {"dropout", p.dropout},
          {"weight_decay", p.weight_decay}, {"lr", p.lr}, {"epochs", p.epochs}, {"batch_size", p.batch_size},
          {"validation_fraction", p.validation_fraction}, {"patience", p.patience},
          {"random_state", seed_json(p.random_state)}, {"n_jobs", p.n_jobs}};
}
SoftSensorParams soft_sensor_params(const json& j) {
  SoftSensorParams p;
  read(j, "hidden", p.hidden);
  read(j, "activation", p.activation);
  read(j, "dropout", p.dropout);
  read(j, "weight_decay", p.weight_decay);
  read(j, "lr", p.lr);
  read(j, "epochs", p.epochs);
  read(j, "batch_size", p.batch_size);
  read(j, "validation_fraction", p.validation_fraction);
  read(j, "patience", p.patience);
  read_seed(j, p.random_state);
  read(j, "n_jobs", p.n_jobs);
  return p;
}

json to_json(const SparseGenerationParams& p) {
  return {{"n_cycles", p.n_cycles}, {"n_candidates", p.n_candidates}, {"radius", p.radius},
          {"radius_law", p.radius_law}, {"target", p.target}, {"density_knn", p.density_knn},
          {"sparse_power", p.sparse_power}, {"bounds", p.bounds}, {"box_lo", p.box_lo}, {"box_hi", p.box_hi},
          {"random_state", seed_json(p.random_state)}};
}
SparseGenerationParams sparse_params(const json& j) {
  SparseGenerationParams p;
  read(j, "n_cycles", p.n_cycles);
  read(j, "n_candidates", p.n_candidates);
  read(j, "radius", p.radius);
  read(j, "radius_law", p.radius_law);
  read(j, "target", p.target);
  read(j, "density_knn", p.density_knn);
  read(j, "sparse_power", p.sparse_power);
  read(j, "bounds", p.bounds);
  read(j, "box_lo", p.box_lo);
  read(j, "box_hi", p.box_hi);
  read_seed(j, p.random_state);
  return p;
}

}  // namespace dtwin::detail
