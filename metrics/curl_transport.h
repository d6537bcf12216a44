// The influx-http output's transport for https:// urls: libcurl, on the loop (CurlMulti).
// Thread: loop only.
//
// One easy handle is reused, so the connection (and its TLS session) stays open between
// batches. The timeout bounds the connect and the whole transfer. Basic auth and the
// token are sent as WriteRequest (metrics/http_request.h) sends them.
// REQUIRES: load_curl() returned ok (metrics/curl_api.h); the output factory sees to it.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "common/config.h"
#include "metrics/curl_multi.h"
#include "metrics/http_transport.h"

namespace vigil::metrics {

class CurlTransport final : public HttpTransport {
 public:
  // `url` is the endpoint with its precision. "loop" must outlive this object.
  CurlTransport(uv_loop_t* loop, const std::string& url, const OutputConfig& config);
  ~CurlTransport() override;

  void post(std::string body, Done done) override;
  void close(std::function<void()> closed) override;

 private:
  void on_done(CURLcode result);
  void finish(Result<HttpReply> reply);
  static size_t on_body(char* data, size_t size, size_t n, void* userp);

  std::string url_;
  CurlMulti multi_;
  CURL* easy_;
  curl_slist* headers_ = nullptr;
  std::string body_;      // The batch in flight.
  Done done_;             // Set while a post is in flight.
  std::string response_;  // The start of the server's answer.
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace vigil::metrics
