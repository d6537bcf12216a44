// http::Server over real loopback sockets: the answers of every path through it (GET, HEAD,
// keep-alive, pipelining, 400, 404, 405, 408, 431, 503), admission (per-peer limit, eviction
// of a silent connection), and an exchange aborted when its client goes away.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"
#include "tests/support/loop.h"
#include "tests/support/socket.h"

using namespace vigil;
using vigil::test::connect_tcp;
using vigil::test::read_all;
using vigil::test::send_all;

namespace {

// Reads until `count` responses (by their status lines) and their bodies have arrived.
std::string read_responses(int fd, int count) {
  std::string out;
  char buf[4096];
  for (;;) {
    int seen = 0;
    size_t pos = 0;
    while ((pos = out.find("HTTP/1.1 ", pos)) != std::string::npos) ++seen, ++pos;
    if (seen >= count && out.size() >= 4 && out.substr(out.size() - 1) == "\n") return out;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string talk(int port, const std::string& request, const char* from = "127.0.0.1") {
  int fd = connect_tcp(port, {.from = from});
  if (fd < 0) return "<connect failed>";
  send_all(fd, request);
  std::string out = read_all(fd);
  close(fd);
  return out;
}

struct Fixture {
  uv_loop_t loop{};
  std::unique_ptr<http::Server> server;
  std::shared_ptr<http::Exchange> parked;  // a request left unanswered on purpose
  bool aborted = false;

  explicit Fixture(http::ServerOptions o = {}) {
    uv_loop_init(&loop);
    server = std::make_unique<http::Server>(&loop, o);
    server->route("/hello", [](const http::Request& r, std::shared_ptr<http::Exchange> x) {
      x->reply(http::text_response(200, "hello " + r.query));
    });
    server->route("/park", [this](const http::Request&, std::shared_ptr<http::Exchange> x) {
      x->on_abort([this] { aborted = true; });
      parked = std::move(x);
    });
    REQUIRE(server->listen("127.0.0.1:0").ok());
  }
  ~Fixture() {
    server.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
  int port() const { return server->port(); }
  // Runs `client` on a thread while the loop runs here.
  void run(const std::function<void()>& client) { vigil::test::run_while(&loop, client); }
};

}  // namespace

TEST_CASE("http: GET, HEAD, keep-alive and pipelined requests are answered in order") {
  Fixture f;
  f.run([&] {
    std::string r =
        talk(f.port(), "GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(r.find("Content-Length: 10\r\n") != std::string::npos);
    CHECK(r.ends_with("\r\n\r\nhello x=1\n"));
    r = talk(f.port(), "HEAD /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(r.find("Content-Length: 7\r\n") != std::string::npos);
    CHECK(r.ends_with("\r\n\r\n"));
    // Two requests in one segment, then a third after the answers: one connection.
    int fd = connect_tcp(f.port());
    send_all(fd, "GET /hello?a HTTP/1.1\r\n\r\nGET /hello?b HTTP/1.1\r\n\r\n");
    r = read_responses(fd, 2);
    CHECK(r.find("hello a\n") < r.find("hello b\n"));
    CHECK(r.find("hello b\n") != std::string::npos);
    send_all(fd, "GET /hello?c HTTP/1.1\r\nConnection: close\r\n\r\n");
    r = read_all(fd);
    CHECK(r.ends_with("hello c\n"));
    close(fd);
  });
  CHECK(f.server->stats().requests == 5);
}

TEST_CASE(
    "http: bad request line 400, other methods 405 with Allow, unknown path 404 lists paths") {
  Fixture f;
  f.run([&] {
    std::string r = talk(f.port(), "hello there\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(r.find("Connection: close") != std::string::npos);
    r = talk(f.port(), "GET /hello HTTP/1.1\r\nbad header line\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 400 "));
    r = talk(f.port(), "POST /hello HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
    CHECK(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    CHECK(r.find("\r\nAllow: GET, HEAD\r\n") != std::string::npos);
    r = talk(f.port(), "BREW /pot HTTP/1.1\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 405 "));
    CHECK(r.find("\r\nAllow: GET, HEAD\r\n") != std::string::npos);
    r = talk(f.port(), "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 404 Not Found\r\n"));
    CHECK(r.find("not found: /nope\npaths:\n  /hello\n  /park\n") != std::string::npos);
  });
}

TEST_CASE("http: headers over 8 KiB get 431; a body is read and ignored") {
  Fixture f;
  f.run([&] {
    std::string big = "GET /hello HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
    std::string r = talk(f.port(), big);
    CHECK(r.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    std::string many = "GET /hello HTTP/1.1\r\n";
    for (int i = 0; i < 400; ++i) many += "X-H" + std::to_string(i) + ": 0123456789abcdef\r\n";
    r = talk(f.port(), many + "\r\n");
    CHECK(r.starts_with("HTTP/1.1 431 "));
    r = talk(f.port(), "GET /hello HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody");
    CHECK(r.starts_with("HTTP/1.1 200 "));
  });
}

TEST_CASE("http: a request too slow to arrive, or its missing body, gets 408") {
  http::ServerOptions o;
  o.idle_timeout_ms = 300;
  Fixture f(o);
  f.run([&] {
    std::string r = talk(f.port(), "GET /hello HTTP/1.1\r\nHost: sl");
    CHECK(r.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
    r = talk(f.port(), "GET /hello HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(r.starts_with("HTTP/1.1 408 "));
    // A connection that says nothing is closed quietly.
    CHECK(talk(f.port(), "").empty());
  });
}

TEST_CASE("http: over max_connections with every connection busy gets 503") {
  http::ServerOptions o;
  o.max_connections = 2;
  Fixture f(o);
  f.run([&] {
    int a = connect_tcp(f.port());
    int b = connect_tcp(f.port(), {.from = "127.0.0.2"});
    send_all(a, "GET /park HTTP/1.1\r\n\r\n");
    send_all(b, "GET /park HTTP/1.1\r\n\r\n");
    usleep(200 * 1000);
    std::string r = talk(f.port(), "GET /hello HTTP/1.1\r\n\r\n", "127.0.0.3");
    CHECK(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    CHECK(r.find("too many connections") != std::string::npos);
    close(a);
    close(b);
  });
  CHECK(f.server->stats().refused == 1);
}

TEST_CASE("http: the per-peer limit, and a silent flood that does not lock out another peer") {
  http::ServerOptions o;
  o.max_connections = 6;
  o.max_per_peer = 4;
  Fixture f(o);
  f.run([&] {
    int silent[5];
    for (int& fd : silent) fd = connect_tcp(f.port(), {.from = "127.0.0.2"});
    // The fifth from 127.0.0.2 is over its limit.
    CHECK(read_all(silent[4]).starts_with("HTTP/1.1 503 "));
    // 127.0.0.3 fills the port with two silent ones; 127.0.0.1 then takes the place of
    // 127.0.0.2's oldest silent connection (the peer that holds the most).
    int c1 = connect_tcp(f.port(), {.from = "127.0.0.3"});
    int c2 = connect_tcp(f.port(), {.from = "127.0.0.3"});
    std::string r = talk(f.port(), "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(r.starts_with("HTTP/1.1 200 "));
    CHECK(read_all(silent[0]).empty());  // closed with no reply
    for (int fd : silent) close(fd);
    close(c1);
    close(c2);
  });
  CHECK(f.server->stats().evicted >= 1);
}

TEST_CASE("http: a client that goes away while its answer is pending aborts the exchange") {
  Fixture f;
  f.run([&] {
    int fd = connect_tcp(f.port());
    send_all(fd, "GET /park HTTP/1.1\r\n\r\n");
    usleep(100 * 1000);
    close(fd);
    usleep(200 * 1000);
  });
  CHECK(f.aborted);
  REQUIRE(f.parked);
  CHECK_FALSE(f.parked->open());
  f.parked->reply(http::text_response(200, "late"));  // ignored, no crash
}

TEST_CASE("http: query parameters and the request-line check") {
  CHECK(http::query_param("seconds=3&x=y", "seconds", "30") == "3");
  CHECK(http::query_param("x=y", "seconds", "30") == "30");
  CHECK(http::query_param("seconds", "seconds", "30").empty());
  CHECK(http::looks_like_request_line("BREW /pot HTTP/1.1\r\n"));
  CHECK_FALSE(http::looks_like_request_line("hello there\r\n"));
  CHECK_FALSE(http::looks_like_request_line("brew /pot HTTP/1.1\r\n"));
}

TEST_CASE("http: random bytes never stop the port; a good request is answered after") {
  Fixture f;
  std::string after;
  int answered = 0;
  f.run([&] {
    uint64_t x = 88172645463325252ull;  // xorshift64: the same bytes on every run
    for (int i = 0; i < 200; ++i) {
      std::string junk(1 + i * 37 % 3000, '\0');
      for (char& c : junk) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x);
      }
      if (i % 2 == 0) junk = "GET /hello HTTP/1.1\r\n" + junk;  // junk after a good start
      std::string r = talk(f.port(), junk);
      answered += r.starts_with("HTTP/1.1 4");
    }
    after = talk(f.port(), "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  });
  CHECK(answered > 100);
  CHECK(after.starts_with("HTTP/1.1 200 "));
}

TEST_CASE("http: a failed listen, and a second listen, leave no handle behind") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    http::Server first(&loop, {});
    REQUIRE(first.listen("127.0.0.1:0").ok());
    std::string taken = "127.0.0.1:" + std::to_string(first.port());
    http::Server second(&loop, {});
    CHECK(second.listen(taken).message() == "listen " + taken + ": EADDRINUSE");
    CHECK(second.port() == 0);
    // One listener per server: a second listen() fails and keeps the first one.
    Status again = first.listen("127.0.0.1:0");
    CHECK(again.message() == "listen 127.0.0.1:0: a server listens once");
    CHECK(first.port() == std::stoi(taken.substr(taken.rfind(':') + 1)));
  }
  // Both servers are gone: their close callbacks run in one iteration, and nothing is left
  // (a leaked listener would make uv_loop_close fail with EBUSY).
  uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(uv_loop_alive(&loop) == 0);
  CHECK(uv_loop_close(&loop) == 0);
}
