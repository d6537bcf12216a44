// The influx-http client (metrics/http_client.h) against a scripted server on loopback:
// keep-alive, Connection: close, a kept connection the server dropped, garbage, timeouts.
#include <doctest/doctest.h>

#include <optional>

#include "metrics/http_client.h"
#include "tests/influx/script_server.h"
#include "tests/support/loop.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::ScriptServer;
using vigil::test::ScriptStep;
using A = ScriptStep::Action;

namespace {

const std::string k204 = "HTTP/1.1 204 No Content\r\nX-Influxdb-Version: 1.6.7\r\n\r\n";

// A loop, a scripted server and a client of it; the client is closed at the end.
struct ClientCase {
  explicit ClientCase(std::vector<ScriptStep> steps, Nanos timeout = 2s)
      : server(std::move(steps)) {
    uv_loop_init(&loop);
    OutputConfig c;
    c.timeout = timeout;
    client = std::make_unique<HttpClient>(
        &loop, OutputUrl{"http", "127.0.0.1", static_cast<uint16_t>(server.port()), "/write?db=d"},
        c);
  }
  ~ClientCase() {
    if (!closed) client->close([this] { closed = true; });
    CHECK(test::run_until(&loop, [this] { return closed; }));
    client.reset();
    CHECK(test::close_loop(&loop) == 0);
  }

  Result<HttpReply> post(const std::string& body) {
    std::optional<Result<HttpReply>> got;
    client->post(body, [&](Result<HttpReply> r) { got = std::move(r); });
    if (!test::run_until(
            &loop, [&] { return got.has_value(); }, 10s)) {
      return Status::error("the test gave up waiting");
    }
    return *got;
  }

  std::string peer() const { return "127.0.0.1:" + std::to_string(server.port()); }

  uv_loop_t loop;
  ScriptServer server;
  std::unique_ptr<HttpClient> client;
  bool closed = false;  // The client's close() is called once: here or by the test.
};

std::string reply_text(const Result<HttpReply>& r) {
  return r.ok() ? std::to_string(r->status) + " " + r->body : "error: " + r.status().message();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("successive posts share one kept-alive connection") {
  ClientCase t({{A::reply, k204}, {A::reply, k204}, {A::reply, k204}});
  for (int i = 0; i < 3; ++i)
    CHECK(reply_text(t.post("m v=" + std::to_string(i) + "\n")) == "204 ");
  CHECK(t.client->connections() == 1);
  CHECK(t.server.accepted() == 1);
  std::vector<std::string> reqs = t.server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[0].rfind("POST /write?db=d HTTP/1.1\r\n", 0) == 0);
  CHECK(ends_with(reqs[2], "\r\nContent-Length: 6\r\n\r\nm v=2\n"));
}

TEST_CASE("after Connection: close the next post connects again") {
  std::string close204 = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  ClientCase t({{A::reply_and_close, close204}, {A::reply, k204}});
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  CHECK(reply_text(t.post("b v=1\n")) == "204 ");
  CHECK(t.client->connections() == 2);
  CHECK(t.server.accepted() == 2);
}

TEST_CASE("a kept connection the server closed is replaced and the request sent once more") {
  ClientCase t({{A::reply, k204}, {A::close, ""}, {A::reply, k204}});
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  // The server takes the second request and closes without an answer, as a server whose
  // idle timeout struck at that moment does.
  CHECK(reply_text(t.post("b v=1\n")) == "204 ");
  CHECK(t.client->connections() == 2);
  std::vector<std::string> reqs = t.server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[1] == reqs[2]);
  CHECK(ends_with(reqs[2], "b v=1\n"));
}

TEST_CASE("a new connection closed before any answer fails without a second try") {
  ClientCase t({{A::close, ""}, {A::reply, k204}});
  CHECK(reply_text(t.post("a v=1\n")) ==
        "error: " + t.peer() + ": connection closed before any response");
  CHECK(t.server.requests().size() == 1);
  // The next post opens a new connection and goes through.
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  CHECK(t.client->connections() == 2);
}

TEST_CASE("a garbage answer is an error and the connection is not reused") {
  ClientCase t({{A::reply, "hello there\r\n\r\n"}, {A::reply, k204}});
  CHECK(reply_text(t.post("a v=1\n")) ==
        "error: " + t.peer() + ": bad HTTP response: invalid constant string");
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  CHECK(t.client->connections() == 2);
}

TEST_CASE("an error status comes back with the start of its body") {
  std::string body = "{\"error\":\"database not found: \\\"d\\\"\"}\n";
  ClientCase t({{A::reply, "HTTP/1.1 404 Not Found\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body},
                {A::reply, k204}});
  CHECK(reply_text(t.post("a v=1\n")) == "404 " + body);
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  CHECK(t.client->connections() == 1);
}

TEST_CASE("a server that never answers times out, and the connection is closed") {
  ClientCase t({{A::hold, ""}, {A::reply, k204}}, 300ms);
  CHECK(reply_text(t.post("a v=1\n")) == "error: timed out after 300 ms");
  CHECK(reply_text(t.post("a v=1\n")) == "204 ");
  CHECK(t.client->connections() == 2);
}

TEST_CASE("nothing listening is a connect error") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  int port = 0;
  {
    ScriptServer gone({});  // Binds a free port, then releases it.
    port = gone.port();
  }
  {
    OutputConfig c;
    HttpClient client(&loop, OutputUrl{"http", "127.0.0.1", static_cast<uint16_t>(port), "/"}, c);
    std::optional<Result<HttpReply>> got;
    client.post("a v=1\n", [&](Result<HttpReply> r) { got = std::move(r); });
    REQUIRE(test::run_until(&loop, [&] { return got.has_value(); }));
    CHECK(reply_text(*got) ==
          "error: connect 127.0.0.1:" + std::to_string(port) + ": ECONNREFUSED");
    bool closed = false;
    client.close([&] { closed = true; });
    CHECK(test::run_until(&loop, [&] { return closed; }));
  }
  CHECK(test::close_loop(&loop) == 0);
}

TEST_CASE("closing with a post in flight settles it as abandoned") {
  ClientCase t({{A::hold, ""}});
  std::optional<Result<HttpReply>> got;
  t.client->post("a v=1\n", [&](Result<HttpReply> r) { got = std::move(r); });
  CHECK(test::run_until(&t.loop, [&] { return t.server.requests().size() == 1; }));
  REQUIRE(!got.has_value());
  bool closed = false;
  t.client->close([&] { closed = t.closed = true; });
  REQUIRE(got.has_value());
  CHECK(reply_text(*got) == "error: abandoned at shutdown");
  CHECK(test::run_until(&t.loop, [&] { return closed; }));
}
