#include "metrics/output_url.h"

#include <array>
#include <cctype>
#include <charconv>
#include <span>

namespace vigil::metrics {
namespace {

constexpr size_t kMaxUdpPayload = 65507;  // The largest IPv4 UDP payload.
constexpr size_t kMinUdpPayload = 64;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Splits "HOST[:PORT]" or "[V6][:PORT]". Returns false when it is not of that shape.
bool split_authority(std::string_view a, std::string& host, std::string_view& port,
                     bool& has_port) {
  std::string_view rest;
  if (!a.empty() && a.front() == '[') {
    size_t close = a.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = std::string(a.substr(1, close - 1));
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    rest = a.substr(close + 1);
  } else {
    size_t colon = a.find(':');
    host = std::string(a.substr(0, colon));
    if (host.empty()) return false;
    for (char c : host) {
      if (!valid_host_char(c)) return false;
    }
    rest = colon == std::string_view::npos ? std::string_view() : a.substr(colon);
  }
  has_port = !rest.empty();
  if (has_port && rest.front() != ':') return false;
  port = has_port ? rest.substr(1) : std::string_view();
  return true;
}

Result<uint16_t> parse_port(std::string_view port, std::string_view url) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return Status::error("bad port '" + std::string(port) + "' in '" + std::string(url) +
                         "' (expected 1-65535)");
  }
  return static_cast<uint16_t>(value);
}

// Where the value of `key` ("db=" or similar) starts in `query`, or npos. The key must
// start the query or follow '&'.
size_t query_find(std::string_view query, std::string_view key) {
  for (size_t at = query.find(key); at != std::string_view::npos; at = query.find(key, at + 1)) {
    if (at == 0 || query[at - 1] == '&') return at + key.size();
  }
  return std::string_view::npos;
}

bool query_has(std::string_view query, std::string_view key) {
  return query_find(query, key) != std::string_view::npos;
}

// The precisions each InfluxDB version takes, with their unit in nanoseconds.
struct Precision {
  std::string_view name;
  int64_t unit_ns;
};
constexpr std::array<Precision, 6> kPrecisionsV1{{{"n", 1},
                                                  {"u", 1'000},
                                                  {"ms", 1'000'000},
                                                  {"s", 1'000'000'000},
                                                  {"m", 60'000'000'000},
                                                  {"h", 3'600'000'000'000}}};
constexpr std::array<Precision, 4> kPrecisionsV2{
    {{"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}}};

}  // namespace

Result<OutputUrl> parse_socket_url(std::string_view scheme, std::string_view url) {
  Status shape = Status::error("expected " + std::string(scheme) + "://HOST:PORT, got '" +
                               std::string(url) + "'");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || lower(url.substr(0, sep)) != scheme) return shape;
  OutputUrl out;
  out.scheme = std::string(scheme);
  std::string_view port;
  bool has_port = false;
  if (!split_authority(url.substr(sep + 3), out.host, port, has_port) || !has_port) return shape;
  Result<uint16_t> p = parse_port(port, url);
  if (!p.ok()) return p.status();
  out.port = *p;
  return out;
}

Result<OutputUrl> parse_http_url(std::string_view url) {
  Status shape = Status::error(
      "expected http(s)://HOST[:PORT]/write?db=DB or "
      "http(s)://HOST[:PORT]/api/v2/write?org=ORG&bucket=BUCKET, got '" +
      std::string(url) + "'");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return shape;
  OutputUrl out;
  out.scheme = lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") return shape;
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return shape;
  std::string_view port;
  bool has_port = false;
  if (!split_authority(rest.substr(0, slash), out.host, port, has_port)) return shape;
  out.port = out.scheme == "https" ? 443 : 80;
  if (has_port) {
    Result<uint16_t> p = parse_port(port, url);
    if (!p.ok()) return p.status();
    out.port = *p;
  }
  out.target = std::string(rest.substr(slash));
  size_t q = out.target.find('?');
  std::string_view query =
      q == std::string::npos ? std::string_view() : std::string_view(out.target).substr(q + 1);
  if (!query_has(query, "db=") && !query_has(query, "bucket=")) return shape;
  return out;
}

Result<int64_t> precision_unit_ns(std::string_view url) {
  std::string full = with_precision(url);
  size_t q = full.find('?');
  std::string_view query = std::string_view(full).substr(q + 1);
  size_t at = query_find(query, "precision=");
  std::string_view name = query.substr(at, query.find('&', at) - at);
  bool v2 = std::string_view(full).substr(0, q).ends_with("/api/v2/write");
  std::span<const Precision> table(v2 ? kPrecisionsV2.data() : kPrecisionsV1.data(),
                                   v2 ? kPrecisionsV2.size() : kPrecisionsV1.size());
  std::string names;
  for (const Precision& p : table) {
    if (p.name == name) return p.unit_ns;
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  }
  return Status::error("unknown precision '" + std::string(name) + "' (expected one of " + names +
                       " for InfluxDB " + (v2 ? "2.x)" : "1.x)"));
}

std::string with_precision(std::string_view url) {
  std::string out(url);
  size_t q = out.find('?');
  std::string_view query = q == std::string::npos ? "" : std::string_view(out).substr(q + 1);
  if (query_has(query, "precision=")) return out;
  std::string_view path = std::string_view(out).substr(0, q);
  bool v2 = path.ends_with("/api/v2/write");
  out += q == std::string::npos ? '?' : '&';
  out += v2 ? "precision=ns" : "precision=n";
  return out;
}

Status validate_output(const OutputConfig& output, size_t index) {
  Status st = check_output(output);
  if (st.ok()) return st;
  return Status::error("outputs[" + std::to_string(index) + "]." + st.message());
}

Status check_output(const OutputConfig& output) {
  const OutputKind* info = nullptr;
  for (const OutputKind& k : output_kind_table()) {
    if (k.kind == output.kind) info = &k;
  }
  if (info == nullptr) {
    return Status::error("kind: unknown output kind '" + output.kind + "' (expected " +
                         output_kind_list() + ")");
  }
  Status url_status;
  if (info->scheme.empty()) {
    if (!output.url.empty()) {
      url_status =
          Status::error("the " + output.kind + " output takes no url, got '" + output.url + "'");
    }
  } else if (info->scheme == "http") {
    url_status = parse_http_url(output.url).status();
    if (url_status.ok()) url_status = precision_unit_ns(output.url).status();
  } else {
    url_status = parse_socket_url(info->scheme, output.url).status();
  }
  if (!url_status.ok()) return Status::error("url: " + url_status.message());
  if (output.buffer_limit == 0) return Status::error("buffer_limit: must be at least 1");
  if (output.batch_size == 0) return Status::error("batch_size: must be at least 1");
  if (output.timeout.count() <= 0) return Status::error("timeout: must be positive");
  if (output.max_payload < kMinUdpPayload || output.max_payload > kMaxUdpPayload) {
    return Status::error("max_payload: " + std::to_string(output.max_payload) +
                         " is out of range (expected 64-65507 bytes)");
  }
  bool http = info->scheme == "http";
  if (!http && (!output.token.empty() || !output.username.empty() || !output.password.empty())) {
    return Status::error("token, username and password apply to influx-http only");
  }
  if (!output.token.empty() && !output.username.empty()) {
    return Status::error("token: give either token (2.x) or username/password (1.x)");
  }
  return Status();
}

}  // namespace vigil::metrics
