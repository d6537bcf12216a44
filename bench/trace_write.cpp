// Benchmark: cost of encoding one sampled allocation with TraceWriter, against a naive encoder
// measured in the same run (every frame a cache miss, no common prefix, bytes appended one by
// one to a growing std::vector). Prints medians of 7 rounds and their ratio, plus the bytes
// each encoding spends per event.
// Run: build/bench/bench_trace_write
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "stats.h"
#include "trace/trace_writer.h"

namespace {

using vigil::bench::median;

using namespace vigil::trace;

constexpr int kEvents = 200000;
constexpr int kRounds = 7;

struct CountingSink : PacketSink {
  void on_packet(std::span<const uint8_t> p) override { bytes += p.size(); }
  uint64_t bytes = 0;
};

// A workload shaped like a server: 64 call paths of depth 12..28 over 600 code addresses,
// all sharing a few outer frames.
std::vector<std::vector<uint64_t>> make_stacks() {
  std::mt19937_64 rng(7);
  std::vector<std::vector<uint64_t>> stacks(64);
  for (auto& s : stacks) {
    s = {0x401000, 0x402000, 0x403000 + (rng() % 4) * 0x100};
    size_t depth = 9 + rng() % 17;
    for (size_t d = 0; d < depth; ++d) s.push_back(0x500000 + (rng() % 600) * 0x40);
  }
  return stacks;
}

double writer_round(const std::vector<std::vector<uint64_t>>& stacks, uint64_t& bytes) {
  CountingSink sink;
  TraceInfo info;
  info.start_time_us = 1'700'000'000'000'000;
  TraceWriter w(sink, info);
  for (const auto& s : stacks) {
    for (uint64_t c : s) w.define_location(info.start_time_us, c, {});
  }
  w.flush();
  uint64_t start_bytes = sink.bytes;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvents; ++i) {
    const auto& s = stacks[(static_cast<unsigned>(i) * 2654435761u) % stacks.size()];
    (void)w.alloc(info.start_time_us + static_cast<uint64_t>(i), 64, 1, s);
  }
  w.flush();
  auto t1 = std::chrono::steady_clock::now();
  bytes = sink.bytes - start_bytes;
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kEvents;
}

void push_le(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

double naive_round(const std::vector<std::vector<uint64_t>>& stacks, uint64_t& bytes) {
  std::vector<uint8_t> out;
  bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvents; ++i) {
    const auto& s = stacks[(static_cast<unsigned>(i) * 2654435761u) % stacks.size()];
    push_le(out, (2u << 25) | (static_cast<uint32_t>(i) & 0x1FFFFFF), 4);
    out.push_back(64);
    out.push_back(1);
    out.push_back(2);
    out.push_back(0);
    push_le(out, s.size(), 2);
    for (uint64_t c : s) {
      push_le(out, 3, 2);
      push_le(out, c, 8);
    }
    if (out.size() > 32000) {
      bytes += out.size() + 66;
      out = std::vector<uint8_t>();  // a fresh buffer per packet, as a naive writer would
    }
  }
  bytes += out.size() + 66;
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kEvents;
}

}  // namespace

int main() {
  auto stacks = make_stacks();
  std::vector<double> writer, naive;
  uint64_t wb = 0, nb = 0;
  for (int r = 0; r < kRounds; ++r) {
    naive.push_back(naive_round(stacks, nb));
    writer.push_back(writer_round(stacks, wb));
  }
  double w = median(writer), n = median(naive);
  std::printf("trace_write: %d alloc events, median of %d rounds\n", kEvents, kRounds);
  std::printf("  naive all-miss encoder: %7.1f ns/event  %6.1f bytes/event\n", n,
              static_cast<double>(nb) / kEvents);
  std::printf("  TraceWriter:            %7.1f ns/event  %6.1f bytes/event\n", w,
              static_cast<double>(wb) / kEvents);
  std::printf("  ratio writer/naive: time %.2fx, bytes %.2fx\n", w / n,
              static_cast<double>(wb) / static_cast<double>(nb));
  return 0;
}
