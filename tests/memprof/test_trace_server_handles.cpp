// The trace server's handles on a real loop and real sockets: the error paths that close
// them. A client that is gone before it is accepted is refused (not traced as peer "?"), a
// listen that fails leaves nothing behind once stop() has run, and stop() tells when its
// handles are freed. Each case ends with uv_loop_close() == 0.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <string>

#include "memprof/trace_server.h"
#include "tests/support/loop.h"
#include "tests/support/socket.h"

using namespace vigil::memprof;

namespace {

// Connects (the kernel completes the handshake while the loop does not run), then resets
// the connection: by the time the server accepts it, it has no peer any more.
bool connect_and_reset(int port) {
  int fd = vigil::test::connect_tcp(port);
  if (fd < 0) return false;
  linger hard{1, 0};  // close() sends a RST
  bool ok = setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == 0;
  close(fd);
  return ok;
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
    CHECK(vigil::test::run_until(&loop,
                                 [&] { return trace_counters().refused == before.refused + 1; }));
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
  vigil::test::BusyPort taken;
  std::string address = taken.address();
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
    fd = vigil::test::connect_tcp(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(vigil::test::run_until(&loop, [&] { return server.tracing(); }));
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
