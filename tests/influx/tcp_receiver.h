// A plain TCP receiver for the influx-tcp tests: it listens on 127.0.0.1 and keeps every
// byte it is sent, as Telegraf's socket_listener would before parsing.
// Thread: the loop's. "loop" must outlive it; call close() and run the loop before the
// loop is closed.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "common/uv_handle.h"

namespace vigil::test {

class TcpReceiver {
 public:
  // Listens on `port` (0: any free port).
  TcpReceiver(uv_loop_t* loop, int port = 0);
  ~TcpReceiver();
  TcpReceiver(const TcpReceiver&) = delete;
  TcpReceiver& operator=(const TcpReceiver&) = delete;

  bool listening() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& received() const { return received_; }
  // Complete lines received so far.
  size_t lines() const;
  int connections() const { return connections_; }
  // Closes the listener and every accepted connection.
  void close();

 private:
  static void on_connection(uv_stream_t* server, int status);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);

  UvHandle server_;
  std::vector<std::unique_ptr<UvHandle>> clients_;
  std::string received_;
  int port_ = 0;
  int connections_ = 0;
};

}  // namespace vigil::test
