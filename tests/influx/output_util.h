// Output helpers shared by the Influx output tests: shutting an output down, numbered points.
// Not a loop harness of their own: they run the loop with the tests' one harness
// (tests/support/loop.h: run_until, Every, close_loop).
// Thread: the test's thread, which runs the loop.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metrics/output.h"
#include "metrics/point.h"
#include "tests/support/loop.h"

namespace vigil::test {

// Shuts `out` down with `deadline` and runs the loop until `done` was called. Returns
// true iff it was.
bool shut_down(uv_loop_t* loop, metrics::Output& out,
               std::chrono::milliseconds deadline = std::chrono::seconds(2));

// Points "m,host=h v=<i>i <base+i>" for i in [first, first+n).
std::vector<metrics::Point> numbered_points(int first, int n, int64_t base_ns);

}  // namespace vigil::test
