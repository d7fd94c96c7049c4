#pragma once
// Pins LibTorch and OpenBLAS for the duration of a training or inference call: LibTorch gets
// n threads and OpenBLAS one, since two pools on the same cores made a small GAN loop 3-4x
// slower here. Restores both afterwards.
#include <ATen/Parallel.h>

#include "blas_threads.hpp"
#include "dtwin/detail/threads.hpp"

namespace dtwin::detail {

class TorchThreads {
 public:
  explicit TorchThreads(int n_jobs) : blas_(1) {
    old_torch_ = at::get_num_threads();
    at::set_num_threads(resolve_threads(n_jobs));
  }
  ~TorchThreads() { at::set_num_threads(old_torch_); }
  TorchThreads(const TorchThreads&) = delete;
  TorchThreads& operator=(const TorchThreads&) = delete;

 private:
  ScopedBlasThreads blas_;
  int old_torch_ = 1;
};

}  // namespace dtwin::detail
