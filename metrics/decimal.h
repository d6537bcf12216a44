// Decimal text of the numbers in a line: byte for byte what std::to_chars writes (for a
// double: the shortest decimal that reads back to it, fixed or scientific, whichever is
// shorter), only faster on the values metrics mostly hold. Pure code.
// Thread: any (constant tables only).
//
// Integers are written eight digits at a time: a 64-bit value is cut into 32-bit chunks of
// eight digits, each written as four two-digit pairs from a 200-byte table, so the
// divisions of one chunk do not wait for those of the others (std::to_chars divides the
// whole value by 100 again and again, each division waiting for the previous one).
//
// Doubles take a fast path when they have a short exact decimal form n / 10^k (0.5, 42,
// 0.126, 2.5e-07): see put_double in decimal.cpp. Every other double, NaN and infinities
// included, goes to std::to_chars. tests/metrics/test_decimal.cpp holds the proof that both
// agree with std::to_chars.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vigil::metrics::decimal {

// The most bytes of text one call writes: "-2.2250738585072014e-308" is 24, INT64_MIN 20.
inline constexpr size_t kMaxChars = 24;
// The room put_double needs at p: past its text it may write scratch bytes, up to this.
inline constexpr size_t kRoom = 48;

namespace detail {

// "00" "01" ... "99".
inline constexpr std::array<char, 200> kPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

inline void put_pair(char* p, uint32_t two_digits) { memcpy(p, &kPairs[2 * two_digits], 2); }

// Exactly 4 digits of y < 10^4, leading zeros included.
inline void put4(char* p, uint32_t y) {
  uint32_t hi = y / 100;
  put_pair(p, hi);
  put_pair(p + 2, y - hi * 100);
}

// Exactly 8 digits of x < 10^8, leading zeros included.
inline void put8(char* p, uint32_t x) {
  uint32_t hi = x / 10000;
  put4(p, hi);
  put4(p + 4, x - hi * 10000);
}

// How many digits x < 10^8 has (1 for 0). Comparisons only: most values are small.
inline int digits8(uint32_t x) {
  if (x < 10000) return x < 100 ? (x < 10 ? 1 : 2) : (x < 1000 ? 3 : 4);
  return x < 1000000 ? (x < 100000 ? 5 : 6) : (x < 10000000 ? 7 : 8);
}

// The digits of x < 10^8, no leading zeros.
inline char* put_upto8(char* p, uint32_t x) {
  char* end = p + digits8(x);
  char* q = end;
  while (x >= 100) {
    uint32_t hi = x / 100;
    q -= 2;
    put_pair(q, x - hi * 100);
    x = hi;
  }
  if (x >= 10) {
    put_pair(q - 2, x);
  } else {
    q[-1] = static_cast<char>('0' + x);
  }
  return end;
}

}  // namespace detail

// Writes v in decimal; returns the end.
[[gnu::always_inline]] inline char* put_u64(char* p, uint64_t v) {
  constexpr uint64_t k8 = 100000000;
  constexpr uint64_t k16 = k8 * k8;
  if (v < k8) return detail::put_upto8(p, static_cast<uint32_t>(v));
  if (v < k16) {
    uint64_t hi = v / k8;
    p = detail::put_upto8(p, static_cast<uint32_t>(hi));
    detail::put8(p, static_cast<uint32_t>(v - hi * k8));
    return p + 8;
  }
  uint64_t top = v / k16;  // At most 1844.
  uint64_t rest = v - top * k16;
  uint64_t mid = rest / k8;
  p = detail::put_upto8(p, static_cast<uint32_t>(top));
  detail::put8(p, static_cast<uint32_t>(mid));
  detail::put8(p + 8, static_cast<uint32_t>(rest - mid * k8));
  return p + 16;
}

// Writes v in decimal, '-' first when negative; INT64_MIN too.
inline char* put_i64(char* p, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    *p++ = '-';
    u = 0 - u;
  }
  return put_u64(p, u);
}

// Writes what std::to_chars(p, p + kMaxChars, v) writes; returns the end. REQUIRES: kRoom
// bytes of room at p.
char* put_double(char* p, double v);

}  // namespace vigil::metrics::decimal
