// A memtrace client that never reads: the server drops samples instead of growing its queue
// or slowing the allocating threads.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/socket.h"
#include "workload_process.h"

using vigil::test::connect_tcp;

namespace {

// Allocation rate of each stats interval that starts at or after `from` and ends at or
// before `to`: per second of wall time, or per second of the workers' CPU time.
std::vector<double> rates(const std::vector<WorkloadStats>& s, Clock::time_point from,
                          Clock::time_point to, bool per_cpu) {
  std::vector<double> out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i - 1].at < from || s[i].at > to) continue;
    double secs = per_cpu ? static_cast<double>(s[i].worker_cpu_us - s[i - 1].worker_cpu_us) / 1e6
                          : std::chrono::duration<double>(s[i].at - s[i - 1].at).count();
    if (secs > 0) out.push_back(static_cast<double>(s[i].ops - s[i - 1].ops) / secs);
  }
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

uint64_t backlog_dropped(WorkloadProcess& w) {
  auto s = w.stats();
  return s.empty() ? 0 : s.back().backlog_dropped;
}

}  // namespace

TEST_CASE("a client that never reads makes drops go up while the workload carries on") {
  // No sleeps: the workers allocate as fast as they can, sampled at the default rate (1e-4).
  // The client's small receive buffer and the smallest queue bound make the backlog quick
  // to reach.
  WorkloadProcess w(
      {"--sleep-us", "0", "--batch", "1000", "--set", "memtrace.max_queue_bytes=65536"});
  REQUIRE(w.started());
  usleep(1500000);
  Clock::time_point connect_at = Clock::now();
  int fd = connect_tcp(w.port(), {.rcvbuf = 4096});
  REQUIRE(fd >= 0);
  uint64_t dropped = 0;
  for (int i = 0; i < 200 && dropped == 0; ++i) {
    usleep(100000);
    dropped = backlog_dropped(w);
  }
  REQUIRE_MESSAGE(dropped > 0, "no backlog drops within 20 s");
  // From here on the symbolizer is warm and the client is backlogged.
  Clock::time_point backlog_at = Clock::now();
  usleep(1500000);
  CHECK(backlog_dropped(w) > dropped);  // still dropping, still running
  Clock::time_point traced_end = Clock::now();
  close(fd);
  usleep(1500000);
  auto after = w.stats();
  REQUIRE(!after.empty());
  // Throughput is reported, per wall-clock second and per second of the workers' CPU time,
  // against the lower of the untraced medians before and after tracing. What is checked is
  // that the workload still allocates once tracing has stopped.
  auto slowdown = [&](bool per_cpu, const std::string& what) {
    double before = median(rates(after, Clock::time_point{}, connect_at, per_cpu));
    double again =
        median(rates(after, traced_end + std::chrono::milliseconds(300), Clock::now(), per_cpu));
    double traced = median(rates(after, backlog_at, traced_end, per_cpu));
    MESSAGE(what << ": untraced before=" << before << " after=" << again
                 << " traced (backlogged client)=" << traced
                 << " slowdown=" << std::min(before, again) / traced << "x");
    CHECK(again > 0);  // tracing stopped, the workload carries on
  };
  slowdown(false, "ops per wall-clock second");
  // Reported, not checked: a timing bound has no place in a test on a shared machine. The
  // hook's cost is measured by bench/alloc, against mimalloc in the same run.
  slowdown(true, "ops per worker CPU second");
  CHECK(w.stop() == 0);
}
