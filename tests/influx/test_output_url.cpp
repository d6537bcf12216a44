// Output urls and tables: what the config loader accepts, and its messages.
#include <doctest/doctest.h>

#include "metrics/output_url.h"

using vigil::OutputConfig;
using namespace vigil::metrics;

namespace {

OutputConfig output(std::string kind, std::string url) {
  OutputConfig c;
  c.kind = std::move(kind);
  c.url = std::move(url);
  return c;
}

std::string error_of(const OutputConfig& c, size_t index = 0) {
  return validate_output(c, index).message();
}

}  // namespace

TEST_CASE("socket urls give host and port") {
  auto u = parse_socket_url("udp", "udp://127.0.0.1:8089");
  REQUIRE(u.ok());
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8089);
  auto v6 = parse_socket_url("tcp", "TCP://[::1]:8094");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->scheme == "tcp");
  auto name = parse_socket_url("tcp", "tcp://telegraf.local:8094");
  REQUIRE(name.ok());
  CHECK(name->host == "telegraf.local");
}

TEST_CASE("a socket url of the wrong shape names the expected form") {
  CHECK(parse_socket_url("udp", "").status().message() == "expected udp://HOST:PORT, got ''");
  CHECK(parse_socket_url("udp", "tcp://h:1").status().message() ==
        "expected udp://HOST:PORT, got 'tcp://h:1'");
  CHECK(parse_socket_url("tcp", "tcp://h").status().message() ==
        "expected tcp://HOST:PORT, got 'tcp://h'");
  CHECK(parse_socket_url("tcp", "tcp://h:1/x").status().message() ==
        "bad port '1/x' in 'tcp://h:1/x' (expected 1-65535)");
  CHECK(!parse_socket_url("tcp", "tcp://:8094").ok());
  CHECK(!parse_socket_url("tcp", "tcp://a b:8094").ok());
  CHECK(!parse_socket_url("tcp", "tcp://::1:8094").ok());
  CHECK(!parse_socket_url("tcp", "   ").ok());
}

TEST_CASE("a port outside 1-65535 is refused") {
  CHECK(parse_socket_url("udp", "udp://h:0").status().message() ==
        "bad port '0' in 'udp://h:0' (expected 1-65535)");
  CHECK(parse_socket_url("udp", "udp://h:65536").status().message() ==
        "bad port '65536' in 'udp://h:65536' (expected 1-65535)");
  CHECK(!parse_socket_url("udp", "udp://h:").ok());
  CHECK(!parse_socket_url("udp", "udp://h:-1").ok());
}

TEST_CASE("http urls keep the target and default the port") {
  auto a = parse_http_url("http://influx:8086/write?db=vigil");
  REQUIRE(a.ok());
  CHECK(a->port == 8086);
  CHECK(a->target == "/write?db=vigil");
  auto b = parse_http_url("https://h/api/v2/write?org=o&bucket=b");
  REQUIRE(b.ok());
  CHECK(b->scheme == "https");
  CHECK(b->port == 443);
  CHECK(parse_http_url("http://h/write?db=x")->port == 80);
}

TEST_CASE("an http url without a database or bucket is refused") {
  std::string expected =
      "expected http(s)://HOST[:PORT]/write?db=DB or "
      "http(s)://HOST[:PORT]/api/v2/write?org=ORG&bucket=BUCKET, got 'http://h:8086'";
  CHECK(parse_http_url("http://h:8086").status().message() == expected);
  CHECK(!parse_http_url("http://h:8086/write").ok());
  CHECK(!parse_http_url("http://h/write?xdb=a").ok());
  CHECK(!parse_http_url("ftp://h/write?db=a").ok());
  CHECK(!parse_http_url("").ok());
}

TEST_CASE("the precision is added unless the url names one") {
  CHECK(with_precision("http://h/write?db=d") == "http://h/write?db=d&precision=n");
  CHECK(with_precision("https://h/api/v2/write?org=o&bucket=b") ==
        "https://h/api/v2/write?org=o&bucket=b&precision=ns");
  CHECK(with_precision("http://h/write?db=d&precision=s") == "http://h/write?db=d&precision=s");
  CHECK(with_precision("http://h/write") == "http://h/write?precision=n");
}

TEST_CASE("the precision's unit in nanoseconds, per InfluxDB version") {
  auto unit = [](const char* url) { return precision_unit_ns(url).value(); };
  CHECK(unit("http://h/write?db=d&precision=n") == 1);
  CHECK(unit("http://h/write?db=d&precision=u") == 1'000);
  CHECK(unit("http://h/write?precision=ms&db=d") == 1'000'000);
  CHECK(unit("http://h/write?db=d&precision=s") == 1'000'000'000);
  CHECK(unit("http://h/write?db=d&precision=m") == 60'000'000'000);
  CHECK(unit("http://h/write?db=d&precision=h") == 3'600'000'000'000);
  CHECK(unit("http://h/api/v2/write?bucket=b&precision=ns") == 1);
  CHECK(unit("http://h/api/v2/write?bucket=b&precision=us") == 1'000);
  CHECK(unit("http://h/api/v2/write?bucket=b&precision=s") == 1'000'000'000);
  CHECK(unit("http://h/write?db=d") == 1);  // None named: vigil adds n.
  CHECK(precision_unit_ns("http://h/write?db=d&precision=x").status().message() ==
        "unknown precision 'x' (expected one of n, u, ms, s, m, h for InfluxDB 1.x)");
  CHECK(precision_unit_ns("http://h/api/v2/write?bucket=b&precision=h").status().message() ==
        "unknown precision 'h' (expected one of ns, us, ms, s for InfluxDB 2.x)");
  CHECK(validate_output(output("influx-http", "http://h/write?db=d&precision=rfc3339"), 2)
            .message() ==
        "outputs[2].url: unknown precision 'rfc3339' (expected one of n, u, ms, s, m, h for "
        "InfluxDB 1.x)");
}

TEST_CASE("valid output tables pass") {
  CHECK(validate_output(output("stdout", ""), 0).ok());
  CHECK(validate_output(output("influx-udp", "udp://127.0.0.1:8089"), 0).ok());
  CHECK(validate_output(output("influx-tcp", "tcp://localhost:8094"), 0).ok());
  OutputConfig http = output("influx-http", "http://h:8086/write?db=d");
  http.username = "u";
  http.password = "p";
  CHECK(validate_output(http, 0).ok());
}

TEST_CASE("output table errors name the table, the key and what was expected") {
  CHECK(error_of(output("influx-udp", "http://x"), 0) ==
        "outputs[0].url: expected udp://HOST:PORT, got 'http://x'");
  CHECK(error_of(output("influx-tcp", "localhost:8094"), 1) ==
        "outputs[1].url: expected tcp://HOST:PORT, got 'localhost:8094'");
  CHECK(error_of(output("influx", "udp://h:1"), 2) ==
        "outputs[2].kind: unknown output kind 'influx' (expected stdout, influx-tcp, "
        "influx-udp, influx-http)");
  CHECK(error_of(output("", "")) ==
        "outputs[0].kind: unknown output kind '' (expected stdout, influx-tcp, influx-udp, "
        "influx-http)");
  CHECK(error_of(output("stdout", "udp://h:1")) ==
        "outputs[0].url: the stdout output takes no url, got 'udp://h:1'");
}

TEST_CASE("check_output gives the reason without the table's position") {
  CHECK(check_output(output("influx-udp", "udp://h")).message() ==
        "url: expected udp://HOST:PORT, got 'udp://h'");
  CHECK(check_output(output("influx-udp", "udp://h:1")).ok());
}

TEST_CASE("bounds and credentials are checked") {
  OutputConfig c = output("influx-udp", "udp://h:1");
  c.buffer_limit = 0;
  CHECK(error_of(c) == "outputs[0].buffer_limit: must be at least 1");
  c = output("influx-udp", "udp://h:1");
  c.batch_size = 0;
  CHECK(error_of(c) == "outputs[0].batch_size: must be at least 1");
  c = output("influx-udp", "udp://h:1");
  c.max_payload = 70000;
  CHECK(error_of(c) == "outputs[0].max_payload: 70000 is out of range (expected 64-65507 bytes)");
  c = output("influx-udp", "udp://h:1");
  c.timeout = vigil::Nanos(0);
  CHECK(error_of(c) == "outputs[0].timeout: must be positive");
  c = output("influx-udp", "udp://h:1");
  c.token = "t";
  CHECK(error_of(c) == "outputs[0].token, username and password apply to influx-http only");
  c = output("influx-http", "http://h/write?db=d");
  c.token = "t";
  c.username = "u";
  CHECK(error_of(c) == "outputs[0].token: give either token (2.x) or username/password (1.x)");
}
