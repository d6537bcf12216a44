// Monitor's stop contract (docs/embedding.md): stop(cb), uv_run, then cb has run and
// uv_loop_close() returns 0 while the Monitor still exists; whether the stop came from the
// caller, from `shutdown` on the real control port, or from a signal the embedder wires.
// And a failed start leaves nothing running: each listener is made to fail in turn.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "appliance/monitor.h"
#include "common/uv_handle.h"
#include "net_test_util.h"
#include "tests/support/loop.h"
#include "tests/support/socket.h"

using vigil::test::BusyPort;
using vigil::test::run_to_end;
using vigil::test::talk;

namespace {

vigil::Config control_only() {
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";
  return config;
}

}  // namespace

TEST_CASE("stop(cb) from the caller: cb runs in uv_run, then uv_loop_close returns 0") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, control_only());
  REQUIRE(monitor.start().ok());
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(calls == 0);  // never inside stop()
  CHECK(run_to_end(&loop));
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
  CHECK(run_to_end(&loop));  // The default handler stopped the monitor.
  client.join();
  CHECK(reply == "ok\n");
  // The embedder asks for the stop it waits on, after the fact: its callback still runs.
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(run_to_end(&loop));
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
  CHECK(run_to_end(&loop));
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
    vigil::UvHandle sigterm;
    vigil::Monitor* monitor;
    int calls = 0;
  } w{{}, &monitor};
  REQUIRE(w.sigterm.init_signal(&loop, &w).ok());
  REQUIRE(uv_signal_start(
              w.sigterm.signal(),
              [](uv_signal_t* h, int) {
                auto* wiring = static_cast<Wiring*>(h->data);
                wiring->monitor->stop([wiring] {
                  ++wiring->calls;
                  wiring->sigterm.close();
                });
              },
              SIGTERM) == 0);
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  CHECK(run_to_end(&loop));
  CHECK(w.calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: control TCP port already bound") {
  BusyPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = control_only();
  config.control.listen = taken.address();
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address() + ": EADDRINUSE");
  CHECK(run_to_end(&loop));  // Before the fix the pipeline's timers kept the loop running.
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
  CHECK(run_to_end(&loop));  // Before the fix the pipeline's timers kept the loop running.
  // A stop(cb) after the failed start: the stop is already over, and cb still runs.
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(calls == 0);
  CHECK(run_to_end(&loop));
  CHECK(calls == 1);
  CHECK(uv_loop_close(&loop) == 0);
}
