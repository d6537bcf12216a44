// Builds points tersely for the encoder tests.
// Thread: any.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "metrics/influx.h"
#include "metrics/point.h"

namespace vigil::metrics::testing {

inline Point point(std::string m, std::vector<Tag> tags, std::vector<Field> fields,
                   int64_t t = 1700000000000000000) {
  Point p;
  p.measurement = std::move(m);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t;
  return p;
}

// The encoded line, or "<skipped>" when the encoder leaves the point out.
inline std::string line(const Point& p, EncodeCounters* c = nullptr) {
  std::string out;
  return encode_point(p, &out, c) ? out : std::string("<skipped>");
}

}  // namespace vigil::metrics::testing
