// The trace server's handles on a real loop and real sockets: the error paths that close
// them. A client that is gone before it is accepted is refused (not traced as peer "?"), a
// listen that fails leaves nothing behind once stop() has run, and stop() tells when its
// handles are freed. Each case ends with uv_loop_close() == 0.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <string>

#include "memprof/trace_server.h"

using namespace vigil::memprof;

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Connects (the kernel completes the handshake while the loop does not run), then resets
// the connection: by the time the server accepts it, it has no peer any more.
bool connect_and_reset(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a = loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  linger hard{1, 0};  // close() sends a RST
  ok = ok && setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == 0;
  close(fd);
  return ok;
}

// Runs the loop without blocking until `done` holds or 5 s pass.
template <class F>
bool run_until(uv_loop_t* loop, F done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    uv_run(loop, UV_RUN_NOWAIT);
  }
  return done();
}

}  // namespace

TEST_CASE("a client reset before it is accepted is refused, not traced") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::MemtraceConfig config;
  config.listen = "127.0.0.1:0";
  config.allow.clear();  // every peer: only the missing peer address can refuse it
  TraceCounters before = trace_counters();
  {
    TraceServer server(&loop, config, "h");
    REQUIRE(server.start().ok());
    REQUIRE(connect_and_reset(server.port()));
    CHECK(run_until(&loop, [&] { return trace_counters().refused == before.refused + 1; }));
    CHECK_FALSE(server.tracing());
    CHECK(trace_counters().sessions == before.sessions);
    CHECK(server.busy_with().empty());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a listen that fails leaves no handle once stop() has run") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  int taken = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(taken >= 0);
  sockaddr_in a = loopback(0);
  REQUIRE(bind(taken, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(taken, 1) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(taken, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  vigil::MemtraceConfig config;
  config.listen = address;
  int closed = 0;
  {
    TraceServer server(&loop, config, "h");
    vigil::Status st = server.start();
    CHECK(st.message() == "listen " + address + ": EADDRINUSE");
    CHECK(server.port() == 0);
    server.stop([&closed] { ++closed; });
    CHECK(closed == 0);  // the drain timer's close callback has not run yet
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed == 1);
  }
  close(taken);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("stop() runs `closed` once the listener, the timer and the client are freed") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::MemtraceConfig config;
  config.listen = "127.0.0.1:0";
  int closed = 0;
  int fd = -1;
  {
    TraceServer server(&loop, config, "h");
    REQUIRE(server.start().ok());
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(server.port());
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(run_until(&loop, [&] { return server.tracing(); }));
    server.stop([&closed] { ++closed; });
    CHECK_FALSE(server.tracing());
    CHECK(server.port() == 0);
    CHECK(closed == 0);
    uv_run(&loop, UV_RUN_DEFAULT);  // returns once no handle is left
    CHECK(closed == 1);
    server.stop([&closed] { ++closed; });  // nothing left to close: at once
    CHECK(closed == 2);
  }
  close(fd);
  CHECK(uv_loop_close(&loop) == 0);
}
