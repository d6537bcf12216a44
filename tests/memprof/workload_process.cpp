#include "workload_process.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

extern char** environ;

WorkloadProcess::WorkloadProcess(const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/vigil-memprof-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  dir_ = tmpl;
  const char* exe = getenv("ALLOC_WORKLOAD");
  if (exe == nullptr) return;
  std::vector<std::string> argv_s = {
      exe,           "--set",       "memtrace.listen=127.0.0.1:0", "--set", "control.listen=",
      "--port-file", dir_ + "/port"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  int pipefd[2];
  if (pipe(pipefd) != 0) return;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  int rc = posix_spawn(&pid_, exe, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc != 0) {
    pid_ = -1;
    close(pipefd[0]);
    return;
  }
  out_fd_ = pipefd[0];
  reader_ = std::thread([this] { read_stdout(); });
  for (int i = 0; i < 1000 && port_ == 0; ++i) {
    std::ifstream f(dir_ + "/port");
    if (!(f >> port_)) port_ = 0;
    if (port_ == 0) usleep(10000);
  }
}

WorkloadProcess::~WorkloadProcess() {
  stop();
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
  if (!dir_.empty()) {
    unlink((dir_ + "/port").c_str());
    rmdir(dir_.c_str());
  }
}

int WorkloadProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    usleep(10000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::vector<WorkloadStats> WorkloadProcess::stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

void WorkloadProcess::read_stdout() {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      WorkloadStats s;
      unsigned long long ops, samples, dropped, backlog, cpu;
      if (sscanf(pending.c_str(),
                 "stats ops=%llu samples=%llu dropped=%llu backlog_dropped=%llu "
                 "worker_cpu_us=%llu",
                 &ops, &samples, &dropped, &backlog, &cpu) == 5) {
        s.at = Clock::now();
        s.ops = ops;
        s.samples = samples;
        s.dropped = dropped;
        s.backlog_dropped = backlog;
        s.worker_cpu_us = cpu;
        std::lock_guard lock(mu_);
        stats_.push_back(s);
      }
      pending.erase(0, nl + 1);
    }
  }
}

std::string read_for(int fd, int ms, bool* eof) {
  std::string out;
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  if (eof != nullptr) *eof = false;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
      if (eof != nullptr) *eof = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

void close_abortively(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}
