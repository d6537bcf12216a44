// The encoded series keys of the last series a thread encoded: a series is a measurement
// with its tags, as the point gives them (same order, same bytes), and its key is what the
// line starts with (measurement, then the sorted, escaped tags). Sources send the same
// series every interval, so the encoder sorts and escapes each series' tags once and then
// only checks that a point's measurement and tags are byte for byte those it cached.
// Thread: one cache per thread (SeriesKeyCache::for_this_thread); an instance is not
// shared.
//
// Cost: a lookup hashes the sizes and two bytes of each name, then compares every byte of
// the one slot the hash picks (a miss never returns another series' key). Filling a slot
// reuses its strings' storage: once the slots have grown, nothing is allocated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/point.h"

namespace vigil::metrics {

class SeriesKeyCache {
 public:
  // Series whose measurement and tags take more bytes than this are not cached (a slot
  // would keep that much memory for good).
  static constexpr size_t kMaxRawBytes = 512;
  static constexpr size_t kSlots = 64;

  // A hit's key is followed by this many readable bytes, so that it can be copied in
  // chunks of that size.
  static constexpr size_t kKeyPadding = 16;

  struct Hit {
    std::string_view key;   // kKeyPadding readable bytes follow it.
    uint64_t tags_dropped;  // What encoding the key counted in EncodeCounters::tags_dropped.
  };

  static SeriesKeyCache& for_this_thread();

  // The slot `point`'s series maps to; -1 when the series is too big to cache.
  static int slot_of(const Point& point);
  // The cached key of `point`'s series in `slot`, or false.
  bool find(const Point& point, int slot, Hit* hit) const;

  // The slot that followed `slot_` the last time it was used, or -1: sources send their
  // series in the same order every interval, so the next point's series is most often in
  // it, and trying it first (find() still compares every byte) spares the hash.
  int predicted() const { return last_ < 0 ? -1 : next_[static_cast<size_t>(last_)]; }
  // Records that `slot` was used (after the one used before).
  void used(int slot) {
    if (last_ >= 0) next_[static_cast<size_t>(last_)] = static_cast<int8_t>(slot);
    last_ = slot;
  }
  // Remembers `key` for `point`'s series in `slot` (slot_of(point) >= 0).
  void store(const Point& point, int slot, std::string_view key, uint64_t tags_dropped);

 private:
  struct Slot {
    std::string raw;              // The measurement, then each tag's key and value.
    std::vector<uint32_t> sizes;  // Their sizes: 1 + 2 * tags.
    std::string key;
    uint64_t tags_dropped = 0;
  };
  std::array<Slot, kSlots> slots_;
  std::array<int8_t, kSlots> next_ = [] {
    std::array<int8_t, kSlots> t{};
    t.fill(-1);
    return t;
  }();
  int last_ = -1;
};

}  // namespace vigil::metrics
