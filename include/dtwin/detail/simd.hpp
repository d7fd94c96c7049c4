#pragma once
// Vector code for the few loops PHATE spends its time in, on a portable build (no -march).
// On x86 with GCC or Clang a loop is compiled twice, for SSE2 (every x86-64) and for AVX2
// (a function with the target attribute), and the variant is picked at run time. The variants
// do lane by lane the same operations in the same order (one 32-byte AVX2 vector where SSE2
// takes two of 16), without fused multiply-adds, so they give the same bits: a result does not
// depend on the machine. Elsewhere the callers keep a scalar loop.
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define DTWIN_SIMD_X86 1
#include <immintrin.h>
#endif

namespace dtwin::detail::simd {

#ifdef DTWIN_SIMD_X86
// may_alias: the vectors read and write arrays of float and double. Dereferencing a pointer
// to one assumes its alignment; unaligned data goes through memcpy.
typedef float f4 __attribute__((vector_size(16), may_alias));
typedef double d2 __attribute__((vector_size(16), may_alias));
typedef float f8 __attribute__((vector_size(32), may_alias));
typedef double d4 __attribute__((vector_size(32), may_alias));

template <typename S> struct Vectors;
template <> struct Vectors<float> { using v16 = f4; using v32 = f8; };
template <> struct Vectors<double> { using v16 = d2; using v32 = d4; };

inline bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

// Correctly rounded square roots (IEEE), so the variants agree; in place, as 32-byte vectors
// do not pass by value between functions of different targets (their ABIs differ).
[[gnu::always_inline]] inline void sqrt_sse2(f4& x) { x = (f4)_mm_sqrt_ps((__m128)x); }
[[gnu::always_inline]] inline void sqrt_sse2(d2& x) { x = (d2)_mm_sqrt_pd((__m128d)x); }
[[gnu::always_inline, gnu::target("avx2")]] inline void sqrt_avx2(f8& x) { x = (f8)_mm256_sqrt_ps((__m256)x); }
[[gnu::always_inline, gnu::target("avx2")]] inline void sqrt_avx2(d4& x) { x = (d4)_mm256_sqrt_pd((__m256d)x); }
#endif

}  // namespace dtwin::detail::simd
