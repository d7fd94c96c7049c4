// Embeds a noisy swiss roll with dtwin::Phate and prints the chosen t and a few coordinates.
#include <dtwin/config.hpp>
#include <dtwin/phate.hpp>

#include <cmath>
#include <iostream>
#include <random>

int main() {
  std::mt19937 rng(0);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = 800;
  dtwin::Phate<double>::Matrix X(n, 3);
  for (int i = 0; i < n; ++i) {
    const double t = 1.5 * M_PI * (1 + 2 * u(rng));
    X.row(i) << t * std::cos(t), 21 * u(rng), t * std::sin(t);
  }
  dtwin::PhateParams params;
  params.random_state = 0;
  dtwin::Phate<double> phate(params);
  const auto Y = phate.fit_transform(X);
  std::cout << dtwin::config_string();
  std::cout << "embedded " << Y.rows() << " samples in " << Y.cols() << " dimensions, t = " << phate.optimal_t() << "\n";
  std::cout << "first sample at (" << Y(0, 0) << ", " << Y(0, 1) << ")\n";
  return Y.allFinite() ? 0 : 1;
}
