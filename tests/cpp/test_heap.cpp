// detail::ScopedHeapReuse: inside the scope a freed large block serves the next allocation
// without page faults; after it, large blocks come from fresh mappings again and the freed
// memory went back to the system.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dtwin/detail/heap.hpp"

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Faults taken by allocating and writing a 64 MB block (a vector writes every page).
long faults_of_a_large_block() {
  const long before = minor_faults();
  std::vector<char> block(64u << 20, 1);
  const long faults = minor_faults() - before;
  EXPECT_EQ(block[block.size() / 2], 1);
  return faults;
}

std::string transparent_huge_pages_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (const char* mode : {"always", "madvise", "never"})
    if (s.find(std::string("[") + mode + "]") != std::string::npos) return mode;
  return "unknown";
}

bool transparent_huge_pages_always() { return transparent_huge_pages_mode() == "always"; }

}  // namespace

TEST(ScopedHeapReuse, LargeBlocksReuseTheHeapInsideTheScopeOnly) {
#if !defined(__GLIBC__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "glibc's allocator only (sanitizers bring their own)";
#else
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_"))
    GTEST_SKIP() << "the user's malloc settings are left alone";
  const long pages = (64l << 20) / 4096;
  long inside = 0;
  {
    dtwin::detail::ScopedHeapReuse reuse;
    dtwin::detail::ScopedHeapReuse nested;  // nesting keeps the setting until the outer scope ends
    faults_of_a_large_block();
    inside = faults_of_a_large_block();
  }
  EXPECT_LT(inside, pages / 8);
  // Outside, the block is mapped afresh: every 4 KB page faults unless the kernel hands out
  // huge pages by itself.
  if (!transparent_huge_pages_always()) EXPECT_GT(faults_of_a_large_block(), pages / 2);
#endif
}

TEST(ScopedHeapReuse, AnnouncedBytesFaultInByHugePages) {
#if !defined(__GLIBC__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "glibc's allocator only (sanitizers bring their own)";
#else
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_"))
    GTEST_SKIP() << "the user's malloc settings are left alone";
  const std::string mode = transparent_huge_pages_mode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "transparent huge pages are " << mode << " here";
  const long pages = (64l << 20) / 4096;
  long first = 0;
  {
    dtwin::detail::ScopedHeapReuse reuse(128u << 20);
    first = faults_of_a_large_block();  // first touch of fresh memory, no block freed before
  }
  // A 2 MB page covers 512 of 4 KB: 32 faults would do; the kernel may fall back to small pages
  // for some ranges when it has no free huge page.
  EXPECT_LT(first, pages / 4);
#endif
}
