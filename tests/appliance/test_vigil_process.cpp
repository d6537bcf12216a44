// The vigil executable as a user runs it: start, log, stop on signals, reject bad configs.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// A running vigil with its stderr captured.
struct Vigil {
  explicit Vigil(std::vector<std::string> args) {
    const char* bin = std::getenv("VIGIL_BIN");
    REQUIRE(bin != nullptr);
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    args.insert(args.begin(), bin);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid, bin, &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    err_fd = fds[0];
  }
  ~Vigil() {
    if (pid > 0 && !exited) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(err_fd);
  }

  // Reads stderr until `text` appears or `seconds` pass; true iff it appeared.
  bool wait_for(const std::string& text, double seconds) {
    auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (err.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{err_fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(err_fd, buf, sizeof buf);
      if (n <= 0) return err.find(text) != std::string::npos;
      err.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  // Waits up to `seconds` for the exit; returns the status, or -1 on time-out.
  int wait_exit(double seconds) {
    auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        wait_for("\x01never", 0.2);  // Drain what is left of stderr.
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(10'000);
    }
    return -1;
  }

  pid_t pid = -1;
  int err_fd = -1;
  bool exited = false;
  std::string err;
};

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

// An influx-http output to a loopback port that nothing serves: it starts and retries.
const std::vector<std::string> kHttpOutput = {
    "--set", "outputs=[{kind=\"influx-http\",url=\"http://127.0.0.1:9/write?db=d\"}]"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("libcurl is mapped only once an influx-http output starts") {
  {
    Vigil v(kLoopbackOnly);
    REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
    CHECK_FALSE(maps_library(v.pid, "libcurl"));
    kill(v.pid, SIGTERM);
    CHECK(v.wait_exit(10) == 0);
  }
  Vigil v(with(kLoopbackOnly, kHttpOutput));
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  CHECK(maps_library(v.pid, "libcurl"));
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

TEST_CASE("without libcurl, an influx-http output exits 2 saying so; other outputs work") {
  // VIGIL_LIBCURL names the library to load; a missing file stands for a machine without it.
  REQUIRE(setenv("VIGIL_LIBCURL", "/nonexistent/libcurl.so.4", 1) == 0);
  {
    Vigil v(with(kLoopbackOnly, kHttpOutput));
    CHECK(v.wait_exit(10) == 2);
    CHECK_MESSAGE(
        v.err.find("influx-http needs libcurl: apt-get install libcurl4") != std::string::npos,
        v.err);
  }
  Vigil v(
      with(kLoopbackOnly, {"--set", "outputs=[{kind=\"influx-tcp\",url=\"tcp://127.0.0.1:9\"}]"}));
  unsetenv("VIGIL_LIBCURL");
  REQUIRE_MESSAGE(v.wait_for("vigil started", 10), v.err);
  kill(v.pid, SIGTERM);
  CHECK(v.wait_exit(10) == 0);
}

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
