// The locking rule of hook.h, proved: the sampling path unwinds with libunwind, which walks
// the loaded objects under the dynamic loader's lock. Two threads allocate while tracing
// and a third dlopens and dlcloses a library in a loop; the test must end (no deadlock:
// meson's timeout fails a hang) and the records must make a valid trace.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <span>
#include <thread>
#include <vector>

#include "memprof/hook.h"
#include "memprof/symbolize.h"
#include "memprof/trace_encoder.h"
#include "trace/trace_reader.h"

using namespace vigil::memprof;

namespace {

struct BytesSink : vigil::trace::PacketSink {
  void on_packet(std::span<const uint8_t> p) override {
    bytes.insert(bytes.end(), p.begin(), p.end());
  }
  std::vector<uint8_t> bytes;
};

struct Count : vigil::trace::TraceVisitor {
  void on_alloc(const vigil::trace::AllocEvent&) override { ++allocs; }
  void on_collect(const vigil::trace::ObjectEvent&) override { ++collects; }
  int allocs = 0, collects = 0;
};

__attribute__((noinline)) void churn(std::atomic<bool>& stop) {
  void* slots[256] = {};
  for (size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
    size_t k = i % 256;
    free(slots[k]);
    slots[k] = malloc(16 + i % 512);
  }
  for (void* p : slots) free(p);
}

void reload(std::atomic<bool>& stop, std::atomic<int>& cycles) {
  while (!stop.load(std::memory_order_relaxed)) {
    void* h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return;
    dlclose(h);
    cycles.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

TEST_CASE("tracing on 2 threads while a third dlopens and dlcloses: no deadlock, valid trace") {
  SampleRecord r;
  while (hook_pop(&r)) {
  }
  vigil::Result<uint32_t> started = hook_start(1e-2, 31);
  REQUIRE(started.ok());
  uint32_t session = *started;
  std::atomic<bool> stop{false};
  std::atomic<int> cycles{0};
  std::vector<std::thread> threads;
  threads.emplace_back(reload, std::ref(stop), std::ref(cycles));
  for (int i = 0; i < 2; ++i) threads.emplace_back(churn, std::ref(stop));
  BytesSink sink;
  Symbolizer symbolizer;
  vigil::trace::TraceInfo info;
  info.sample_rate = 1e-2;
  info.executable_name = "test_memprof_hook";
  info.host_name = "h";
  info.pid = 1;
  info.start_time_us = 1;
  {
    HookQuiet quiet;  // this thread's encoding is not part of the trace
    TraceEncoder encoder(sink, symbolizer, info, session);
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < end) {
      while (hook_pop(&r)) encoder.add(r, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop = true;
    for (auto& t : threads) t.join();
    hook_stop();
    while (hook_pop(&r)) encoder.add(r, false);
    encoder.flush();
  }
  CHECK(cycles.load() > 10);
  vigil::trace::TraceReader reader;
  Count count;
  vigil::Status st = reader.read(sink.bytes, count);
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(count.allocs > 100);
  CHECK(count.collects > 0);
}
