// ns per log call, vigil against spdlog, measured in the same run:
//   disabled: a debug call on a source at info (vigil VIGIL_LOG, spdlog SPDLOG_LOGGER_DEBUG);
//   enabled:  an info call with one int and one string argument, to an in-memory sink that
//             keeps the formatted line (both libraries format time, level and name).
// Prints the median of several rounds and the ratios. Run: build/bench/bench_log
#define SPDLOG_ACTIVE_LEVEL SPDLOG_LEVEL_TRACE
#include "logging/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Both sinks copy each line into the same kind of ring buffer, so only the logging
// libraries differ.
struct Buffer {
  char data[1 << 16];
  size_t used = 0;
  void append(const char* p, size_t n) {
    if (used + n > sizeof data) used = 0;
    std::memcpy(data + used, p, n);
    used += n;
  }
};

class VigilMemorySink : public vigil::logging::Sink {
 public:
  void write(std::string_view line) override { buf.append(line.data(), line.size()); }
  Buffer buf;
};

class SpdlogMemorySink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  Buffer buf;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buf.append(formatted.data(), formatted.size());
  }
  void flush_() override {}
};

template <class F>
double ns_per_call(F&& body, long calls) {
  auto start = Clock::now();
  for (long i = 0; i < calls; ++i) body(i);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(calls);
}

template <class F>
double median_ns(F&& body, long calls) {
  std::vector<double> rounds;
  for (int r = 0; r < 9; ++r) rounds.push_back(ns_per_call(body, calls));
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main() {
  vigil::logging::Source src("bench.log");
  VigilMemorySink vigil_sink;
  vigil::logging::set_sink(&vigil_sink);

  auto spd_sink = std::make_shared<SpdlogMemorySink>();
  auto spd = std::make_shared<spdlog::logger>("bench.log", spd_sink);
  spd->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-7l [%n] %v", spdlog::pattern_time_type::utc);

  src.set_level(vigil::logging::Level::info);
  spd->set_level(spdlog::level::info);
  const long kDisabledCalls = 50'000'000;
  double vigil_off =
      median_ns([&](long i) { VIGIL_LOG(src, debug, "value %ld", i); }, kDisabledCalls);
  double spd_off =
      median_ns([&](long i) { SPDLOG_LOGGER_DEBUG(spd, "value {}", i); }, kDisabledCalls);

  const long kEnabledCalls = 500'000;
  const char* word = "connection";
  double vigil_on = median_ns(
      [&](long i) { VIGIL_LOG(src, info, "accepted %s %ld from peer", word, i); }, kEnabledCalls);
  double spd_on = median_ns(
      [&](long i) { SPDLOG_LOGGER_INFO(spd, "accepted {} {} from peer", word, i); }, kEnabledCalls);
  vigil::logging::set_sink(nullptr);

  std::printf(
      "disabled call: vigil %.3f ns, spdlog %.3f ns, spdlog/vigil = %.1fx "
      "(target >= 10x, vigil < 1 ns)\n",
      vigil_off, spd_off, spd_off / vigil_off);
  std::printf(
      "enabled call:  vigil %.1f ns, spdlog %.1f ns, vigil/spdlog = %.2fx "
      "(target <= 1.00x)\n",
      vigil_on, spd_on, vigil_on / spd_on);
  return 0;
}
