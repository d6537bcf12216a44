// Helpers for the memtrace format tests: a packet sink that keeps everything, a visitor that
// keeps every event, and access to the reference traces in tests/data/memtrace.
// Thread: test thread only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

namespace vigil::trace::test {

// Keeps each packet, and the whole trace as their concatenation.
class VectorSink : public PacketSink {
 public:
  void on_packet(std::span<const uint8_t> packet) override {
    packets.emplace_back(packet.begin(), packet.end());
    bytes.insert(bytes.end(), packet.begin(), packet.end());
  }
  std::vector<std::vector<uint8_t>> packets;
  std::vector<uint8_t> bytes;
};

// One decoded event, with its backtrace copied out.
struct Event {
  enum Kind { kAlloc, kPromote, kCollect } kind;
  uint64_t time_us;
  int64_t obj_id;
  int64_t length = 0;
  int64_t nsamples = 0;
  Source source = Source::kExternal;
  std::vector<uint64_t> backtrace;

  // A promote or collect.
  static Event object(Kind kind, uint64_t time_us, int64_t obj_id) {
    Event e{};
    e.kind = kind;
    e.time_us = time_us;
    e.obj_id = obj_id;
    return e;
  }
};

class Collector : public TraceVisitor {
 public:
  void on_info(const TraceInfo& i, const PacketHeader& h) override {
    info = i;
    headers.push_back(h);
  }
  void on_packet(const PacketHeader& h) override { headers.push_back(h); }
  void on_location(uint64_t, uint64_t code, std::span<const Position> ps) override {
    locations.emplace_back(code, std::vector<Position>(ps.begin(), ps.end()));
  }
  void on_alloc(const AllocEvent& e) override {
    events.push_back({Event::kAlloc, e.time_us, e.obj_id, e.length, e.nsamples, e.source,
                      std::vector<uint64_t>(e.backtrace.begin(), e.backtrace.end())});
  }
  void on_promote(const ObjectEvent& e) override {
    events.push_back(Event::object(Event::kPromote, e.time_us, e.obj_id));
  }
  void on_collect(const ObjectEvent& e) override {
    events.push_back(Event::object(Event::kCollect, e.time_us, e.obj_id));
  }

  TraceInfo info;
  std::vector<PacketHeader> headers;
  std::vector<std::pair<uint64_t, std::vector<Position>>> locations;
  std::vector<Event> events;
};

inline std::string testdata_dir() {
  const char* env = std::getenv("VIGIL_TESTDATA");
  return std::string(env != nullptr ? env : VIGIL_TESTDATA) + "/memtrace";
}

// The bytes of a file in the reference directory; empty if it cannot be read.
inline std::string read_testdata(const std::string& name) {
  std::string out;
  FILE* f = std::fopen((testdata_dir() + "/" + name).c_str(), "rb");
  if (f == nullptr) return out;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline TraceInfo sample_info() {
  TraceInfo info;
  info.sample_rate = 1e-4;
  info.executable_name = "/usr/bin/vigil";
  info.host_name = "box";
  info.pid = 1;
  info.start_time_us = 1'700'000'000'000'000;
  return info;
}

}  // namespace vigil::trace::test
