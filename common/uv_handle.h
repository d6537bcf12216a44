// UvHandle: the one owner of one libuv handle, for every folder (STYLE §2.5).
// Thread: loop only.
//
// The handle memory is heap-allocated and freed only in the close callback, as libuv
// requires. close() clears handle->data and calls uv_close(), so no callback of the
// handle reaches its user again; libuv may still call pending write callbacks (with
// UV_ECANCELED or 0), which must check `req->handle->data` for null before touching their
// user. `closed`, if given to close(), runs from the close callback, unless the owner is
// destroyed first: then nobody is told. The destructor closes an open handle.
//
// The state is explicit: unused (no init succeeded), open, closing (uv_close called, its
// callback pending), closed. The owner is neither copyable nor movable, because the
// handle's memory points back at it.
#pragma once

#include <uv.h>

#include <functional>

#include "common/status.h"

namespace vigil {

class UvHandle {
 public:
  enum class State { unused, open, closing, closed };

  UvHandle();
  ~UvHandle();
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  // Each init sets handle->data to `data` on success. A failure ("uv_tcp_init: EMFILE")
  // leaves the owner unused. REQUIRES: state() == unused.
  Status init_tcp(uv_loop_t* loop, void* data);
  Status init_pipe(uv_loop_t* loop, void* data);
  Status init_tty(uv_loop_t* loop, int fd, void* data);
  Status init_udp(uv_loop_t* loop, void* data);
  Status init_timer(uv_loop_t* loop, void* data);
  Status init_signal(uv_loop_t* loop, void* data);
  Status init_poll_socket(uv_loop_t* loop, int fd, void* data);

  uv_handle_t* handle();
  const uv_handle_t* handle() const;
  uv_stream_t* stream();
  uv_tcp_t* tcp();
  uv_pipe_t* pipe();
  uv_udp_t* udp();
  uv_timer_t* timer();
  uv_signal_t* signal();
  uv_poll_t* poll();

  State state() const { return state_; }
  bool is_open() const { return state_ == State::open; }

  // Starts closing an open handle. A second call, or a call on an unused handle, does
  // nothing (an unused handle is simply marked closed, and `closed` runs at once).
  void close(std::function<void()> closed = {});

 private:
  struct Box;
  static void on_close(uv_handle_t* handle) noexcept;
  Status opened(const char* what, int err, void* data);

  Box* box_;  // Null once closed.
  State state_ = State::unused;
  std::function<void()> closed_;
};

// "listen 0.0.0.0:2323: EADDRINUSE": the form in which every uv error is reported.
std::string uv_error(const std::string& action, int err);

}  // namespace vigil
