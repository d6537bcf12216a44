// The memtrace port inside a Monitor, in a program that opts in to vigil-memprof: a failed
// start stops the memtrace port with the rest, and a second Monitor in the same process
// gets a clear error for its memtrace listener (the sampling ring is process-wide).
#include <doctest/doctest.h>

#include <string>

#include "appliance/memtrace_port.h"
#include "appliance/monitor.h"
#include "tests/support/loop.h"
#include "tests/support/socket.h"

using vigil::test::BusyPort;
using vigil::test::run_to_end;

namespace {

vigil::Config both_ports() {
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "127.0.0.1:0";
  return config;
}

}  // namespace

TEST_CASE("linking vigil-memprof gives the Monitor its memtrace port") {
  REQUIRE(vigil::memtrace_provider() != nullptr);
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Monitor monitor(&loop, both_ports());
  REQUIRE(monitor.start().ok());
  CHECK(monitor.memtrace_port() > 0);
  int calls = 0;
  monitor.stop([&] { ++calls; });
  CHECK(run_to_end(&loop));
  CHECK(calls == 1);
  CHECK(monitor.memtrace_port() == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: memtrace port already bound") {
  BusyPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = both_ports();
  config.memtrace.listen = taken.address();
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address() + ": EADDRINUSE");
  CHECK(monitor.control_port() == 0);  // control starts after memtrace: never started
  CHECK(run_to_end(&loop));  // Before the fix the pipeline's timers kept the loop running.
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: the memtrace port, when control fails") {
  BusyPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = both_ports();
  config.control.listen = taken.address();
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address() + ": EADDRINUSE");
  CHECK(monitor.memtrace_port() == 0);  // stopped with the rest
  CHECK(run_to_end(&loop));
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a second Monitor in the process gets a clear error for its memtrace listener") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  {
    vigil::Monitor first(&loop, both_ports());
    REQUIRE(first.start().ok());
    int port = first.memtrace_port();
    REQUIRE(port > 0);
    vigil::Monitor second(&loop, both_ports());
    CHECK(second.start().message() ==
          "memtrace.listen 127.0.0.1:0: this process already has a memtrace port (port " +
              std::to_string(port) +
              "); the sampling ring is process-wide, so there is one per process");
    CHECK(second.memtrace_port() == 0);
    CHECK(first.memtrace_port() == port);  // the first keeps serving
    first.stop();
    CHECK(run_to_end(&loop));
    // Once the first has stopped, the port is free for another Monitor.
    vigil::Monitor third(&loop, both_ports());
    CHECK(third.start().ok());
    CHECK(third.memtrace_port() > 0);
    third.stop();
    CHECK(run_to_end(&loop));
  }
  CHECK(uv_loop_close(&loop) == 0);
}
