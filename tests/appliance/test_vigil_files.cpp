// The vigil executable and the files and ports it is given: a config that is not a
// regular file, a Unix control socket that another vigil holds, the memtrace allow-list,
// and --help/--version.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vigil_process.h"

using vigil::test::Clock;
using vigil::test::Vigil;

namespace {

// Runs `vigil --config PATH --check-config`; returns the exit status, with stderr in `err`.
int check_config_file(const std::string& path, std::string& err) {
  Vigil v({"--config", path, "--check-config"});
  int status = v.wait_exit(10);
  err = v.err;
  return status;
}

}  // namespace

TEST_CASE("a config that is not a readable regular file exits 2 with the reason") {
  char dir[] = "/tmp/vigil-cfg-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string err;
  CHECK(check_config_file(dir, err) == 2);
  CHECK(err == "vigil: bad config: " + std::string(dir) + ": not a regular file\n");

  std::string fifo = std::string(dir) + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(check_config_file(fifo, err) == 2);  // Must not block waiting for a writer.
  CHECK(err == "vigil: bad config: " + fifo + ": not a regular file\n");

  CHECK(check_config_file("/dev/zero", err) == 2);
  CHECK(err == "vigil: bad config: /dev/zero: not a regular file\n");

  // A symlink loop fails for every user, root included.
  std::string loop = std::string(dir) + "/loop";
  REQUIRE(symlink(loop.c_str(), loop.c_str()) == 0);
  CHECK(check_config_file(loop, err) == 2);
  CHECK(err == "vigil: bad config: " + loop + ": cannot read: " + std::strerror(ELOOP) + "\n");

  std::string missing = std::string(dir) + "/missing.toml";
  CHECK(check_config_file(missing, err) == 2);
  CHECK(err == "vigil: bad config: " + missing + ": cannot read: " + std::strerror(ENOENT) + "\n");

  // Mode 000: root reads it anyway, so this case runs only for other users.
  std::string locked = std::string(dir) + "/locked.toml";
  int fd = open(locked.c_str(), O_CREAT | O_WRONLY, 0);
  REQUIRE(fd >= 0);
  close(fd);
  if (geteuid() != 0) {
    CHECK(check_config_file(locked, err) == 2);
    CHECK(err == "vigil: bad config: " + locked + ": cannot read: " + std::strerror(EACCES) + "\n");
  } else {
    MESSAGE("running as root: the mode-000 case is skipped (root may read it)");
  }
  for (const std::string& p : {fifo, loop, locked}) unlink(p.c_str());
  rmdir(dir);
}

namespace {

// Sends `line` to the Unix socket at `path` and returns the first reply line ("" if the
// connect fails).
std::string ask_unix(const std::string& path, const std::string& line) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
    char c;
    while (reply.find('\n') == std::string::npos && read(fd, &c, 1) == 1) reply += c;
  }
  close(fd);
  return reply;
}

std::vector<std::string> on_socket(const std::string& sock) {
  return {"--set", "control.listen=",
          "--set", "memtrace.listen=",
          "--set", "control.socket_path=" + sock};
}

}  // namespace

TEST_CASE("a second vigil does not take over a live control socket") {
  char dir[] = "/tmp/vigil-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string sock = std::string(dir) + "/control.sock";
  Vigil first(on_socket(sock));
  REQUIRE_MESSAGE(first.wait_for("vigil started", 10), first.err);
  {
    Vigil second(on_socket(sock));
    int status = second.wait_exit(10);
    if (status == -1) kill(second.pid, SIGTERM), second.wait_exit(10);
    CHECK(status == 2);
    CHECK(second.err.find("vigil: control.socket_path: " + sock +
                          " is in use by a running process\n") != std::string::npos);
  }
  CHECK(ask_unix(sock, "m\n") == "ok: *:enabled\n");  // The first one still serves.
  kill(first.pid, SIGTERM);
  CHECK(first.wait_exit(10) == 0);
  struct stat st;
  CHECK(lstat(sock.c_str(), &st) != 0);  // Removed at shutdown: it was the first one's.
  rmdir(dir);
}

TEST_CASE("vigil removes its socket file at exit only if the file is still its own") {
  char dir[] = "/tmp/vigil-sock-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string sock = std::string(dir) + "/control.sock";
  Vigil first(on_socket(sock));
  REQUIRE_MESSAGE(first.wait_for("vigil started", 10), first.err);
  REQUIRE(unlink(sock.c_str()) == 0);  // Someone removed it; a second vigil takes the path.
  Vigil second(on_socket(sock));
  REQUIRE_MESSAGE(second.wait_for("vigil started", 10), second.err);
  kill(first.pid, SIGTERM);
  CHECK(first.wait_exit(10) == 0);
  CHECK(ask_unix(sock, "m\n") == "ok: *:enabled\n");  // The second one's file is still there.
  kill(second.pid, SIGTERM);
  CHECK(second.wait_exit(10) == 0);
  rmdir(dir);
}

TEST_CASE("a control socket in a missing directory names the real cause") {
  Vigil v({"--set", "control.listen=", "--set", "memtrace.listen=", "--set",
           "control.socket_path=/nonexistent-vigil-dir/v.sock"});
  CHECK(v.wait_exit(10) == 2);
  CHECK(
      v.err.find("vigil: control.socket_path: listen unix /nonexistent-vigil-dir/v.sock: ENOENT") !=
      std::string::npos);
}

namespace {

// The port in vigil's "memtrace listening on HOST:PORT (port N)" line, or 0.
int memtrace_port(const std::string& err) {
  size_t at = err.find("(port ");
  return at == std::string::npos ? 0 : std::atoi(err.c_str() + at + 6);
}

// Connects to 127.0.0.1:`port` and returns how many bytes arrive before EOF or 2 s.
size_t bytes_from(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  size_t total = 0;
  auto end = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
    if (total > 0) break;  // Served: the trace has begun.
  }
  close(fd);
  return total;
}

}  // namespace

TEST_CASE("the memtrace port closes a peer outside memtrace.allow and serves loopback by default") {
  for (bool excluded : {true, false}) {
    std::vector<std::string> args = {"--set", "control.listen=", "--set",
                                     "memtrace.listen=127.0.0.1:0"};
    if (excluded) args.insert(args.end(), {"--set", "memtrace.allow=10.0.0.0/8"});
    Vigil v(args);
    REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
    int port = memtrace_port(v.err);
    if (port == 0) {
      MESSAGE("this build has no memtrace port (memprof off): skipped");
      return;
    }
    size_t got = bytes_from(port);
    if (excluded) {
      CHECK(got == 0);
      CHECK(v.wait_for("closed: not in memtrace.allow", 5));
    } else {
      CHECK(got > 0);
    }
    kill(v.pid, SIGTERM);
    CHECK(v.wait_exit(10) == 0);
  }
}

namespace {

// What `vigil ARG` prints on stdout.
std::string stdout_of(const std::string& arg) {
  std::string cmd = std::string(std::getenv("VIGIL_BIN")) + " " + arg;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  CHECK(pclose(p) == 0);
  return out;
}

}  // namespace

TEST_CASE("--help names --version, and --version prints the version") {
  CHECK(stdout_of("--help").find("\n  --version ") != std::string::npos);
  std::string version = stdout_of("--version");
  CHECK(version.starts_with("vigil "));
  CHECK(version.size() > 7);
}
