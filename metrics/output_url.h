// Checks of the `[[outputs]]` tables: kinds, urls and bounds. Pure functions, called by the
// config loader before anything starts, and by the outputs to split their url.
// Thread: any (pure functions).
//
//   "udp://127.0.0.1:8089"                  => udp, host 127.0.0.1, port 8089
//   "tcp://[::1]:8094"                      => tcp, host ::1, port 8094
//   "http://influx:8086/write?db=vigil"     => http, port 8086, target "/write?db=vigil"
//   "https://h/api/v2/write?org=o&bucket=b" => https, port 443
// Host names are kept as written; the outputs resolve them when they connect, so a name
// that does not resolve yet is not a config error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/status.h"
#include "metrics/output_kinds.h"

namespace vigil::metrics {

struct OutputUrl {
  std::string scheme;  // "tcp", "udp", "http" or "https", lowercase.
  std::string host;    // Without IPv6 brackets.
  uint16_t port = 0;
  std::string target;  // HTTP only: path and query, "/write?db=vigil".
};

// Parses "SCHEME://HOST:PORT" with `scheme` "tcp" or "udp"; nothing may follow the port.
// Errors: "expected udp://HOST:PORT, got 'x'", "bad port '0' in 'udp://h:0' (expected
// 1-65535)".
Result<OutputUrl> parse_socket_url(std::string_view scheme, std::string_view url);

// Parses an HTTP(S) write endpoint. The port defaults to 80 or 443. The query must name a
// database (`db=`, InfluxDB 1.x) or a bucket (`bucket=`, 2.x).
Result<OutputUrl> parse_http_url(std::string_view url);

// The url with the timestamp precision named, unless it already is: `precision=ns` for a
// 2.x endpoint (path ending in /api/v2/write), `precision=n` otherwise (1.x).
//   "http://h/write?db=d" => "http://h/write?db=d&precision=n"
std::string with_precision(std::string_view url);

// Nanoseconds per unit of the precision the url names (or that with_precision adds): for
// 1.x n 1, u 1e3, ms 1e6, s 1e9, m 6e10, h 3.6e12; for 2.x ns, us, ms, s. Any other
// value is an error: "unknown precision 'x' (expected one of n, u, ms, s, m, h for
// InfluxDB 1.x)". REQUIRES: parse_http_url(url) succeeded.
Result<int64_t> precision_unit_ns(std::string_view url);

// Checks one output table; the message names the key and the reason only:
//   "url: expected tcp://HOST:PORT, got 'localhost:8094'".
Status check_output(const OutputConfig& output);

// check_output() with the table's position in front, for the config loader:
//   "outputs[1].url: expected tcp://HOST:PORT, got 'localhost:8094'".
Status validate_output(const OutputConfig& output, size_t index);

}  // namespace vigil::metrics
