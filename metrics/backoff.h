// Retry delays: exponential backoff with jitter, from 1 s up to 60 s.
// Thread: any (each Backoff is a plain value; share none between threads).
//
// Attempt k (0-based, counted since the last success) waits a uniformly random delay in
// [c/2, c] where c = min(max, min * 2^k), and never less than `min`:
//   k=0: 1 s; k=1: 1..2 s; k=2: 2..4 s; ... from k=6 on: 30..60 s.
// Jitter keeps many vigils that lost the same server from retrying in step. The random
// source is a seeded xorshift, so a given seed gives the same delays (tests).
#pragma once

#include <cstdint>

#include "common/duration.h"

namespace vigil::metrics {

class Backoff {
 public:
  explicit Backoff(uint64_t seed, Nanos min = std::chrono::seconds(1),
                   Nanos max = std::chrono::seconds(60));

  // The delay before the next attempt; each call counts one more failed attempt.
  Nanos next();
  // Forgets the failures (after a success): the next delay is `min` again.
  void reset() { attempt_ = 0; }
  // Failed attempts since the last reset.
  int attempt() const { return attempt_; }

 private:
  uint64_t random();

  uint64_t state_;
  Nanos min_;
  Nanos max_;
  int attempt_ = 0;
};

// The ceiling c of attempt k above (no jitter); exposed for tests.
Nanos backoff_ceiling(int attempt, Nanos min, Nanos max);

}  // namespace vigil::metrics
