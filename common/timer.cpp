#include "common/timer.h"

#include <utility>

namespace vigil {

Timer::Timer(uv_loop_t* loop, std::function<void()> on_fire)
    : init_(handle_.init_timer(loop, this)), on_fire_(std::move(on_fire)) {}

Status Timer::start(uint64_t timeout_ms, uint64_t repeat_ms) {
  if (!init_.ok()) return init_;
  if (!handle_.is_open()) return Status::error("uv_timer_start: the timer is closed");
  // Fails only for a closing handle or a null callback, both ruled out above.
  if (int rc = uv_timer_start(handle_.timer(), on_timer, timeout_ms, repeat_ms); rc != 0) {
    return Status::error(uv_error("uv_timer_start", rc));
  }
  return Status();
}

void Timer::stop() {
  // uv_timer_stop always returns 0.
  if (handle_.is_open()) uv_timer_stop(handle_.timer());
}

bool Timer::active() const { return handle_.is_open() && uv_is_active(handle_.handle()) != 0; }

void Timer::unref() {
  if (handle_.is_open()) uv_unref(handle_.handle());
}

void Timer::close(std::function<void()> closed) { handle_.close(std::move(closed)); }

void Timer::on_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Timer*>(handle->data);
  if (self != nullptr && self->on_fire_) self->on_fire_();
}

uint64_t timer_ms(Nanos d) {
  auto ms = (d.count() + 999999) / 1000000;
  return ms < 1 ? 1 : static_cast<uint64_t>(ms);
}

}  // namespace vigil
