// The influx-http output's HTTP/1.1 exchange as pure code: the bytes of a write request,
// and a parser that turns the server's answer into a status, the start of its body and
// whether the connection may carry the next request. The libuv side is
// metrics/http_client.h.
// Thread: any (plain values; one parser per connection).
//
// A request, for "http://influx:8086/write?db=vigil&precision=n" with basic auth:
//   POST /write?db=vigil&precision=n HTTP/1.1\r\n
//   Host: influx:8086\r\n
//   User-Agent: vigil/0.1.0\r\n
//   Content-Type: text/plain; charset=utf-8\r\n
//   Authorization: Basic dTpw\r\n
//   Content-Length: 25\r\n
//   \r\n
//   m,host=h v=1i 1700000000\n
// Auth as the curl transport sends it: `token` as "Authorization: Token T" (2.x), else
// `username`/`password` as basic auth (1.x). Neither "Expect:" nor "Connection:" is sent:
// HTTP/1.1 keeps the connection open unless the server says otherwise.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "metrics/output_url.h"

namespace vigil::metrics {

// Bytes of a server's answer kept for the log.
inline constexpr size_t kMaxResponseBody = 512;

// base64 (RFC 4648, with padding): "u:p" => "dTpw".
std::string base64(std::string_view data);

// "HTTP 404: {"error":"database not found"}": the status and the body on one line (CR
// and LF become spaces, trailing spaces go). "HTTP 500" when the body is empty.
std::string http_error(int status, std::string_view body);

class WriteRequest {
 public:
  // `url` is the endpoint with its precision (with_precision); `config` gives the auth.
  // REQUIRES: url.scheme is "http" or "https".
  WriteRequest(const OutputUrl& url, const OutputConfig& config);

  // The whole request carrying `body`.
  std::string build(std::string_view body) const;

 private:
  std::string head_;  // Everything before Content-Length.
};

// Parses one response at a time. After complete(), reset() readies it for the next one
// on the same connection. Interim 1xx responses are skipped.
class ResponseParser {
 public:
  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  void reset();
  // Feeds bytes as they arrive. Errors: "bad HTTP response: invalid HTTP status code".
  // Bytes after a complete response are not parsed; they make the connection unfit for
  // reuse (keep_alive() false).
  Status feed(std::string_view data);
  // The peer closed the connection: completes a response whose body runs to the close;
  // an error otherwise ("connection closed before the response ended").
  Status feed_eof();

  bool started() const { return started_; }  // Any byte of the response arrived.
  bool complete() const { return complete_; }
  // REQUIRES: complete().
  int status() const { return status_; }
  const std::string& body() const { return body_; }  // At most kMaxResponseBody bytes.
  bool keep_alive() const { return keep_alive_; }

 private:
  static const http_parser_settings& settings();
  static int on_body(http_parser* p, const char* at, size_t len);
  static int on_message_complete(http_parser* p);
  Status error() const;

  http_parser parser_;
  bool started_ = false;
  bool complete_ = false;
  bool keep_alive_ = false;
  int status_ = 0;
  std::string body_;
};

}  // namespace vigil::metrics
