// HTTP/1.1 requests as the server hands them to a handler, and responses as it writes them.
// Thread: any (plain values and pure functions).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::http {

struct Request {
  std::string method;  // "GET" or "HEAD": the server answers every other method itself
  std::string path;    // "/metrics", percent-escapes left as sent
  std::string query;   // after '?', without it; may be empty
  std::string peer;    // the client's address, "127.0.0.1"
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
};

// A short text response: `text` plus a newline as the body.
Response text_response(int status, std::string text);

// "OK", "Not Found", ...; "Unknown" for a code this server never sends.
std::string_view status_text(int status);

// The status line, headers and (unless `head`) the body. Always sends Content-Length and
// Content-Type; Connection: close when `keep_alive` is false.
std::string serialize(const Response& r, bool head, bool keep_alive);

// The value of `name` in a query string ("seconds=3&x=y"), or `fallback` when absent.
// No percent-decoding: the parameters this server knows are plain numbers.
std::string query_param(std::string_view query, std::string_view name, std::string fallback);

// True if `line` (the start of a request) looks like "TOKEN SP TARGET SP HTTP/d.d": a
// well-formed request line with a method the parser does not know, which gets 405
// rather than 400.
bool looks_like_request_line(std::string_view line);

}  // namespace vigil::http
