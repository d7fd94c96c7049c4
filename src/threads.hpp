#pragma once
// Pins LibTorch and OpenBLAS for the duration of a training or inference call: LibTorch gets
// n threads and OpenBLAS one, since two pools on the same cores made a small GAN loop 3-4x
// slower here. Restores both afterwards.
#include <ATen/Parallel.h>

#include <dlfcn.h>

#include "dtwin/detail/threads.hpp"

namespace dtwin::detail {

class TorchThreads {
 public:
  explicit TorchThreads(int n_jobs) {
    old_torch_ = at::get_num_threads();
    at::set_num_threads(resolve_threads(n_jobs));
    using get_fn = int (*)();
    if (auto g = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
      old_blas_ = g();
      set_blas(1);
    }
  }
  ~TorchThreads() {
    at::set_num_threads(old_torch_);
    if (old_blas_ > 0) set_blas(old_blas_);
  }
  TorchThreads(const TorchThreads&) = delete;
  TorchThreads& operator=(const TorchThreads&) = delete;

 private:
  static void set_blas(int n) {
    using set_fn = void (*)(int);
    if (auto s = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) s(n);
  }
  int old_torch_ = 1;
  int old_blas_ = 0;
};

}  // namespace dtwin::detail
