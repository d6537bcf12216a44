#include "metrics/backoff.h"

#include <algorithm>

namespace vigil::metrics {

Backoff::Backoff(uint64_t seed, Nanos min, Nanos max)
    : state_(seed != 0 ? seed : 0x9e3779b97f4a7c15ull), min_(min), max_(std::max(min, max)) {}

Nanos backoff_ceiling(int attempt, Nanos min, Nanos max) {
  Nanos c = min;
  for (int i = 0; i < attempt && c < max; ++i) c *= 2;
  return std::min(c, max);
}

Nanos Backoff::next() {
  Nanos c = backoff_ceiling(attempt_, min_, max_);
  if (attempt_ < 64) ++attempt_;
  auto half = static_cast<uint64_t>(c.count() / 2);
  // Uniform in [c/2, c]; the modulo bias is negligible next to a 64-bit range.
  auto jitter = static_cast<int64_t>(half == 0 ? 0 : random() % (half + 1));
  return std::max(min_, Nanos(c.count() - jitter));
}

uint64_t Backoff::random() {
  // xorshift64*: small, fast and good enough for jitter.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dull;
}

}  // namespace vigil::metrics
