#include "metrics/http_request.h"

#include <algorithm>
#include <cstdint>

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

namespace vigil::metrics {
namespace {

// "influx:8086", "[::1]:8086", or the bare host on the scheme's default port.
std::string host_header(const OutputUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  uint16_t default_port = url.scheme == "https" ? 443 : 80;
  if (url.port != default_port) host += ":" + std::to_string(url.port);
  return host;
}

}  // namespace

std::string base64(std::string_view data) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    size_t n = std::min<size_t>(3, data.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(data[i + k]) : 0u);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kDigits[(v >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

std::string http_error(int status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  if (body.empty()) return out;
  out += ": ";
  for (char c : body) out += (c == '\n' || c == '\r') ? ' ' : c;
  while (out.back() == ' ') out.pop_back();
  if (out.back() == ':') out.pop_back();
  return out;
}

WriteRequest::WriteRequest(const OutputUrl& url, const OutputConfig& config) {
  head_ = "POST " + url.target + " HTTP/1.1\r\n";
  head_ += "Host: " + host_header(url) + "\r\n";
  head_ += "User-Agent: vigil/" VIGIL_VERSION "\r\n";
  head_ += "Content-Type: text/plain; charset=utf-8\r\n";
  if (!config.token.empty()) {
    head_ += "Authorization: Token " + config.token + "\r\n";
  } else if (!config.username.empty() || !config.password.empty()) {
    head_ += "Authorization: Basic " + base64(config.username + ":" + config.password) + "\r\n";
  }
}

std::string WriteRequest::build(std::string_view body) const {
  std::string length = std::to_string(body.size());
  std::string out;
  out.reserve(head_.size() + 24 + length.size() + body.size());
  out += head_;
  out += "Content-Length: ";
  out += length;
  out += "\r\n\r\n";
  out += body;
  return out;
}

ResponseParser::ResponseParser() { reset(); }

void ResponseParser::reset() {
  http_parser_init(&parser_, HTTP_RESPONSE);
  parser_.data = this;
  started_ = false;
  complete_ = false;
  keep_alive_ = false;
  status_ = 0;
  body_.clear();
}

const http_parser_settings& ResponseParser::settings() {
  static const http_parser_settings s = [] {
    http_parser_settings x{};
    x.on_body = on_body;
    x.on_message_complete = on_message_complete;
    return x;
  }();
  return s;
}

int ResponseParser::on_body(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<ResponseParser*>(p->data);
  size_t room = kMaxResponseBody - std::min(kMaxResponseBody, self->body_.size());
  self->body_.append(at, std::min(room, len));
  return 0;
}

int ResponseParser::on_message_complete(http_parser* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  if (p->status_code < 200) {  // "100 Continue" and the like: the answer is still to come.
    self->body_.clear();
    return 0;
  }
  self->complete_ = true;
  self->status_ = static_cast<int>(p->status_code);
  self->keep_alive_ = http_should_keep_alive(p) != 0;
  http_parser_pause(p, 1);  // Nothing after the answer is ours to parse.
  return 0;
}

Status ResponseParser::error() const {
  auto err = static_cast<http_errno>(parser_.http_errno);
  return Status::error(std::string("bad HTTP response: ") + http_errno_description(err));
}

Status ResponseParser::feed(std::string_view data) {
  if (data.empty()) return Status();
  if (complete_) {
    keep_alive_ = false;
    return Status();
  }
  started_ = true;
  size_t used = http_parser_execute(&parser_, &settings(), data.data(), data.size());
  if (complete_) {
    // Stray bytes after the answer: the connection's framing cannot be trusted.
    if (used < data.size()) keep_alive_ = false;
    return Status();
  }
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) return error();
  return Status();
}

Status ResponseParser::feed_eof() {
  if (complete_) return Status();
  http_parser_execute(&parser_, &settings(), nullptr, 0);
  if (complete_) {
    keep_alive_ = false;
    return Status();
  }
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK && started_) return error();
  return Status::error(started_ ? "connection closed before the response ended"
                                : "connection closed before any response");
}

}  // namespace vigil::metrics
