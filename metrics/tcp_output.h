// The `influx-tcp` output: line protocol streamed over one long-lived TCP connection, as
// Telegraf's socket_listener (mirage's target, port 8094) expects.
// Thread: loop only.
//
// The connection opens on the first send and stays open. A batch is one uv_write; its
// completion counts the batch as sent (TCP has no acknowledgement above the kernel: lines
// in the socket buffer when the peer vanishes are lost unnoticed, the limit of this
// protocol). A failed connect or write closes the connection and retries the batch with
// backoff, reconnecting; a write that failed halfway may send its first lines twice.
// The connection is read only to notice that the peer closed it.
// Lifetime and states as QueuedOutput.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "common/uv_handle.h"
#include "metrics/queued_output.h"
#include "metrics/resolver.h"
#include "metrics/tcp_connection.h"

namespace vigil::metrics {

class TcpOutput final : public QueuedOutput {
 public:
  // REQUIRES: config.url passed parse_socket_url("tcp", ...).
  TcpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed = 1);
  ~TcpOutput() override;

 protected:
  void send_batch(std::span<const std::string> lines) override;
  void close_transport(std::function<void()> closed) override;

 private:
  struct Write;
  void connect(std::string body, size_t lines);
  void start_write(std::string body, size_t lines);
  void drop_connection();
  void maybe_closed();
  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_alloc(uv_handle_t* h, size_t hint, uv_buf_t* buf) noexcept;

  std::unique_ptr<Resolver> resolver_;

  TcpConnection conn_;
  bool connected_ = false;
  bool warned_nodelay_ = false;  // A failed uv_tcp_nodelay is logged once per output.
  std::function<void()> closed_;
  bool closing_ = false;
};

}  // namespace vigil::metrics
