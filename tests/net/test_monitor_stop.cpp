// Monitor's stop contract (docs/embedding.md): stop(cb), uv_run, then cb has run and
// uv_loop_close() returns 0 while the Monitor still exists; whether the stop came from the
// caller, from `shutdown` on the real control port, or from a signal the embedder wires.
// And a failed start leaves nothing running: each listener is made to fail in turn.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "appliance/monitor.h"
#include "net_test_util.h"

using vigil::test::talk;
using vigil::test::Watchdog;

namespace {

vigil::Config control_only() {
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";
  return config;
}

// Runs the loop until it has nothing left to do; after 10 s the watchdog fails the test and
// stops the loop. The last pass only frees the watchdog's timer.
void run_guarded(uv_loop_t* loop) {
  Watchdog dog(loop);
  uv_run(loop, UV_RUN_DEFAULT);
  dog.close();
  uv_run(loop, UV_RUN_NOWAIT);
}

// A TCP socket bound and listening on 127.0.0.1, so that a listener on its port fails.
struct BoundPort {
  BoundPort() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~BoundPort() { close(fd); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  int fd;
  int port;
};

}  // namespace

TEST_CASE("stop(cb) from the caller: cb runs in uv_run, then uv_loop_close returns 0") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, control_only());
  REQUIRE(monitor.start().ok());
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(calls == 0);  // never inside stop()
  run_guarded(&loop);
  CHECK(calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("stop(cb) after `shutdown` on the control port: cb runs, uv_loop_close returns 0") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, control_only());
  REQUIRE(monitor.start().ok());
  int port = monitor.control_port();
  std::string reply;
  std::thread client([&] { reply = talk(port, "shutdown\n"); });
  run_guarded(&loop);  // The default handler stopped the monitor.
  client.join();
  CHECK(reply == "ok\n");
  // The embedder asks for the stop it waits on, after the fact: its callback still runs.
  int calls = 0;
  monitor.stop([&] { ++calls; });
  run_guarded(&loop);
  CHECK(calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a shutdown handler that calls stop(cb): cb runs, uv_loop_close returns 0") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, control_only());
  int calls = 0;
  monitor.set_shutdown_handler([&] { monitor.stop([&] { ++calls; }); });
  REQUIRE(monitor.start().ok());
  int port = monitor.control_port();
  std::thread client([&] { talk(port, "shutdown\n"); });
  run_guarded(&loop);
  client.join();
  CHECK(calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("stop(cb) from a SIGTERM handle, as the appliance wires it: uv_loop_close returns 0") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, control_only());
  REQUIRE(monitor.start().ok());
  struct Wiring {
    uv_signal_t sigterm;
    vigil::Monitor* monitor;
    int calls = 0;
  } w{{}, &monitor};
  REQUIRE(uv_signal_init(&loop, &w.sigterm) == 0);
  w.sigterm.data = &w;
  REQUIRE(uv_signal_start(
              &w.sigterm,
              [](uv_signal_t* h, int) {
                auto* wiring = static_cast<Wiring*>(h->data);
                wiring->monitor->stop([wiring] {
                  ++wiring->calls;
                  uv_close(reinterpret_cast<uv_handle_t*>(&wiring->sigterm), nullptr);
                });
              },
              SIGTERM) == 0);
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  run_guarded(&loop);
  CHECK(w.calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: control TCP port already bound") {
  BoundPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = control_only();
  config.control.listen = taken.address();
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address() + ": EADDRINUSE");
  run_guarded(&loop);  // Before the fix the pipeline's timers kept the loop running.
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: the control Unix socket cannot be bound") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = control_only();
  config.control.socket_path = "/nonexistent-vigil-dir/control.sock";
  vigil::Monitor monitor(&loop, config);
  vigil::Status st = monitor.start();
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("/nonexistent-vigil-dir/control.sock") != std::string::npos);
  CHECK(monitor.control_port() == 0);  // The TCP listener that had started is closed.
  run_guarded(&loop);  // Before the fix the pipeline's timers kept the loop running.
  // A stop(cb) after the failed start: the stop is already over, and cb still runs.
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(calls == 0);
  run_guarded(&loop);
  CHECK(calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}
