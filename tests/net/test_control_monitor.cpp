// The control plane wired into vigil::Monitor: the configured listeners start with the
// monitor, and `shutdown` over TCP stops it, removes the socket file and lets the loop end.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "appliance/monitor.h"
#include "net_test_util.h"
#include "tests/support/loop.h"

using vigil::test::connect_unix;
using vigil::test::read_line;
using vigil::test::run_to_end;
using vigil::test::send_all;
using vigil::test::talk;

namespace {

std::string temp_socket_path() {
  char templ[] = "/tmp/vigil-mon-XXXXXX";
  return std::string(mkdtemp(templ)) + "/control.sock";
}

bool exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("shutdown over the monitor's TCP port replies ok, stops it and removes the socket") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";
  config.control.socket_path = temp_socket_path();
  std::string unix_reply, reply;
  int handler_calls = 0;
  {
    vigil::Monitor monitor(&loop, config);
    monitor.set_shutdown_handler([&] {
      ++handler_calls;
      monitor.stop();
    });
    REQUIRE(monitor.start().ok());
    int port = monitor.control_port();
    REQUIRE(port > 0);
    CHECK(exists(config.control.socket_path));
    std::thread client([&] {
      int fd = connect_unix(config.control.socket_path);
      send_all(fd, "m\n");
      unix_reply = read_line(fd);
      close(fd);
      reply = talk(port, "shutdown\n");
    });
    CHECK(run_to_end(&loop));  // Ends once the monitor has closed every handle.
    client.join();
    CHECK(monitor.control_port() == 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // The monitor's destructor closed what was left.
  CHECK(unix_reply == "ok: *:enabled\n");
  CHECK(reply == "ok\n");
  CHECK(handler_calls == 1);
  CHECK_FALSE(exists(config.control.socket_path));
  rmdir(config.control.socket_path.substr(0, config.control.socket_path.rfind('/')).c_str());
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a monitor whose control port is taken fails to start with EADDRINUSE") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  vigil::Config first_config;
  first_config.control.listen = "127.0.0.1:0";
  first_config.memtrace.listen = "";
  {
    vigil::Monitor first(&loop, first_config);
    REQUIRE(first.start().ok());
    vigil::Config second_config;
    second_config.control.listen = "127.0.0.1:" + std::to_string(first.control_port());
    second_config.memtrace.listen = "";
    vigil::Monitor second(&loop, second_config);
    CHECK(second.start().message() == "listen " + second_config.control.listen + ": EADDRINUSE");
    CHECK(second.control_port() == 0);
    vigil::Config off;
    off.control.listen = "";
    off.memtrace.listen = "";
    vigil::Monitor third(&loop, off);
    CHECK(third.start().ok());
    CHECK(third.control_port() == 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("stop runs its callback once the control listeners are closed") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  vigil::Config config;
  config.control.listen = "127.0.0.1:0";
  config.memtrace.listen = "";
  bool done = false;
  {
    vigil::Monitor monitor(&loop, config);
    REQUIRE(monitor.start().ok());
    monitor.stop([&] { done = true; });
    CHECK_FALSE(done);  // The listener's handle is not freed before the loop runs.
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(done);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
