#include "metrics/http_output.h"

#include <chrono>
#include <utility>

#include "metrics/output_url.h"

namespace vigil::metrics {
namespace {

constexpr size_t kMaxResponse = 512;  // Bytes of a server answer kept for the log.

// "HTTP 404: {"error":"database not found: \"x\""}", on one line.
std::string http_error(long code, std::string_view body) {
  std::string out = "HTTP " + std::to_string(code);
  if (body.empty()) return out;
  out += ": ";
  for (char c : body) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

HttpOutput::HttpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed)
    : QueuedOutput(loop, "influx", config, seed),
      url_(with_precision(config.url)),
      multi_(loop),
      easy_(curl().easy_init()) {
  auto ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout).count());
  // The url was checked at config time; an unknown precision here writes nanoseconds.
  Result<int64_t> unit = precision_unit_ns(url_);
  set_time_unit(unit.ok() ? *unit : 1);
  curl().easy_setopt(easy_, CURLOPT_URL, url_.c_str());
  curl().easy_setopt(easy_, CURLOPT_POST, 1L);
  curl().easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl().easy_setopt(easy_, CURLOPT_TIMEOUT_MS, ms);
  curl().easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl().easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl().easy_setopt(easy_, CURLOPT_WRITEFUNCTION, on_body);
  curl().easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl().easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  headers_ = curl().slist_append(headers_, "Content-Type: text/plain; charset=utf-8");
  // Without this, curl waits for "100 Continue" before sending a large body.
  headers_ = curl().slist_append(headers_, "Expect:");
  if (!config.token.empty()) {
    headers_ = curl().slist_append(headers_, ("Authorization: Token " + config.token).c_str());
  }
  curl().easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  if (!config.username.empty() || !config.password.empty()) {
    curl().easy_setopt(easy_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl().easy_setopt(easy_, CURLOPT_USERNAME, config.username.c_str());
    curl().easy_setopt(easy_, CURLOPT_PASSWORD, config.password.c_str());
  }
}

HttpOutput::~HttpOutput() {
  curl().easy_cleanup(easy_);
  curl().slist_free_all(headers_);
}

void HttpOutput::send_batch(std::span<const std::string> lines) {
  body_.clear();
  for (const std::string& l : lines) body_ += l;
  lines_ = lines.size();
  response_.clear();
  error_[0] = '\0';
  curl().easy_setopt(easy_, CURLOPT_POSTFIELDS, body_.data());
  curl().easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
  in_flight_ = multi_.add(easy_, [this](CURLcode result) { on_done(result); });
  if (!in_flight_) send_done(0, Verdict::retry, "POST " + url_ + ": curl refused the transfer");
}

size_t HttpOutput::on_body(char* data, size_t size, size_t n, void* userp) {
  auto* self = static_cast<HttpOutput*>(userp);
  size_t bytes = size * n;
  size_t room = kMaxResponse - std::min(kMaxResponse, self->response_.size());
  self->response_.append(data, std::min(room, bytes));
  return bytes;
}

void HttpOutput::on_done(CURLcode result) {
  in_flight_ = false;
  if (result != CURLE_OK) {
    std::string detail = error_[0] != '\0' ? error_ : curl().easy_strerror(result);
    send_done(0, Verdict::retry, "POST " + url_ + ": " + detail);
    return;
  }
  long code = 0;
  curl().easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 200 && code < 300) {
    send_done(lines_, Verdict::delivered, "");
  } else if (code == 429 || code >= 500) {
    send_done(0, Verdict::retry, "POST " + url_ + ": " + http_error(code, response_));
  } else {
    send_done(0, Verdict::reject, "POST " + url_ + ": " + http_error(code, response_));
  }
}

void HttpOutput::close_transport(std::function<void()> closed) {
  if (in_flight_) {
    multi_.remove(easy_);
    in_flight_ = false;
    send_done(0, Verdict::retry, "POST " + url_ + ": abandoned at shutdown");
  }
  multi_.close(std::move(closed));
}

}  // namespace vigil::metrics
