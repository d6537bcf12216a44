// Line-protocol checklist (the contract is docs/line-protocol.md), each rule tested in
// tests/metrics/test_influx_*.cpp:
//   - one point per line, ended by LF only;
//   - no comma after the measurement when there are no tags;
//   - tags sorted by key, byte-wise; duplicate tag and field keys left out;
//   - the key `time` renamed `time_`;
//   - escape comma and space in the measurement; comma, space and '=' in tag keys, tag
//     values and field keys; a backslash before any other character is literal;
//   - CR, LF, tab, VT, FF in names become a space; an unrepresentable backslash becomes '_';
//   - empty tag keys or values: drop the tag;
//   - string values: '\' => "\\" first, then '"' => "\"", wrapped in double quotes;
//   - floats: shortest round trip, the text of std::to_chars (metrics/decimal.h writes it,
//     tests/metrics/test_decimal.cpp compares); NaN and +-Inf fields skipped; a point
//     with no field left skipped;
//   - signed and unsigned integers end in `i`; unsigned clamped at INT64_MAX;
//   - booleans `true` / `false`;
//   - timestamp in nanoseconds since the epoch.
//
// Speed (bench/encode.cpp): the line is written through a raw pointer into room made once
// per point: a stack buffer, appended to the string at the end, or for long lines the
// string itself. line_bound() counts the most bytes the line can take (every name byte
// escaped, every number at its longest with its scratch room), so no write checks
// capacity. This replaces some thirty std::string appends per point, each a capacity check
// and an out-of-line call. Numbers are written by metrics/decimal.h, faster than
// std::to_chars for integers and for doubles with a short decimal form. The series key
// comes from SeriesKeyCache when the point's series was seen before: sorting and escaping
// the tags took about a third of a line's time.
#include "metrics/influx.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <variant>

#include "metrics/decimal.h"
#include "metrics/series_key_cache.h"

namespace vigil::metrics {
namespace {

enum class NameKind { measurement, key };

// The room a number takes while written: decimal::put_double writes scratch bytes past its
// text, up to kRoom.
constexpr size_t kNumberBound = decimal::kRoom;
static_assert(decimal::kMaxChars <= kNumberBound);
// The lines up to this bound are written on the stack first (see encode_point).
constexpr size_t kStackLine = 1024;

char repair_space(char c) {
  return (c == '\r' || c == '\n' || c == '\t' || c == '\v' || c == '\f') ? ' ' : c;
}

bool needs_escape(char c, NameKind kind) {
  return c == ',' || c == ' ' || (kind == NameKind::key && c == '=');
}

// Bytes that need work in a name, one bit per kind (1: measurement, 2: key), so the scan
// costs one table load per byte.
constexpr std::array<uint8_t, 256> kSpecial = [] {
  std::array<uint8_t, 256> t{};
  for (char c : {',', ' ', '\\', '\r', '\n', '\t', '\v', '\f'}) t[static_cast<uint8_t>(c)] = 3;
  t[static_cast<uint8_t>('=')] = 2;
  return t;
}();

bool is_special(char c, NameKind kind) {
  return (kSpecial[static_cast<uint8_t>(c)] & (kind == NameKind::key ? 2 : 1)) != 0;
}

// Writes the one special byte at s[i] with the escapes and repairs of the header comment.
char* put_special(char* p, std::string_view s, size_t i, NameKind kind) {
  char c = repair_space(s[i]);
  if (c == '\\') {
    bool last = i + 1 == s.size();
    if (last || needs_escape(repair_space(s[i + 1]), kind)) c = '_';
  } else if (needs_escape(c, kind)) {
    *p++ = '\\';
  }
  *p++ = c;
  return p;
}

// The slow path of put_name: the escapes and repairs, byte by byte.
char* put_name_escaped(char* p, std::string_view s, NameKind kind) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (is_special(s[i], kind)) {
      p = put_special(p, s, i, kind);
    } else {
      *p++ = s[i];
    }
  }
  return p;
}

// Writes a measurement or key; at most 2 bytes per input byte. Most names have no special
// byte at all: they are copied while the table flags of their bytes are or-ed together,
// with no branch per byte, and only a name with a special byte is written again.
[[gnu::always_inline]] inline char* put_name(char* p, std::string_view s, NameKind kind) {
  uint8_t flags = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    p[i] = c;
    flags |= kSpecial[static_cast<uint8_t>(c)];
  }
  if ((flags & (kind == NameKind::key ? 2 : 1)) == 0) return p + s.size();
  return put_name_escaped(p, s, kind);
}

// The key as sent: `time` is the one reserved word.
inline std::string_view effective_key(const std::string& key) {
  // memcmp of a constant size is one load and compare (std::string::compare is a call).
  if (key.size() == 4 && memcmp(key.data(), "time", 4) == 0) return "time_";
  return key;
}

bool field_is_valid(const Field& f) {
  if (f.key.empty()) return false;
  if (const double* d = std::get_if<double>(&f.value)) return std::isfinite(*d);
  return true;
}

// How many bytes of `s` fit in kMaxStringBytes once escaped, cut back to a UTF-8
// boundary when it does not all fit.
size_t string_cut(std::string_view s) {
  if (s.size() <= kMaxStringBytes / 2) return s.size();  // fits even if every byte doubles
  size_t cut = 0;
  size_t escaped = 0;
  for (; cut < s.size(); ++cut) {
    size_t cost = (s[cut] == '\\' || s[cut] == '"') ? 2 : 1;
    if (escaped + cost > kMaxStringBytes) break;
    escaped += cost;
  }
  if (cut < s.size()) {
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  return cut;
}

// Escapes a string field value, cut as string_cut() says. Sets *truncated when it cut.
char* put_string_value(char* p, std::string_view s, bool* truncated) {
  size_t cut = string_cut(s);
  *truncated = cut < s.size();
  *p++ = '"';
  for (size_t i = 0; i < cut; ++i) {
    char c = s[i];
    if (c == '\\' || c == '"') *p++ = '\\';
    *p++ = c;
  }
  *p++ = '"';
  return p;
}

// Sets *truncated when a string was cut.
char* put_value(char* p, const FieldValue& value, bool* truncated) {
  switch (value.index()) {
    case 0:
      return decimal::put_double(p, *std::get_if<double>(&value));
    case 1:
      p = decimal::put_i64(p, *std::get_if<int64_t>(&value));
      *p++ = 'i';
      return p;
    case 2: {
      constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
      uint64_t u = *std::get_if<uint64_t>(&value);
      p = decimal::put_u64(p, u > kMax ? kMax : u);
      *p++ = 'i';
      return p;
    }
    case 3:
      if (*std::get_if<bool>(&value)) {
        memcpy(p, "true", 4);
        return p + 4;
      }
      memcpy(p, "false", 5);
      return p + 5;
    default:
      return put_string_value(p, *std::get_if<std::string>(&value), truncated);
  }
}

size_t value_bound(const FieldValue& value) {
  if (const std::string* s = std::get_if<std::string>(&value)) {
    return 2 + std::min(2 * s->size(), kMaxStringBytes);
  }
  return kNumberBound + 1;
}

// The most bytes the line of `point` can take. A name byte takes at most 2; `time_` is at
// most 2 * 4 too.
size_t line_bound(const Point& point) {
  size_t n = 2 * point.measurement.size() + 1;
  for (const Tag& t : point.tags) n += 2 + 2 * (t.key.size() + t.value.size());
  for (const Field& f : point.fields) n += 2 + 2 * f.key.size() + value_bound(f.value);
  return n + 2 + kNumberBound;
}

// a < b byte-wise (as std::string_view's <). Most tag keys differ in their first byte,
// decided here without a call to memcmp.
bool key_less(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  }
  return a < b;
}

// Sorts tag indexes by effective key, stably. Insertion sort: points have a handful of
// tags, and this allocates nothing.
void sort_tag_indexes(const std::vector<Tag>& tags, uint32_t* idx, size_t n) {
  for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
  for (size_t i = 1; i < n; ++i) {
    uint32_t v = idx[i];
    std::string_view key = effective_key(tags[v].key);
    size_t j = i;
    while (j > 0 && key_less(key, effective_key(tags[idx[j - 1]].key))) {
      idx[j] = idx[j - 1];
      --j;
    }
    idx[j] = v;
  }
}

// Adds the tags it drops to *dropped.
char* put_tags(char* p, const Point& point, uint64_t* dropped) {
  size_t n = point.tags.size();
  uint32_t stack_idx[kMaxStackTags];
  std::unique_ptr<uint32_t[]> heap_idx;
  uint32_t* idx = stack_idx;
  if (n > kMaxStackTags) {
    heap_idx = std::make_unique<uint32_t[]>(n);
    idx = heap_idx.get();
  }
  sort_tag_indexes(point.tags, idx, n);
  std::string_view previous;
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const Tag& tag = point.tags[idx[i]];
    std::string_view key = effective_key(tag.key);
    if (tag.key.empty() || tag.value.empty() || (any && key == previous)) {
      ++*dropped;
      continue;
    }
    *p++ = ',';
    p = put_name(p, key, NameKind::key);
    *p++ = '=';
    p = put_name(p, tag.value, NameKind::key);
    previous = key;
    any = true;
  }
  return p;
}

// Byte-wise equality of two keys as sent; most keys differ in size or first byte.
bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && a[0] == b[0] && memcmp(a.data(), b.data(), a.size()) == 0;
}

// REQUIRES: fields[i] is valid (its key is not empty).
bool earlier_valid_field_has_key(const Point& point, size_t i) {
  std::string_view key = effective_key(point.fields[i].key);
  for (size_t j = 0; j < i; ++j) {
    const Field& f = point.fields[j];
    if (!f.key.empty() && same_key(effective_key(f.key), key) && field_is_valid(f)) return true;
  }
  return false;
}

// Writes the fields, each after ' ' (the first) or ','. Returns how many were written.
size_t put_fields(char** pp, const Point& point, EncodeCounters* c) {
  char* p = *pp;
  size_t written = 0;
  uint64_t truncated = 0;
  // One bit per written key, from its size and first byte: a key whose bit is not set
  // has no earlier duplicate (an earlier valid field with its key was written, or skipped
  // as a duplicate of one that was), so most fields skip the scan for one.
  uint64_t seen = 0;
  for (size_t i = 0; i < point.fields.size(); ++i) {
    const Field& f = point.fields[i];
    if (!field_is_valid(f)) {
      if (c) ++c->fields_skipped;
      continue;
    }
    const std::string_view key = effective_key(f.key);
    const uint64_t bit = uint64_t{1} << ((key.size() * 7 + static_cast<uint8_t>(key[0])) % 64);
    if ((seen & bit) != 0 && earlier_valid_field_has_key(point, i)) {
      if (c) ++c->fields_skipped;
      continue;
    }
    seen |= bit;
    *p++ = written == 0 ? ' ' : ',';
    p = put_name(p, key, NameKind::key);
    *p++ = '=';
    bool cut = false;
    p = put_value(p, f.value, &cut);
    truncated += cut ? 1 : 0;
    ++written;
  }
  if (c && written != 0) c->strings_truncated += truncated;
  *pp = p;
  return written;
}

// The series key: the measurement and the sorted tags. Adds the tags it drops to *dropped.
char* put_series_key(char* p, const Point& point, uint64_t* dropped) {
  std::string_view measurement = point.measurement;
  if (measurement[0] == '#') {
    *p++ = '_';
    measurement.remove_prefix(1);
  }
  p = put_name(p, measurement, NameKind::measurement);
  return put_tags(p, point, dropped);
}

// Writes the line of `point` from `begin`, which has room for line_bound(point) bytes.
// Returns the end, or null when the point is skipped. The series key comes from this
// thread's SeriesKeyCache when it holds the point's series, else it is written and kept.
char* put_line(char* const begin, const Point& point, EncodeCounters* c) {
  char* p = begin;
  uint64_t dropped = 0;
  SeriesKeyCache& cache = SeriesKeyCache::for_this_thread();
  SeriesKeyCache::Hit hit;
  int slot = cache.predicted();
  bool found = slot >= 0 && cache.find(point, slot, &hit);
  if (!found) {
    slot = SeriesKeyCache::slot_of(point);
    found = slot >= 0 && cache.find(point, slot, &hit);
  }
  if (slot >= 0) cache.used(slot);
  if (found) {
    // Chunks of a constant size are inlined moves (memcpy of a variable size is a call);
    // the last one writes up to 15 bytes past the key, within the room for the fields.
    for (size_t i = 0; i < hit.key.size(); i += SeriesKeyCache::kKeyPadding) {
      memcpy(p + i, hit.key.data() + i, SeriesKeyCache::kKeyPadding);
    }
    p += hit.key.size();
    dropped = hit.tags_dropped;
  } else {
    p = put_series_key(p, point, &dropped);
    if (slot >= 0) cache.store(point, slot, std::string_view(begin, p), dropped);
  }
  if (c) c->tags_dropped += dropped;
  if (put_fields(&p, point, c) == 0) return nullptr;
  *p++ = ' ';
  p = decimal::put_i64(p, point.time_ns);
  *p++ = '\n';
  return p;
}

}  // namespace

// Most lines are written on the stack and appended: growing the string by line_bound()
// would first fill those bytes with zeros (std::string has no uninitialized resize before
// C++23), about twice the bytes the line takes. Longer lines are written in place.
bool encode_point(const Point& point, std::string* out, EncodeCounters* c) {
  if (point.measurement.empty()) {
    if (c) ++c->points_skipped;
    return false;
  }
  const size_t bound = line_bound(point);
  char* end = nullptr;
  if (bound <= kStackLine) {
    char line[kStackLine];
    end = put_line(line, point, c);
    if (end != nullptr) out->append(line, end);
  } else {
    const size_t start = out->size();
    out->resize(start + bound);
    end = put_line(out->data() + start, point, c);
    out->resize(end == nullptr ? start : start + static_cast<size_t>(end - (out->data() + start)));
  }
  if (end == nullptr) {
    if (c) ++c->points_skipped;
    return false;
  }
  return true;
}

size_t encode_points(std::span<const Point> points, std::string* out, EncodeCounters* c) {
  size_t lines = 0;
  for (const Point& p : points) {
    if (encode_point(p, out, c)) ++lines;
  }
  return lines;
}

}  // namespace vigil::metrics
