#pragma once
// Pins OpenBLAS's own thread pool for a scope and restores it afterwards. OpenBLAS results
// (PHATE's eigen-solver) change in the last digits with its thread count, so a twin fits with
// a count set by its n_jobs, not by the environment (a Dask worker runs with one thread).
#include <dlfcn.h>

namespace dtwin::detail {

class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int n) {
    using get_fn = int (*)();
    if (auto g = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
      old_ = g();
      set(n);
    }
  }
  ~ScopedBlasThreads() {
    if (old_ > 0) set(old_);
  }
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  static void set(int n) {
    using set_fn = void (*)(int);
    if (auto s = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) s(n);
  }
  int old_ = 0;
};

}  // namespace dtwin::detail
