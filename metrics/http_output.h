// The `influx-http` output: batches POSTed to an InfluxDB write endpoint, on the loop.
// Thread: loop only.
//
// The url is the whole endpoint, query included; `precision=n` (1.x) or `precision=ns`
// (2.x, path /api/v2/write) is added when absent; a precision the url names (s, ms, ...)
// is the unit of the timestamps written (precision_unit_ns, metrics/output_url.h). Auth: `token` is
// sent as "Authorization: Token T" (2.x); `username`/`password` as HTTP basic auth, which InfluxDB
// 1.x accepts like its u=/p= query parameters. The connection stays open between batches
// when the server allows it.
// Transport: an http:// url is served by vigil's own HTTP/1.1 client (metrics/http_client.h),
// so it never loads libcurl; an https:// url by libcurl (metrics/curl_transport.h).
// Verdicts (spec/influx-push.md §5): 2xx delivered (InfluxDB answers 204); 429, 5xx, a
// timeout (`timeout`) or a connection error retry with backoff; any other status
// rejects the batch (dropped, counted, the server's message, its first 512 bytes on one
// line, logged once). A 400 "partial write" has stored the good lines, but the whole batch
// counts as dropped: the counters never claim delivery the server did not confirm.
// Lifetime and states as QueuedOutput.
// REQUIRES for an https:// url: load_curl() returned ok (metrics/curl_api.h); the output
// factory sees to it.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "metrics/http_transport.h"
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
  void on_reply(size_t lines, const Result<HttpReply>& reply);

  std::string url_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace vigil::metrics
