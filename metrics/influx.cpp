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
//   - floats: shortest round trip (std::to_chars); NaN and +-Inf fields skipped; a point
//     with no field left skipped;
//   - signed and unsigned integers end in `i`; unsigned clamped at INT64_MAX;
//   - booleans `true` / `false`;
//   - timestamp in nanoseconds since the epoch.
#include "metrics/influx.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <variant>

namespace vigil::metrics {
namespace {

enum class NameKind { measurement, key };

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

// Writes a measurement or key with the escapes and repairs of the header comment. Runs of
// ordinary bytes are appended in one piece; most names have no special byte at all.
void append_name(std::string* out, std::string_view s, NameKind kind) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!is_special(s[i], kind)) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    char c = repair_space(s[i]);
    if (c == '\\') {
      bool last = i + 1 == s.size();
      if (last || needs_escape(repair_space(s[i + 1]), kind)) c = '_';
    } else if (needs_escape(c, kind)) {
      out->push_back('\\');
    }
    out->push_back(c);
  }
  out->append(s.data() + run, s.size() - run);
}

// The key as sent: `time` is the one reserved word.
inline std::string_view effective_key(const std::string& key) {
  if (key.size() == 4 && key.compare(0, 4, "time", 4) == 0) return "time_";
  return key;
}

bool field_is_valid(const Field& f) {
  if (f.key.empty()) return false;
  if (const double* d = std::get_if<double>(&f.value)) return std::isfinite(*d);
  return true;
}

template <class T>
void append_number(std::string* out, T v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, res.ptr);
}

// Escapes a string field value, cut to kMaxStringBytes escaped bytes at a UTF-8 boundary.
// Returns true iff it had to cut.
bool append_string_value(std::string* out, std::string_view s) {
  size_t cut = 0;
  size_t escaped = 0;
  for (; cut < s.size(); ++cut) {
    size_t cost = (s[cut] == '\\' || s[cut] == '"') ? 2 : 1;
    if (escaped + cost > kMaxStringBytes) break;
    escaped += cost;
  }
  bool truncated = cut < s.size();
  if (truncated) {
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < cut; ++i) {
    if (s[i] != '\\' && s[i] != '"') continue;
    out->append(s.data() + run, i - run);
    out->push_back('\\');
    run = i;  // The byte itself goes out with the next run.
  }
  out->append(s.data() + run, cut - run);
  out->push_back('"');
  return truncated;
}

// Returns true iff the value was cut (strings only).
bool append_value(std::string* out, const FieldValue& value) {
  switch (value.index()) {
    case 0:
      append_number(out, std::get<double>(value));
      return false;
    case 1:
      append_number(out, std::get<int64_t>(value));
      out->push_back('i');
      return false;
    case 2: {
      constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
      uint64_t u = std::get<uint64_t>(value);
      append_number(out, u > kMax ? kMax : u);
      out->push_back('i');
      return false;
    }
    case 3:
      out->append(std::get<bool>(value) ? "true" : "false");
      return false;
    default:
      return append_string_value(out, std::get<std::string>(value));
  }
}

// Sorts tag indexes by effective key, stably. Insertion sort: points have a handful of
// tags, and this allocates nothing.
void sort_tag_indexes(const std::vector<Tag>& tags, uint32_t* idx, size_t n) {
  for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
  for (size_t i = 1; i < n; ++i) {
    uint32_t v = idx[i];
    std::string_view key = effective_key(tags[v].key);
    size_t j = i;
    while (j > 0 && key < effective_key(tags[idx[j - 1]].key)) {
      idx[j] = idx[j - 1];
      --j;
    }
    idx[j] = v;
  }
}

void append_tags(const Point& point, std::string* out, EncodeCounters* c) {
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
      if (c) ++c->tags_dropped;
      continue;
    }
    out->push_back(',');
    append_name(out, key, NameKind::key);
    out->push_back('=');
    append_name(out, tag.value, NameKind::key);
    previous = key;
    any = true;
  }
}

bool earlier_valid_field_has_key(const Point& point, size_t i) {
  std::string_view key = effective_key(point.fields[i].key);
  for (size_t j = 0; j < i; ++j) {
    if (field_is_valid(point.fields[j]) && effective_key(point.fields[j].key) == key) return true;
  }
  return false;
}

}  // namespace

bool encode_point(const Point& point, std::string* out, EncodeCounters* c) {
  const size_t start = out->size();
  if (point.measurement.empty()) {
    if (c) ++c->points_skipped;
    return false;
  }
  if (point.measurement[0] == '#') {
    out->push_back('_');
    append_name(out, std::string_view(point.measurement).substr(1), NameKind::measurement);
  } else {
    append_name(out, point.measurement, NameKind::measurement);
  }
  append_tags(point, out, c);
  size_t written = 0;
  uint64_t truncated = 0;
  for (size_t i = 0; i < point.fields.size(); ++i) {
    const Field& f = point.fields[i];
    if (!field_is_valid(f) || earlier_valid_field_has_key(point, i)) {
      if (c) ++c->fields_skipped;
      continue;
    }
    out->push_back(written == 0 ? ' ' : ',');
    append_name(out, effective_key(f.key), NameKind::key);
    out->push_back('=');
    if (append_value(out, f.value)) ++truncated;
    ++written;
  }
  if (written == 0) {
    out->resize(start);
    if (c) ++c->points_skipped;
    return false;
  }
  if (c) c->strings_truncated += truncated;
  out->push_back(' ');
  append_number(out, point.time_ns);
  out->push_back('\n');
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
