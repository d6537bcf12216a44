// One measurement at one time: what sources produce and outputs send.
// Thread: any (plain values).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace vigil::metrics {

struct Tag {
  std::string key;
  std::string value;
};

// The field types of the line protocol: float, signed, unsigned (sent with `i`, clamped
// to int64 max), boolean and string.
using FieldValue = std::variant<double, int64_t, uint64_t, bool, std::string>;

struct Field {
  std::string key;
  FieldValue value;
};

struct Point {
  std::string measurement;
  std::vector<Tag> tags;
  std::vector<Field> fields;
  int64_t time_ns = 0;  // Poll time, nanoseconds since the Unix epoch.
};

}  // namespace vigil::metrics
