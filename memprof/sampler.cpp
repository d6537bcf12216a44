#include "memprof/sampler.h"

#include "memprof/ln.h"

namespace vigil::memprof {
namespace {

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in (0, 1]: 53 random bits, shifted up by one so that log() is finite.
double uniform_open0(uint64_t* state) {
  return static_cast<double>((splitmix64(state) >> 11) + 1) * 0x1.0p-53;
}

}  // namespace

void sampler_init(Sampler* s, double rate, uint64_t seed) {
  s->rng = seed;
  s->inv_log1m = rate >= 1.0 ? 0.0 : 1.0 / ln1p(-rate);
  s->countdown = sampler_draw_bytes(s);
}

int64_t sampler_draw_bytes(Sampler* s) {
  // Inversion: P(words > k) = (1 - rate)^k, so words = 1 + floor(log(U) / log(1 - rate)).
  if (s->inv_log1m == 0.0) return 8;
  double extra = ln(uniform_open0(&s->rng)) * s->inv_log1m;  // >= 0: both factors are <= 0
  // A tiny rate can give a huge draw; cap it far beyond any real allocation total.
  if (extra > 1e15) extra = 1e15;
  return 8 * (1 + static_cast<int64_t>(extra));  // the cast truncates: floor, for extra >= 0
}

uint32_t sampler_count_slow(Sampler* s) {
  uint32_t n = 0;
  while (s->countdown <= 0) {
    ++n;
    s->countdown += sampler_draw_bytes(s);
  }
  return n;
}

uint64_t sampler_mix_seed(uint64_t seed, uint64_t index) {
  uint64_t state = seed ^ (index * 0xD1B54A32D192ED03ull);
  return splitmix64(&state);
}

}  // namespace vigil::memprof
