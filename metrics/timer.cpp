#include "metrics/timer.h"

#include <utility>

namespace vigil::metrics {

Timer::Timer(uv_loop_t* loop, std::function<void()> on_fire)
    : handle_(new uv_timer_t), on_fire_(std::move(on_fire)) {
  // uv_timer_init cannot fail on Linux: it only links the handle into the loop.
  uv_timer_init(loop, handle_);
  handle_->data = this;
}

Timer::~Timer() {
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void Timer::start(uint64_t timeout_ms, uint64_t repeat_ms) {
  // Only fails for a closing handle or a null callback, neither possible here.
  uv_timer_start(handle_, on_timer, timeout_ms, repeat_ms);
}

void Timer::stop() { uv_timer_stop(handle_); }

bool Timer::active() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)) != 0;
}

void Timer::unref() { uv_unref(reinterpret_cast<uv_handle_t*>(handle_)); }

void Timer::on_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Timer*>(handle->data);
  if (self != nullptr && self->on_fire_) self->on_fire_();
}

}  // namespace vigil::metrics
