// The pprof profile of a TraceModel: google/pprof's proto/profile.proto, encoded by hand.
// Thread: any (a pure function of the model).
//
// It follows the conventions of a Go heap profile:
//   - sample types alloc_objects/count, alloc_space/bytes, inuse_objects/count and
//     inuse_space/bytes, inuse_space being the default (and last); "in use" means never
//     collected by the trace's end;
//   - period_type space/bytes, period the mean sampling interval in bytes (8 / sample_rate);
//   - one sample per stack of the model that allocated anything, its locations leaf first;
//   - one location per location code, its address the code (vigil's codes are return
//     addresses), its positions as lines innermost first (inlined frames);
//   - one function per (name, file); `system_name` repeats the name, because a memtrace
//     position holds only the demangled name;
//   - mapping 1 is the main binary (the trace's executable_name); each module that an
//     unresolved frame names ("libfoo.so+0x1234", file = the module's path) gets its own.
//     Resolved frames carry no module in the trace, so their location has no mapping;
//   - time_nanos is the trace's start (plus --from), duration_nanos the span of the events
//     counted, and the trace info block becomes comments.
// Values are the model's estimates (trace_model.h), rounded to integers.
#pragma once

#include <string>
#include <string_view>

#include "trace/trace_model.h"

namespace vigil::trace {

// The serialized Profile message, not compressed (pprof's files are gzipped: the caller
// does that). `default_sample` is the sample type pprof shows unless told otherwise:
// "inuse_space" (a heap profile) or "alloc_space" (Go's /debug/pprof/allocs).
std::string encode_pprof(const TraceModel& model, std::string_view default_sample = "inuse_space");

}  // namespace vigil::trace
