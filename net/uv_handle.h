// UvHandle: the one owner of one libuv handle (STYLE §2.5).
// Thread: loop only.
//
// The handle memory is heap-allocated and freed only in the close callback, as libuv
// requires. Destroying the owner (or calling close()) clears handle->data and calls
// uv_close(), so no callback of the handle reaches the destroyed C++ object; libuv may
// still call pending write callbacks (with UV_ECANCELED or 0), which must check
// `req->handle->data` for null before touching their connection. The owner is neither
// copyable nor movable, because handle->data points at the object using it.
#pragma once

#include <uv.h>

namespace vigil::net {

class UvHandle {
 public:
  UvHandle() : h_(new uv_any_handle{}) {}
  ~UvHandle() { close(); }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  // Each init returns 0 or a UV_E* code. On failure the handle stays unused and is freed
  // without uv_close. REQUIRES: no init call succeeded before.
  int init_tcp(uv_loop_t* loop, void* data) { return done(uv_tcp_init(loop, &h_->tcp), data); }
  int init_pipe(uv_loop_t* loop, void* data) {
    return done(uv_pipe_init(loop, &h_->pipe, 0), data);
  }
  int init_timer(uv_loop_t* loop, void* data) {
    return done(uv_timer_init(loop, &h_->timer), data);
  }

  uv_handle_t* handle() { return &h_->handle; }
  uv_stream_t* stream() { return &h_->stream; }
  uv_tcp_t* tcp() { return &h_->tcp; }
  uv_pipe_t* pipe() { return &h_->pipe; }
  uv_timer_t* timer() { return &h_->timer; }
  bool is_open() const { return state_ == State::open; }

  // Starts closing; a second call does nothing.
  void close() {
    if (state_ == State::closed) return;
    h_->handle.data = nullptr;
    if (state_ == State::open) {
      uv_close(&h_->handle, [](uv_handle_t* h) { delete reinterpret_cast<uv_any_handle*>(h); });
    } else {
      delete h_;
    }
    state_ = State::closed;
  }

 private:
  enum class State { unused, open, closed };

  int done(int err, void* data) {
    if (err == 0) {
      state_ = State::open;
      h_->handle.data = data;
    }
    return err;
  }

  uv_any_handle* h_;
  State state_ = State::unused;
};

}  // namespace vigil::net
