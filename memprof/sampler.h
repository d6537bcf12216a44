// The allocation sampler: which allocations are sampled, and how many sample points each
// one holds. A pure core, as in OCaml's memprof and memtrace's geometric sampler.
// Thread: any, allocator context: no alloc, no locks, no uv. A Sampler is a plain value
// owned by one thread at a time (the hook keeps one per thread, `thread_local`).
//
// Model: every 8-byte word of allocated memory is a sample point with probability `rate`
// (per word, 0 < rate <= 1). Rather than a coin per word, the sampler keeps a byte
// countdown to the next sample point, drawn from a geometric distribution: the number of
// words to the next point is Geometric(rate) on {1, 2, ...}, so the countdown has a mean of
// 8 / rate bytes and a variance of 64 (1 - rate) / rate^2 bytes^2. An allocation of n bytes
// consumes n bytes of countdown; the number of sample points that fall inside it is its
// `nsamples` (0 for almost every allocation).
//
// The random source is splitmix64, seeded explicitly, so a seed gives the same draws on
// every run (memtrace's sampler uses a constant seed for the same reason).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::memprof {

struct Sampler {
  uint64_t rng = 0;        // splitmix64 state
  int64_t countdown = 0;   // bytes until the next sample point; > 0 between calls
  double inv_log1m = 0.0;  // 1 / log(1 - rate); 0 when rate == 1 (every word sampled)
};

// Prepares `s` for sampling at `rate` per word with `seed`, and draws the first countdown.
// REQUIRES: 0 < rate <= 1.
void sampler_init(Sampler* s, double rate, uint64_t seed);

// One geometric draw: the distance to the next sample point, in bytes (a multiple of 8,
// at least 8).
int64_t sampler_draw_bytes(Sampler* s);

// Counts the sample points in an allocation of `bytes` and advances the countdown.
// Returns 0 when the allocation is not sampled. The common case is one subtraction and
// one predictable branch.
uint32_t sampler_count_slow(Sampler* s);
inline uint32_t sampler_take(Sampler* s, size_t bytes) {
  s->countdown -= static_cast<int64_t>(bytes);
  if (s->countdown > 0) return 0;
  return sampler_count_slow(s);
}

// Mixes a seed and a thread index into a per-thread seed (splitmix64 finaliser).
uint64_t sampler_mix_seed(uint64_t seed, uint64_t index);

}  // namespace vigil::memprof
