// The Prometheus text exposition format 0.0.4 of the points of the last polls: what the
// HTTP port serves on /metrics.
// Thread: any (a pure function of its input).
//
// Each numeric field of each point becomes one sample:
//   - name: vigil_<measurement>_<field> (or the field's exposed_name), every character
//     outside [a-zA-Z0-9_:] replaced by '_'; counters get the suffix _total;
//   - labels: the point's tags (host included), names cleaned the same way (and without
//     ':', a leading digit or a leading "__"), values escaped (\\, \" and \n);
//   - value: integers exactly, floats in the shortest form that reads back the same, NaN,
//     +Inf, -Inf; booleans as 1 or 0; the field's scale applied;
//   - timestamp: the poll time, in milliseconds since the epoch.
// String fields have no sample. Samples are grouped by name, families in order of first
// appearance, each with `# HELP` (the field's help, escaped) and `# TYPE` (counter or
// gauge; undeclared fields are gauges). A sample whose name another family of a different
// type already took is left out.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "metrics/field_table.h"
#include "metrics/point.h"

namespace vigil::metrics {

// The points of one source and the table that says what its fields are.
struct ExposedSource {
  std::span<const Point> points;
  const FieldTable* fields = nullptr;  // null: every field undeclared
};

// The content type of the result.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string to_prometheus(std::span<const ExposedSource> sources);

// Exposed for tests: the cleaned metric name, label name, and escaped label value.
std::string prometheus_name(std::string_view measurement, std::string_view field, bool counter);
std::string prometheus_label_name(std::string_view key);
std::string prometheus_label_value(std::string_view value);

}  // namespace vigil::metrics
