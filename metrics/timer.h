// A uv_timer_t with one C++ owner.
// Thread: loop only.
//
// The handle is heap-allocated and freed in its close callback, as libuv requires; the
// destructor closes it. The callback never runs after the destructor has started.
// "*loop" must outlive the loop run that follows the destructor.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

namespace vigil::metrics {

class Timer {
 public:
  Timer(uv_loop_t* loop, std::function<void()> on_fire);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires after `timeout_ms`, then every `repeat_ms` (0: once). Restarts a running timer.
  void start(uint64_t timeout_ms, uint64_t repeat_ms);
  void stop();
  bool active() const;
  // Keeps the loop from waiting for this timer alone.
  void unref();

 private:
  static void on_timer(uv_timer_t* handle) noexcept;

  uv_timer_t* handle_;
  std::function<void()> on_fire_;
};

}  // namespace vigil::metrics
