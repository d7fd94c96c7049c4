#pragma once
// PHATE's log potential, -log(max(P^t, 0) + 1e-7), over the m x m powered operator.
//
// In single precision this is a vectorised natural logarithm (Cephes' logf, the polynomial
// Eigen uses too), 32-byte vectors where the CPU has AVX2: at 1,000 samples Eigen's 16-byte
// version took 2.4 ms of the potential stage. The SSE2 and AVX2 variants do the same operations
// lane by lane and give the same bits (simd.hpp), within an ulp of the exact logarithm of the
// float sum. Double precision, and machines other than x86, keep Eigen's logarithm.
#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "dtwin/detail/simd.hpp"

namespace dtwin::phate_detail {

namespace potential_detail {

constexpr float kOffset = 1e-7f;

// v = -log(max(v, 0) + kOffset) lane by lane, for a vector type V of floats and I of int32 of
// the same size; in place, as 32-byte vectors do not pass by value between targets (simd.hpp).
template <typename V, typename I>
[[gnu::always_inline]] inline void neg_log_offset_lanes(V& v) {
  const V zero = V{}, one = V{} + 1.0f, half = V{} + 0.5f, offset = V{} + kOffset;
  const V sqrt_half = V{} + 0.707106781186547524f;
  v = (v > zero ? v : zero) + offset;  // in [1e-7, inf): positive and normal
  // v = m * 2^e with m in [0.5, 1).
  I bits;
  std::memcpy(&bits, &v, sizeof(V));
  V e = __builtin_convertvector((bits >> 23) - 126, V);
  bits = (bits & 0x007fffff) | 0x3f000000;
  V m;
  std::memcpy(&m, &bits, sizeof(V));
  // m below sqrt(1/2): take 2m - 1 and e - 1, so that the argument stays within [-0.29, 0.41].
  const I small = m < sqrt_half;
  V twice;
  I mb;
  std::memcpy(&mb, &m, sizeof(V));
  mb &= small;
  std::memcpy(&twice, &mb, sizeof(V));
  m = (m - one) + twice;
  V lower;
  I ob;
  std::memcpy(&ob, &one, sizeof(V));
  ob &= small;
  std::memcpy(&lower, &ob, sizeof(V));
  e = e - lower;
  const V z = m * m;
  V y = V{} + 7.0376836292e-2f;
  y = y * m + (V{} - 1.1514610310e-1f);
  y = y * m + (V{} + 1.1676998740e-1f);
  y = y * m + (V{} - 1.2420140846e-1f);
  y = y * m + (V{} + 1.4249322787e-1f);
  y = y * m + (V{} - 1.6668057665e-1f);
  y = y * m + (V{} + 2.0000714765e-1f);
  y = y * m + (V{} - 2.4999993993e-1f);
  y = y * m + (V{} + 3.3333331174e-1f);
  y = y * m * z;
  y = y + e * (V{} - 2.12194440e-4f);
  y = y - half * z;
  V r = m + y;
  r = r + e * (V{} + 0.693359375f);
  v = zero - r;
}

// x[i] = -log(max(x[i], 0) + kOffset) for i < count. The last partial vector goes through the
// same lanes from a padded copy, so every entry takes the same operations in either variant.
template <typename V, typename I>
[[gnu::always_inline]] inline void neg_log_offset(float* x, std::size_t count) {
  constexpr std::size_t L = sizeof(V) / sizeof(float);
  const std::size_t whole = count - count % L;
  for (std::size_t i = 0; i < whole; i += L) {
    V v;
    std::memcpy(&v, x + i, sizeof(V));
    neg_log_offset_lanes<V, I>(v);
    std::memcpy(x + i, &v, sizeof(V));
  }
  if (whole < count) {
    float pad[L] = {};
    std::memcpy(pad, x + whole, (count - whole) * sizeof(float));
    V v;
    std::memcpy(&v, pad, sizeof(V));
    neg_log_offset_lanes<V, I>(v);
    std::memcpy(pad, &v, sizeof(V));
    std::memcpy(x + whole, pad, (count - whole) * sizeof(float));
  }
}

#ifdef DTWIN_SIMD_X86
typedef std::int32_t i4 __attribute__((vector_size(16), may_alias));
typedef std::int32_t i8 __attribute__((vector_size(32), may_alias));

[[gnu::target("avx2")]] inline void neg_log_offset_avx2(float* x, std::size_t count) {
  neg_log_offset<detail::simd::f8, i8>(x, count);
}
inline void neg_log_offset_sse2(float* x, std::size_t count) { neg_log_offset<detail::simd::f4, i4>(x, count); }
#endif

}  // namespace potential_detail

// to = -log(max(P, 0) + 1e-7), entry by entry; `to` may be P itself.
template <typename S, typename Derived>
void log_potential(const Eigen::MatrixBase<Derived>& P, Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& to) {
#ifdef DTWIN_SIMD_X86
  if constexpr (std::is_same_v<S, float>) {
    if (static_cast<const void*>(&P.derived()) != static_cast<const void*>(&to)) to = P;
    const std::size_t count = static_cast<std::size_t>(to.size());
    if (detail::simd::has_avx2()) potential_detail::neg_log_offset_avx2(to.data(), count);
    else potential_detail::neg_log_offset_sse2(to.data(), count);
    return;
  }
#endif
  to = -(P.array().max(S(0)) + S(1e-7)).log();
}

}  // namespace dtwin::phate_detail
