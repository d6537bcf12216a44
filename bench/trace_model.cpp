// Benchmark: building the trace model (trace/trace_model.h) against reading the same trace
// with the reader alone, measured in the same run, and the model's memory against the trace.
// The trace is generated with TraceWriter: a server-shaped workload (2000 call paths of depth
// 8..30 over 3000 code addresses) where each allocation is freed 4096 allocations later, so
// the live set stays near 4096 objects however long the trace is. It is written twice, with
// 1.2 M and 2.4 M events: the model's heap should not grow with the events.
// Prints, per size, the median of 7 rounds of each, the spread (min..max) and the ratio of
// the medians (target: model <= 1.5 x reader), and the model's heap bytes (mallinfo2).
// Run: build/bench/bench_trace_model   (or --write FILE ALLOCS to write one such trace)
#include "trace/trace_model.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

namespace {

using namespace vigil::trace;

constexpr int kRounds = 7;
constexpr size_t kLive = 4096;

struct BytesSink : PacketSink {
  void on_packet(std::span<const uint8_t> p) override {
    bytes.insert(bytes.end(), p.begin(), p.end());
  }
  std::vector<uint8_t> bytes;
};

// `allocs` allocations, each collected kLive allocations later: about 2 x allocs events.
std::vector<uint8_t> make_trace(size_t allocs) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<uint64_t>> stacks(2000);
  for (auto& s : stacks) {
    s = {0x401000, 0x402000, 0x403000 + (rng() % 8) * 0x100};
    size_t depth = 5 + rng() % 23;
    for (size_t d = 0; d < depth; ++d) s.push_back(0x500000 + (rng() % 3000) * 0x40);
  }
  BytesSink sink;
  TraceInfo info;
  info.sample_rate = 1e-3;
  info.start_time_us = 1'700'000'000'000'000;
  TraceWriter w(sink, info);
  for (const auto& s : stacks) {
    for (uint64_t c : s) {
      Position p{"src/file.cpp", "ns::function_" + std::to_string(c % 977) + "()",
                 static_cast<uint32_t>(c % 500), 0, 0};
      w.define_location(info.start_time_us, c, {&p, 1});
    }
  }
  for (size_t i = 0; i < allocs; ++i) {
    uint64_t t = info.start_time_us + i * 10;
    // A skewed choice of stack: a few hot paths, many cold ones.
    size_t k = static_cast<size_t>(rng() % stacks.size());
    if (rng() % 4 != 0) k %= 50;
    (void)w.alloc(t, 1 + rng() % 64, 1 + (rng() % 8 == 0), stacks[k]);
    if (i >= kLive) (void)w.collect(t, i - kLive);
  }
  w.flush();
  return std::move(sink.bytes);
}

struct Counting : TraceVisitor {
  void on_alloc(const AllocEvent&) override { ++events; }
  void on_collect(const ObjectEvent&) override { ++events; }
  uint64_t events = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Spread {
  double median, min, max;
};
Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

void run(size_t allocs) {
  std::vector<uint8_t> trace = make_trace(allocs);
  std::vector<double> reader_s, model_s;
  uint64_t events = 0;
  size_t model_heap = 0;
  for (int r = 0; r < kRounds; ++r) {
    {
      TraceReader reader;
      Counting c;
      auto t0 = std::chrono::steady_clock::now();
      if (!reader.read(trace, c).ok()) std::puts("reader error");
      reader_s.push_back(seconds_since(t0));
      events = c.events;
    }
    {
      TraceReader reader;
      Counting warm;
      reader.read(trace, warm);  // the reader's own tables, so the delta below is the model's
      size_t before = mallinfo2().uordblks;
      TraceModel model(reader);
      auto t0 = std::chrono::steady_clock::now();
      if (!reader.read(trace, model).ok()) std::puts("model error");
      model_s.push_back(seconds_since(t0));
      model_heap = mallinfo2().uordblks - before;
    }
  }
  Spread a = spread(reader_s), b = spread(model_s);
  std::printf("trace: %zu bytes, %llu events\n", trace.size(),
              static_cast<unsigned long long>(events));
  std::printf("  reader only:  median %7.1f ms  (%.1f..%.1f)  %5.1f ns/event\n", a.median * 1e3,
              a.min * 1e3, a.max * 1e3, a.median * 1e9 / static_cast<double>(events));
  std::printf("  reader+model: median %7.1f ms  (%.1f..%.1f)  %5.1f ns/event\n", b.median * 1e3,
              b.min * 1e3, b.max * 1e3, b.median * 1e9 / static_cast<double>(events));
  std::printf("  ratio model/reader: %.2f (target <= 1.5)\n", b.median / a.median);
  std::printf("  model heap: %zu bytes = %.4f of the trace's bytes\n", model_heap,
              static_cast<double>(model_heap) / static_cast<double>(trace.size()));
}

}  // namespace

int main(int argc, char** argv) {
  // --write FILE ALLOCS: only write such a trace, to measure vigil-trace on it.
  if (argc == 4 && std::string(argv[1]) == "--write") {
    std::vector<uint8_t> trace = make_trace(std::stoul(argv[3]));
    FILE* f = std::fopen(argv[2], "wb");
    if (f == nullptr || std::fwrite(trace.data(), 1, trace.size(), f) != trace.size() ||
        std::fclose(f) != 0) {
      std::perror(argv[2]);
      return 1;
    }
    return 0;
  }
  run(600'000);
  run(1'200'000);
  return 0;
}
