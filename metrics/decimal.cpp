// The fast path of put_double, and why it writes what std::to_chars writes.
//
// std::to_chars(double) writes the decimal with the fewest significant digits that reads
// back to the same double (ties between two such decimals go to the closer one), in fixed
// or scientific notation, whichever has fewer characters (fixed on a tie).
//
// For a = |v| below 2^50, the fast path takes the largest k <= 22 with a * 10^k below 2^50
// (from a's binary exponent), x = a * 10^k as computed, n = round(x), and writes n / 10^k
// without n's trailing zeros when it reads back to a:
//   - The test is exact: n <= 2^50 and 10^k (k <= 22) are exact doubles, so n / 10^k in
//     double arithmetic is the correctly rounded quotient, ties to even, which is what
//     reading the decimal back gives.
//   - At this k at most one integer can pass, and if one does it is round(x): a double
//     reads back from within half an ulp of it, at most a * 2^-53, so a passing integer is
//     within a * 10^k * 2^-53 < 1/8 of a * 10^k, and x is within 1/8 of a * 10^k too.
//   - If the shortest decimal of a has j <= k digits after the point, it is m / 10^j, and
//     m * 10^(k-j) passes at k: it is n. Conversely n = m * 10^z with m not a multiple of
//     10 passes at j = k - z, and no decimal with fewer digits after the point passes (it
//     would give a second integer passing at k), so m / 10^(k-z) is the shortest decimal;
//     being the only one of its length, no tie is to be broken.
//   - If n does not pass, the shortest decimal of a needs more than k digits after the
//     point: with a * 10^k >= 2^45 that is 15 to 17 significant digits, or a below 1e-7
//     (k = 22) with more than 22 digits after the point.
// The notation is then chosen by the same character count. Doubles with no such short form
// (most doubles computed by a division), |v| >= 2^50, NaN and infinities go to
// std::to_chars itself: one multiplication and one division spent for nothing.
#include "metrics/decimal.h"

#include <bit>
#include <charconv>
#include <cmath>

namespace vigil::metrics::decimal {
namespace {

// 10^0 .. 10^(N-1) in T.
template <class T, size_t N>
constexpr std::array<T, N> powers_of_ten() {
  std::array<T, N> t{};
  T p = 1;
  for (T& x : t) {
    x = p;
    p *= 10;
  }
  return t;
}

// 10^k, exact in a double up to k = 22.
constexpr std::array<double, 23> kPow10 = powers_of_ten<double, 23>();

constexpr double kLimit = 0x1p50;

// By the biased binary exponent b of a (a < 2^(b - 1022)): the largest k <= 22 with
// 10^k * 2^(b - 1022) <= 2^50, so that a * 10^k < 2^50. Only b <= 1072 (a < 2^50) is used.
constexpr std::array<int8_t, 1073> kScale = [] {
  std::array<int8_t, 1073> t{};
  for (int b = 0; b < 1073; ++b) {
    int room = 50 - (b - 1022);  // Subnormals (b = 0) are below 2^-1022 too.
    double limit = 1;
    for (int i = 0; i < room && limit < 1e23; ++i) limit *= 2;
    int k = 0;
    while (k < 22 && kPow10[k + 1] <= limit) ++k;
    t[b] = static_cast<int8_t>(k);
  }
  return t;
}();

// x truncated, for 0 <= x < 2^51. Through int64_t: the conversions between double and
// uint64_t have no single instruction before AVX-512, those of int64_t do.
uint64_t to_integer(double x) { return static_cast<uint64_t>(static_cast<int64_t>(x)); }

// 10^k as an integer, k <= 16.
constexpr std::array<uint64_t, 17> kPow10Int = powers_of_ten<uint64_t, 17>();

// Digits of 0 < n < 10^16: t = floor(bit_width * log10(2)) (1233 / 4096 is just above
// log10(2)) is the count or one less.
int digit_count(uint64_t n) {
  const int t = (std::bit_width(n) * 1233) >> 12;
  return t + (n >= kPow10Int[t] ? 1 : 0);
}

// Trailing decimal zeros of 0 < x < 10^8 (7 at most).
int trailing_zeros8(uint32_t x) {
  int z = 0;
  if (x % 10000 == 0) {
    x /= 10000;
    z += 4;
  }
  if (x % 100 == 0) {
    x /= 100;
    z += 2;
  }
  return z + (x % 10 == 0 ? 1 : 0);
}

// Trailing decimal zeros of 0 < n < 10^15 * 1.2: two 8-digit halves, 32-bit arithmetic.
int trailing_zeros(uint64_t n) {
  constexpr uint64_t k8 = 100000000;
  const uint64_t hi = n / k8;
  const uint32_t lo = static_cast<uint32_t>(n - hi * k8);
  if (lo != 0) return trailing_zeros8(lo);
  return 8 + trailing_zeros8(static_cast<uint32_t>(hi));
}

// Exactly 16 digits of g < 10^16, leading zeros included.
void put16(char* p, uint64_t g) {
  constexpr uint64_t k8 = 100000000;
  const uint64_t hi = g / k8;
  detail::put8(p, static_cast<uint32_t>(hi));
  detail::put8(p + 8, static_cast<uint32_t>(g - hi * k8));
}

// Writes (-)a = n / 10^k as std::to_chars would, for 0 < n <= 2^50 and k <= 22. The digits
// are computed in registers and written once, 16 at a time with leading or trailing zeros
// that the returned end cuts off (kRoom leaves room for them).
char* put_short(char* p, bool negative, double a, uint64_t n, int k) {
  if (negative) *p++ = '-';
  const int dn = digit_count(n);
  const int z = trailing_zeros(n);
  const int d = dn - z;      // Significant digits.
  const int q = z - k;       // The value is (n / 10^z) * 10^q.
  const int e = dn - 1 - k;  // The exponent in scientific notation, within -22..15 here.
  const int fixed_len = q >= 0 ? d + q : (d + q > 0 ? d + 1 : 2 - q);
  const int sci_len = d + (d > 1 ? 1 : 0) + 4;
  if (fixed_len <= sci_len) {
    if (q >= 0) return put_u64(p, to_integer(a));  // a is that integer.
    if (d + q > 0) {  // Digits on both sides of the point; a >= 1, so k <= 14.
      const uint64_t whole = to_integer(a);
      p = put_u64(p, whole);
      *p = '.';
      put16(p + 1, (n - whole * kPow10Int[k]) * kPow10Int[16 - k]);
      return p + 1 - q;
    }
    memset(p, '0', 24);  // Below 1: "0.", at most 3 zeros, the digits.
    p[1] = '.';
    put16(p + 2 - q - d, n * kPow10Int[16 - dn]);
    return p + 2 - q;
  }
  put16(p + 1, n * kPow10Int[16 - dn]);  // The first digit moves before the point.
  p[0] = p[1];
  p[1] = '.';
  p += d > 1 ? d + 1 : 1;
  *p++ = 'e';
  *p++ = e < 0 ? '-' : '+';
  detail::put_pair(p, static_cast<uint32_t>(e < 0 ? -e : e));
  return p + 2;
}

}  // namespace

char* put_double(char* p, double v) {
  const double a = std::fabs(v);
  if (a < kLimit) {  // False for NaN and infinities.
    const int k = kScale[std::bit_cast<uint64_t>(a) >> 52];
    const uint64_t n = to_integer(a * kPow10[k] + 0.5);
    if (static_cast<double>(static_cast<int64_t>(n)) / kPow10[k] == a) {
      if (n == 0) return std::to_chars(p, p + kMaxChars, v).ptr;  // 0 and -0.
      return put_short(p, std::signbit(v), a, n, k);
    }
  }
  return std::to_chars(p, p + kMaxChars, v).ptr;
}

}  // namespace vigil::metrics::decimal
