#include "metrics/series_key_cache.h"

#include <cstring>
#include <memory>

namespace vigil::metrics {
namespace {

uint64_t load8(const char* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

uint32_t load4(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

uint16_t load2(const char* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

// a[0..n) == b[0..n). Names are short: a few loads of fixed size (the last one overlapping
// the previous) compare them without a call to memcmp.
inline __attribute__((always_inline)) bool same_bytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (load8(a + i) != load8(b + i)) return false;
    }
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  if (n >= 2) return load2(a) == load2(b) && a[n - 1] == b[n - 1];
  return n == 0 || a[0] == b[0];
}

// Mixes the size and the first and last bytes of one name into h.
uint64_t mix(uint64_t h, const std::string& s) {
  uint64_t v = s.size();
  if (!s.empty()) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s.front())) << 32;
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s.back())) << 40;
  }
  return (h ^ v) * 0x9E3779B97F4A7C15u;
}

}  // namespace

// Allocated by the first encode of a thread: as a thread_local object its slots (some
// 12 KiB) would be in the TLS block of every thread, encoding or not.
SeriesKeyCache& SeriesKeyCache::for_this_thread() {
  thread_local std::unique_ptr<SeriesKeyCache> cache;
  if (!cache) cache = std::make_unique<SeriesKeyCache>();
  return *cache;
}

int SeriesKeyCache::slot_of(const Point& point) {
  uint64_t h = mix(point.tags.size(), point.measurement);
  size_t bytes = point.measurement.size();
  for (const Tag& t : point.tags) {
    h = mix(mix(h, t.key), t.value);
    bytes += t.key.size() + t.value.size();
  }
  if (bytes > kMaxRawBytes) return -1;
  // The top bits: a multiplication carries every input bit upwards only.
  static_assert(kSlots == 64);
  return static_cast<int>(h >> 58);
}

bool SeriesKeyCache::find(const Point& point, int slot, Hit* hit) const {
  const Slot& s = slots_[static_cast<size_t>(slot)];
  if (s.sizes.size() != 1 + 2 * point.tags.size()) return false;
  const char* raw = s.raw.data();
  const uint32_t* size = s.sizes.data();
  auto same = [&](const std::string& name) {
    if (name.size() != *size || !same_bytes(raw, name.data(), name.size())) return false;
    raw += *size++;
    return true;
  };
  if (!same(point.measurement)) return false;
  for (const Tag& t : point.tags) {
    if (!same(t.key) || !same(t.value)) return false;
  }
  *hit = {std::string_view(s.key.data(), s.key.size() - kKeyPadding), s.tags_dropped};
  return true;
}

void SeriesKeyCache::store(const Point& point, int slot, std::string_view key,
                           uint64_t tags_dropped) {
  Slot& s = slots_[static_cast<size_t>(slot)];
  s.raw.assign(point.measurement);
  s.sizes.assign(1, static_cast<uint32_t>(point.measurement.size()));
  for (const Tag& t : point.tags) {
    s.raw += t.key;
    s.raw += t.value;
    s.sizes.push_back(static_cast<uint32_t>(t.key.size()));
    s.sizes.push_back(static_cast<uint32_t>(t.value.size()));
  }
  s.key.assign(key);
  s.key.append(kKeyPadding, '\0');
  s.tags_dropped = tags_dropped;
}

}  // namespace vigil::metrics
