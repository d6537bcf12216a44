#include "metrics/loop_timer.h"

#include <cassert>
#include <utility>

namespace vigil::metrics {

LoopTimer::LoopTimer(uv_loop_t* loop) : handle_(new uv_timer_t) {
  // uv_timer_init cannot fail on a live loop.
  uv_timer_init(loop, handle_);
  handle_->data = this;
}

LoopTimer::~LoopTimer() {
  // The close callback must not reach this object once it is gone.
  if (closing_ != nullptr) closing_->data = nullptr;
  if (handle_ == nullptr) return;
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), on_close);
}

void LoopTimer::start(Nanos delay, std::function<void()> fire) {
  if (handle_ == nullptr) return;
  fire_ = std::move(fire);
  auto ms = static_cast<uint64_t>((delay.count() + 999999) / 1000000);
  uv_timer_start(handle_, on_timer, ms, 0);
}

void LoopTimer::stop() {
  if (handle_ != nullptr) uv_timer_stop(handle_);
}

bool LoopTimer::active() const {
  return handle_ != nullptr && uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_));
}

void LoopTimer::close(std::function<void()> closed) {
  assert(handle_ != nullptr);
  closed_ = std::move(closed);
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), on_close);
  closing_ = handle_;
  handle_ = nullptr;
}

void LoopTimer::on_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<LoopTimer*>(handle->data);
  if (self == nullptr) return;
  // Move the callback out first: it may re-arm the timer with a new one.
  std::function<void()> fire = std::move(self->fire_);
  if (fire) fire();
}

void LoopTimer::on_close(uv_handle_t* handle) noexcept {
  auto* self = static_cast<LoopTimer*>(handle->data);
  delete reinterpret_cast<uv_timer_t*>(handle);
  if (self == nullptr) return;
  self->closing_ = nullptr;
  if (self->closed_) {
    std::function<void()> closed = std::move(self->closed_);
    closed();
  }
}

}  // namespace vigil::metrics
