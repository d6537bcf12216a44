// The vigil executable, stopped by a `shutdown` command on its TCP control port: it must
// reply ok, exit 0 and remove its Unix socket file (spec §5.2).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "net_test_util.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// Reads `fd` into `*out` until `text` appears or 10 s pass.
bool read_until(int fd, std::string* out, const std::string& text) {
  auto end = Clock::now() + std::chrono::seconds(10);
  while (out->find(text) == std::string::npos && Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  return out->find(text) != std::string::npos;
}

// Waits up to 10 s; returns the exit status, or -1.
int wait_exit(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    usleep(10'000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

}  // namespace

TEST_CASE("shutdown over TCP makes vigil exit 0 and remove its socket file") {
  const char* bin = std::getenv("VIGIL_BIN");
  REQUIRE(bin != nullptr);
  char dir[] = "/tmp/vigil-proc-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string sock = std::string(dir) + "/control.sock";

  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<std::string> args = {bin,
                                   "--set",
                                   "control.listen=127.0.0.1:0",
                                   "--set",
                                   "control.socket_path=" + sock,
                                   "--set",
                                   "memtrace.listen=127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, bin, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);

  std::string err;
  const std::string marker = "control port listening on 127.0.0.1:";
  // The socket line comes after the port line, so both listeners are up once it is read.
  bool listening = read_until(fds[0], &err, "control socket listening on " + sock);
  int port = 0;
  if (listening) port = std::atoi(err.c_str() + err.find(marker) + marker.size());
  CHECK_MESSAGE(port > 0, err);
  struct stat st;
  CHECK(stat(sock.c_str(), &st) == 0);
  std::string reply = port > 0 ? vigil::test::talk(port, "shutdown\n") : "";
  if (port == 0) kill(pid, SIGKILL);
  int status = wait_exit(pid);
  close(fds[0]);
  CHECK(reply == "ok\n");
  CHECK(status == 0);
  CHECK(lstat(sock.c_str(), &st) != 0);
  unlink(sock.c_str());
  rmdir(dir);
}
