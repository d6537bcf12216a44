// alloc_workload: a program that embeds vigil (vigil::Monitor on its own loop in the main
// thread) and allocates with known proportions from named functions, for the memtrace
// end-to-end tests and for trying the viewer.
//
//   alloc_workload [--config FILE] [--set KEY=VALUE]... [--port-file PATH]
//                  [--threads N] [--batch N] [--sleep-us N]
//
// Each worker thread repeats: `batch` times { alloc_small(); alloc_big(); } and one
// leak_some() call, then sleeps `sleep-us`. The three have three lifetimes:
//   - alloc_small allocates 64 bytes and frees them before it returns (short-lived: it is
//     never live at any moment a viewer looks at, whatever it has allocated);
//   - alloc_big allocates 192 bytes (3x alloc_small's) and frees the block it allocated
//     4096 calls earlier: a working set of 4096 x 192 bytes per thread (768 KiB), which
//     dominates the peak of the heap for the first minute or so;
//   - leak_some allocates 48 bytes and never frees them: a leak that grows by about 90 KB/s
//     with the default 2 threads, batch and sleep.
// Once a batch, three functions also allocate through the standard library, so that a trace
// shows them, not the library, as the site: grow_vector (std::vector::push_back),
// make_string (std::string) and, every 16th batch, list_dir (opendir). Every 250 ms the main
// thread prints
//   stats ops=<alloc_small+alloc_big calls> samples=<N> dropped=<N> backlog_dropped=<N>
// on stdout. It runs until SIGTERM or SIGINT, then stops vigil and exits 0.
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "appliance/monitor.h"
#include "memprof/trace_server.h"
#include "workload_config.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<uint64_t> g_ops{0};
std::atomic<uint64_t> g_worker_cpu_us{0};  // CPU time of the worker threads, summed

constexpr size_t kSmall = 64;
constexpr size_t kBig = 3 * kSmall;
constexpr size_t kKeep = 4096;  // alloc_big's blocks kept alive per thread

struct Slots {
  std::vector<void*> blocks = std::vector<void*>(kKeep);
  size_t next = 0;
  void replace(void* p) {
    free(blocks[next]);
    blocks[next] = p;
    next = (next + 1) % kKeep;
  }
  ~Slots() {
    for (void* p : blocks) free(p);
  }
};

__attribute__((noinline)) void alloc_small() {
  auto* p = static_cast<char*>(malloc(kSmall));
  p[0] = 1;
  asm volatile("" : : "r"(p) : "memory");
  free(p);
}

__attribute__((noinline)) void alloc_big(Slots& slots) {
  auto* p = static_cast<char*>(malloc(kBig));
  p[0] = 1;
  slots.replace(p);
}

__attribute__((noinline)) void leak_some() {
  auto* p = static_cast<char*>(malloc(48));
  p[0] = 1;
  asm volatile("" : : "r"(p) : "memory");
}

// Allocations inside the standard library: push_back's growth goes through
// std::__new_allocator<T>::allocate, the string's through basic_string::_M_create (in
// libstdc++.so), opendir's through libc's __alloc_dir.
__attribute__((noinline)) void grow_vector(std::vector<uint64_t>& v) {
  std::vector<uint64_t>().swap(v);
  for (uint64_t i = 0; i < 24; ++i) v.push_back(i);
}

__attribute__((noinline)) void make_string(std::string& s) {
  s = std::string(96 + s.size() % 2, 'x');
}

__attribute__((noinline)) void list_dir() {
  if (DIR* d = opendir("/")) closedir(d);
}

uint64_t thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

void worker(int batch, int sleep_us) {
  Slots big;
  std::vector<uint64_t> vec;
  std::string str;
  uint64_t cpu_reported = 0;
  for (uint64_t round = 0; !g_stop.load(std::memory_order_relaxed); ++round) {
    for (int i = 0; i < batch; ++i) {
      alloc_small();
      alloc_big(big);
    }
    leak_some();
    grow_vector(vec);
    make_string(str);
    if (round % 16 == 0) list_dir();
    g_ops.fetch_add(static_cast<uint64_t>(batch) * 2, std::memory_order_relaxed);
    uint64_t cpu = thread_cpu_us();
    g_worker_cpu_us.fetch_add(cpu - cpu_reported, std::memory_order_relaxed);
    cpu_reported = cpu;
    if (sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
  }
}

struct App {
  uv_loop_t loop{};
  uv_signal_t sigterm{}, sigint{};
  uv_timer_t stats{};
  vigil::Monitor* monitor = nullptr;
  std::vector<std::thread> workers;
};

void print_stats(uv_timer_t*) noexcept {
  vigil::memprof::TraceCounters c = vigil::memprof::trace_counters();
  printf("stats ops=%llu samples=%llu dropped=%llu backlog_dropped=%llu worker_cpu_us=%llu\n",
         static_cast<unsigned long long>(g_ops.load()), static_cast<unsigned long long>(c.samples),
         static_cast<unsigned long long>(c.dropped),
         static_cast<unsigned long long>(c.dropped_backlog),
         static_cast<unsigned long long>(g_worker_cpu_us.load()));
  fflush(stdout);
}

void on_signal(uv_signal_t* sig, int) noexcept {
  auto* app = static_cast<App*>(sig->data);
  g_stop = true;
  for (auto& t : app->workers) t.join();
  app->workers.clear();
  app->monitor->stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&app->sigterm), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&app->sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&app->stats), nullptr);
}

bool write_port_file(const std::string& path, int port) {
  std::string tmp = path + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  fprintf(f, "%d\n", port);
  return fclose(f) == 0 && rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(kWorkloadUsage, stdout);
      return 0;
    }
  }
  WorkloadArgs args;
  if (vigil::Status st = parse_workload_args(argc, argv, &args); !st.ok()) {
    fprintf(stderr, "alloc_workload: %s\n", st.message().c_str());
    return 2;
  }
  App app;
  uv_loop_init(&app.loop);
  int rc = 0;
  {
    vigil::Monitor monitor(&app.loop, args.config);
    app.monitor = &monitor;
    if (vigil::Status st = monitor.start(); !st.ok()) {
      fprintf(stderr, "alloc_workload: %s\n", st.message().c_str());
      return 2;
    }
    if (!args.port_file.empty() && !write_port_file(args.port_file, monitor.memtrace_port())) {
      fprintf(stderr, "alloc_workload: cannot write %s\n", args.port_file.c_str());
      return 2;
    }
    for (uv_signal_t* s : {&app.sigterm, &app.sigint}) {
      uv_signal_init(&app.loop, s);
      s->data = &app;
    }
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    uv_signal_start(&app.sigint, on_signal, SIGINT);
    uv_timer_init(&app.loop, &app.stats);
    uv_timer_start(&app.stats, print_stats, 250, 250);
    for (int i = 0; i < args.threads; ++i) {
      app.workers.emplace_back(worker, args.batch, args.sleep_us);
    }
    uv_run(&app.loop, UV_RUN_DEFAULT);
  }
  uv_run(&app.loop, UV_RUN_DEFAULT);  // the Monitor's handles close after its destructor
  rc = uv_loop_close(&app.loop);
  return rc == 0 ? 0 : 1;
}
