#include "dtwin/config.hpp"

#include <H5Cpp.h>
#include <Eigen/Core>
#include <nanoflann.hpp>
#include <omp.h>
#include <torch/version.h>
#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <sstream>
#include <thread>

#include "dtwin/version.hpp"

namespace dtwin {
namespace {

// OpenBLAS is found at run time so that the report names the library actually loaded (Debian
// switches libblas.so.3 through alternatives).
std::string blas_description() {
  using config_fn = char* (*)();
  using threads_fn = int (*)();
  auto cfg = reinterpret_cast<config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (!cfg) return "not OpenBLAS (reference or other BLAS; run scripts/bootstrap to select OpenBLAS)";
  std::string s = cfg();
  if (auto nt = reinterpret_cast<threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
    s += ", threads=" + std::to_string(nt());
  return s;  // openblas_get_config() starts with "OpenBLAS <version>"
}

std::string blas_library_path() {
  void* sym = dlsym(RTLD_DEFAULT, "dgemm_");
  Dl_info info;
  if (sym && dladdr(sym, &info) && info.dli_fname) return info.dli_fname;
  return "unknown";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> build_config() {
  std::vector<std::pair<std::string, std::string>> c;
  c.emplace_back("dtwin", DTWIN_VERSION_STRING);
  c.emplace_back("compiler", std::string("g++ ") + __VERSION__);
  c.emplace_back("eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                              "." + std::to_string(EIGEN_MINOR_VERSION));
  {
    std::ostringstream v;
    v << ((NANOFLANN_VERSION >> 8) & 0xf) << '.' << ((NANOFLANN_VERSION >> 4) & 0xf) << '.'
      << (NANOFLANN_VERSION & 0xf);
    c.emplace_back("nanoflann", v.str());
  }
  c.emplace_back("libtorch", TORCH_VERSION);
  {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    c.emplace_back("hdf5", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
  }
  c.emplace_back("blas", blas_description());
  c.emplace_back("blas_library", blas_library_path());
  c.emplace_back("cores", std::to_string(std::thread::hardware_concurrency()));
  c.emplace_back("openmp_threads", std::to_string(omp_get_max_threads()));
  c.emplace_back("torch_threads", std::to_string(at::get_num_threads()));
  return c;
}

std::string config_string() {
  std::ostringstream os;
  for (const auto& [k, v] : build_config()) {
    os << k << ':' << std::string(k.size() < 15 ? 15 - k.size() : 1, ' ') << v << '\n';
  }
  return os.str();
}

void set_num_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  omp_set_num_threads(n);
  at::set_num_threads(n);
  using set_fn = void (*)(int);
  if (auto f = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace dtwin
