// The `influx-http` output: batches POSTed to an InfluxDB write endpoint with libcurl, on
// the loop (CurlMulti).
// Thread: loop only.
//
// The url is the whole endpoint, query included; `precision=n` (1.x) or `precision=ns`
// (2.x, path /api/v2/write) is added when absent; a precision the url names (s, ms, ...)
// is the unit of the timestamps written (precision_unit_ns, metrics/output_url.h). Auth: `token` is
// sent as "Authorization: Token T" (2.x); `username`/`password` as HTTP basic auth, which InfluxDB
// 1.x accepts like its u=/p= query parameters. One easy handle is reused, so the
// connection stays open between batches.
// Verdicts (spec/influx-push.md §5): 2xx delivered (InfluxDB answers 204); 429, 5xx, a
// timeout (`timeout`) or a connection error retry with backoff; any other status
// rejects the batch (dropped, counted, the server's message logged once). A 400 "partial
// write" has stored the good lines, but the whole batch counts as dropped: the counters
// never claim delivery the server did not confirm.
// Lifetime and states as QueuedOutput.
// REQUIRES: load_curl() returned ok (metrics/curl_api.h); the output factory sees to it.
#pragma once

#include <uv.h>

#include <functional>
#include <span>
#include <string>

#include "metrics/curl_multi.h"
#include "metrics/queued_output.h"

namespace vigil::metrics {

class HttpOutput final : public QueuedOutput {
 public:
  // REQUIRES: config.url passed parse_http_url().
  HttpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed = 1);
  ~HttpOutput() override;

  // The url POSTed to, with its precision.
  const std::string& url() const { return url_; }

 protected:
  void send_batch(std::span<const std::string> lines) override;
  void close_transport(std::function<void()> closed) override;

 private:
  void on_done(CURLcode result);
  static size_t on_body(char* data, size_t size, size_t n, void* userp);

  std::string url_;
  CurlMulti multi_;
  CURL* easy_;
  curl_slist* headers_ = nullptr;
  std::string body_;  // The batch in flight.
  size_t lines_ = 0;  // Lines in body_.
  bool in_flight_ = false;
  std::string response_;  // The start of the server's answer, for error messages.
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace vigil::metrics
