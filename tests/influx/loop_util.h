// Loop helpers shared by the Influx output tests.
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

namespace vigil::test {

// Runs `loop` until `done()` holds (checked every 10 ms) or `limit` passes (the watchdog).
// Returns done().
bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20));

// Calls `fn` every `period` on the loop until destroyed. Closes its timer on destruction;
// run the loop once more afterwards so the close completes.
class Every {
 public:
  Every(uv_loop_t* loop, std::chrono::milliseconds period, std::function<void()> fn);
  ~Every();
  Every(const Every&) = delete;
  Every& operator=(const Every&) = delete;

 private:
  uv_timer_t* timer_;
  std::function<void()> fn_;
};

// Shuts `out` down with `deadline` and runs the loop until `done` was called. Returns
// true iff it was.
bool shut_down(uv_loop_t* loop, metrics::Output& out,
               std::chrono::milliseconds deadline = std::chrono::seconds(2));

// Lets pending close callbacks run and returns uv_loop_close(): 0 iff no handle is left.
int close_loop(uv_loop_t* loop);

// Points "m,host=h v=<i>i <base+i>" for i in [first, first+n).
std::vector<metrics::Point> numbered_points(int first, int n, int64_t base_ns);

}  // namespace vigil::test
