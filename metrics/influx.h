// The Influx line-protocol encoder: Point => one line. Pure code but for a per-thread cache
// of series keys, which changes no line.
// Thread: any (no shared state; each thread has its own series key cache).
//
// The rules are those of docs/line-protocol.md; influx.cpp starts with the
// checklist. In short:
//   m,a=1,b=x\ y f=1.5,g=-3i,h=42i,s="q\"uote",t=true 1700000000000000000\n
// Names that cannot be represented are repaired, never rejected:
//   - CR, LF, tab, VT and FF become a space (which is then escaped);
//   - a backslash that would end the name, or stand just before a character that gets
//     escaped, becomes '_' (the receivers read "\\," as a pair, so no escape exists);
//   - a measurement starting with '#' gets '_' instead (a '#' line is a comment);
//   - the key `time` (tag or field) becomes `time_`;
//   - a tag with an empty key or value is dropped; a field with an empty key is skipped;
//   - the second and later tags or fields with the same key are skipped.
// Unrepresentable values: NaN and +-Inf fields are skipped; a point with no field left, or
// with an empty measurement, is skipped. String values longer than kMaxStringBytes are cut
// at a UTF-8 boundary. Each of these is counted in EncodeCounters.
//
// Cost: the encoder appends to the caller's string and allocates nothing once that string
// has grown to its working size, as long as a point has at most kMaxStackTags tags (more
// tags are sorted through a heap-allocated index), and once the series key cache of the
// thread has grown: a series' key (measurement and sorted, escaped tags) is written once
// and reused while the measurement and tags are byte for byte the same
// (metrics/series_key_cache.h; the line is the same either way).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "metrics/point.h"

namespace vigil::metrics {

// Escaped string field values stay under 64 KiB, the portable line limit.
inline constexpr size_t kMaxStringBytes = 64 * 1024 - 1024;
inline constexpr size_t kMaxStackTags = 32;

// What the encoder had to leave out. Every member only grows.
struct EncodeCounters {
  uint64_t points_skipped = 0;     // No field left, or an empty measurement.
  uint64_t fields_skipped = 0;     // NaN/Inf, empty key, or duplicate key.
  uint64_t tags_dropped = 0;       // Empty key or value, or duplicate key.
  uint64_t strings_truncated = 0;  // String values cut to kMaxStringBytes.
};

// Appends the line of `point`, LF included, to `*out`. Returns false, leaving `*out` as it
// was, when the point is skipped. `counters` may be null.
bool encode_point(const Point& point, std::string* out, EncodeCounters* counters = nullptr);

// Appends the lines of every point. Returns how many lines were appended.
size_t encode_points(std::span<const Point> points, std::string* out,
                     EncodeCounters* counters = nullptr);

}  // namespace vigil::metrics
