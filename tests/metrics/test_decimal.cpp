// metrics/decimal.h against std::to_chars, the independent oracle: every byte of every
// number must be the same (the line protocol reads the text back to the same value).
// Edge cases first, then millions of random values (fixed seeds, so a failure repeats).
#include <doctest/doctest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "metrics/decimal.h"

using namespace vigil::metrics;

namespace {

// The random sweeps run whole in the plain build. Under a sanitizer (ten to fifty times
// slower) a twentieth of each still takes every path, and keeps CI inside its time.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kSweep = 20;
#else
constexpr int kSweep = 1;
#endif

template <class T>
std::string oracle(T v) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// put_double's text, checked to stay within kMaxChars bytes and its writes within kRoom.
std::string ours(double v) {
  char buf[decimal::kRoom + 16];
  memset(buf, 'X', sizeof buf);
  char* end = decimal::put_double(buf, v);
  REQUIRE(end - buf <= static_cast<std::ptrdiff_t>(decimal::kMaxChars));
  REQUIRE(std::string(buf + decimal::kRoom, 16) == std::string(16, 'X'));
  return std::string(buf, end);
}

std::string ours(int64_t v) {
  char buf[64];
  return std::string(buf, decimal::put_i64(buf, v));
}

std::string ours(uint64_t v) {
  char buf[64];
  return std::string(buf, decimal::put_u64(buf, v));
}

// Counts the values whose text differs, and shows the first few. One CHECK per value
// would make the millions of cases slow.
struct Mismatches {
  int count = 0;
  template <class T>
  void compare(T v) {
    std::string want = oracle(v);
    std::string got = ours(v);
    if (got == want) return;
    if (++count <= 10) {
      CHECK_MESSAGE(got == want, "value ", want, ": got ", got);
    }
  }
};

// A double with the given bits.
double from_bits(uint64_t bits) { return std::bit_cast<double>(bits); }

// The double a decimal text reads back to, read by std::from_chars (not by the code under
// test).
double parse(const std::string& s) {
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE(res.ec == std::errc());
  return v;
}

}  // namespace

TEST_CASE("doubles at the edges are written as std::to_chars writes them") {
  using L = std::numeric_limits<double>;
  std::vector<double> values = {0.0,
                                -0.0,
                                L::denorm_min(),
                                from_bits(0x000FFFFFFFFFFFFFu),  // The largest subnormal.
                                L::min(),
                                L::max(),
                                L::lowest(),
                                L::epsilon(),
                                0.1,
                                0.2,
                                0.3,
                                0.1 + 0.2,
                                1.0 / 3,
                                2.0 / 3,
                                0.5,
                                0.125,
                                0.001,
                                0.0001,
                                0.00012,
                                1.5e-7,
                                1e21,
                                1e22,
                                1e23,
                                9.999999999999999e21,
                                123456789012345678.0,
                                0x1p50,
                                0x1p50 - 0.125,
                                0x1p50 + 0.25,
                                0x1p53,
                                0x1p53 + 2,
                                0x1p63,
                                0x1p64,
                                1125899906842623.0,
                                999999999999999.9,
                                99999999999999.99,
                                1000000.0,
                                123000000.0,
                                1200.0,
                                4.35,
                                5e-324,
                                L::infinity(),
                                -L::infinity(),
                                L::quiet_NaN(),
                                -L::quiet_NaN()};
  for (int e = -323; e <= 308; ++e) {  // Every power of ten in range, and its neighbours.
    double p = parse("1e" + std::to_string(e));
    values.insert(values.end(), {p, std::nextafter(p, 0.0), std::nextafter(p, L::infinity())});
  }
  for (int e = -1074; e <= 1023; ++e) values.push_back(std::ldexp(1.0, e));  // Powers of two.
  Mismatches m;
  for (double v : values) {
    m.compare(v);
    m.compare(-v);
  }
  CHECK(m.count == 0);
}

TEST_CASE("random bit patterns are written as std::to_chars writes them") {
  std::mt19937_64 rng(20261202);
  Mismatches m;
  for (int i = 0; i < 2000000 / kSweep; ++i) m.compare(from_bits(rng()));
  CHECK(m.count == 0);
}

TEST_CASE("random short decimals and their neighbours are written as std::to_chars writes them") {
  // digits significant digits, exponent -30..20: the values the fast path is for, and one
  // ulp either side of them, which must not take it.
  std::mt19937_64 rng(42);
  Mismatches m;
  for (int i = 0; i < 1000000 / kSweep; ++i) {
    int digits = 1 + static_cast<int>(rng() % 17);
    uint64_t n = rng() % 100000000000000000u;
    std::string s = std::to_string(n).substr(0, digits);
    int exponent = static_cast<int>(rng() % 51) - 30;
    double v = parse(s + "e" + std::to_string(exponent));
    m.compare(v);
    m.compare(-v);
    m.compare(std::nextafter(v, 0.0));
    m.compare(std::nextafter(v, 1e300));
  }
  CHECK(m.count == 0);
}

TEST_CASE("sums and quotients of metric-like values are written as std::to_chars writes them") {
  // What sources compute: counters scaled, ratios, running sums of short decimals.
  std::mt19937_64 rng(7);
  Mismatches m;
  double sum = 0;
  for (int i = 0; i < 1000000 / kSweep; ++i) {
    uint64_t a = rng() % 1000000;
    uint64_t b = 1 + rng() % 1000;
    m.compare(static_cast<double>(a) / static_cast<double>(b));
    m.compare(static_cast<double>(a) * 0.01);
    m.compare(0.125 + i * 1e-3);
    sum += 0.1;
    m.compare(sum);
    m.compare(static_cast<double>(rng() >> (rng() % 64)));
  }
  CHECK(m.count == 0);
}

TEST_CASE("integers are written as std::to_chars writes them") {
  Mismatches m;
  m.compare(std::numeric_limits<int64_t>::min());
  m.compare(std::numeric_limits<int64_t>::max());
  m.compare(std::numeric_limits<uint64_t>::max());
  m.compare(int64_t{0});
  m.compare(uint64_t{0});
  uint64_t p = 1;
  for (int e = 0; e <= 19; ++e, p *= 10) {  // Every power of ten, +-1, both signs.
    for (uint64_t u : {p - 1, p, p + 1}) {
      m.compare(u);
      m.compare(static_cast<int64_t>(u));
      m.compare(-static_cast<int64_t>(u));
    }
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 1000000 / kSweep; ++i) {
    uint64_t u = rng() >> (rng() % 64);  // Every length, not only 19 and 20 digits.
    m.compare(u);
    m.compare(static_cast<int64_t>(u));
    m.compare(static_cast<int64_t>(rng()));
  }
  CHECK(m.count == 0);
}

TEST_CASE("the notation and the sign follow the rules of std::to_chars") {
  // Written by hand from the rules (fewest characters, fixed on a tie), not by the oracle.
  CHECK(ours(0.001) == "0.001");
  CHECK(ours(0.0001) == "1e-04");
  CHECK(ours(0.00012) == "0.00012");
  CHECK(ours(1200.0) == "1200");
  CHECK(ours(1000000.0) == "1e+06");
  CHECK(ours(123000000.0) == "1.23e+08");
  CHECK(ours(-0.0) == "-0");
  CHECK(ours(0.126) == "0.126");
  CHECK(ours(-2.5e-7) == "-2.5e-07");
  CHECK(ours(0.125 + 16e-3) == "0.14100000000000001");
  CHECK(ours(int64_t{-1234567}) == "-1234567");
  CHECK(ours(uint64_t{100000000}) == "100000000");
}
