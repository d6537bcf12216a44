#include "metrics/curl_transport.h"

#include <chrono>
#include <utility>

#include "metrics/http_request.h"

namespace vigil::metrics {

CurlTransport::CurlTransport(uv_loop_t* loop, const std::string& url, const OutputConfig& config)
    : url_(url), multi_(loop), easy_(curl().easy_init()) {
  auto ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout).count());
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
  if (config.token.empty() && (!config.username.empty() || !config.password.empty())) {
    curl().easy_setopt(easy_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl().easy_setopt(easy_, CURLOPT_USERNAME, config.username.c_str());
    curl().easy_setopt(easy_, CURLOPT_PASSWORD, config.password.c_str());
  }
}

CurlTransport::~CurlTransport() {
  curl().easy_cleanup(easy_);
  curl().slist_free_all(headers_);
}

void CurlTransport::post(std::string body, Done done) {
  body_ = std::move(body);
  response_.clear();
  error_[0] = '\0';
  curl().easy_setopt(easy_, CURLOPT_POSTFIELDS, body_.data());
  curl().easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
  done_ = std::move(done);
  if (!multi_.add(easy_, [this](CURLcode result) { on_done(result); })) {
    finish(Status::error("curl refused the transfer"));
  }
}

size_t CurlTransport::on_body(char* data, size_t size, size_t n, void* userp) {
  auto* self = static_cast<CurlTransport*>(userp);
  size_t bytes = size * n;
  size_t room = kMaxResponseBody - std::min(kMaxResponseBody, self->response_.size());
  self->response_.append(data, std::min(room, bytes));
  return bytes;
}

void CurlTransport::on_done(CURLcode result) {
  if (result != CURLE_OK) {
    finish(Status::error(error_[0] != '\0' ? error_ : curl().easy_strerror(result)));
    return;
  }
  long code = 0;
  curl().easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
  finish(HttpReply{static_cast<int>(code), std::move(response_)});
}

void CurlTransport::finish(Result<HttpReply> reply) {
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(reply));
}

void CurlTransport::close(std::function<void()> closed) {
  if (done_) {
    multi_.remove(easy_);
    finish(Status::error("abandoned at shutdown"));
  }
  multi_.close(std::move(closed));
}

}  // namespace vigil::metrics
