// The one loop harness of the tests: run a loop until a condition holds or until its end,
// call something periodically, run client code on a thread while the loop serves it, and close the
// loop. Thread: the test's thread, which runs the loop (run_while's `client` runs on its own).
// Every handle here is a vigil::Timer, so the helpers leave no handle open when they return.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

#include "common/timer.h"

namespace vigil::test {

// Runs `loop` until `done()` holds (checked at least every 10 ms) or `limit` passes (the
// watchdog). Returns done().
bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20));

// Runs `client` on a new thread while `loop` runs here; returns when the client has
// finished (after at most `limit`, the loop stops and the thread is joined anyway).
void run_while(uv_loop_t* loop, const std::function<void()>& client,
               std::chrono::milliseconds limit = std::chrono::seconds(120));

// Runs `loop` until it has nothing left to do (UV_RUN_DEFAULT), with an unreferenced
// watchdog that stops it after `limit`. Returns false iff the watchdog fired (or could not
// be armed, and the loop was not run). The watchdog
// is closed and freed before it returns.
bool run_to_end(uv_loop_t* loop, std::chrono::milliseconds limit = std::chrono::seconds(10));

// Calls `fn` every `period` on the loop until destroyed; run the loop once more afterwards
// so the timer's close completes.
class Every {
 public:
  Every(uv_loop_t* loop, std::chrono::milliseconds period, std::function<void()> fn);
  Every(const Every&) = delete;
  Every& operator=(const Every&) = delete;

 private:
  Timer timer_;
};

// Lets pending close callbacks run and returns uv_loop_close(): 0 iff no handle is left.
// No uv_walk: a handle still open here is a leak, and uv_loop_close must report it.
int close_loop(uv_loop_t* loop);

}  // namespace vigil::test
