#pragma once
// Build and runtime facts a user needs to report a problem or check performance: versions of
// dtwin and its dependencies, the BLAS in use, and thread counts.
#include <string>
#include <utility>
#include <vector>

namespace dtwin {

// Ordered (key, value) pairs, e.g. {"dtwin", "0.1.0"}, {"blas", "OpenBLAS 0.3.21 ..."}.
std::vector<std::pair<std::string, std::string>> build_config();

// build_config() as aligned "key: value" lines.
std::string config_string();

// Sets the threads used by dtwin's OpenMP loops, OpenBLAS and LibTorch together, so that the
// pools do not oversubscribe the cores (measured here: 3-4x slower when they fight).
// n <= 0 means "all cores".
void set_num_threads(int n);
int get_num_threads();

}  // namespace dtwin
