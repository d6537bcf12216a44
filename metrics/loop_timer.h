// A one-shot uv timer with a C++ owner, for the outputs' retry and deadline timers.
// Thread: loop only.
//
// The uv_timer_t is heap-allocated and freed in its close callback, as libuv requires.
// close(closed) closes it and calls `closed` from that callback; the destructor closes it
// too if close() was never called (then nobody is told). A closed timer ignores start().
// "loop" must outlive this object. Not copyable or movable (the handle points back at it).
#pragma once

#include <uv.h>

#include <functional>

#include "common/duration.h"

namespace vigil::metrics {

class LoopTimer {
 public:
  explicit LoopTimer(uv_loop_t* loop);
  ~LoopTimer();
  LoopTimer(const LoopTimer&) = delete;
  LoopTimer& operator=(const LoopTimer&) = delete;

  // (Re)arms the timer: `fire` runs once after `delay` (rounded up to a millisecond).
  void start(Nanos delay, std::function<void()> fire);
  void stop();
  bool active() const;
  // REQUIRES: close() not called before.
  void close(std::function<void()> closed);

 private:
  static void on_timer(uv_timer_t* handle) noexcept;
  static void on_close(uv_handle_t* handle) noexcept;

  uv_timer_t* handle_;             // Null once closing.
  uv_timer_t* closing_ = nullptr;  // Set between close() and its callback.
  std::function<void()> fire_;
  std::function<void()> closed_;
};

}  // namespace vigil::metrics
