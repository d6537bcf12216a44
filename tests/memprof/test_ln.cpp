// memprof/ln.h against libm's log and log1p, an independent implementation. The bound is 4
// units in the last place (under 1e-15 relative): libm does better, but the sampler's
// geometric draws would not change for errors a million times larger.
#include <doctest/doctest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <initializer_list>

#include "memprof/ln.h"

namespace {

// |got - want| in units of the last place of want.
double ulps(double got, double want) {
  if (got == want) return 0;
  double ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
  return std::fabs(got - want) / ulp;
}

uint64_t next(uint64_t* x) {
  *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
  return *x;
}

}  // namespace

TEST_CASE("ln is within 4 ulp of log over the sampler's draws and far beyond") {
  using vigil::memprof::ln;
  CHECK(ln(1.0) == 0.0);
  for (double x :
       {0x1.0p-53, DBL_MIN, 0.5, 0.70710678118654752, 0.70710678118654746, 1.41421356237309492,
        1.41421356237309515, 1.0 - DBL_EPSILON / 2, 1.0 + DBL_EPSILON, 2.0, 10.0, 1e300, DBL_MAX}) {
    CAPTURE(x);
    CHECK(ulps(ln(x), std::log(x)) <= 4);
  }
  uint64_t state = 0x9E3779B97F4A7C15ull;
  double worst = 0;
  for (int i = 0; i < 1000000; ++i) {
    // Uniform in (0, 1] as the sampler draws, and a random normal double.
    double u = static_cast<double>((next(&state) >> 11) + 1) * 0x1.0p-53;
    double any = std::bit_cast<double>((next(&state) >> 2) | (uint64_t{1} << 52));
    worst = std::fmax(worst, std::fmax(ulps(ln(u), std::log(u)), ulps(ln(any), std::log(any))));
  }
  CHECK(worst <= 4);
}

TEST_CASE("ln1p is within 4 ulp of log1p, tiny arguments included") {
  using vigil::memprof::ln1p;
  CHECK(ln1p(0.0) == 0.0);
  for (double x : {-1e-300, -1e-16, -1e-12, -1e-6, -1e-4, -0.01, -0.2499, -0.25, -0.2501, -0.5,
                   -0.9, -0.999999, 1e-9, 0.25, 0.5, 1.0}) {
    CAPTURE(x);
    CHECK(ulps(ln1p(x), std::log1p(x)) <= 4);
  }
  uint64_t state = 12345;
  double worst = 0;
  for (int i = 0; i < 1000000; ++i) {
    // -rate for rates spread over 1e-12 .. 1 on a log scale, as the sampler takes it.
    double rate = std::exp(-27.6 * static_cast<double>(next(&state) >> 11) * 0x1.0p-53);
    if (rate >= 1.0) continue;
    worst = std::fmax(worst, ulps(ln1p(-rate), std::log1p(-rate)));
  }
  CHECK(worst <= 4);
}
