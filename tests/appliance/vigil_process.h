// A vigil process for the tests that run the executable: started with arguments, its
// stderr captured, its exit awaited. VIGIL_BIN names the executable.
// Thread: the test's thread.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace vigil::test {

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

}  // namespace vigil::test
