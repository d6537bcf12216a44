#include "common/uv_handle.h"

#include <cassert>
#include <type_traits>
#include <utility>

namespace vigil {

// The handle comes first, so a uv_handle_t* is also a Box*. `owner` is cleared when the
// owner is destroyed before the close callback.
struct UvHandle::Box {
  uv_any_handle h;
  UvHandle* owner;
};

UvHandle::UvHandle() : box_(new Box{{}, this}) {
  static_assert(std::is_standard_layout_v<Box>, "a uv_handle_t* must also be a Box*");
}

UvHandle::~UvHandle() {
  closed_ = nullptr;
  close();
  if (box_ != nullptr) box_->owner = nullptr;  // Closing: the callback frees the box.
}

Status UvHandle::opened(const char* what, int err, void* data) {
  assert(state_ == State::unused);
  if (err != 0) return Status::error(uv_error(what, err));
  state_ = State::open;
  box_->h.handle.data = data;
  return Status();
}

Status UvHandle::init_tcp(uv_loop_t* loop, void* data) {
  return opened("uv_tcp_init", uv_tcp_init(loop, &box_->h.tcp), data);
}
Status UvHandle::init_pipe(uv_loop_t* loop, void* data) {
  return opened("uv_pipe_init", uv_pipe_init(loop, &box_->h.pipe, 0), data);
}
Status UvHandle::init_tty(uv_loop_t* loop, int fd, void* data) {
  return opened("uv_tty_init", uv_tty_init(loop, &box_->h.tty, fd, 0), data);
}
Status UvHandle::init_udp(uv_loop_t* loop, void* data) {
  return opened("uv_udp_init", uv_udp_init(loop, &box_->h.udp), data);
}
Status UvHandle::init_timer(uv_loop_t* loop, void* data) {
  return opened("uv_timer_init", uv_timer_init(loop, &box_->h.timer), data);
}
Status UvHandle::init_signal(uv_loop_t* loop, void* data) {
  return opened("uv_signal_init", uv_signal_init(loop, &box_->h.signal), data);
}
Status UvHandle::init_poll_socket(uv_loop_t* loop, int fd, void* data) {
  return opened("uv_poll_init_socket", uv_poll_init_socket(loop, &box_->h.poll, fd), data);
}

uv_handle_t* UvHandle::handle() { return &box_->h.handle; }
const uv_handle_t* UvHandle::handle() const { return &box_->h.handle; }
uv_stream_t* UvHandle::stream() { return &box_->h.stream; }
uv_tcp_t* UvHandle::tcp() { return &box_->h.tcp; }
uv_pipe_t* UvHandle::pipe() { return &box_->h.pipe; }
uv_udp_t* UvHandle::udp() { return &box_->h.udp; }
uv_timer_t* UvHandle::timer() { return &box_->h.timer; }
uv_signal_t* UvHandle::signal() { return &box_->h.signal; }
uv_poll_t* UvHandle::poll() { return &box_->h.poll; }

void UvHandle::close(std::function<void()> closed) {
  switch (state_) {
    case State::open:
      closed_ = std::move(closed);
      state_ = State::closing;
      box_->h.handle.data = nullptr;
      uv_close(&box_->h.handle, on_close);
      return;
    case State::unused:
      delete box_;
      box_ = nullptr;
      state_ = State::closed;
      if (closed) closed();
      return;
    case State::closing:
    case State::closed:
      return;
  }
}

void UvHandle::on_close(uv_handle_t* handle) noexcept {
  auto* box = reinterpret_cast<Box*>(handle);
  UvHandle* owner = box->owner;
  delete box;
  if (owner == nullptr) return;
  owner->box_ = nullptr;
  owner->state_ = State::closed;
  std::function<void()> closed = std::move(owner->closed_);
  if (closed) closed();  // May destroy the owner: nothing of it is used after this.
}

std::string uv_error(const std::string& action, int err) {
  return action + ": " + uv_err_name(err);
}

}  // namespace vigil
