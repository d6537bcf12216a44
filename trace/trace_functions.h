// The functions of a TraceModel, as a top-like view lists them: per function (by name), the
// estimated bytes and objects of the allocations made in it ("own": it is the innermost frame
// with a position) and under it ("total": it is anywhere on the stack, counted once per
// stack), allocated and live.
// Thread: any; a pure function of the model at the moment of the call.
#pragma once

#include <string>
#include <vector>

#include "trace/trace_model.h"

namespace vigil::trace {

struct FunctionFigures {
  std::string name;
  std::string location;  // "file:line" of its first own allocation site, or of a call
  double own_bytes = 0, total_bytes = 0, own_objects = 0;  // allocated
  double own_live_bytes = 0, total_live_bytes = 0, own_live_objects = 0;
};

// Every function with an allocated or live byte under it, in no particular order.
std::vector<FunctionFigures> function_figures(const TraceModel& model);

}  // namespace vigil::trace
