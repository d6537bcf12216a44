// bench/alloc: CPU nanoseconds per malloc/free pair (thread CPU time, so that the load of a
// shared machine does not count) through the memprof hook, against mimalloc
// called directly, and the same workload under heaptrack. Prints medians and ratios against
// the mimalloc baseline measured in the same run.
//
//   alloc [--ops N] [--runs N] [--no-heaptrack]   all modes, 1 and 2 threads
//   alloc --mode=system --threads N      one measurement with the allocator found after this
//                                        executable (heaptrack's, when run under heaptrack)
//
// Workload per thread: a live set of 4096 slots; each step frees a random slot and refills
// it with a block of random size in 16..1024 bytes (sizes and slots are precomputed).
// Tracing modes start the hook's sampler and run a thread that drains the sample ring, as
// the trace server's timer does; symbolizing and encoding (loop work) are not included.
#include <dlfcn.h>
#include <mimalloc.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "memprof/hook.h"
#include "stats.h"

namespace {

using vigil::bench::median;
using vigil::bench::ratio_spread;

constexpr size_t kLive = 4096;
constexpr size_t kPattern = 1 << 16;

struct Pattern {
  uint16_t size[kPattern];
  uint16_t slot[kPattern];
};

Pattern make_pattern(uint64_t seed) {
  Pattern p;
  uint64_t x = seed | 1;
  for (size_t i = 0; i < kPattern; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p.size[i] = static_cast<uint16_t>(16 + (x % 1009));
    p.slot[i] = static_cast<uint16_t>((x >> 20) % kLive);
  }
  return p;
}

struct Direct {
  static void* alloc(size_t n) { return mi_malloc(n); }
  static void release(void* p) { mi_free(p); }
};
struct Hooked {
  static void* alloc(size_t n) { return malloc(n); }
  static void release(void* p) { free(p); }
};
using MallocFn = void* (*)(size_t);
using FreeFn = void (*)(void*);
MallocFn g_next_malloc = nullptr;
FreeFn g_next_free = nullptr;
struct System {
  static void* alloc(size_t n) { return g_next_malloc(n); }
  static void release(void* p) { g_next_free(p); }
};

// CPU time of the calling thread: unlike wall time, other processes on a shared machine do
// not add to it.
double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

template <class A>
double run_thread(const Pattern& pat, uint64_t ops) {
  std::vector<void*> live(kLive, nullptr);
  for (auto& p : live) p = A::alloc(64);
  double t0 = thread_cpu_ns();
  for (uint64_t i = 0; i < ops; ++i) {
    size_t k = i & (kPattern - 1);
    void*& slot = live[pat.slot[k]];
    A::release(slot);
    slot = A::alloc(pat.size[k]);
    static_cast<char*>(slot)[0] = 1;
  }
  double t1 = thread_cpu_ns();
  for (auto* p : live) A::release(p);
  return (t1 - t0) / static_cast<double>(ops);
}

// Mean ns per pair over `threads` threads running at once.
template <class A>
double measure(const Pattern& pat, int threads, uint64_t ops) {
  std::vector<double> ns(static_cast<size_t>(threads));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] { ns[static_cast<size_t>(t)] = run_thread<A>(pat, ops); });
  }
  for (auto& t : ts) t.join();
  double sum = 0;
  for (double v : ns) sum += v;
  return sum / threads;
}

// Drains the hook's ring while tracing, standing in for the trace server's timer.
struct Drainer {
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit Drainer(double rate) {
    if (vigil::Result<uint32_t> s = vigil::memprof::hook_start(rate, 12345); !s.ok()) {
      std::fprintf(stderr, "alloc: %s\n", s.status().message().c_str());
      std::exit(2);
    }
    thread = std::thread([this] {
      vigil::memprof::SampleRecord r;
      while (!stop.load()) {
        while (vigil::memprof::hook_pop(&r)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  ~Drainer() {
    vigil::memprof::hook_stop();
    stop = true;
    thread.join();
    vigil::memprof::SampleRecord r;
    while (vigil::memprof::hook_pop(&r)) {
    }
  }
};

// Runs this executable under heaptrack in system mode; returns its ns per pair, or -1.
double heaptrack_child(const char* self, int threads, uint64_t ops) {
  std::string out = "/tmp/vigil-bench-heaptrack-" + std::to_string(getpid());
  std::string cmd = "heaptrack -o " + out + " " + self + " --mode=system --threads " +
                    std::to_string(threads) + " --ops " + std::to_string(ops) +
                    " 2>/dev/null | grep '^result'";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return -1;
  double ns = -1;
  if (fscanf(f, "result ns_per_pair=%lf", &ns) != 1) ns = -1;
  pclose(f);
  std::string rm = "rm -f " + out + "*";
  if (system(rm.c_str()) != 0) ns = -1;
  return ns;
}

int system_mode(int threads, uint64_t ops) {
  g_next_malloc = reinterpret_cast<MallocFn>(dlsym(RTLD_NEXT, "malloc"));
  g_next_free = reinterpret_cast<FreeFn>(dlsym(RTLD_NEXT, "free"));
  if (g_next_malloc == nullptr || g_next_free == nullptr) return 1;
  Pattern* pat = new Pattern(make_pattern(99));
  std::vector<double> v;
  for (int r = 0; r < 3; ++r) v.push_back(measure<System>(*pat, threads, ops));
  printf("result ns_per_pair=%.3f\n", median(v));
  delete pat;
  return 0;
}

}  // namespace

// The hook's counters since the start: a sample dropped for want of ring room skips the
// unwinding, so a run with many drops is cheaper than its rate says.
void print_hook_stats() {
  vigil::memprof::HookStats hs = vigil::memprof::hook_stats();
  printf("hook: %llu samples, %llu ring drops, %llu reentered\n",
         static_cast<unsigned long long>(hs.samples),
         static_cast<unsigned long long>(hs.ring_drops),
         static_cast<unsigned long long>(hs.reentered));
}

int main(int argc, char** argv) {
  uint64_t ops = 2000000;
  int runs = 7, threads_only = 0;
  bool system = false, heaptrack = true;
  // --rate R: measure only the hook tracing at R (for profiling); --rate 0: only the hook
  // with tracing off; --rate -1: only mimalloc direct.
  double only_rate = 0;
  bool only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mode=system")
      system = true;
    else if (a == "--ops" && i + 1 < argc)
      ops = strtoull(argv[++i], nullptr, 10);
    else if (a == "--no-heaptrack")
      heaptrack = false;
    else if (a == "--runs" && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads_only = atoi(argv[++i]);
    else if (a == "--rate" && i + 1 < argc)
      only_rate = strtod(argv[++i], nullptr), only = true;
    else {
      fprintf(
          stderr,
          "usage: %s [--ops N] [--runs N] [--no-heaptrack] | --mode=system --threads N | --rate R "
          "[--threads N]\n",
          argv[0]);
      return 2;
    }
  }
  if (system) return system_mode(threads_only > 0 ? threads_only : 1, ops);
  if (only) {
    Pattern* pat = new Pattern(make_pattern(99));
    int threads = threads_only > 0 ? threads_only : 1;
    if (only_rate > 0) {
      Drainer d(only_rate);
      printf("hook, tracing %g: %.2f ns/pair\n", only_rate, measure<Hooked>(*pat, threads, ops));
      print_hook_stats();
    } else if (only_rate == 0) {
      printf("hook, tracing off: %.2f ns/pair\n", measure<Hooked>(*pat, threads, ops));
    } else {
      printf("mimalloc direct: %.2f ns/pair\n", measure<Direct>(*pat, threads, ops));
    }
    delete pat;
    return 0;
  }

  Pattern* pat = new Pattern(make_pattern(99));
  printf("CPU ns per malloc/free pair, median of %d runs of %llu pairs per thread\n", runs,
         static_cast<unsigned long long>(ops));
  printf("%-28s %8s %10s %8s  %s\n", "mode", "threads", "ns/pair", "ratio",
         "spread (p25..p75 of per-run ratios)");
  for (int threads : {1, 2}) {
    // Interleave the modes run by run, so that machine noise hits all of them alike.
    std::vector<double> direct, off, r4, r2;
    for (int r = 0; r < runs; ++r) {
      direct.push_back(measure<Direct>(*pat, threads, ops));
      off.push_back(measure<Hooked>(*pat, threads, ops));
      {
        Drainer d(1e-4);
        r4.push_back(measure<Hooked>(*pat, threads, ops));
      }
      {
        Drainer d(1e-2);
        r2.push_back(measure<Hooked>(*pat, threads, ops));
      }
    }
    double base = median(direct);
    auto row = [&](const char* name, double ns) {
      printf("%-28s %8d %10.2f %7.2fx\n", name, threads, ns, ns / base);
    };
    auto row_spread = [&](const char* name, const std::vector<double>& v) {
      auto [lo, hi] = ratio_spread(v, direct);
      printf("%-28s %8d %10.2f %7.2fx  %.3f..%.3f\n", name, threads, median(v), median(v) / base,
             lo, hi);
    };
    row("mimalloc direct (baseline)", base);
    row_spread("hook, tracing off", off);
    row_spread("hook, tracing 1e-4", r4);
    row_spread("hook, tracing 1e-2", r2);
    double ht = heaptrack ? heaptrack_child(argv[0], threads, ops / 10) : -1;
    if (ht > 0)
      row("heaptrack (system malloc)", ht);
    else
      printf("%-28s %8d %10s\n", "heaptrack", threads, heaptrack ? "failed" : "not run");
    fflush(stdout);
  }
  print_hook_stats();
  delete pat;
  return 0;
}
