#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>

#include "memprof/sampler.h"

using vigil::memprof::Sampler;
using vigil::memprof::sampler_draw_bytes;
using vigil::memprof::sampler_init;
using vigil::memprof::sampler_take;

namespace {

struct Moments {
  double mean = 0;
  double variance = 0;
};

Moments draw_moments(double rate, uint64_t seed, int n) {
  Sampler s;
  sampler_init(&s, rate, seed);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    auto x = static_cast<double>(sampler_draw_bytes(&s));
    sum += x;
    sum2 += x * x;
  }
  Moments m;
  m.mean = sum / n;
  m.variance = (sum2 - sum * m.mean) / (n - 1);
  return m;
}

}  // namespace

TEST_CASE("countdown draws have mean 8/rate and variance 64(1-rate)/rate^2 bytes") {
  // Geometric(p) on {1, 2, ...} words, times 8 bytes. The bounds are 5 standard errors:
  // SE(mean) = sd / sqrt(n); SE(variance) ~= var * sqrt((kurtosis - 1) / n), where a
  // geometric's kurtosis is 9 + p^2 / (1 - p).
  for (double rate : {1e-2, 1e-3, 1e-4}) {
    CAPTURE(rate);
    const int n = 200000;
    double mean = 8 / rate;
    double var = 64 * (1 - rate) / (rate * rate);
    double kurtosis = 9 + rate * rate / (1 - rate);
    Moments m = draw_moments(rate, 42, n);
    CHECK(std::fabs(m.mean - mean) < 5 * std::sqrt(var / n));
    CHECK(std::fabs(m.variance - var) < 5 * var * std::sqrt((kurtosis - 1) / n));
  }
}

TEST_CASE("every draw is a positive whole number of words") {
  Sampler s;
  sampler_init(&s, 0.3, 7);
  for (int i = 0; i < 10000; ++i) {
    int64_t d = sampler_draw_bytes(&s);
    REQUIRE(d >= 8);
    REQUIRE(d % 8 == 0);
  }
}

TEST_CASE("the number of samples in a block matches the rate per word") {
  // Each word is a sample point with probability p, so a run of blocks totalling W words
  // holds W p samples on average, with variance W p (1 - p).
  const double rate = 1e-3;
  const size_t block = 4096;
  const int blocks = 100000;
  Sampler s;
  sampler_init(&s, rate, 1234);
  uint64_t total = 0;
  int sampled_blocks = 0;
  for (int i = 0; i < blocks; ++i) {
    uint32_t k = sampler_take(&s, block);
    total += k;
    sampled_blocks += k != 0;
  }
  double words = static_cast<double>(block) / 8 * blocks;
  double expect = words * rate;
  CHECK(std::fabs(static_cast<double>(total) - expect) < 5 * std::sqrt(expect * (1 - rate)));
  CHECK(sampled_blocks > 0);
  CHECK(sampled_blocks < blocks);
}

TEST_CASE("at rate 1 every word is a sample point") {
  Sampler s;
  sampler_init(&s, 1.0, 5);
  CHECK(sampler_take(&s, 64) == 8);
  CHECK(sampler_take(&s, 8) == 1);
  CHECK(sampler_take(&s, 800) == 100);
}

TEST_CASE("small allocations below the countdown are not sampled and consume it") {
  Sampler s;
  sampler_init(&s, 1e-4, 99);
  int64_t before = s.countdown;
  REQUIRE(before > 16);
  CHECK(sampler_take(&s, 16) == 0);
  CHECK(s.countdown == before - 16);
}

TEST_CASE("the same seed gives the same draws and another seed different ones") {
  Sampler a, b, c;
  sampler_init(&a, 1e-3, 77);
  sampler_init(&b, 1e-3, 77);
  sampler_init(&c, 1e-3, 78);
  bool all_same_c = true;
  for (int i = 0; i < 100; ++i) {
    int64_t x = sampler_draw_bytes(&a);
    CHECK(x == sampler_draw_bytes(&b));
    all_same_c = all_same_c && x == sampler_draw_bytes(&c);
  }
  CHECK_FALSE(all_same_c);
}

TEST_CASE("per-thread seeds from one seed differ by thread index") {
  using vigil::memprof::sampler_mix_seed;
  CHECK(sampler_mix_seed(1, 1) != sampler_mix_seed(1, 2));
  CHECK(sampler_mix_seed(1, 1) == sampler_mix_seed(1, 1));
}
