#include "metrics/http_output.h"

#include <utility>

#include "metrics/curl_transport.h"
#include "metrics/http_client.h"
#include "metrics/http_request.h"
#include "metrics/output_url.h"

namespace vigil::metrics {

HttpOutput::HttpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed)
    : QueuedOutput(loop, "influx", config, seed), url_(with_precision(config.url)) {
  // The url was checked at config time; an unknown precision here writes nanoseconds.
  Result<int64_t> unit = precision_unit_ns(url_);
  set_time_unit(unit.ok() ? *unit : 1);
  Result<OutputUrl> parsed = parse_http_url(url_);
  if (parsed.ok() && parsed->scheme == "https") {
    transport_ = std::make_unique<CurlTransport>(loop, url_, config);
  } else {
    // A url that does not parse (REQUIRES says it does) fails each post at resolve.
    transport_ = std::make_unique<HttpClient>(loop, parsed.ok() ? *parsed : OutputUrl{}, config);
  }
}

HttpOutput::~HttpOutput() = default;

void HttpOutput::send_batch(std::span<const std::string> lines) {
  std::string body;
  for (const std::string& l : lines) body += l;
  size_t n = lines.size();
  transport_->post(std::move(body),
                   [this, n](const Result<HttpReply>& reply) { on_reply(n, reply); });
}

void HttpOutput::on_reply(size_t lines, const Result<HttpReply>& reply) {
  if (!reply.ok()) {
    send_done(0, Verdict::retry, "POST " + url_ + ": " + reply.status().message());
    return;
  }
  int code = reply->status;
  if (code >= 200 && code < 300) {
    send_done(lines, Verdict::delivered, "");
  } else if (code == 429 || code >= 500) {
    send_done(0, Verdict::retry, "POST " + url_ + ": " + http_error(code, reply->body));
  } else {
    send_done(0, Verdict::reject, "POST " + url_ + ": " + http_error(code, reply->body));
  }
}

void HttpOutput::close_transport(std::function<void()> closed) {
  transport_->close(std::move(closed));
}

}  // namespace vigil::metrics
