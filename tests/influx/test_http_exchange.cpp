// The influx-http client's pure core (metrics/http_request.h): the request bytes, base64,
// and the parsing of InfluxDB's answers, fed whole, in pieces and up to the close.
#include <doctest/doctest.h>

#include <string>

#include "metrics/http_request.h"

using namespace vigil;
using namespace vigil::metrics;

namespace {

OutputUrl url(std::string host, uint16_t port, std::string target) {
  return OutputUrl{"http", std::move(host), port, std::move(target)};
}

// Feeds `text` in pieces of `step` bytes; returns the first failure.
Status feed(ResponseParser& p, std::string_view text, size_t step = 1 << 20) {
  for (size_t i = 0; i < text.size(); i += step) {
    if (Status st = p.feed(text.substr(i, step)); !st.ok()) return st;
  }
  return Status();
}

constexpr std::string_view k204 =
    "HTTP/1.1 204 No Content\r\n"
    "Content-Type: application/json\r\n"
    "Request-Id: 5e2a9c4b-0000-0000-0000-000000000000\r\n"
    "X-Influxdb-Version: 1.6.7\r\n"
    "Date: Wed, 02 Dec 2026 08:00:00 GMT\r\n"
    "\r\n";

}  // namespace

TEST_CASE("base64 follows the RFC 4648 test vectors") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("fooba") == "Zm9vYmE=");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64("Aladdin:open sesame") == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(base64(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("a 1.x write request carries basic auth and the exact body length") {
  OutputConfig c;
  c.username = "u";
  c.password = "p";
  WriteRequest r(url("influx", 8086, "/write?db=vigil&precision=n"), c);
  CHECK(r.build("m,host=h v=1i 1700000000\n") ==
        "POST /write?db=vigil&precision=n HTTP/1.1\r\n"
        "Host: influx:8086\r\n"
        "User-Agent: vigil/" VIGIL_VERSION
        "\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Authorization: Basic dTpw\r\n"
        "Content-Length: 25\r\n"
        "\r\n"
        "m,host=h v=1i 1700000000\n");
}

TEST_CASE("a 2.x write request carries the token, and the token wins over a password") {
  OutputConfig c;
  c.token = "s3cret";
  c.username = "u";
  WriteRequest r(url("::1", 80, "/api/v2/write?org=o&bucket=b&precision=ns"), c);
  CHECK(r.build("") ==
        "POST /api/v2/write?org=o&bucket=b&precision=ns HTTP/1.1\r\n"
        "Host: [::1]\r\n"
        "User-Agent: vigil/" VIGIL_VERSION
        "\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Authorization: Token s3cret\r\n"
        "Content-Length: 0\r\n"
        "\r\n");
}

TEST_CASE("a request without credentials has no Authorization header") {
  WriteRequest r(url("127.0.0.1", 8086, "/write?db=d&precision=n"), OutputConfig{});
  std::string req = r.build("x v=1\n");
  CHECK(req.find("Authorization") == std::string::npos);
  CHECK(req.find("\r\nHost: 127.0.0.1:8086\r\n") != std::string::npos);
}

TEST_CASE("InfluxDB's 204 is a complete answer with no body on a reusable connection") {
  ResponseParser p;
  CHECK(!p.started());
  REQUIRE(feed(p, k204).ok());
  CHECK(p.started());
  REQUIRE(p.complete());
  CHECK(p.status() == 204);
  CHECK(p.body() == "");
  CHECK(p.keep_alive());
}

TEST_CASE("an answer split into single bytes parses the same") {
  ResponseParser p;
  REQUIRE(feed(p, k204, 1).ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 204);
}

TEST_CASE("a 404 keeps its JSON message") {
  ResponseParser p;
  REQUIRE(feed(p,
               "HTTP/1.1 404 Not Found\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: 45\r\n"
               "\r\n"
               "{\"error\":\"database not found: \\\"nosuchdb\\\"\"}\n")
              .ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 404);
  CHECK(p.body() == "{\"error\":\"database not found: \\\"nosuchdb\\\"\"}\n");
  CHECK(http_error(p.status(), p.body()) ==
        "HTTP 404: {\"error\":\"database not found: \\\"nosuchdb\\\"\"}");
  CHECK(p.keep_alive());
}

TEST_CASE("a 400 partial write is a complete answer with its message") {
  std::string body =
      "{\"error\":\"partial write: field type conflict: input field \\\"v\\\" on measurement "
      "\\\"m\\\" is type float, already exists as type integer dropped=1\"}\n";
  ResponseParser p;
  REQUIRE(feed(p, "HTTP/1.1 400 Bad Request\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body)
              .ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 400);
  CHECK(p.body() == body);
}

TEST_CASE("a chunked 500 body is put together from its chunks") {
  ResponseParser p;
  REQUIRE(feed(p,
               "HTTP/1.1 500 Internal Server Error\r\n"
               "Transfer-Encoding: chunked\r\n"
               "\r\n"
               "7\r\ntimeout\r\n"
               "a\r\n: engine\nx\r\n"
               "0\r\n\r\n",
               3)
              .ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 500);
  CHECK(p.body() == "timeout: engine\nx");
  CHECK(http_error(p.status(), p.body()) == "HTTP 500: timeout: engine x");
}

TEST_CASE("Connection: close, or HTTP/1.0, ends the connection after the answer") {
  ResponseParser p;
  REQUIRE(feed(p, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").ok());
  REQUIRE(p.complete());
  CHECK(!p.keep_alive());
  p.reset();
  REQUIRE(feed(p, "HTTP/1.0 204 No Content\r\n\r\n").ok());
  REQUIRE(p.complete());
  CHECK(!p.keep_alive());
}

TEST_CASE("a body that runs to the close is complete at EOF") {
  ResponseParser p;
  REQUIRE(feed(p, "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nbusy").ok());
  CHECK(!p.complete());
  REQUIRE(p.feed_eof().ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 503);
  CHECK(p.body() == "busy");
  CHECK(!p.keep_alive());
}

TEST_CASE("only the first 512 bytes of a long body are kept") {
  std::string body(2000, 'x');
  ResponseParser p;
  REQUIRE(feed(p, "HTTP/1.1 400 Bad Request\r\nContent-Length: 2000\r\n\r\n" + body, 100).ok());
  REQUIRE(p.complete());
  CHECK(p.body() == std::string(512, 'x'));
}

TEST_CASE("an interim 100 Continue is skipped") {
  ResponseParser p;
  REQUIRE(feed(p, "HTTP/1.1 100 Continue\r\n\r\n").ok());
  CHECK(!p.complete());
  REQUIRE(feed(p, k204).ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 204);
}

TEST_CASE("bytes after the answer make the connection unfit for reuse") {
  ResponseParser p;
  REQUIRE(feed(p, std::string(k204) + "HTTP/1.1 204").ok());
  REQUIRE(p.complete());
  CHECK(p.status() == 204);
  CHECK(!p.keep_alive());
}

TEST_CASE("garbage instead of an answer is an error that says so") {
  ResponseParser p;
  Status st = feed(p, "hello there\r\n\r\n");
  CHECK(st.message() == "bad HTTP response: invalid constant string");
  p.reset();
  st = feed(p, "HTTP/1.1 2x4 No Content\r\n\r\n");
  CHECK(st.message() == "bad HTTP response: invalid HTTP status code");
  p.reset();
  st = feed(p, "HTTP/1.1 204 No Content\r\nContent-Length: many\r\n\r\n");
  CHECK(st.message() == "bad HTTP response: invalid character in content-length header");
}

TEST_CASE("a close before the answer ended is an error") {
  ResponseParser p;
  CHECK(p.feed_eof().message() == "connection closed before any response");
  p.reset();
  REQUIRE(feed(p, "HTTP/1.1 204 No Con").ok());
  CHECK(p.feed_eof().message() == "bad HTTP response: stream ended at an unexpected time");
  p.reset();
  REQUIRE(feed(p, "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nabc").ok());
  CHECK(!p.feed_eof().ok());
}

TEST_CASE("http_error puts the message on one line") {
  CHECK(http_error(500, "") == "HTTP 500");
  CHECK(http_error(400, "line one\r\nline two\n\n") == "HTTP 400: line one  line two");
  CHECK(http_error(404, "\n") == "HTTP 404");
}
