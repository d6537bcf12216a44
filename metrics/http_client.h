// The influx-http output's transport for http:// urls: vigil's own HTTP/1.1 client on the
// loop, so that such an output never loads libcurl. The bytes and the parsing are pure
// code (metrics/http_request.h); this is the socket side.
// Thread: loop only.
//
// A post resolves and connects when no connection is open, writes the request, and reads
// the answer. The connection stays open for the next post when the server allows
// keep-alive, and is closed otherwise, or after any failure. An idle connection is read so
// that a server that closes it is noticed. The timeout bounds each post from its start
// (resolve, connect, write and the whole answer); when it fires the connection is closed.
// When a connection that carried an earlier post fails before any byte of the answer
// arrived (the server closed it while it was idle: EOF, ECONNRESET, EPIPE), the same
// request is sent once more on a new connection at once, as curl does. Errors name the
// action: "connect 127.0.0.1:8086: ECONNREFUSED", "127.0.0.1:8086: bad HTTP response:
// invalid HTTP status code", "timed out after 2000 ms".
// Lifetime: as HttpTransport; "loop" must outlive this object.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/config.h"
#include "common/timer.h"
#include "common/uv_handle.h"
#include "metrics/http_request.h"
#include "metrics/http_transport.h"
#include "metrics/output_url.h"
#include "metrics/resolver.h"
#include "metrics/tcp_connection.h"

namespace vigil::metrics {

class HttpClient final : public HttpTransport {
 public:
  // `url` is the parsed endpoint with its precision; `config` gives auth and timeout.
  HttpClient(uv_loop_t* loop, const OutputUrl& url, const OutputConfig& config);
  ~HttpClient() override;

  void post(std::string body, Done done) override;
  void close(std::function<void()> closed) override;

  // Connections opened so far (for tests: keep-alive reuses one).
  uint64_t connections() const { return connections_; }

 private:
  struct Write;
  struct Connect;
  void connect();
  void on_connected();
  void send();
  void on_bytes(std::string_view data);
  void on_eof();
  void connection_failed(std::string error);
  void finish(Result<HttpReply> reply);
  void drop_connection();
  void maybe_closed();
  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_alloc(uv_handle_t* h, size_t hint, uv_buf_t* buf) noexcept;

  uv_loop_t* loop_;
  WriteRequest request_;
  Nanos timeout_;
  Resolver resolver_;
  Timer timer_;
  TcpConnection conn_;
  bool connected_ = false;
  bool warned_nodelay_ = false;
  uint64_t connections_ = 0;
  // The post in progress: set from post() until finish().
  Done done_;
  uint64_t exchange_ = 0;  // Counts posts, so that a late lookup knows it is stale.
  std::shared_ptr<const std::string> bytes_;  // The request; each write holds it too.
  bool reused_ = false;  // The post runs on a connection that carried an earlier one.
  ResponseParser parser_;
  std::function<void()> closed_;
  bool closing_ = false;
  bool timer_closed_ = false;
  char read_buf_[4096];
};

}  // namespace vigil::metrics
