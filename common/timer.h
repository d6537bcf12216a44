// Timer: a libuv timer on the one handle owner (common/uv_handle.h).
// Thread: loop only.
//
// `on_fire` runs on each expiry, never after close() or the destructor. It may re-arm or
// stop the timer. "*loop" must outlive the loop run that follows the destructor. Not
// copyable or movable (the handle points back at it).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "common/duration.h"
#include "common/status.h"
#include "common/uv_handle.h"

namespace vigil {

class Timer {
 public:
  // A failed uv_timer_init (it only links the handle into the loop, so it does not fail on
  // Linux) is kept and returned by every start().
  Timer(uv_loop_t* loop, std::function<void()> on_fire);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires after `timeout_ms`, then every `repeat_ms` (0: once). Re-arms a running timer.
  // Fails on a closed timer.
  Status start(uint64_t timeout_ms, uint64_t repeat_ms = 0);
  void stop();
  bool active() const;
  // Keeps the loop from waiting for this timer alone.
  void unref();
  // Closes the handle; `closed` runs from its close callback (see UvHandle::close).
  void close(std::function<void()> closed = {});

 private:
  static void on_timer(uv_timer_t* handle) noexcept;

  UvHandle handle_;
  Status init_;
  std::function<void()> on_fire_;
};

// A duration in whole milliseconds for a libuv timer, rounded up, at least 1 ms.
uint64_t timer_ms(Nanos d);

}  // namespace vigil
