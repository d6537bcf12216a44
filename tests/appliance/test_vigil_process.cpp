// The vigil executable as a user runs it: start, log, stop on signals, reject bad configs.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/fixtures/influxdb.h"
#include "tests/skip.h"
#include "tests/support/socket.h"
#include "vigil_process.h"

namespace {

using vigil::test::Clock;
using vigil::test::Vigil;

const std::vector<std::string> kLoopbackOnly = {"--set", "control.listen=127.0.0.1:0", "--set",
                                                "memtrace.listen=127.0.0.1:0"};

}  // namespace

TEST_CASE("vigil starts with no config file, logs at info and exits 0 on SIGTERM") {
  Vigil v(kLoopbackOnly);
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  CHECK(v.err.find(" info    [appliance] vigil started on host ") != std::string::npos);
  auto sent = Clock::now();
  kill(v.pid, SIGTERM);
  int status = v.wait_exit(10);
  double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
  CHECK_MESSAGE(status == 0, v.err);
  MESSAGE("exit after SIGTERM took " << seconds << " s");
}

TEST_CASE("vigil exits 0 on SIGINT too") {
  Vigil v(kLoopbackOnly);
  REQUIRE(v.wait_for("vigil started", 10));
  kill(v.pid, SIGINT);
  CHECK(v.wait_exit(10) == 0);
}

TEST_CASE("a bad config exits 2 with file, line and what was expected") {
  char path[] = "/tmp/vigil-bad-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const char text[] = "[control]\nmax_connections = -3\n";
  REQUIRE(write(fd, text, sizeof text - 1) == static_cast<ssize_t>(sizeof text - 1));
  close(fd);
  Vigil v({"--config", path, "--check-config"});
  CHECK(v.wait_exit(10) == 2);
  CHECK(v.err == "vigil: bad config: " + std::string(path) +
                     ":2:19: control.max_connections: expected an integer from 1 to 100000, "
                     "got -3\n");
  unlink(path);
}

TEST_CASE("an unknown argument exits 2 with the usage") {
  Vigil v({"--frobnicate"});
  CHECK(v.wait_exit(10) == 2);
  CHECK(v.err.starts_with("vigil: unknown argument '--frobnicate'\nusage: vigil"));
}

TEST_CASE("--check-config on the defaults succeeds") {
  Vigil v({"--check-config"});
  CHECK(v.wait_exit(10) == 0);
  CHECK(v.err.empty());
}

namespace {

// True iff the process maps a file whose name contains `name` (/proc/PID/maps).
bool maps_library(pid_t pid, const std::string& name) {
  std::string path = "/proc/" + std::to_string(pid) + "/maps";
  FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  char line[4096];
  bool found = false;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::string(line).find(name) != std::string::npos) found = true;
  }
  std::fclose(f);
  return found;
}

// An influx-http output with an https:// url (libcurl's) to a loopback port that nothing
// serves: it starts and retries.
const std::vector<std::string> kHttpsOutput = {
    "--set", "outputs=[{kind=\"influx-http\",url=\"https://127.0.0.1:9/write?db=d\"}]"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("libcurl is mapped only once an influx-http output to an https:// url starts") {
  {
    Vigil v(kLoopbackOnly);
    REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
    CHECK_FALSE(maps_library(v.pid, "libcurl"));
    kill(v.pid, SIGTERM);
    CHECK(v.wait_exit(10) == 0);
  }
  Vigil v(with(kLoopbackOnly, kHttpsOutput));
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  CHECK(maps_library(v.pid, "libcurl"));
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

// The port in a "... listening on 127.0.0.1:PORT" log line, or 0.
int logged_port(const std::string& err, const std::string& what) {
  std::string key = what + " listening on 127.0.0.1:";
  size_t at = err.find(key);
  return at == std::string::npos ? 0 : std::atoi(err.c_str() + at + key.size());
}

TEST_CASE("libunwind is mapped only once a trace client connects") {
  Vigil v(kLoopbackOnly);
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  if (v.err.find("memtrace port off") != std::string::npos) {
    MESSAGE("this vigil has no memtrace port (a build without the hook)");
    return;
  }
  int port = logged_port(v.err, "memtrace");
  REQUIRE_MESSAGE(port > 0, v.err);
  CHECK_FALSE(maps_library(v.pid, "libunwind"));
  CHECK_FALSE(maps_library(v.pid, "liblzma"));
  CHECK_FALSE(maps_library(v.pid, "libdw"));
  int fd = vigil::test::connect_tcp(port);
  REQUIRE(fd >= 0);
  char first[8];
  CHECK(recv(fd, first, sizeof first, MSG_WAITALL) == sizeof first);  // the info packet
  CHECK(maps_library(v.pid, "libunwind"));
  close(fd);
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

TEST_CASE("every log source has a name of its own") {
  Vigil v(with(kLoopbackOnly, {"--set", "http.listen=127.0.0.1:0"}));
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  int port = logged_port(v.err, "control port");
  REQUIRE_MESSAGE(port > 0, v.err);
  int fd = vigil::test::connect_tcp(port);
  REQUIRE(fd >= 0);
  REQUIRE(vigil::test::send_all(fd, "l*\n"));
  std::string reply = vigil::test::read_line(fd);
  close(fd);
  INFO(reply);
  REQUIRE(reply.rfind("ok: ", 0) == 0);
  std::vector<std::string> names;
  for (size_t at = 4; at < reply.size();) {
    size_t end = reply.find_first_of(",\n", at);
    std::string item = reply.substr(at, end - at);
    names.push_back(item.substr(0, item.find(':')));
    at = end + 1;
  }
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());  // the list is sorted
  CHECK(std::count(names.begin(), names.end(), "http") == 1);
  CHECK(std::count(names.begin(), names.end(), "http.pprof") == 1);
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

TEST_CASE("without libcurl, an https:// influx-http output exits 2 saying so; others work") {
  // VIGIL_LIBCURL names the library to load; a missing file stands for a machine without it.
  REQUIRE(setenv("VIGIL_LIBCURL", "/nonexistent/libcurl.so.4", 1) == 0);
  {
    Vigil v(with(kLoopbackOnly, kHttpsOutput));
    CHECK(v.wait_exit(10) == 2);
    CHECK_MESSAGE(
        v.err.find("influx-http needs libcurl: apt-get install libcurl4") != std::string::npos,
        v.err);
  }
  // An http:// influx-http output needs no libcurl: it starts.
  Vigil v(with(kLoopbackOnly, {"--set",
                               "outputs=[{kind=\"influx-tcp\",url=\"tcp://127.0.0.1:9\"},"
                               "{kind=\"influx-http\",url=\"http://127.0.0.1:9/write?db=d\"}]"}));
  unsetenv("VIGIL_LIBCURL");
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

// Needs influxd: in doctest suite "influxd", run by meson as its own test (vigil-process-influx).
TEST_CASE("an influx-http output to an http:// url delivers points without mapping libcurl" *
          doctest::test_suite("influxd")) {
  vigil::test::InfluxFixture influx;
  if (!influx.available()) {
    vigil::test::skip(influx.why());
    return;
  }
  REQUIRE(influx.create_database("vigil"));
  Vigil v(with(kLoopbackOnly, {"--set", "interval=\"1s\"", "--set",
                               "outputs=[{kind=\"influx-http\",url=\"" + influx.base_url() +
                                   "/write?db=vigil\"}]"}));
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  // Points land, then more of them at the next push.
  auto written_past = [&](long floor) {
    for (int i = 0; i < 100; ++i) {
      if (long n = influx.http_points_written(); n > floor) return n;
      usleep(100 * 1000);
    }
    return 0L;
  };
  long first = written_past(0);
  CHECK_MESSAGE(first > 0, v.err);
  CHECK_MESSAGE(written_past(first) > first, v.err);
  std::string measurements = influx.query("vigil", "SHOW MEASUREMENTS");
  CHECK_MESSAGE(measurements.find("\"values\":[[") != std::string::npos, measurements);
  CHECK(influx.http_points_written() > 0);
  CHECK_FALSE(maps_library(v.pid, "libcurl"));
  kill(v.pid, SIGTERM);
  CHECK_MESSAGE(v.wait_exit(10) == 0, v.err);
}
