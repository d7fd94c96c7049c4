#pragma once
// Large temporaries reuse the heap during a fit instead of fresh pages from the kernel.
//
// glibc serves every allocation above its mmap threshold (dynamic, at most 32 MB on 64-bit)
// with a new mmap and unmaps it on free, so each large temporary of a fit (at 100,000 samples
// the landmark stage's 100,000 x 110 blocks are 44 MB) is page-faulted in afresh, page by page.
// On the virtual machines measured in docs/phate.md that cost more than the arithmetic: PHATE on
// 100,000 samples spent 9 of 13 s in the landmark stage's page faults. While a ScopedHeapReuse
// lives, freed blocks stay in the heap for the next allocation; when the last one ends the
// thresholds return to where glibc's own dynamic rule settles after a large free (mmap above
// 32 MB, trim above 64 MB) and malloc_trim hands the freed memory back to the system, so the
// process is not left larger than it was. Environment settings of the user
// (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) are left alone. Elsewhere than glibc: no-op;
// a glibc that refuses a threshold above 32 MB (older releases did) keeps its own, which costs
// speed only (Debian 12's 2.36 accepts it; tests/cpp/test_heap.cpp checks the effect).
#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dtwin::detail {

class ScopedHeapReuse {
 public:
  ScopedHeapReuse() {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(state().mutex);
    if (state().depth++ == 0 && !user_tuned()) {
      mallopt(M_MMAP_THRESHOLD, 1 << 30);
      mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
#endif
  }
  ~ScopedHeapReuse() {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(state().mutex);
    if (--state().depth == 0 && !user_tuned()) {
      mallopt(M_MMAP_THRESHOLD, 32 << 20);
      mallopt(M_TRIM_THRESHOLD, 64 << 20);
      malloc_trim(0);
    }
#endif
  }
  ScopedHeapReuse(const ScopedHeapReuse&) = delete;
  ScopedHeapReuse& operator=(const ScopedHeapReuse&) = delete;

 private:
  struct State {
    std::mutex mutex;
    int depth = 0;
  };
  // Fits on several threads share one setting: the first to start sets it, the last to end restores it.
  static State& state() {
    static State s;
    return s;
  }
  static bool user_tuned() {
    return std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr;
  }
};

}  // namespace dtwin::detail
