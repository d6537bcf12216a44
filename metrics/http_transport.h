// How the influx-http output (metrics/http_output.h) carries one POST: the interface of
// its two transports, vigil's own HTTP/1.1 client for http:// (metrics/http_client.h)
// and libcurl for https:// (metrics/curl_transport.h). The output judges the reply.
// Thread: loop only.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"

namespace vigil::metrics {

struct HttpReply {
  int status = 0;
  std::string body;  // The first kMaxResponseBody (512) bytes of the answer's body.
};

class HttpTransport {
 public:
  // A reply, or what kept the exchange from ending with one: "connect 127.0.0.1:8086:
  // ECONNREFUSED", "timed out after 2000 ms", "bad HTTP response: ...". A failure is
  // worth retrying.
  using Done = std::function<void(Result<HttpReply> reply)>;

  virtual ~HttpTransport() = default;

  // POSTs `body` to the output's url. `done` runs exactly once, on the loop, possibly
  // before post() returns. REQUIRES: no post in progress; close() not called.
  virtual void post(std::string body, Done done) = 0;
  // Settles a post in progress with the failure "abandoned at shutdown", then closes
  // every handle; `closed` runs once all are closed. Called once. REQUIRES: destroy the
  // transport only after `closed` ran, or before it ever posted.
  virtual void close(std::function<void()> closed) = 0;
};

}  // namespace vigil::metrics
