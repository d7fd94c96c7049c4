#pragma once
// Scoped OpenMP thread count, so one object's n_jobs does not leak into the caller's setting.
#ifdef _OPENMP
#include <omp.h>
#endif
#include <thread>

namespace dtwin::detail {

inline int resolve_threads(int n_jobs) {
  if (n_jobs > 0) return n_jobs;
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}

class ScopedThreads {
 public:
  explicit ScopedThreads(int n_jobs) {
#ifdef _OPENMP
    old_ = omp_get_max_threads();
    omp_set_num_threads(resolve_threads(n_jobs));
#else
    (void)n_jobs;
#endif
  }
  ~ScopedThreads() {
#ifdef _OPENMP
    omp_set_num_threads(old_);
#endif
  }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int old_ = 1;
};

}  // namespace dtwin::detail
