#include "http/response.h"

#include <cctype>

namespace vigil::http {

Response text_response(int status, std::string text) {
  Response r;
  r.status = status;
  r.body = std::move(text);
  r.body += '\n';
  return r;
}

std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string serialize(const Response& r, bool head, bool keep_alive) {
  std::string out;
  out.reserve(160 + (head ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += status_text(r.status);
  out += "\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(r.body.size());
  out += "\r\n";
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head) out += r.body;
  return out;
}

std::string query_param(std::string_view query, std::string_view name, std::string fallback) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return fallback;
}

bool looks_like_request_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && std::isupper(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i > 32 || i >= line.size() || line[i] != ' ') return false;
  size_t target_end = line.find(' ', i + 1);
  if (target_end == std::string_view::npos || target_end == i + 1) return false;
  return line.substr(target_end + 1, 5) == "HTTP/";
}

}  // namespace vigil::http
