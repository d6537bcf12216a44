// Sums of the counts a trace carries, wrapping modulo 2^64 instead of overflowing: a
// hostile trace can hold any 64-bit counts, and signed overflow would be undefined
// behaviour. Used by every view that adds them up (the model, the timeline, the text dump).
// Thread: any (pure).
#pragma once

#include <cstdint>

namespace vigil::trace {

// sum += v, wrapping.
inline void wrapping_add(int64_t& sum, int64_t v) {
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(v));
}

// sum -= v, wrapping.
inline void wrapping_sub(int64_t& sum, int64_t v) {
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) - static_cast<uint64_t>(v));
}

}  // namespace vigil::trace
