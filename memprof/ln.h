// Natural logarithms for the sampler, without libm. vigil does not otherwise need libm,
// and mapping it cost an idle vigil about 300 KiB of resident pages (bench/footprint.sh).
// Pure functions; allocator context safe (no alloc, no errno).
#pragma once

#include <bit>
#include <cstdint>

namespace vigil::memprof {

// 2 atanh(s) = ln((1 + s) / (1 - s)), by its odd series 2 (s + s^3/3 + s^5/5 + ...). For
// |s| <= 0.172 (s^2 <= 0.0295) the 13 terms below leave a remainder under 2^-60 of the sum.
constexpr double two_atanh(double s) {
  double s2 = s * s;
  double sum = 1.0 / 25;
  for (int k = 11; k >= 0; --k) sum = 1.0 / (2 * k + 1) + s2 * sum;
  return 2.0 * s * sum;
}

// ln(x) for a positive, finite, normal x (the sampler's uniform draws are at least 2^-53):
// x = m 2^e with m in [sqrt(1/2), sqrt(2)], so ln(x) = e ln(2) + 2 atanh((m - 1) / (m + 1)),
// with |s| <= 0.172.
inline double ln(double x) {
  // ln(2) in two parts: e * kLn2Hi is exact for any exponent (its low 11 bits are zero).
  constexpr double kLn2Hi = 0x1.62e42fefa3800p-1;
  constexpr double kLn2Lo = 0x1.ef35793c76730p-45;
  auto bits = std::bit_cast<uint64_t>(x);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  double m = std::bit_cast<double>((bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1023} << 52));
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  auto k = static_cast<double>(e);
  return k * kLn2Hi + (k * kLn2Lo + two_atanh((m - 1.0) / (m + 1.0)));
}

// ln(1 + x) for x in (-1, 1], accurate for tiny x as well (the sampler's ln(1 - rate) at a
// rate of 1e-6): near 0 it takes s = x / (2 + x), with no rounded 1 + x; |s| <= 0.143.
inline double ln1p(double x) {
  if (x < -0.25 || x > 0.25) return ln(1.0 + x);
  return two_atanh(x / (2.0 + x));
}

}  // namespace vigil::memprof
