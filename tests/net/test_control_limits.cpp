// Limits and access on the control port: max_connections, the allow-list, and the
// `net.control` log level, which must really filter what the server logs.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "logging/log.h"
#include "net_test_util.h"

using namespace std::chrono_literals;
using vigil::test::connect_tcp;
using vigil::test::ServerFixture;
using vigil::test::talk;

namespace {

class MemorySink : public vigil::logging::Sink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  }
  size_t count(std::string_view needle) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const std::string& l : lines) n += l.find(needle) != std::string::npos;
    return n;
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

struct SinkScope {
  explicit SinkScope(MemorySink* s) { vigil::logging::set_sink(s); }
  ~SinkScope() { vigil::logging::set_sink(nullptr); }
};

// Retries `send` until the server has noticed closed connections; gives up after 5 s.
std::string until_not_refused(int port, const std::string& command) {
  std::string reply;
  for (int i = 0; i < 100; ++i) {
    reply = talk(port, command);
    if (reply != "error: too many connections\n") break;
    std::this_thread::sleep_for(50ms);
  }
  return reply;
}

}  // namespace

TEST_CASE("past max_connections_per_peer a client gets the error and is closed") {
  vigil::net::ServerOptions options;
  options.max_per_peer = 2;
  ServerFixture f(options);
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string refused, after;
  f.run_client([&] {
    int a = connect_tcp(port);
    int b = connect_tcp(port);
    // a and b are accepted first, in order, and hold both slots while silent.
    refused = talk(port, "m\n");
    close(a);
    close(b);
    after = until_not_refused(port, "m\n");
  });
  CHECK(refused == "error: too many connections\n");
  CHECK(after == "ok: *:enabled\n");
  CHECK(f.server->stats().over_limit.load() >= 1);
  CHECK(f.finish() == 0);
}

TEST_CASE("past max_connections the oldest silent connection makes room for a new client") {
  vigil::net::ServerOptions options;
  options.max_connections = 2;
  ServerFixture f(options);
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string served, evicted, kept;
  f.run_client([&] {
    int a = connect_tcp(port);
    int b = connect_tcp(port);
    std::this_thread::sleep_for(100ms);  // a and b are accepted, in order, and silent
    served = talk(port, "m\n");
    evicted = vigil::test::read_all(a);  // closed with no reply
    vigil::test::send_all(b, "m\n");
    shutdown(b, SHUT_WR);
    kept = vigil::test::read_all(b);
    close(a);
    close(b);
  });
  CHECK(served == "ok: *:enabled\n");
  CHECK(evicted.empty());
  CHECK(kept == "ok: *:enabled\n");
  CHECK(f.server->stats().over_limit.load() == 0);
  CHECK(f.finish() == 0);
}

TEST_CASE("a peer outside control.allow is closed with no reply and counted") {
  vigil::net::ServerOptions options;
  options.allow = {vigil::parse_cidr("10.0.0.0/8").value()};
  ServerFixture f(options);
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  MemorySink sink;
  SinkScope scope(&sink);
  std::vector<std::string> replies;
  f.run_client([&] {
    for (int i = 0; i < 5; ++i) replies.push_back(talk(port, "Moff\n"));
  });
  for (const std::string& r : replies) CHECK(r == "");
  CHECK(f.server->stats().denied_peers.load() == 5);
  CHECK(f.pipeline.registry.all() == true);
  size_t logged = sink.count("denied by control.allow");
  CHECK(logged >= 1);
  CHECK(logged < 5);  // Rate-limited: five denials in a burst do not give five lines.
  // One line per peer per minute; the rest are counted.
  CHECK(logged == 1);
  CHECK(f.finish() == 0);
}

TEST_CASE("a peer inside control.allow is served") {
  vigil::net::ServerOptions options;
  options.allow = {vigil::parse_cidr("10.0.0.0/8").value(),
                   vigil::parse_cidr("127.0.0.0/8").value()};
  ServerFixture f(options);
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  std::string reply;
  f.run_client([&] { reply = talk(port, "m\n"); });
  CHECK(reply == "ok: *:enabled\n");
  CHECK(f.server->stats().denied_peers.load() == 0);
  CHECK(f.finish() == 0);
}

TEST_CASE("the level that lnet.control reports is the one that filters its lines") {
  ServerFixture f;
  REQUIRE(f.server->listen_tcp("127.0.0.1:0").ok());
  int port = f.server->tcp_port();
  MemorySink sink;
  SinkScope scope(&sink);
  std::string set_info, get_info, set_debug, get_debug;
  size_t at_info = 0;
  f.run_client([&] {
    set_info = talk(port, "Lnet.control:info\n");
    get_info = talk(port, "lnet.control\n");
    at_info = sink.count("[net.control] command");
    set_debug = talk(port, "Lnet.control:debug\n");
    get_debug = talk(port, "lnet.control\n");
  });
  CHECK(set_info == "ok\n");
  CHECK(get_info == "ok: net.control:info\n");
  CHECK(at_info == 0);
  CHECK(set_debug == "ok\n");
  CHECK(get_debug == "ok: net.control:debug\n");
  CHECK(sink.count("[net.control] command lnet.control: ok: net.control:debug") == 1);
  f.run_client([&] { talk(port, "L*:info\n"); });
  CHECK(f.finish() == 0);
}
