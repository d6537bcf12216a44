// The data of vigil-trace's HTML report: a TraceModel and its TraceTimeline as one JSON
// object, aggregated (no events), for the page's script (trace/report/*.js).
// Thread: any.
//
// The JSON holds: "info" (the trace's info block and counts, and a notice when the trace was
// cut), "series" (the model's live set over time: [time_us, live, peak, allocated samples]
// flattened), "frames" (the call tree with inlined frames expanded and siblings of the same
// function merged: [parent, name, locations, kind] flattened; frame 0 is the root), "sites"
// ([name, location] of innermost positions), "cells" (the timeline's cells, merged by frame
// and site and grouped: frame, site, n, then n times [alloc bucket, free bucket minus alloc
// bucket or -1 for never, samples, objects], flattened) and
// "strings" (the names and locations those refer to). Figures stay in samples; the page
// multiplies by "bytes_per_sample". Strings are escaped so that the JSON can sit in a
// <script> element ("<" is \u003c).
#pragma once

#include <cstdint>
#include <string>

#include "trace/trace_model.h"
#include "trace/trace_timeline.h"

namespace vigil::trace {

// What the model does not know about its input.
struct ReportSource {
  std::string name;     // the file or HOST:PORT
  uint64_t bytes = 0;   // bytes read
  uint64_t events = 0;  // events decoded
  std::string notice;   // shown in the page when not empty (a cut or invalid trace)
};

std::string report_json(const TraceModel& model, const TraceTimeline& timeline,
                        const ReportSource& source);

// A JSON string literal of `s`, safe inside <script>.
std::string json_string(const std::string& s);

}  // namespace vigil::trace
