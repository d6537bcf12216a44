// The fast path of put_double, and why it writes what std::to_chars writes.
//
// std::to_chars(double) writes the decimal with the fewest significant digits that reads
// back to the same double (ties between two such decimals go to the closer one), in fixed
// or scientific notation, whichever has fewer characters (fixed on a tie).
//
// The fast path looks for the smallest k in 0..kMaxK for which some integer n gives
// n / 10^k reading back to a = |v|, while a * 10^k stays under 2^50:
//   - The test is exact: n < 2^50 and 10^k (k <= 22) are exact doubles, so n / 10^k in
//     double arithmetic is the correctly rounded quotient, ties to even, which is what
//     reading the decimal back gives.
//   - Only one n can pass at a given k, and it is round(x) for x = a * 10^k as computed:
//     a double reads back from within half an ulp of it, at most a * 2^-53, so a passing n
//     is within x * 2^-53 (about 1/8 under 2^50) of a * 10^k, and x is within x * 2^-53 of
//     a * 10^k too. The same bound makes |x - n| <= x * 2^-51 a filter that never drops a
//     passing n; it spares the division for most k.
//   - The smallest such k gives the fewest significant digits: a decimal with fewer digits
//     would be a multiple of 10^-j for some j < k that passes, or (at k = 0) an integer
//     other than n within 1/8 of a. There is then one candidate, so no tie to break.
// n without its trailing zeros is then the digit string std::to_chars writes, and the
// notation is chosen by the same character count. Doubles with no such k (17 significant
// digits, |v| >= 2^50, NaN, infinities) go to std::to_chars itself.
#include "metrics/decimal.h"

#include <charconv>
#include <cmath>

namespace vigil::metrics::decimal {
namespace {

// 10^k, exact in a double up to k = 22.
constexpr std::array<double, 23> kPow10 = [] {
  std::array<double, 23> t{};
  double p = 1;
  for (double& x : t) {
    x = p;
    p *= 10;
  }
  return t;
}();

// Beyond this the fast path would need 17 significant digits or k > 17; a double with a
// short decimal form and a larger k is below 1e-17 and rare among metrics.
constexpr int kMaxK = 17;
constexpr double kLimit = 0x1p50;

// Writes (-)n / 10^k as std::to_chars would, n < 2^50, k <= kMaxK.
char* put_short(char* p, bool negative, uint64_t n, int k) {
  if (negative) *p++ = '-';
  if (n == 0) {
    *p++ = '0';
    return p;
  }
  int q = -k;  // The value is n * 10^q once n has lost its trailing zeros.
  while (n % 10 == 0) {
    n /= 10;
    ++q;
  }
  char digits[20];
  const int d = static_cast<int>(put_u64(digits, n) - digits);
  const int e = d - 1 + q;  // The exponent in scientific notation, within -17..15 here.
  const int fixed_len = q >= 0 ? d + q : (d + q > 0 ? d + 1 : 2 - q);
  const int sci_len = d + (d > 1 ? 1 : 0) + 4;
  if (fixed_len <= sci_len) {
    if (q >= 0) {  // An integer: the digits, then zeros.
      memcpy(p, digits, d);
      memset(p + d, '0', q);
      return p + d + q;
    }
    if (d + q > 0) {  // Digits on both sides of the point.
      const int before = d + q;
      memcpy(p, digits, before);
      p[before] = '.';
      memcpy(p + before + 1, digits + before, d - before);
      return p + d + 1;
    }
    memcpy(p, "0.", 2);  // Below 1: "0.", zeros, the digits.
    memset(p + 2, '0', -q - d);
    memcpy(p + 2 - q - d, digits, d);
    return p + 2 - q;
  }
  *p++ = digits[0];
  if (d > 1) {
    *p++ = '.';
    memcpy(p, digits + 1, d - 1);
    p += d - 1;
  }
  *p++ = 'e';
  *p++ = e < 0 ? '-' : '+';
  detail::put_pair(p, static_cast<uint32_t>(e < 0 ? -e : e));
  return p + 2;
}

}  // namespace

char* put_double(char* p, double v) {
  const double a = std::fabs(v);
  if (a < kLimit) {       // False for NaN and infinities.
    uint64_t failed = 0;  // The last n whose quotient did not read back; 0: none.
    for (int k = 0; k <= kMaxK; ++k) {
      const double x = a * kPow10[k];
      if (!(x < kLimit)) break;
      const uint64_t n = static_cast<uint64_t>(x + 0.5);
      const double nd = static_cast<double>(n);
      if (std::fabs(x - nd) > x * 0x1p-51) continue;
      // n = 10 * failed is the same decimal as the one that failed: no need to divide.
      if (failed != 0 && n == failed * 10) {
        failed = n;
        continue;
      }
      if (nd / kPow10[k] == a) return put_short(p, std::signbit(v), n, k);
      failed = n;
    }
  }
  return std::to_chars(p, p + kMaxChars, v).ptr;
}

}  // namespace vigil::metrics::decimal
