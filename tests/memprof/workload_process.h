// Test helpers for the memtrace port: a running alloc_workload child process and reads with
// deadlines (the clients connect with tests/support/socket.h). Thread: the test's main thread, plus
// one reader thread per WorkloadProcess that parses its stdout.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// One "stats ops=N samples=N dropped=N backlog_dropped=N" line of the workload, with when it was
// read.
struct WorkloadStats {
  Clock::time_point at;
  uint64_t ops = 0;
  uint64_t samples = 0;
  uint64_t dropped = 0;          // all dropped samples
  uint64_t backlog_dropped = 0;  // dropped because the client was backlogged
  uint64_t worker_cpu_us = 0;    // CPU time used by the allocating threads
};

// Starts $ALLOC_WORKLOAD with the memtrace port on 127.0.0.1:0, the control port off and
// `args` appended, and waits (up to 10 s) for it to write the bound port.
class WorkloadProcess {
 public:
  explicit WorkloadProcess(const std::vector<std::string>& args);
  // Sends SIGTERM if still running and reaps the child.
  ~WorkloadProcess();
  WorkloadProcess(const WorkloadProcess&) = delete;
  WorkloadProcess& operator=(const WorkloadProcess&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then waits up to 10 s. Returns the exit status, or -1 (killed, or timeout).
  int stop();
  std::vector<WorkloadStats> stats();

 private:
  void read_stdout();
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string dir_;
  std::thread reader_;
  std::mutex mu_;
  std::vector<WorkloadStats> stats_;
};

// Reads until `ms` have passed or the peer closes; *eof tells which.
std::string read_for(int fd, int ms, bool* eof = nullptr);
// Closes with an RST instead of a FIN (SO_LINGER 0).
void close_abortively(int fd);
