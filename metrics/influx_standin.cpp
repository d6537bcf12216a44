// TEMPORARY: a small encoder following spec/influx-push.md, replaced by metrics/influx.cpp.
#include "metrics/influx_standin.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

namespace vigil::metrics {
namespace {

void append_name(std::string& out, std::string_view name, bool escape_equals) {
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\r' || c == '\n') c = ' ';
    if (c == '\\' && i + 1 == name.size()) c = '_';
    if (c == ',' || c == ' ' || (escape_equals && c == '=')) out += '\\';
    out += c;
  }
}

bool append_value(std::string& out, const FieldValue& v) {
  char buf[32];
  if (const double* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return false;
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    out.append(buf, r.ptr);
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i) + "i";
  } else if (const uint64_t* u = std::get_if<uint64_t>(&v)) {
    uint64_t max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    out += std::to_string(std::min(*u, max)) + "i";
  } else if (const bool* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    out += '"';
    for (char c : std::get<std::string>(v)) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    out += '"';
  }
  return true;
}

}  // namespace

bool encode_point(const Point& p, std::string* out) {
  std::string line;
  append_name(line, p.measurement, false);
  std::vector<const Tag*> tags;
  for (const Tag& t : p.tags) {
    if (!t.key.empty() && !t.value.empty()) tags.push_back(&t);
  }
  std::sort(tags.begin(), tags.end(), [](const Tag* a, const Tag* b) { return a->key < b->key; });
  for (const Tag* t : tags) {
    line += ',';
    append_name(line, t->key, true);
    line += '=';
    append_name(line, t->value, true);
  }
  char sep = ' ';
  for (const Field& f : p.fields) {
    std::string one(1, sep);
    append_name(one, f.key, true);
    one += '=';
    if (f.key.empty() || !append_value(one, f.value)) continue;
    line += one;
    sep = ',';
  }
  if (sep == ' ') return false;
  line += ' ' + std::to_string(p.time_ns) + '\n';
  *out += line;
  return true;
}

}  // namespace vigil::metrics
