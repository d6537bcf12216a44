// The memtrace port inside a Monitor, in a program that opts in to vigil-memprof: a failed
// start stops the memtrace port with the rest, and a second Monitor in the same process
// gets a clear error for its memtrace listener (the sampling ring is process-wide).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "appliance/memtrace_port.h"
#include "appliance/monitor.h"

namespace {

// Runs the loop to its end; after 10 s the watchdog fails the test and stops the loop.
void run_guarded(uv_loop_t* loop) {
  uv_timer_t dog;
  REQUIRE(uv_timer_init(loop, &dog) == 0);
  REQUIRE(uv_timer_start(
              &dog,
              [](uv_timer_t* t) {
                FAIL_CHECK("watchdog: the loop did not end");
                uv_stop(t->loop);
              },
              10'000, 0) == 0);
  uv_unref(reinterpret_cast<uv_handle_t*>(&dog));
  uv_run(loop, UV_RUN_DEFAULT);
  uv_close(reinterpret_cast<uv_handle_t*>(&dog), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // frees the watchdog's timer
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
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~BoundPort() { close(fd); }
  int fd;
  std::string address;
};

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
  run_guarded(&loop);
  CHECK(calls == 1);
  CHECK(monitor.memtrace_port() == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: memtrace port already bound") {
  BoundPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = both_ports();
  config.memtrace.listen = taken.address;
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address + ": EADDRINUSE");
  CHECK(monitor.control_port() == 0);  // control starts after memtrace: never started
  run_guarded(&loop);  // Before the fix the pipeline's timers kept the loop running.
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a failed start stops what had started: the memtrace port, when control fails") {
  BoundPort taken;
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  vigil::Config config = both_ports();
  config.control.listen = taken.address;
  vigil::Monitor monitor(&loop, config);
  CHECK(monitor.start().message() == "listen " + taken.address + ": EADDRINUSE");
  CHECK(monitor.memtrace_port() == 0);  // stopped with the rest
  run_guarded(&loop);
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
    run_guarded(&loop);
    // Once the first has stopped, the port is free for another Monitor.
    vigil::Monitor third(&loop, both_ports());
    CHECK(third.start().ok());
    CHECK(third.memtrace_port() > 0);
    third.stop();
    run_guarded(&loop);
  }
  CHECK(uv_loop_close(&loop) == 0);
}
