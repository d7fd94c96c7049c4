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
//
// Reuse does not help the first touch of each block, and on those machines a 4 KB page fault
// costs about 12 us: a fresh 16 MB matrix (2,000 x 2,000 floats) took 50 ms to fault in, more
// than the product that fills it. Given the bytes a fit expects to need, the outermost scope
// grows the heap by that much at once (untouched, so nothing becomes resident) and advises the
// kernel to back the range with 2 MB pages (MADV_HUGEPAGE; transparent huge pages are in
// "madvise" mode on Debian by default), so the blocks carved from it later fault in 512 times
// less often. The advice is only a hint: where huge pages are off or unavailable it does nothing.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#endif

namespace dtwin::detail {

class ScopedHeapReuse {
 public:
  // expected_bytes: about how much the scope's large temporaries will take at once (0: unknown).
  explicit ScopedHeapReuse(std::size_t expected_bytes = 0) {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(state().mutex);
    if (state().depth++ == 0 && !user_tuned()) {
      mallopt(M_MMAP_THRESHOLD, kThreshold);
      mallopt(M_TRIM_THRESHOLD, kThreshold);
      reserve_huge(expected_bytes);
    }
#else
    (void)expected_bytes;
#endif
  }
  ~ScopedHeapReuse() {
#if defined(__GLIBC__)
    std::lock_guard<std::mutex> lock(state().mutex);
    if (--state().depth == 0 && !user_tuned()) {
      mallopt(M_MMAP_THRESHOLD, 32 << 20);  // where glibc's dynamic threshold ends up
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
  static constexpr int kThreshold = 1 << 30;

  // Grows the heap by `bytes` with the huge-page advice, then frees the block: it stays in the
  // heap (trim threshold above) for the allocations that follow. Blocks at or above the mmap
  // threshold, and heaps of other threads' arenas (mmap'd, at most 64 MB), are not the main
  // heap: skipped.
  static void reserve_huge(std::size_t bytes) {
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && !defined(__SANITIZE_ADDRESS__)
    constexpr std::uintptr_t huge = 2u << 20;
    if (bytes < 2 * huge) return;
    bytes = std::min<std::size_t>(bytes, kThreshold - huge);
    void* p = std::malloc(bytes);
    if (!p) return;
    const auto lo = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto hi = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    std::free(p);
#else
    (void)bytes;
#endif
  }

  static bool user_tuned() {
    return std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr;
  }
};

}  // namespace dtwin::detail
