// TEMPORARY stand-in for metrics-core's encoder (metrics/influx.h), so the outputs build and
// run before it is merged. Delete this file and influx_standin.cpp after the merge, and
// include "metrics/influx.h" in metrics/queued_output.cpp instead (its only user).
// Thread: any (pure function).
#pragma once

#include <string>

#include "metrics/point.h"

namespace vigil::metrics {

// Appends one LF-terminated line for `p` to `*out` and returns true, or returns false and
// appends nothing if `p` has no valid field. Same call shape as metrics-core's
// encode_point(point, out, counters = nullptr).
bool encode_point(const Point& p, std::string* out);

}  // namespace vigil::metrics
