// The one outgoing TCP connection of an output (influx-tcp, and the http:// client of
// influx-http), with the connections it dropped until they have closed.
// Thread: loop only.
//
// open() makes a new socket, whose handle->data is the output's. drop() closes the current
// connection at once; its owner is freed from the close callback, and `on_closed` (given
// at construction) then runs, so that an output shutting down can tell when nothing is
// left closing. Destroying this object closes whatever is open, and tells nobody.
#pragma once

#include <uv.h>

#include <functional>
#include <list>
#include <memory>

#include "common/status.h"
#include "common/uv_handle.h"

namespace vigil::metrics {

class TcpConnection {
 public:
  explicit TcpConnection(std::function<void()> on_closed) : on_closed_(std::move(on_closed)) {}
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // A new current connection (a TCP handle, not yet connected). REQUIRES: none is current.
  Status open(uv_loop_t* loop, void* data);
  // The current connection, or null.
  UvHandle* get() const { return current_.get(); }
  // True iff `stream` is the current, open connection.
  bool is(const uv_stream_t* stream) const;
  // Closes the current connection, if any.
  void drop();
  // True while a dropped connection has not finished closing.
  bool closing() const { return !dropped_.empty(); }

 private:
  std::unique_ptr<UvHandle> current_;
  std::list<std::unique_ptr<UvHandle>> dropped_;
  std::function<void()> on_closed_;
};

}  // namespace vigil::metrics
